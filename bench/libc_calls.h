/* libc_calls.h: System V IPC through the C library's functions, as an
 * ipc_calls table (harness/calls.h): the kernel's calls, or whatever
 * library LD_PRELOAD puts in front of them (the reference runtime's
 * libsvipc-ref.so, or an implementation under test).
 * Must not: make system calls itself (a preloaded library would be bypassed). */
#ifndef SVIPC_BENCH_LIBC_CALLS_H
#define SVIPC_BENCH_LIBC_CALLS_H

#include "calls.h"

extern const struct ipc_calls libc_calls;

#endif
