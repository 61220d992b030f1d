/* engine.h: runs one scenario instance on one backend, in the calling
 * process (a runner), and returns its result and canonical trace.
 * Must not: print, or leave any process, namespace or file behind when it
 * returns, whatever the scenario did. */
#ifndef SVIPC_ENGINE_H
#define SVIPC_ENGINE_H

#include "backend.h"
#include "scenario.h"

#include <jansson.h>
#include <stdint.h>

enum scenario_status { SC_PASS, SC_FAIL, SC_TIMEOUT, SC_SKIP, SC_ERROR };

const char *scenario_status_name(enum scenario_status status);

/* The runner's long-lived resources, set up once and reused per scenario. */
struct runner_env {
    int pidns_fd;            /* the runner's own PID namespace */
    int exe_fd;              /* this program, for exec steps */
    uintptr_t base;          /* an address window reserved for shmat */
    size_t base_span;
    char *init_stack;        /* stack of each scenario's PID-namespace init */
    size_t init_stack_size;
    unsigned char *reply_buf;/* the largest reply, kept for the runner's life */
    long step_deadline_ms;   /* defaults when the scenario sets none */
    long scenario_deadline_ms;
};

/* 0, or -1 with WHY: what is missing on this system. */
int runner_env_init(struct runner_env *env, char *why, size_t size);

struct scenario_result {
    enum scenario_status status;
    int step;                /* failing step index, or -1 */
    char reason[2048];       /* what failed, readable, with file:line */
    double ms;
    double setup_ms, steps_ms, teardown_ms;   /* where the time went */
    json_t *trace;           /* array of step entries (owned) */
};

void engine_run(const struct scenario *s, const struct backend *be,
                const struct runner_env *env, struct scenario_result *res);

#endif
