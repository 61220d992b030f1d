/* kernel_calls.h: the kernel's System V IPC as an ipc_calls table (calls.h),
 * made the way the C library makes each call on this architecture: direct
 * system calls on x86_64 and aarch64; direct with IPC_64 on armhf; the ipc(2)
 * multiplexer with IPC_64 on i386.  Raw system calls, so no C library
 * wrapper changes arguments or results.
 * Must not: know about scenarios or backends. */
#ifndef SVIPC_KERNEL_CALLS_H
#define SVIPC_KERNEL_CALLS_H

#include "calls.h"

extern const struct ipc_calls kernel_calls;

#endif
