/* result.h: what a scenario instance's run on one implementation yields:
 * its status, the first failure and where, where the time went, and its
 * canonical trace.
 * Must not: know how a scenario is run. */
#ifndef SVIPC_RESULT_H
#define SVIPC_RESULT_H

#include <jansson.h>

enum scenario_status { SC_PASS, SC_FAIL, SC_TIMEOUT, SC_SKIP, SC_ERROR };

const char *scenario_status_name(enum scenario_status status);

struct scenario_result {
    enum scenario_status status;
    int step;                /* failing step index, or -1 */
    char reason[2048];       /* what failed, readable, with file:line */
    double ms;
    double setup_ms, steps_ms, teardown_ms;   /* where the time went */
    json_t *trace;           /* array of step entries (owned) */
};

#endif
