/* runner.h: a runner's long-lived resources, set up once in each runner
 * process (pool.c) and used by every scenario it runs: the window of
 * address space kept free for shmat ('base'), and what puppets need (this
 * program to exec, the PID namespace to come back to, a stack for each
 * scenario's namespace init, a reply buffer), with the run's default
 * deadlines; and the facts of the host the model must be told.
 * Must not: hold anything of one scenario. */
#ifndef SVIPC_RUNNER_H
#define SVIPC_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "target.h"

struct puppet_mark;

struct runner_env {
    uintptr_t base;          /* an address window reserved for shmat */
    size_t base_span;
    int pidns_fd;            /* the runner's own PID namespace, or -1 */
    int exe_fd;              /* this program, for exec steps, or -1 */
    char exe_path[4096];     /* its path */
    char *const *launch;     /* NULL: puppets are forked from the runner; else the
                              * command (argv, NULL-terminated) that starts a
                              * puppet program (target.h) */
    int observe;             /* how a sleeping process is told (enum observe) */
    struct puppet_mark *marks;   /* PUPPET_MARKS marks the forked puppets share */
    char *init_stack;        /* stack of each scenario's PID-namespace init */
    size_t init_stack_size;
    unsigned char *reply_buf;/* the largest reply, kept for the runner's life */
    long step_deadline_ms;   /* defaults when the scenario sets none */
    long scenario_deadline_ms;
    char processes_why[512]; /* empty, or why real processes cannot be run here */
    struct id_maps ids;      /* the ids the runner's user namespace maps (idmap.h) */
};

/* 0, or -1 with WHY: the runner cannot run anything (no address space).
 * What only real processes need and is missing is recorded in
 * ENV->processes_why, for the backends that need them to report.  Without
 * PID namespaces (gVisor) puppets run in the runner's (pidns_fd -1); without
 * /proc/PID/syscall the puppets' marks tell who sleeps (observe). */
int runner_env_init(struct runner_env *env, char *why, size_t size);


#endif
