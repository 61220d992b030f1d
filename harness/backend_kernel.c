/* backend_kernel.c: the host kernel as a backend.  Every call is a raw
 * syscall(2), so no libc wrapper changes arguments or results.  Isolation is
 * a fresh IPC namespace per scenario; blocking is read from
 * /proc/PID/syscall (the number of the call the process sleeps in).
 * Must not: create IPC objects in the caller's namespace. */
#define _GNU_SOURCE
#include "backend.h"

#include "executor.h"
#include "kernel_calls.h"
#include "procfs.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int kernel_available(char *why, size_t size)
{
    return userns_isolation("kernel", why, size);
}

static int kernel_begin_scenario(char *why, size_t size)
{
    if (unshare(CLONE_NEWIPC) < 0) {
        snprintf(why, size, "unshare(CLONE_NEWIPC): %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Asleep in the very system call of the operation (ops.c names it). */
static int kernel_blocked_in(pid_t pid, const struct op_desc *op)
{
    char buf[256];
    int asleep = proc_sleeping_call(pid, buf, sizeof(buf));
    if (asleep <= 0)
        return asleep;
    return op->host_nr >= 0 && strtol(buf, NULL, 10) == op->host_nr;
}

const struct backend backend_kernel = {
    .name = "kernel",
    .executor = &executor_puppets,
    .available = kernel_available,
    .begin_scenario = kernel_begin_scenario,
    .blocked_in = kernel_blocked_in,
    .calls = &kernel_calls,
    .ipc_calls = KERNEL_IPC_CALLS,
};

const struct backend *backend_by_name(const char *name)
{
    if (strcmp(name, "kernel") == 0)
        return &backend_kernel;
    if (strcmp(name, "model") == 0)
        return &backend_model;
    if (strcmp(name, "ref") == 0)
        return &backend_ref;
    return NULL;
}
