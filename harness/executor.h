/* executor.h: the seam between the one step engine (engine.c) and an
 * implementation's processes.  The engine owns a scenario's state machine:
 * which process is idle, blocked, woken or gone, the trace, the checks and
 * the deadlines.  An executor owns the processes themselves: how one is
 * started, how it performs a request, how "asleep inside this call" is
 * established, how a signal reaches it and how it is reaped.
 *
 * Two executors exist: puppets (exec_puppet.c: real processes driven over
 * a channel, for the kernel and the reference runtime) and the model
 * (exec_model.c: simulated processes calling the sequential model in this
 * process).  Adding an implementation means adding a backend (backend.h)
 * that names one of them, or a new executor behind this interface.
 * Must not: decide whether an outcome is expected (the engine does), or
 * sleep to decide anything: every answer is observed or computed. */
#ifndef SVIPC_EXECUTOR_H
#define SVIPC_EXECUTOR_H

#include "request.h"
#include "result.h"
#include "scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct backend;
struct runner_env;

/* Starting a program (a tool step's, an exec step's, or a puppet through
 * an emulator or wrapper: an exec, the loader, the program's own start-up;
 * in a sandbox or emulator each costs what a fork does) has this many step
 * deadlines, within the scenario's. */
#define PROGRAM_START_DEADLINES 4

/* What became of a process asked to do something. */
enum x_status {
    X_DONE,        /* the call returned: ret, err, and the bytes it wrote */
    X_FAULT,       /* a memory step faulted: sig */
    X_BLOCKED,     /* it is asleep inside the call */
    X_GONE,        /* it ended (an exit step, or it died): detail, sig when killed */
    X_NO_ANSWER,   /* nothing came within the deadline */
    X_ERROR,       /* the harness could not do it: detail */
};

struct x_reply {
    enum x_status status;
    long ret;
    int err;
    int sig;
    const unsigned char *data;         /* valid until the next call into the executor */
    size_t len;
    uint32_t wrote, beyond;            /* what the call wrote where it should not (calls.h) */
    char detail[200];
};

/* How settle looks at a blocked process. */
enum x_settle {
    X_LOOK,        /* is it still asleep?  X_BLOCKED, or how it ended its call */
    X_FINISH,      /* its call has a timeout of its own: wait for it to end */
};

struct executor;

struct executor_ops {
    const char *name;
    /* A scenario's processes: the instance is fresh and private (a new
     * namespace, a new arena, a new model); the initial processes are
     * started.  NULL with *STATUS (SC_SKIP, SC_ERROR) and WHY when it
     * cannot be. */
    struct executor *(*begin)(const struct scenario *s, const struct backend *be, const struct runner_env *env,
                              enum scenario_status *status, char *why, size_t size);
    /* Everything of the scenario goes: processes, namespaces, files. */
    void (*end)(struct executor *x);
    /* The pid of process PROC as the scenario's processes see it; 0 when
     * it does not exist; the layouts of its structures (enum abi_id). */
    pid_t (*pid)(struct executor *x, int proc);
    int (*abi)(struct executor *x, int proc);
    /* The address window the scenario's processes keep free for shmat
     * ('base' in scenarios). */
    uintptr_t (*base)(struct executor *x);
    /* Process PROC performs RQ (a fork's new process is RQ's target, TARGET).
     * WATCH: an X_BLOCKED answer is wanted as soon as it is asleep in the
     * call; otherwise wait for the call to end. */
    void (*perform)(struct executor *x, int proc, int target, const struct request *rq, int watch,
                    double deadline, struct x_reply *out);
    /* Process PROC is blocked in RQ: look again (X_LOOK), or wait for the
     * timeout of its own call to end it (X_FINISH). */
    void (*settle)(struct executor *x, int proc, const struct request *rq, enum x_settle how, double deadline,
                   struct x_reply *out);
    /* The coordinator sends SIG to PROC: 0, or -1 and errno. */
    int (*send_signal)(struct executor *x, int proc, int sig);
    /* SIG was sent to PROC (by the coordinator or a process): return once
     * it was delivered (X_DONE), or, when it is fatal, once the process is
     * gone (X_GONE, its exit applied: SEM_UNDO, detaches). */
    void (*await_signal)(struct executor *x, int proc, int sig, double deadline, struct x_reply *out);
    /* The coordinator reaps PROC, a process it started: X_DONE with the
     * wait status in RET, or X_NO_ANSWER while it still runs. */
    void (*reap)(struct executor *x, int proc, double deadline, struct x_reply *out);
};

/* Every executor's instance starts with this. */
struct executor {
    const struct executor_ops *ops;
};

extern const struct executor_ops executor_puppets;
extern const struct executor_ops executor_model;

#endif
