/* observe_load.h: svipc run --observe.  The kernel-side observer
 * (observe/observe.h: BPF on the IPC calls, futex and the scheduler) is
 * loaded from libsvipc-observe.so (paths.h) only when --observe is given,
 * so a run without it does no libbpf or BPF work at all.  The run's
 * process loads it before the runners are forked; each runner makes itself
 * a scope (observe_runner) and takes its scenario's counts around each
 * scenario (observe_scenario_begin, observe_scenario_end).
 * Must not: be needed: when the library is missing or BPF cannot load, it
 * says why once and the run goes on without it. */
#ifndef SVIPC_OBSERVE_LOAD_H
#define SVIPC_OBSERVE_LOAD_H

#include <jansson.h>
#include <stddef.h>

struct observe_handle;

/* The observer loaded and attached: a handle, or NULL with why (the
 * library is missing, not root, no BTF ...). */
struct observe_handle *observe_load(char *why, size_t size);
/* In a runner: what this process forks from now on is observed apart
 * from the other runners'.  0, or -1 (then nothing is observed here). */
int observe_runner(struct observe_handle *h);
/* In a runner, before a scenario: what came before is dropped. */
void observe_scenario_begin(struct observe_handle *h);
/* After it: its calls and scheduling (observe_json.h's shape, without
 * "ops"), or NULL when they could not be read. */
json_t *observe_scenario_end(struct observe_handle *h);
void observe_unload(struct observe_handle *h);

#endif
