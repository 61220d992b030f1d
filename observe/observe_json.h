/* observe_json.h: an observation (observe.h) as JSON, the same shape in
 * svipc-bench's records ("observed") and svipc run's results
 * ("observed_kernel"):
 *   {"ops": N,                                  (when given)
 *    "calls": {NAME: {"calls", "errors", "slept", "total_ns", "asleep_ns",
 *                     "per_op" (with ops), "log2_ns": [count per bucket]}},
 *    "sched": {"switches", "preempted", "sleeps", "migrations", "wakeups",
 *              "asleep_ns", "switches_per_op", "migrations_per_op" (with ops),
 *              "wake_log2_ns": [...]}}
 * Only the calls made appear; a histogram ends at its last non-empty
 * bucket (bucket B: [2^B, 2^(B+1)) ns).
 * Must not: load or touch BPF (it only formats). */
#ifndef SVIPC_OBSERVE_JSON_H
#define SVIPC_OBSERVE_JSON_H

#include "observe.h"

#include <jansson.h>

/* OPS > 0: the operations the observation covers (per-operation figures). */
json_t *observation_json(const struct observation *o, long ops);

#endif
