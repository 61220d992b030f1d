/* pool.h: runs scenario jobs on N runner processes in parallel (-j N), one
 * scenario at a time per runner, each in its own namespaces, and hands every
 * result back to the caller as JSON.  A runner that dies or stops answering
 * is replaced; its scenario is reported, not lost.
 * Must not: print results or decide pass/fail; the caller does. */
#ifndef SVIPC_POOL_H
#define SVIPC_POOL_H

#include "backend.h"
#include "engine.h"
#include "observe_load.h"
#include "scenario.h"
#include "target.h"

#include <jansson.h>

struct job {
    int scenario;                 /* index in the catalog */
    const struct backend *backend;
};

struct pool_options {
    int parallel;                 /* runners */
    int pin;                      /* pin runner i (and its scenarios) to one CPU */
    long step_deadline_ms;        /* defaults for scenarios that set none */
    long scenario_deadline_ms;
    const struct target *target;  /* where the system under test runs; NULL: native */
    /* each runner is init of its own PID and mount namespaces (a run in
     * svipc's user namespace, userns.h) */
    int own_namespaces;
    /* a target whose runner runs elsewhere: the --runner entry's arguments */
    char *const *runner_args;
    /* Called in the parent once the runners are forked, before any job is
     * given out (what it loads is not copied into every runner); < 0
     * stops the pool with nothing run.  May be NULL. */
    int (*started)(void *ctx);
    /* --observe: the observer the run loaded (observe_load.h), or NULL */
    struct observe_handle *observe;
};

/* Called in the parent, in no particular order, once per job; the callee
 * owns RESULT. */
typedef void (*pool_result_fn)(void *ctx, int job, json_t *result);

/* 0, or -1 if runners could not be started at all. */
int pool_run(const struct catalog *cat, const struct job *jobs, int njobs,
             const struct pool_options *opt, pool_result_fn done, void *ctx);

#endif
