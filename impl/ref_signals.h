/* ref_signals.h: the program's signal handlers, as the runtime must know
 * them to return EINTR as Linux does.
 *
 * Linux fails a blocking msgsnd, msgrcv or semop with EINTR when a handler
 * is to run at any instant after the call began and before it sleeps (the
 * sleep sees signal_pending and returns at once; signal(7): these calls
 * are never restarted, whatever SA_RESTART says).  The runtime decides to
 * block under its lock and sleeps on a futex afterwards, so a handler that
 * runs in between would go unnoticed.  Every handler the program installs
 * is therefore wrapped: the wrapper counts the handlers run on its thread
 * and bumps the futex word the thread is about to sleep on, so that the
 * futex wait cannot begin after a handler ran.  The same wrapper lets the
 * runtime copy the caller's memory without dying of a bad pointer: Linux
 * says EFAULT.
 * Must not: change which handler runs, its flags, mask or arguments, or
 * what sigaction reports to the program. */
#ifndef SVIPC_REF_SIGNALS_H
#define SVIPC_REF_SIGNALS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* sigaction(2), with a function handler wrapped; OLD is the program's own. */
int ref_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* signal(3) as the C library's: BSD semantics (SA_RESTART, the signal
 * blocked in its handler). */
void (*ref_signal(int sig, void (*handler)(int)))(int);

/* System V's signal: the handler is reset before it runs (SA_RESETHAND,
 * SA_NODEFER). */
void (*ref_sysv_signal(int sig, void (*handler)(int)))(int);

/* From now on a fault (SIGSEGV, SIGBUS) inside ref_copy_guarded is the
 * copy's failure, not the process's death; any other fault still reaches
 * the program's handler, or kills the process as it would have. */
void ref_signals_guard_faults(void);

/* memcpy(DST, SRC, N) where either side may be the caller's memory: 0, or
 * -EFAULT when it faulted (as the kernel's copy_from_user and copy_to_user
 * fail; bytes before the fault may have been copied). */
int ref_copy_guarded(void *dst, const void *src, size_t n);

/* Handlers run on this thread so far. */
unsigned long ref_signals_seen(void);

/* While WORD is set, a handler run on this thread adds one to *WORD
 * (NULL: none). */
void ref_signals_watch(uint32_t *word);

#endif
