/* kinds.h: the patterns svipc bench's workloads are made of (workload.h),
 * one per file by facility: kinds_msg.c, kinds_sem.c, kinds_shm.c (System V
 * through an implementation's call table) and kinds_posix.c (the C
 * library's POSIX queues and semaphores, and a futex).
 * Must not: time, fork or print: a kind performs operations and counts them. */
#ifndef SVIPC_BENCH_KINDS_H
#define SVIPC_BENCH_KINDS_H

#include "workload.h"

extern const struct workload_kind kind_msg_stream, kind_msg_stream_full, kind_msg_pingpong, kind_msg_typed_pos, kind_msg_typed_neg;
extern const struct workload_kind kind_sem_mutex, kind_sem_independent, kind_sem_multi, kind_sem_barrier,
    kind_sem_pingpong;
extern const struct workload_kind kind_shm_attach, kind_shm_create, kind_shm_ring;
extern const struct workload_kind kind_mq_stream, kind_mq_pingpong, kind_psem_mutex, kind_futex_mutex,
    kind_psem_pingpong, kind_psem_ring, kind_futex_pingpong;

/* Producers of a round whose roles split N processes (ROLES_SPLIT,
 * ROLES_ONE_CONSUMER); N = 1 gives 1 (the one process does both). */
int producers_of(const struct bench_round *r);
/* Checks shared by the streams: producers' and consumers' counts are each
 * r->ops and their checksums agree.  0 or -1 with why. */
int check_stream(struct bench_round *r, char *why, size_t size);
/* How a round's operations are shared among its workers. */
enum share {
    SHARE_EACH,         /* r->ops divided among the N processes */
    SHARE_PAIR,         /* r->ops divided among the N/2 pairs; both of a pair count each */
    SHARE_ALL,          /* every process takes part in every operation (a barrier) */
};
/* Every worker did exactly its expected count, and no mutex was held
 * twice.  0 or -1 with why. */
int check_shares(struct bench_round *r, enum share how, char *why, size_t size);

/* A mutex's critical section: counts a violation if anybody else is inside. */
void critical_section(struct bench_round *r);

#endif
