/* spawn.h: one round of svipc bench on one implementation (or target), in a child of
 * its own: a private IPC namespace (unshare(CLONE_NEWIPC): the host's
 * objects are never seen or touched), the implementation's library
 * preloaded when it has one (the reference runtime on an arena of its own
 * in /dev/shm, whose name the runner removes once attached, and this again
 * after the round), the program executed again in
 * round mode (svipc_bench.c --round), its result read from a pipe within a
 * deadline, and the child's whole process group killed when it overruns.
 * Must not: interpret results (the caller does), or print. */
#ifndef SVIPC_BENCH_SPAWN_H
#define SVIPC_BENCH_SPAWN_H

#include "bench_target.h"
#include "round.h"

#include <stddef.h>

/* IMPL_TARGET: the kernel through a target (bench_target.h), which names it. */
enum bench_impl { IMPL_KERNEL, IMPL_REF, IMPL_POSIX, IMPL_TARGET, IMPL_COUNT };

/* "kernel", "ref", "posix", "target". */
const char *impl_name(enum bench_impl impl);
/* The implementation named NAME (kernel, ref, posix): 0, or -1. */
int impl_by_name(const char *name, enum bench_impl *out);

struct spawn_config {
    const char *self;       /* this program, executed again in round mode */
    const char *preload;    /* the reference runtime's library */
    double deadline;        /* seconds a round may take, its setup and teardown too */
    int inject_miscount;    /* tests: a worker counts one operation too many */
};

/* Run one round of workload NAME with NPROCS processes and OPS operations
 * on IMPL; *OUT holds its result (OUT->ok 0 and why when it failed, could
 * not run, or overran).  0 when ok, else -1. */
int spawn_round(const struct spawn_config *cfg, enum bench_impl impl, const char *name, int nprocs, long ops,
                struct round_result *out);

/* The same on the kernel through target T: svipc-bench-worker started
 * under T's command in a private IPC namespace, its result read from its
 * standard output (round_text.h) within the deadline times T's factor, so
 * that the target's start-up is not in the round's time; INSIDE (SIZE
 * bytes) receives what the worker saw of the system (uname), checked
 * against T's architecture.  0 when ok, else -1. */
int spawn_target_round(const struct spawn_config *cfg, const struct bench_target *t, const char *name, int nprocs,
                       long ops, struct round_result *out, char *inside, size_t size);

#endif
