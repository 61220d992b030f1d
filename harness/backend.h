/* backend.h: an implementation of System V IPC under test, as the harness
 * sees it.  Three exist: the host kernel (backend_kernel.c), the reference
 * runtime (backend_ref.c) and the sequential model (exec_model.c).  A
 * backend names the executor that runs its scenario processes (executor.h)
 * and, for puppets, the calls they make (calls.h) with the hooks that give
 * each scenario a fresh instance and tell a blocked process.
 * Must not: hold per-scenario state outside what begin_scenario sets up. */
#ifndef SVIPC_BACKEND_H
#define SVIPC_BACKEND_H

#include "calls.h"
#include "ops.h"

#include <stddef.h>
#include <sys/types.h>

struct executor_ops;

struct backend {
    const char *name;
    const struct executor_ops *executor;

    /* 0 if the backend can run on this system, else -1 and WHY filled. */
    int (*available)(char *why, size_t size);

    /* Puppets only (NULL for the model). */
    /* In the runner, before a scenario's processes are started: a fresh,
     * private instance (kernel: a new IPC namespace). */
    int (*begin_scenario)(char *why, size_t size);
    /* Whether process PID (as the runner sees it) is asleep inside the
     * blocking call of OP: 1 yes, 0 no (running, or asleep elsewhere), -1
     * it cannot be told (the process is gone). */
    int (*blocked_in)(pid_t pid, const struct op_desc *op);
    /* Optional: a descriptor every puppet must hold (at BACKEND_FD), or -1. */
    int (*scenario_fd)(void);
    /* Optional: process PID (as the scenario's processes see it) is dead
     * and reaped or about to be: its exit is applied before the next step,
     * as the kernel's is before anyone can see it dead. */
    void (*process_gone)(pid_t pid);
    /* Puppet side, optional: set-up in every puppet (forked or exec'd),
     * 0 or -1 with WHY; fork; a change of ids, groups or capabilities. */
    int (*puppet_start)(char *why, size_t size);
    pid_t (*fork)(void);
    void (*credentials_changed)(void);
    /* Puppet side, optional: what a program run by a tool step needs to
     * be on this implementation: "NAME=value" strings (NULL-terminated,
     * the backend's to keep) and in *KEEP_FD a descriptor it must inherit
     * (or -1); NULL with errno when it cannot be. */
    char *const *(*tool_environment)(int *keep_fd);
    /* Puppet side: the calls, as a program makes them; and through ipc(2)
     * for via= steps (CTX: the request's flags), or NULL where there is none. */
    const struct ipc_calls *calls;
    const struct ipc_calls *ipc_calls;
};

extern const struct backend backend_kernel;
extern const struct backend backend_model;
extern const struct backend backend_ref;

/* The descriptor a puppet finds its backend's scenario_fd at. */
#define BACKEND_FD 5

/* The backend called NAME, or NULL. */
const struct backend *backend_by_name(const char *name);

#endif
