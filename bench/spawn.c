/* spawn.c: the child of a round, as spawn.h says.
 * Must not: run a round in the caller's namespace. */
#define _GNU_SOURCE
#include "spawn.h"

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

static const char *const impl_names[IMPL_COUNT] = { "kernel", "ref", "posix" };

const char *impl_name(enum bench_impl impl)
{
    return impl >= 0 && impl < IMPL_COUNT ? impl_names[impl] : "?";
}

int impl_by_name(const char *name, enum bench_impl *out)
{
    for (int i = 0; i < IMPL_COUNT; i++)
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

/* In the child: namespace, environment, then this program in round mode. */
static void child(const struct spawn_config *cfg, enum bench_impl impl, const char *name, int nprocs, long ops,
                  const char *arena, int result_fd, pid_t coordinator)
{
    setpgid(0, 0);
    /* the round dies with the coordinator (round.c: its processes with it) */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != coordinator)
        _exit(3);
    if (unshare(CLONE_NEWIPC) < 0) {
        fprintf(stderr, "svipc-bench: a private IPC namespace: %s (run as root)\n", strerror(errno));
        _exit(3);
    }
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

int spawn_round(const struct spawn_config *cfg, enum bench_impl impl, const char *name, int nprocs, long ops,
                struct round_result *out)
{
    static unsigned serial;
    memset(out, 0, sizeof(*out));
    out->ops = ops;
    char arena[96];
    snprintf(arena, sizeof(arena), "/dev/shm/svipc-bench-%d-%u", (int)getpid(), serial++);
    int p[2];
    pid_t coordinator = getpid();
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
        child(cfg, impl, name, nprocs, ops, arena, p[1], coordinator);
    }
    setpgid(pid, pid);   /* both sides, so the kill below finds the group at once */
    close(p[1]);
    double deadline = now() + cfg->deadline;
    size_t got = 0;
    int overran = 0;
    while (got < sizeof(*out)) {
        int left = (int)((deadline - now()) * 1000);
        struct pollfd pf = { p[0], POLLIN, 0 };
        if (left <= 0 || poll(&pf, 1, left) == 0) {
            overran = 1;
            break;
        }
        ssize_t n = read(p[0], (char *)out + got, sizeof(*out) - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(p[0]);
    if (overran)
        kill(-pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (overran)
        kill(-pid, SIGKILL);   /* workers the runner left behind */
    unlink(arena);
    if (overran) {
        memset(out, 0, sizeof(*out));
        out->ops = ops;
        snprintf(out->why, sizeof(out->why), "the round overran its deadline of %.0f s and was killed", cfg->deadline);
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
