/* procfs.h - what /proc says about a process: whether it sleeps in a
 * system call, in which kernel function, in what state.
 *
 * Must not: decide what a sleep means for a scenario (the executors do).
 */
#ifndef SVIPC_PROCFS_H
#define SVIPC_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* The state letter of process PID (/proc/PID/stat), or 0 when it is gone. */
char proc_state_letter(pid_t pid);

/* 1 when process PID has finished exiting: reaped, or a zombie whose
 * every thread is gone (a zombie leader whose other threads still run, as
 * an emulator's helper threads do for a moment, cannot be waited for yet:
 * delay_group_leader), else 0. */
int proc_has_exited(pid_t pid);

/* /proc/PID/syscall into BUF: 1 when the process sleeps in a call (BUF
 * then holds "NR arg0 ..."), 0 when it runs or is being woken, -1 when it
 * is gone. */
int proc_sleeping_call(pid_t pid, char *buf, size_t size);

/* 1 when PID is asleep (S) in a kernel function whose name ends in
 * SUFFIX (/proc/PID/wchan), 0 when not, -1 when it is gone. */
int proc_asleep_in_function(pid_t pid, const char *suffix);

#endif
