/* stress_target.c: the recording half of `svipc stress` run on a target
 * (stress_target.h): which command runs svipc there, and the history it
 * writes on its standard output read back here.  The pipe is copied to an
 * unnamed file (O_TMPFILE: nothing to remove, whatever ends this process)
 * with a deadline, then read as any recorded history; the child is in a
 * process group of its own, asked to end at the deadline (then killed
 * whole), and asked to end when this process dies.
 * Must not: check the history, or leave the child or a file behind. */
#define _GNU_SOURCE
#include "stress_target.h"

#include "child_wait.h"
#include "paths.h"
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Copy WORDS into OUT (at most MAX - 1 of them, NULL after), their bytes
 * in STORAGE: 0, or -1 when they do not fit. */
static int keep_words(char *const *words, int n, char **out, int max, char *storage, size_t storage_size)
{
    size_t used = 0;
    if (n >= max)
        return -1;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(words[i]) + 1;
        if (used + len > storage_size)
            return -1;
        out[i] = memcpy(storage + used, words[i], len);
        used += len;
    }
    out[n] = NULL;
    return 0;
}

int stress_target_command(const char *spec, const char *exe, char **words, int max_words, char *storage,
                          size_t storage_size, char *why, size_t size)
{
    char *w[TARGET_MAX_WORDS + 2];
    int n = 0;
    char emulator[4096];
    struct target t;
    if (strcmp(spec, "qemu-x86_64") == 0) {
        /* this program itself under qemu-user: the guest is this architecture */
#if defined(__x86_64__)
        if (path_search("qemu-x86_64", emulator, sizeof(emulator)) < 0) {
            snprintf(why, size, "target qemu-x86_64 needs qemu-x86_64 (Debian's qemu-user: ci/install-deps.sh "
                     "targets)");
            return 1;
        }
        w[n++] = emulator;
        w[n++] = (char *)exe;
#else
        snprintf(why, size, "stress on qemu-x86_64 runs svipc itself under the emulator: this svipc is not an "
                 "x86_64 program");
        return 1;
#endif
    } else if (strncmp(spec, "qemu-", 5) == 0) {
        if (target_resolve(spec, exe, &t, why, size) < 0 && strncmp(why, "unknown", 7) == 0)
            return -1;
        snprintf(why, size, "stress on %s is not supported: its workers would be svipc built for %s, and this "
                 "build makes only the catalog's puppets for it (qemu-x86_64, gvisor and exec:CMD run stress)",
                 spec, spec + 5);
        return 1;
    } else if (strcmp(spec, "linux-6.1") == 0) {
        snprintf(why, size, "stress on linux-6.1 is not supported: the VM's serial line carries the catalog "
                 "runner's jobs, not a history (qemu-x86_64, gvisor and exec:CMD run stress)");
        return 1;
    } else {
        if (target_resolve(spec, exe, &t, why, size) < 0)
            return strncmp(why, "unknown", 7) == 0 ? -1 : 1;
        if (t.runner[0]) {
            /* gvisor: the sandbox's command (runsc ... do), then this program */
            for (int i = 0; t.runner[i] && strcmp(t.runner[i], exe) != 0; i++)
                w[n++] = t.runner[i];
            w[n++] = (char *)exe;
        } else if (t.launch[0]) {
            /* exec:CMD: its words, then this program (launch's last word) */
            for (int i = 0; t.launch[i]; i++)
                w[n++] = t.launch[i];
        } else {
            snprintf(why, size, "%s is this kernel: svipc stress without --target", spec);
            return 1;
        }
    }
    if (keep_words(w, n, words, max_words, storage, storage_size) < 0) {
        snprintf(why, size, "target %s: its command is too long", spec);
        return 1;
    }
    return 0;
}

static double now_s(void)
{
    return (double)child_wait_now_ns() / 1e9;
}

static int write_all(int fd, const char *buf, ssize_t n)
{
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        off += w;
    }
    return 0;
}

/* The child's messages, each line after PREFIX ("[gvisor] "), on this
 * process's standard error; *AT_START: whether the next byte starts a line. */
static void pass_messages(const char *prefix, const char *buf, ssize_t n, int *at_start)
{
    for (ssize_t i = 0; i < n;) {
        if (*at_start)
            (void)write_all(STDERR_FILENO, prefix, (ssize_t)strlen(prefix));
        const char *nl = memchr(buf + i, '\n', (size_t)(n - i));
        ssize_t len = nl ? nl - (buf + i) + 1 : n - i;
        (void)write_all(STDERR_FILENO, buf + i, len);
        *at_start = nl != NULL;
        i += len;
    }
}

/* Copy what OUT gives to TO, and what ERR gives to this process's
 * standard error (each line after PREFIX), until OUT's end or DEADLINE
 * (now_s): 0 at the end, 1 at the deadline, -1 on an error (errno).  The
 * child's messages pass through here, not through an inherited
 * descriptor: a sandbox writing a shared file at its own offset would
 * overwrite this process's lines. */
static int copy_until(int out, int err, int to, const char *prefix, double deadline)
{
    char buf[1 << 16];
    int err_open = 1, at_start = 1;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0)
            return 1;
        struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = err_open ? err : -1, .events = POLLIN } };
        int r = poll(p, 2, left > 1 ? 1000 : (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (p[1].revents) {
            ssize_t n = read(err, buf, sizeof(buf));
            if (n > 0)
                pass_messages(prefix, buf, n, &at_start);
            else if (n == 0 || errno != EINTR)
                err_open = 0;
        }
        if (!p[0].revents)
            continue;
        ssize_t n = read(out, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        if (write_all(to, buf, n) < 0)
            return -1;
    }
    /* what it still says (its last messages), until it closes them */
    while (err_open) {
        double left = deadline - now_s();
        struct pollfd p = { .fd = err, .events = POLLIN };
        int r = left > 0 ? poll(&p, 1, (int)(left * 1000) + 1) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = read(err, buf, sizeof(buf));
        if (n <= 0)
            break;
        pass_messages(prefix, buf, n, &at_start);
    }
    if (!at_start)
        (void)write_all(STDERR_FILENO, "\n", 1);
    return 0;
}

/* Ask child PID to end (SIGTERM: a sandbox cleans up), and end its whole
 * group if it has not within STOP_GRACE_S.  CHLD: as child_ended_by's. */
#define STOP_GRACE_S 10
static void stop_child(pid_t pid, const sigset_t *chld)
{
    kill(pid, SIGTERM);
    child_ended_by(pid, child_wait_now_ns() + STOP_GRACE_S * 1000000000ULL, chld);
    kill(-pid, SIGKILL);
}

/* An unnamed file for the history: in $TMPDIR, or /tmp. */
static int unnamed_file(void)
{
    const char *dir = getenv("TMPDIR");
    int fd = open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && dir && *dir)
        fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    return fd;
}

int stress_target_record(char *const *argv, const char *label, double deadline_s, struct stress_history *h,
                         int *status, char *why, size_t size)
{
    *status = -1;
    memset(h, 0, sizeof(*h));
    int file = unnamed_file(), pipefd[2] = { -1, -1 }, errfd[2] = { -1, -1 };
    if (file < 0 || pipe2(pipefd, O_CLOEXEC) < 0 || pipe2(errfd, O_CLOEXEC) < 0) {
        snprintf(why, size, "%s: no unnamed file in %s or pipe for its history: %s", label,
                 getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", strerror(errno));
        for (int i = 0; i < 2; i++) {
            if (pipefd[i] >= 0)
                close(pipefd[i]);
            if (errfd[i] >= 0)
                close(errfd[i]);
        }
        if (file >= 0)
            close(file);
        return -1;
    }
    fflush(NULL);
    sigset_t chld, before;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &before);    /* its end stays pending for child_ended_by */
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &before, NULL);
        setpgid(0, 0);
        /* it ends with svipc: asked (runsc removes its sandbox and its
         * state directory on SIGTERM, none of it on SIGKILL) */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(pipefd[1], STDOUT_FILENO);        /* dup2 clears close-on-exec */
        dup2(errfd[1], STDERR_FILENO);
        int null = open("/dev/null", O_RDONLY);  /* no terminal to stop it (SIGTTIN) */
        if (null >= 0)
            dup2(null, STDIN_FILENO);
        execv(argv[0], argv);
        fprintf(stderr, "svipc stress: %s: cannot start %s: %s\n", label, argv[0], strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    close(errfd[1]);
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &before, NULL);
        snprintf(why, size, "%s: cannot start %s: %s", label, argv[0], strerror(errno));
        close(pipefd[0]);
        close(errfd[0]);
        close(file);
        return -1;
    }
    setpgid(pid, pid);                 /* whichever runs first */
    double deadline = now_s() + deadline_s;
    char prefix[160];
    snprintf(prefix, sizeof(prefix), "[%s] ", label);
    int copied = copy_until(pipefd[0], errfd[0], file, prefix, deadline);
    int copy_errno = errno;
    close(pipefd[0]);
    close(errfd[0]);
    if (copied != 0 || !child_ended_by(pid, (uint64_t)(deadline * 1e9), &chld))
        stop_child(pid, &chld);
    /* ended (left unreaped, so that its group's number is not reused):
     * then anything of its group left behind, then reaped */
    siginfo_t info;
    while (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR)
        ;
    kill(-pid, SIGKILL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    sigprocmask(SIG_SETMASK, &before, NULL);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (copied != 0) {
        if (copied > 0)
            snprintf(why, size, "%s: no whole history after %.0f s: killed", label, deadline_s);
        else
            snprintf(why, size, "%s: reading its history: %s", label, strerror(copy_errno));
        close(file);
        return -1;
    }
    if (lseek(file, 0, SEEK_END) == 0) {
        snprintf(why, size, "%s wrote no history (it ended %s %d; its messages are above)", label,
                 WIFEXITED(st) ? "with status" : "by signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        close(file);
        return -1;
    }
    FILE *f = lseek(file, 0, SEEK_SET) == 0 ? fdopen(file, "r") : NULL;
    if (!f) {
        snprintf(why, size, "%s: reading its history back: %s", label, strerror(errno));
        close(file);
        return -1;
    }
    int rc = stress_history_read(f, label, h, why, size);
    fclose(f);
    if (rc < 0 && *status != 2)
        snprintf(why + strlen(why), size - strlen(why), " (it ended %s %d)", WIFEXITED(st) ? "with status" : "by signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return rc;
}
