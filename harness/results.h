/* results.h: result files as svipc run writes them (--json FILE and the
 * state directory's last-run.jsonl): one JSON object per scenario instance
 * and backend, each written whole as it completes, then an end record
 * {"kind":"run","complete":true,"results":N,"passed":P,"failed":F,
 * "skipped":S}.  A file without that record is an incomplete run (killed,
 * or stopped by a write error): its complete lines still read, and it says
 * why it is incomplete.
 * Must not: decide pass or fail (the gate, coverage and the reports do), or
 * refuse a file only because its run was cut short. */
#ifndef SVIPC_RESULTS_H
#define SVIPC_RESULTS_H

#include <jansson.h>
#include <stdio.h>

/* What a result file holds: a runtime object, results_free gives it back. */
struct results_file {
    json_t *results;          /* the result objects, in file order */
    int complete;             /* the end record closes the file and counts what precedes it */
    char incomplete[1100];    /* when not complete: why ("no end record: ...") */
};

/* Read the result file F (named LABEL in messages) into OUT.  0, or -1 and
 * WHY ("label:line: reason") for a file that is not a result file. */
int results_read(FILE *f, const char *label, struct results_file *out, char *why, size_t size);
/* results_read of the file at PATH. */
int results_load(const char *path, struct results_file *out, char *why, size_t size);
void results_free(struct results_file *r);

/* The end record of a run of RESULTS results with these counts, on
 * TARGET, that took SECONDS (to a tenth). */
json_t *results_end_record(int results, int passed, int failed, int skipped, const char *target, double seconds);

/* Instance name -> {"passed": N, "failed": N} over the results (skips
 * count as neither): what coverage asks of a run. */
json_t *results_tally(const struct results_file *r);

#endif
