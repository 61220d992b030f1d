/* workloads.c: the table of svipc bench's workloads (workload.h): each row
 * a pattern (kinds.h), its parameters and what one operation is; and the
 * checks of counts the patterns share.
 * Must not: hold code of a pattern (kinds_*.c do), time or print. */
#include "kinds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MSG  .size = 64
#define RING .size = 64, .depth = 16

static const struct workload workloads[] = {
    /* message queues */
    { "msg-stream", &kind_msg_stream, NULL,
      "one message of 64 bytes sent by a producer and received by a consumer, all on one queue: "
      "(N+1)/2 producers and N/2 consumers, blocking calls (N = 1: one process sends, then receives)",
      { MSG } },
    { "msg-stream-nowait", &kind_msg_stream, NULL,
      "as msg-stream with IPC_NOWAIT on both sides, a call that fails with EAGAIN or ENOMSG retried "
      "(the retries are counted apart, not as operations)",
      { MSG, .nowait = 1 } },
    { "msg-pingpong", &kind_msg_pingpong, NULL,
      "one round trip: a message of 64 bytes from one process of a pair to the other and one back, "
      "every pair on the same queue with message types of its own",
      { MSG } },
    { "msg-typed-pos", &kind_msg_typed_pos, NULL,
      "one msgrcv of a given type (msgtyp > 0, IPC_NOWAIT) among 64 queued messages of distinct types, "
      "and its msgsnd back to the tail of the queue",
      { MSG, .types = 64 } },
    { "msg-typed-neg", &kind_msg_typed_neg, NULL,
      "one msgrcv(msgtyp = -64) of the lowest-typed message among 64 queued (the whole queue scanned), "
      "and its msgsnd back",
      { MSG, .types = 64 } },
    { "msg-full", &kind_msg_stream_full, NULL,
      "one message of 64 bytes received by the one consumer from a queue full at 4 messages "
      "(msg_qbytes lowered), the N-1 producers blocked in msgsnd waiting for the room it frees",
      { MSG, .depth = 4 } },
    /* semaphores */
    { "sem-mutex", &kind_sem_mutex, NULL,
      "one critical section: semop -1 then semop +1 on one semaphore of value 1 shared by N processes",
      { 0 } },
    { "sem-mutex-undo", &kind_sem_mutex, NULL,
      "as sem-mutex with SEM_UNDO on both calls", { .undo = 1 } },
    { "sem-independent", &kind_sem_independent, NULL,
      "one semop -1 then +1 by a process on a semaphore of its own, N semaphores in one set "
      "(a serialising implementation shows contention nothing in the workload asks for)",
      { 0 } },
    { "sem-multi", &kind_sem_multi, NULL,
      "one semop taking 4 semaphores of a set at once (4 sops of -1) and one giving them back "
      "(4 sops of +1), N processes contending for the same 4",
      { .types = 4 } },
    { "sem-barrier", &kind_sem_barrier, NULL,
      "one barrier crossed by all N processes: each decrements the arrival count, then waits "
      "for zero (sem_op 0); two semaphores alternate so the barrier is reused",
      { 0 } },
    { "sem-pingpong", &kind_sem_pingpong, NULL,
      "one round trip between the two processes of a pair: semop +1 on the partner's semaphore, "
      "then -1 on its own; every pair's two semaphores in one set",
      { 0 } },
    /* shared memory */
    { "shm-attach", &kind_shm_attach, NULL,
      "one shmat of a 64 KiB segment shared by all, a byte written, and its shmdt", { .size = 64 } },
    { "shm-create", &kind_shm_create, NULL,
      "one shmget(IPC_PRIVATE) of a 64 KiB segment and its shmctl(IPC_RMID)", { .size = 64 } },
    { "shm-ring", &kind_shm_ring, NULL,
      "one item of 64 bytes through a ring of 16 slots in a segment, put by one of (N+1)/2 producers "
      "and taken by one of N/2 consumers; free and full slots counted by two semaphores, each end's "
      "index guarded by a semaphore (N = 1: one process puts, then takes)",
      { RING } },
    /* POSIX comparators */
    { "mq-stream", &kind_mq_stream, "msg-stream",
      "one message of 64 bytes through a POSIX message queue 10 deep (mq_send, mq_receive), "
      "producers and consumers as in msg-stream",
      { MSG, .depth = 10 } },
    { "mq-pingpong", &kind_mq_pingpong, "msg-pingpong",
      "one round trip of a 64-byte message through the two POSIX queues of a pair", { MSG, .depth = 10 } },
    { "psem-mutex", &kind_psem_mutex, "sem-mutex",
      "one critical section: sem_wait then sem_post on a process-shared sem_t of value 1", { 0 } },
    { "futex-mutex", &kind_futex_mutex, "sem-mutex",
      "one critical section: lock and unlock of a mutex of one futex word (free, taken, contended)", { 0 } },
    { "psem-pingpong", &kind_psem_pingpong, "sem-pingpong",
      "one round trip between the two processes of a pair through two process-shared sem_t", { 0 } },
    { "futex-pingpong", &kind_futex_pingpong, "sem-pingpong",
      "one round trip between the two processes of a pair: a futex word flipped and woken each way", { 0 } },
    { "psem-ring", &kind_psem_ring, "shm-ring",
      "the ring of shm-ring in shared memory, signalled by process-shared sem_t", { RING } },
    /* stress-ng's operations, for make bench-parity */
    { "parity-msg", &kind_msg_stream, NULL,
      "one msgsnd of a 4-byte message (type 1), received by a consumer with msgtyp 0, blocking, "
      "as stress-ng --msg counts a bogo operation; every 256 sends the producer calls msgctl "
      "IPC_STAT, IPC_INFO and MSG_INFO (run it with 2 processes: one producer, one consumer)",
      { .size = 4, .stats_every = 256 } },
    { "parity-sem-sysv", &kind_sem_mutex, NULL,
      "one semtimedop -1 (SEM_UNDO, 1 s timeout) and one semop +1 (SEM_UNDO) on a semaphore of value 1, "
      "as stress-ng --sem-sysv counts a bogo operation; every 1000 per process, a round of semctl "
      "queries (IPC_STAT, SEM_STAT, IPC_INFO, SEM_INFO, GETVAL, GETPID, GETNCNT, GETZCNT)",
      { .undo = 1, .timed = 1, .stats_every = 1000 } },
};

#define NWORKLOADS ((int)(sizeof(workloads) / sizeof(workloads[0])))

const struct workload *workload_at(int i)
{
    return i >= 0 && i < NWORKLOADS ? &workloads[i] : NULL;
}

const struct workload *workload_by_name(const char *name)
{
    for (int i = 0; i < NWORKLOADS; i++)
        if (strcmp(workloads[i].name, name) == 0)
            return &workloads[i];
    return NULL;
}

int workload_fits(const struct workload *w, int nprocs, char *why, size_t size)
{
    if (nprocs < 1 || nprocs > BENCH_MAX_PROCS) {
        snprintf(why, size, "%d processes: from 1 to %d", nprocs, BENCH_MAX_PROCS);
        return 0;
    }
    switch (w->kind->roles) {
    case ROLES_PAIRS:
        if (nprocs % 2) {
            snprintf(why, size, "pairs of processes: %d is odd", nprocs);
            return 0;
        }
        break;
    case ROLES_ONE_CONSUMER:
        if (nprocs < 2) {
            snprintf(why, size, "producers and a consumer: at least 2 processes");
            return 0;
        }
        break;
    default:
        break;
    }
    return 1;
}

long share_of(long n, int k, int i)
{
    return n / k + (i < n % k ? 1 : 0);
}

int worker_failed(struct bench_round *r, const char *what)
{
    struct bench_worker *w = &r->sh->w[r->me];
    w->error = errno ? errno : EIO;
    snprintf(w->why, sizeof(w->why), "%s: %s", what, strerror(w->error));
    return -1;
}

int producers_of(const struct bench_round *r)
{
    if (r->nprocs == 1)
        return 1;
    if (r->kind->roles == ROLES_ONE_CONSUMER)
        return r->nprocs - 1;
    return r->nprocs - (r->nprocs / 2);
}

int check_stream(struct bench_round *r, char *why, size_t size)
{
    int producers = producers_of(r);
    if (r->nprocs == 1) {
        const struct bench_worker *w = &r->sh->w[0];
        if (w->ops != r->ops) {
            snprintf(why, size, "%ld items passed through, %ld expected", w->ops, r->ops);
            return -1;
        }
        return 0;
    }
    long sent = 0, received = 0;
    uint64_t sum_sent = 0, sum_received = 0;
    for (int i = 0; i < r->nprocs; i++) {
        const struct bench_worker *w = &r->sh->w[i];
        if (i < producers) {
            sent += w->ops;
            sum_sent += w->sum;
        } else {
            received += w->ops;
            sum_received += w->sum;
        }
    }
    if (sent != r->ops || received != r->ops) {
        snprintf(why, size, "%ld sent and %ld received, %ld expected of each", sent, received, r->ops);
        return -1;
    }
    if (sum_sent != sum_received) {
        snprintf(why, size, "the data received differs from the data sent (checksums %llx, %llx)",
                 (unsigned long long)sum_sent, (unsigned long long)sum_received);
        return -1;
    }
    return 0;
}

/* Worker I's expected count: its share, its pair's share, or every one. */
static long expected(const struct bench_round *r, enum share how, int i)
{
    switch (how) {
    case SHARE_EACH:
        return share_of(r->ops, r->nprocs, i);
    case SHARE_PAIR:
        return share_of(r->ops, r->nprocs / 2, i / 2);
    case SHARE_ALL:
        break;
    }
    return r->ops;
}

int check_shares(struct bench_round *r, enum share how, char *why, size_t size)
{
    for (int i = 0; i < r->nprocs; i++) {
        long want = expected(r, how, i);
        if (r->sh->w[i].ops != want) {
            snprintf(why, size, "process %d did %ld operations, %ld expected", i, r->sh->w[i].ops, want);
            return -1;
        }
    }
    if (r->sh->violations) {
        snprintf(why, size, "the mutex was held by two processes at once %d times", r->sh->violations);
        return -1;
    }
    return 0;
}

void critical_section(struct bench_round *r)
{
    if (__atomic_add_fetch(&r->sh->inside, 1, __ATOMIC_ACQ_REL) != 1)
        __atomic_add_fetch(&r->sh->violations, 1, __ATOMIC_RELAXED);
    __atomic_sub_fetch(&r->sh->inside, 1, __ATOMIC_ACQ_REL);
}
