/* round.h: one round of a workload, run in the calling process (the
 * round's runner, already in its IPC namespace or under its preload
 * library): setup in a process of its own, N workers forked and started
 * together, timed from the start to the last worker's last operation, the
 * counts checked, the objects checked and removed in a process of its own.
 * Must not: choose implementations, namespaces or rounds (svipc_bench.c
 * does), or print. */
#ifndef SVIPC_BENCH_ROUND_H
#define SVIPC_BENCH_ROUND_H

#include "workload.h"

struct round_result {
    int ok;                 /* 1: every count and the final state as the definition says */
    long ops;               /* operations of the round (all processes) */
    long counted;           /* operations the workers counted */
    long aux;               /* workers' own counts (IPC_NOWAIT retries ...) */
    double seconds;         /* from the start to the last worker's last operation */
    double cpu_user, cpu_sys;   /* the workers' CPU seconds, summed */
    long vcsw, icsw;        /* the workers' context switches, summed */
    char why[256];          /* what failed, when !ok */
};

/* Run one round of W with NPROCS processes and OPS operations through
 * CALLS (NULL for a POSIX workload); the result in *OUT.  0, or -1 when
 * the round could not run or its check failed (OUT->why).  MISCOUNT (for
 * the tests of the checks only): the first worker counts one operation
 * more than it did. */
int round_run(const struct workload *w, const struct ipc_calls *calls, int nprocs, long ops, int miscount,
              struct round_result *out);

#endif
