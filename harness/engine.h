/* engine.h: the one step engine.  It runs one scenario instance on one
 * backend, in the calling process (a runner), whatever executor the
 * backend's processes live in, and returns the result and canonical trace.
 * Must not: print, or leave any process, namespace or file behind when it
 * returns, whatever the scenario did. */
#ifndef SVIPC_ENGINE_H
#define SVIPC_ENGINE_H

#include "backend.h"
#include "result.h"
#include "runner.h"
#include "scenario.h"

void engine_run(const struct scenario *s, const struct backend *be,
                const struct runner_env *env, struct scenario_result *res);

#endif
