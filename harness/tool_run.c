/* tool_run.c: a puppet runs a util-linux program for a tool step (see
 * tool.h).  The program is forked from the puppet and exec'd, so it is in
 * the puppet's IPC and PID namespaces with its credentials (a capability
 * the puppet dropped stays dropped: puppet.c drops it from the bounding set
 * too); its environment is fixed (PATH, LC_ALL=C, TZ=UTC) plus what the
 * backend adds (the preload library and the arena, on the reference
 * runtime); it reads nothing (/dev/null) and keeps no descriptor of the
 * puppet's but KEEP_FD.  Its output is read until it ends or the deadline,
 * where it is killed.
 * Must not: use a shell, or sleep to wait: the pipes and the deadline are
 * polled. */
#define _GNU_SOURCE
#include "tool.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEARCH_PATH "/usr/bin:/bin:/usr/sbin:/sbin"
#define DEADLINE_MARGIN_NS 200000000LL   /* killed up to this long before the step's deadline, so its reply is in time */

int tool_known(const char *name)
{
    static const char *const tools[] = { "ipcmk", "ipcrm", "ipcs", "lsipc" };
    for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
        if (strcmp(name, tools[i]) == 0)
            return 1;
    return 0;
}

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Close every descriptor from 3 up but A and B (-1: none). */
static void close_all_but(int a, int b)
{
    int keep[2] = { a < b ? a : b, a < b ? b : a };
    unsigned from = 3;
    int ok = 1;
    for (int i = 0; i < 2 && ok; i++) {
        if (keep[i] < (int)from)
            continue;
        if ((unsigned)keep[i] > from)
            ok = syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0) == 0;
        from = (unsigned)keep[i] + 1;
    }
    if (ok && syscall(SYS_close_range, from, ~0U, 0) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX);            /* no close_range (gVisor) */
    for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        if (fd != a && fd != b)
            close(fd);
}

/* In the forked child: standard input from /dev/null, the outputs into
 * the pipes, no other descriptor but KEEP and REPORT (which closes at the
 * exec), then the program, searched on SEARCH_PATH.  If no exec works,
 * its errno goes to REPORT. */
static _Noreturn void exec_child(char **argv, char **envp, int out_fd, int err_fd, int report, int keep)
{
    int err = EBADF;
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
        err = errno;
        goto fail;
    }
    close_all_but(keep, report);
    signal(SIGPIPE, SIG_DFL);              /* the puppet ignores it; a program should not */
    char path[4096];
    err = ENOENT;
    for (const char *dirs = SEARCH_PATH; *dirs;) {
        size_t n = strcspn(dirs, ":");
        snprintf(path, sizeof(path), "%.*s/%s", (int)n, dirs, argv[0]);
        execve(path, argv, envp);
        if (errno != ENOENT)
            err = errno;
        dirs += n + (dirs[n] == ':');
    }
fail:
    if (write(report, &err, sizeof(err)) < 0)
        _exit(126);
    _exit(127);
}

long tool_run(const unsigned char *argv_data, size_t argv_len, int64_t deadline_ns, char *const *env, int keep_fd,
              unsigned char *out, size_t room, size_t *len)
{
    char *argv[TOOL_MAX_ARGS + 1];
    char words[8192];
    int argc = 0;
    *len = 0;
    if (argv_len == 0 || argv_len > sizeof(words) || room < sizeof(struct tool_reply) + argv_len) {
        errno = E2BIG;
        return -1;
    }
    memcpy(words, argv_data, argv_len);
    words[argv_len - 1] = '\0';
    for (size_t at = 0; at < argv_len && argc < TOOL_MAX_ARGS; at += strlen(words + at) + 1)
        argv[argc++] = words + at;
    argv[argc] = NULL;
    if (!tool_known(argv[0]) || strchr(argv[0], '/')) {
        errno = EPERM;
        return -1;
    }

    char *envp[16];
    int envc = 0;
    envp[envc++] = "PATH=" SEARCH_PATH;
    envp[envc++] = "LC_ALL=C";
    envp[envc++] = "TZ=UTC";
    for (int i = 0; env && env[i] && envc < 15; i++)
        envp[envc++] = env[i];
    envp[envc] = NULL;

    int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, failp[2] = { -1, -1 };
    if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(failp, O_CLOEXEC) < 0) {
        int e = errno;
        for (int i = 0; i < 2; i++) {
            if (outp[i] >= 0) close(outp[i]);
            if (errp[i] >= 0) close(errp[i]);
            if (failp[i] >= 0) close(failp[i]);
        }
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]), close(failp[0]), close(failp[1]);
        errno = e;
        return -1;
    }
    if (pid == 0)
        exec_child(argv, envp, outp[1], errp[1], failp[1], keep_fd);
    close(outp[1]);
    close(errp[1]);
    close(failp[1]);

    /* the header, the words, then the two outputs as they come */
    struct tool_reply head = { .pid = pid, .argv_len = (uint32_t)argv_len };
    unsigned char *words_at = out + sizeof(head);
    memcpy(words_at, argv_data, argv_len);
    size_t left = room - sizeof(head) - argv_len;
    size_t out_room = left > TOOL_ERR_MAX ? left - TOOL_ERR_MAX : 0;
    if (out_room > TOOL_OUT_MAX)
        out_room = TOOL_OUT_MAX;
    size_t err_room = left - out_room < TOOL_ERR_MAX ? left - out_room : TOOL_ERR_MAX;
    unsigned char err_buf[TOOL_ERR_MAX];
    unsigned char *out_at = words_at + argv_len;
    size_t out_len = 0, err_len = 0;
    int64_t start = now_ns(), end = deadline_ns > 0 ? deadline_ns : start + 5000000000LL;
    int64_t margin = (end - start) / 5 < DEADLINE_MARGIN_NS ? (end - start) / 5 : DEADLINE_MARGIN_NS;
    int64_t until = end - margin;

    int exec_err = 0;
    struct pollfd pfd[3] = { { outp[0], POLLIN, 0 }, { errp[0], POLLIN, 0 }, { failp[0], POLLIN, 0 } };
    int open_fds = 3;
    while (open_fds > 0) {
        int64_t wait = until - now_ns();
        if (wait <= 0) {
            kill(pid, SIGKILL);
            head.flags |= TOOL_TIMED_OUT;
            break;
        }
        struct timespec ts = { .tv_sec = wait / 1000000000LL, .tv_nsec = wait % 1000000000LL };
        int r = ppoll(pfd, 3, &ts, NULL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;
        for (int i = 0; i < 3; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            unsigned char chunk[4096];
            ssize_t n = read(pfd[i].fd, chunk, sizeof(chunk));
            if (n <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
                open_fds--;
                continue;
            }
            size_t take = (size_t)n;
            if (i == 0) {
                if (take > out_room - out_len) {
                    take = out_room - out_len;
                    head.flags |= TOOL_OUT_CUT;
                }
                memcpy(out_at + out_len, chunk, take);
                out_len += take;
            } else if (i == 1) {
                if (take > err_room - err_len)
                    take = err_room - err_len;
                memcpy(err_buf + err_len, chunk, take);
                err_len += take;
            } else if ((size_t)n >= sizeof(int)) {
                memcpy(&exec_err, chunk, sizeof(int));
            }
        }
    }
    for (int i = 0; i < 3; i++)
        if (pfd[i].fd >= 0)
            close(pfd[i].fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (exec_err) {
        errno = exec_err;
        return -1;
    }
    memcpy(out_at + out_len, err_buf, err_len);
    head.status = status;
    head.out_len = (uint32_t)out_len;
    head.err_len = (uint32_t)err_len;
    memcpy(out, &head, sizeof(head));
    *len = sizeof(head) + argv_len + out_len + err_len;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
