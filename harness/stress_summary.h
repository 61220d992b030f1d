/* stress_summary.h: the summary of `svipc stress` as one JSON object
 * (--json FILE), for CI and the HTML report: what ran (backend, target,
 * processes, seed, operations per second, deaths), the latency of each
 * call from the history (count, failures, percentiles), what the check
 * decided (objects linearizable, violating, undecided; its speed), the
 * violation shrunk to a scenario (--shrink) and the exit status with its
 * verdict.
 * Must not: run workers, check histories or print to the terminal. */
#ifndef SVIPC_STRESS_SUMMARY_H
#define SVIPC_STRESS_SUMMARY_H

#include "stress_check.h"
#include "stress_history.h"

#include <stdint.h>

struct stress_summary {
    /* the run; ran 0: a recorded history checked again (--check) */
    int ran;
    struct stress_run run;             /* what ran (with ran 1), as the history's run line says */
    int recorded;                      /* 0: --no-history (nothing checked) */
    const char *history_file;          /* --history, or --check's input */
    /* the check (res NULL: none) */
    const struct stress_history *h;
    const struct stress_check_result *res;
    double check_seconds;
    /* --shrink: the object tried last, and whether it became SHRUNK_FILE
     * (shrunk_object -1: nothing was shrunk) */
    int shrunk_object, shrunk_steps, shrunk_reproduced;
    const char *shrunk_file;
    char shrunk_why[256];
    /* the outcome */
    const char *result;                /* "linearizable", "NOT linearizable", "undecided", ... */
    int status;                        /* the exit status */
};

/* Write S to PATH (replacing it): 0, or -1 with WHY. */
int stress_summary_write(const char *path, const struct stress_summary *s, char *why, size_t size);

#endif
