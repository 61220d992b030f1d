/* ring.h: the classic producer/consumer ring in shared memory, as svipc
 * bench's shm-ring (System V semaphores) and psem-ring (POSIX sem_t) run
 * it: DEPTH slots of SIZE bytes after a header of two indexes; free and
 * full slots counted by two semaphores, each end's index guarded by one.
 * Must not: know which semaphores signal it (struct ring_signals says). */
#ifndef SVIPC_BENCH_RING_H
#define SVIPC_BENCH_RING_H

#include "workload.h"

enum ring_sem { RING_FREE, RING_FULL, RING_PUT_LOCK, RING_TAKE_LOCK, RING_SEMS };

struct ring_signals {
    int (*wait)(struct bench_round *r, enum ring_sem s);                     /* take one; 0 or -1 */
    int (*post2)(struct bench_round *r, enum ring_sem a, enum ring_sem b);   /* give one of each */
};

/* Bytes of shared memory a ring of R's parameters needs. */
size_t ring_bytes(const struct bench_round *r);
/* This worker's share of R's items through the ring at MEM (zeroed by
 * setup): put, taken, or both when alone.  0 or -1 (worker_failed). */
int ring_work(struct bench_round *r, void *mem, const struct ring_signals *s);
/* The initial value of each semaphore. */
int ring_initial(const struct bench_round *r, enum ring_sem s);

#endif
