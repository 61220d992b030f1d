/* verdict.h: what a run records: trace entries, the check of a step's
 * expectation against its outcome, the first failure, and the scratch files
 * of 'file' steps.
 * Must not: run steps or know how processes are made. */
#ifndef SVIPC_VERDICT_H
#define SVIPC_VERDICT_H

#include "outcome.h"
#include "result.h"
#include "scenario.h"

#include <stdint.h>

/* Append the entry of step INDEX (EVENT: "msgrcv", "woke", "died" ...) by
 * process PROC (-1: the coordinator) to RES's trace; US is its latency in
 * microseconds, or -1. */
void verdict_trace(struct scenario_result *res, const struct scenario *s, int index, const char *event,
                   int proc, const struct outcome *o, long us);

/* Record the run's first failure; later ones are ignored.  *FAILED is set. */
void verdict_fail(struct scenario_result *res, int *failed, enum scenario_status status, int step,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Check step INDEX's expectation against O; on a mismatch, the failure
 * names file, line, step, expected and actual. */
void verdict_check(struct scenario_result *res, int *failed, const struct scenario *s, int index,
                   const struct outcome *o, const long *vars, uintptr_t base);

/* The scratch files of a run ('file NAME' steps): unnamed files whose
 * paths (/proc/PID/fd/N) go away with the run, even a killed one; where
 * there are none (gVisor), named files in /tmp removed at the end. */
struct scratch_files {
    int fd[MAX_VARS];
    char *path[MAX_VARS];              /* by variable: $NAME's path */
    int named[MAX_VARS];               /* a named file, to remove */
};

void scratch_init(struct scratch_files *sf);
/* The 'file NAME' step INDEX; a file that cannot be made skips the run. */
void scratch_file_step(struct scratch_files *sf, struct scenario_result *res, int *failed,
                       const struct scenario *s, int index);
void scratch_free(struct scratch_files *sf);

#endif
