/* child_wait.h: whether a child process ends by a deadline, without
 * reaping it (its exit status and its process group stay for the caller):
 * seen by its pidfd, or where there is none (gVisor has no pidfd_open)
 * by SIGCHLD, which the caller blocks before the fork and passes here.
 * Must not: reap the child, send it anything, or wait past the deadline. */
#ifndef SVIPC_CHILD_WAIT_H
#define SVIPC_CHILD_WAIT_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t child_wait_now_ns(void);

/* 1 when child PID has ended by DEADLINE_NS (child_wait_now_ns), else 0.
 * CHLD: SIGCHLD alone, blocked by the caller since before the fork. */
int child_ended_by(pid_t pid, uint64_t deadline_ns, const sigset_t *chld);

#endif
