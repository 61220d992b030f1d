/* spawn.c: the child of a round, as spawn.h says.
 * Must not: run a round in the caller's namespace. */
#define _GNU_SOURCE
#include "spawn.h"

#include "round_text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const impl_names[IMPL_COUNT] = { "kernel", "ref", "posix", "target" };

const char *impl_name(enum bench_impl impl)
{
    return impl >= 0 && impl < IMPL_COUNT ? impl_names[impl] : "?";
}

int impl_by_name(const char *name, enum bench_impl *out)
{
    for (int i = 0; i < IMPL_TARGET; i++)
        if (strcmp(name, impl_names[i]) == 0) {
            *out = (enum bench_impl)i;
            return 0;
        }
    return -1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* In a round's process: a process group of its own, death with the
 * coordinator (round.c: its processes with it), a private IPC namespace. */
static void enter_round(pid_t coordinator)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != coordinator)
        _exit(3);
    if (unshare(CLONE_NEWIPC) < 0) {
        fprintf(stderr, "svipc-bench: a private IPC namespace: %s (run as root)\n", strerror(errno));
        _exit(3);
    }
}

/* In the child: namespace, environment, then this program in round mode. */
static void child(const struct spawn_config *cfg, enum bench_impl impl, const char *name, int nprocs, long ops,
                  const char *arena, int result_fd, pid_t coordinator)
{
    enter_round(coordinator);
    if (dup2(result_fd, 3) < 0)
        _exit(3);
    if (impl == IMPL_REF) {
        setenv("LD_PRELOAD", cfg->preload, 1);
        setenv("SVIPC_REF_ARENA", arena, 1);
    } else {
        unsetenv("LD_PRELOAD");
    }
    char n[16], o[32];
    snprintf(n, sizeof(n), "%d", nprocs);
    snprintf(o, sizeof(o), "%ld", ops);
    char *argv[] = { (char *)cfg->self, "--round", (char *)impl_name(impl), (char *)name, n, o,
                     cfg->inject_miscount ? "--inject-miscount" : NULL, NULL };
    execv(cfg->self, argv);
    fprintf(stderr, "svipc-bench: %s: %s\n", cfg->self, strerror(errno));
    _exit(3);
}

/* The parent's side of a round's child PID: its output on FD read into
 * BUF (until EOF, SIZE bytes or DEADLINE seconds), the child waited for,
 * its process group killed when it overran.  1 when it overran, else 0. */
static int collect(pid_t pid, int fd, double seconds, char *buf, size_t size, size_t *got, int *status)
{
    setpgid(pid, pid);   /* both sides, so the kill below finds the group at once */
    double deadline = now() + seconds;
    int overran = 0;
    *got = 0;
    while (*got < size) {
        int left = (int)((deadline - now()) * 1000);
        struct pollfd pf = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&pf, 1, left) == 0) {
            overran = 1;
            break;
        }
        ssize_t n = read(fd, buf + *got, size - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        *got += (size_t)n;
    }
    close(fd);
    if (overran)
        kill(-pid, SIGKILL);
    while (waitpid(pid, status, 0) < 0 && errno == EINTR)
        ;
    if (overran)
        kill(-pid, SIGKILL);   /* workers the runner left behind */
    return overran;
}

static void overran_result(struct round_result *out, long ops, double seconds)
{
    memset(out, 0, sizeof(*out));
    out->ops = ops;
    snprintf(out->why, sizeof(out->why), "the round overran its deadline of %.3g s and was killed", seconds);
}

/* A round's process of OPS operations (OUT emptied for it), which reports
 * on a pipe: its pid, and the pipe's end to read in *RESULT_FD; 0 in the
 * process itself, its end to write in *REPORT_FD; -1 with OUT's why. */
static pid_t fork_round(struct round_result *out, long ops, int *result_fd, int *report_fd)
{
    memset(out, 0, sizeof(*out));
    out->ops = ops;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(out->why, sizeof(out->why), "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out->why, sizeof(out->why), "fork: %s", strerror(errno));
        close(p[0]), close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        *report_fd = p[1];
        return 0;
    }
    close(p[1]);
    *result_fd = p[0];
    return pid;
}

int spawn_round(const struct spawn_config *cfg, enum bench_impl impl, const char *name, int nprocs, long ops,
                struct round_result *out)
{
    static unsigned serial;
    char arena[96];
    snprintf(arena, sizeof(arena), "/dev/shm/svipc-bench-%d-%u", (int)getpid(), serial++);
    pid_t coordinator = getpid();
    int result_fd, report_fd;
    pid_t pid = fork_round(out, ops, &result_fd, &report_fd);
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(cfg, impl, name, nprocs, ops, arena, report_fd, coordinator);
    size_t got;
    int status;
    int overran = collect(pid, result_fd, cfg->deadline, (char *)out, sizeof(*out), &got, &status);
    unlink(arena);
    if (overran) {
        overran_result(out, ops, cfg->deadline);
        return -1;
    }
    if (got != sizeof(*out)) {
        memset(out, 0, sizeof(*out));
        out->ops = ops;
        snprintf(out->why, sizeof(out->why), "the round's process ended without a result (status %#x)", status);
        return -1;
    }
    return out->ok ? 0 : -1;
}

/* In the child of a target's round: namespace, output, then the worker
 * under the target's command. */
static void target_child(const struct spawn_config *cfg, const struct bench_target *t, const char *name, int nprocs,
                         long ops, int result_fd, pid_t coordinator)
{
    /* under qemu-user or a wrapper the calls reach this kernel: never the
     * host's namespace; gVisor has its own inside the sandbox anyway */
    enter_round(coordinator);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0 || dup2(result_fd, 1) < 0)
        _exit(3);
    unsetenv("LD_PRELOAD");
    char n[16], o[32];
    snprintf(n, sizeof(n), "%d", nprocs);
    snprintf(o, sizeof(o), "%ld", ops);
    char *argv[BENCH_TARGET_WORDS + 8];
    int k = 0;
    for (int i = 0; t->launch[i]; i++)
        argv[k++] = t->launch[i];
    argv[k++] = (char *)t->worker;
    argv[k++] = (char *)name;
    argv[k++] = n;
    argv[k++] = o;
    if (cfg->inject_miscount)
        argv[k++] = "--inject-miscount";
    argv[k] = NULL;
    execvp(argv[0], argv);
    fprintf(stderr, "svipc-bench: %s: %s\n", argv[0], strerror(errno));
    _exit(3);
}

int spawn_target_round(const struct spawn_config *cfg, const struct bench_target *t, const char *name, int nprocs,
                       long ops, struct round_result *out, char *inside, size_t inside_size)
{
    if (inside_size)
        inside[0] = 0;
    pid_t coordinator = getpid();
    int result_fd, report_fd;
    pid_t pid = fork_round(out, ops, &result_fd, &report_fd);
    if (pid < 0)
        return -1;
    if (pid == 0)
        target_child(cfg, t, name, nprocs, ops, report_fd, coordinator);
    char text[8192];
    size_t got;
    int status;
    double seconds = cfg->deadline * t->deadline_factor;
    if (collect(pid, result_fd, seconds, text, sizeof(text) - 1, &got, &status)) {
        overran_result(out, ops, seconds);
        return -1;
    }
    if (round_text_decode(text, got, out, inside, inside_size) < 0) {
        char why[sizeof(out->why)];
        snprintf(why, sizeof(why), "%s", out->why);
        snprintf(out->why, sizeof(out->why), "%.50s under %.30s: %.120s (status %#x)", t->worker, t->launch[0], why, status);
        out->ops = ops;
        return -1;
    }
    if (out->ok && out->ops != ops) {
        snprintf(out->why, sizeof(out->why), "the worker ran %ld operations, %ld asked for", out->ops, ops);
        out->ok = 0;
    }
    if (out->ok && t->machine) {
        /* the round ran where it should: the emulated architecture's uname */
        const char *m = strchr(inside, ' ') ? strchr(strchr(inside, ' ') + 1, ' ') : NULL;
        if (!m || strncmp(m + 1, t->machine, strlen(t->machine)) != 0) {
            snprintf(out->why, sizeof(out->why), "the worker saw \"%.100s\", not a %s machine", inside, t->machine);
            out->ok = 0;
        }
    }
    if (out->ok && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        snprintf(out->why, sizeof(out->why), "%.100s ended with status %#x after its result", t->launch[0], status);
        out->ok = 0;
    }
    return out->ok ? 0 : -1;
}
