/* kernel_calls.h: the kernel's System V IPC as an ipc_calls table (calls.h),
 * made the way the C library makes each call on this architecture: direct
 * system calls on x86_64 and aarch64; direct with IPC_64 on armhf; the ipc(2)
 * multiplexer with IPC_64 on i386.  Raw system calls, so no C library
 * wrapper changes arguments or results.
 * Must not: know about scenarios or backends. */
#ifndef SVIPC_KERNEL_CALLS_H
#define SVIPC_KERNEL_CALLS_H

#include "calls.h"
#include "wire.h"

extern const struct ipc_calls kernel_calls;

/* The calls through the ipc(2) multiplexer, where the architecture has it
 * (i386: kernel_calls are those already), else NULL; CTX is the request's
 * flags (wire.h): WIRE_IPC_OLD asks for a ctl command's old structures
 * (no IPC_64), WIRE_IPC_V1 makes each the call's version 1. */
#if defined(__i386__)
#define KERNEL_IPC_CALLS (&kernel_calls)
#else
#define KERNEL_IPC_CALLS NULL
#endif

#endif
