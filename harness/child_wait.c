/* child_wait.c: a child's end awaited with a deadline (child_wait.h).
 * Must not: reap the child or send it a signal. */
#define _GNU_SOURCE
#include "child_wait.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t child_wait_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int child_ended_by(pid_t pid, uint64_t deadline_ns, const sigset_t *chld)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), ended = 0;
    for (;;) {
        siginfo_t info;
        memset(&info, 0, sizeof(info));
        if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) {
            ended = 1;
            break;
        }
        uint64_t now = child_wait_now_ns();
        if (now >= deadline_ns)
            break;
        uint64_t left = deadline_ns - now;
        if (pidfd >= 0) {
            struct pollfd p = { .fd = pidfd, .events = POLLIN };
            poll(&p, 1, (int)(left / 1000000u) + 1);
        } else {
            struct timespec t = { .tv_sec = (time_t)(left / 1000000000u), .tv_nsec = (long)(left % 1000000000u) };
            sigtimedwait(chld, NULL, &t);
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    return ended;
}
