/* model_run.h: a scenario run on the sequential model (impl/) in this
 * process, giving a trace comparable entry by entry with the kernel's.
 * Must not: be mistaken for the multi-process reference runtime: there are
 * no processes here, only the model's callers. */
#ifndef SVIPC_MODEL_RUN_H
#define SVIPC_MODEL_RUN_H

#include "engine.h"
#include "scenario.h"

/* HugePages_Free of /proc/meminfo: the pool SHM_HUGETLB segments draw on. */
unsigned long host_hugepages_free(void);

void model_run(const struct scenario *s, const struct runner_env *env, struct scenario_result *res);

#endif
