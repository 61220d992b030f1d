/* kinds_posix.c: svipc bench's POSIX comparators, on the C library and
 * this kernel: a stream and a ping-pong through POSIX message queues, a
 * mutex, a ping-pong and the ring of ring.h through process-shared sem_t,
 * and a mutex and a ping-pong on bare futex words.  Each is the System V
 * workload its row names (workload.compare) with the POSIX calls instead.
 * The queues live in the round's private IPC namespace like System V's.
 * Must not: call System V IPC, time, fork or print. */
#define _GNU_SOURCE
#include "kinds.h"
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MQ_MAX_MSG 8192

static int each_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_EACH, why, size);
}

static int pair_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_PAIR, why, size);
}

/* ---------- POSIX message queues: "/svipc-bench-I" ---------- */

static void queue_name(char *out, size_t size, int i)
{
    snprintf(out, size, "/svipc-bench-%d", i);
}

static int queues_setup(struct bench_round *r, int count, char *why, size_t size)
{
    struct mq_attr attr = { .mq_maxmsg = r->p->depth, .mq_msgsize = r->p->size };
    for (int i = 0; i < count; i++) {
        char name[32];
        queue_name(name, sizeof(name), i);
        mqd_t q = mq_open(name, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
        if (q == (mqd_t)-1) {
            snprintf(why, size, "mq_open %s (%d messages of %d bytes): %s", name, r->p->depth, r->p->size,
                     strerror(errno));
            return -1;
        }
        mq_close(q);
    }
    return 0;
}

/* Every queue is empty, then unlinked. */
static int queues_teardown(struct bench_round *r, int count, char *why, size_t size)
{
    int rc = 0;
    (void)r;
    for (int i = 0; i < count; i++) {
        char name[32];
        queue_name(name, sizeof(name), i);
        mqd_t q = mq_open(name, O_RDONLY);
        struct mq_attr attr;
        if (q == (mqd_t)-1 || mq_getattr(q, &attr) < 0) {
            if (rc == 0)
                snprintf(why, size, "mq_open/mq_getattr %s: %s", name, strerror(errno));
            rc = -1;
        } else if (attr.mq_curmsgs != 0 && rc == 0) {
            snprintf(why, size, "%s holds %ld messages at the end", name, attr.mq_curmsgs);
            rc = -1;
        }
        if (q != (mqd_t)-1)
            mq_close(q);
        if (mq_unlink(name) < 0 && rc == 0) {
            snprintf(why, size, "mq_unlink %s: %s", name, strerror(errno));
            rc = -1;
        }
    }
    return rc;
}

static mqd_t queue_open(int i)
{
    char name[32];
    queue_name(name, sizeof(name), i);
    return mq_open(name, O_RDWR);
}

static int mq_send_one(struct bench_round *r, mqd_t q, const char *text)
{
    while (mq_send(q, text, (size_t)r->p->size, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int mq_receive_one(struct bench_round *r, mqd_t q, char *text)
{
    (void)r;
    while (mq_receive(q, text, MQ_MAX_MSG, NULL) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static uint32_t value_in(const char *text, int size)
{
    uint32_t v = 0;
    memcpy(&v, text, size < 4 ? (size_t)size : 4);
    return v;
}

static int mq_stream_setup(struct bench_round *r, char *why, size_t size)
{
    return queues_setup(r, 1, why, size);
}

static int mq_stream_work(struct bench_round *r)
{
    static char text[MQ_MAX_MSG];
    struct bench_worker *w = &r->sh->w[r->me];
    int producers = producers_of(r), size = r->p->size;
    mqd_t q = queue_open(0);
    if (q == (mqd_t)-1)
        return worker_failed(r, "mq_open");
    memset(text, 'm', (size_t)size);
    int rc = 0;
    if (r->nprocs == 1) {
        for (long k = 0; k < r->ops && rc == 0; k++) {
            uint32_t v = (uint32_t)k;
            memcpy(text, &v, size < 4 ? (size_t)size : 4);
            if (mq_send_one(r, q, text) < 0)
                rc = worker_failed(r, "mq_send");
            else if (mq_receive_one(r, q, text) < 0)
                rc = worker_failed(r, "mq_receive");
            else if (value_in(text, size) != v) {
                errno = EBADMSG;
                rc = worker_failed(r, "mq_receive returned another message");
            } else
                w->ops++;
        }
    } else if (r->me < producers) {
        long quota = share_of(r->ops, producers, r->me);
        for (long k = 0; k < quota && rc == 0; k++) {
            uint32_t v = (uint32_t)(k * producers + r->me + 1);
            memcpy(text, &v, size < 4 ? (size_t)size : 4);
            if (mq_send_one(r, q, text) < 0)
                rc = worker_failed(r, "mq_send");
            else {
                w->ops++;
                w->sum += value_in(text, size);
            }
        }
    } else {
        long quota = share_of(r->ops, r->nprocs - producers, r->me - producers);
        for (long k = 0; k < quota && rc == 0; k++) {
            if (mq_receive_one(r, q, text) < 0)
                rc = worker_failed(r, "mq_receive");
            else {
                w->ops++;
                w->sum += value_in(text, size);
            }
        }
    }
    mq_close(q);
    return rc;
}

static int mq_stream_teardown(struct bench_round *r, char *why, size_t size)
{
    return queues_teardown(r, 1, why, size);
}

const struct workload_kind kind_mq_stream = {
    "mq-stream", API_POSIX, ROLES_SPLIT, mq_stream_setup, mq_stream_work, check_stream, mq_stream_teardown,
};

/* ping-pong: pair K sends on queue 2K and answers on queue 2K+1 */
static int mq_pingpong_setup(struct bench_round *r, char *why, size_t size)
{
    return queues_setup(r, r->nprocs, why, size);
}

static int mq_pingpong_work(struct bench_round *r)
{
    static char text[MQ_MAX_MSG];
    struct bench_worker *w = &r->sh->w[r->me];
    int pair = r->me / 2, first = r->me % 2 == 0;
    mqd_t there = queue_open(2 * pair), back = queue_open(2 * pair + 1);
    int rc = 0;
    if (there == (mqd_t)-1 || back == (mqd_t)-1)
        rc = worker_failed(r, "mq_open");
    memset(text, 'p', (size_t)r->p->size);
    long quota = share_of(r->ops, r->nprocs / 2, pair);
    for (long k = 0; k < quota && rc == 0; k++) {
        if (first ? mq_send_one(r, there, text) < 0 || mq_receive_one(r, back, text) < 0
                  : mq_receive_one(r, there, text) < 0 || mq_send_one(r, back, text) < 0)
            rc = worker_failed(r, "mq_send/mq_receive");
        else
            w->ops++;
    }
    if (there != (mqd_t)-1)
        mq_close(there);
    if (back != (mqd_t)-1)
        mq_close(back);
    return rc;
}

static int mq_pingpong_teardown(struct bench_round *r, char *why, size_t size)
{
    return queues_teardown(r, r->nprocs, why, size);
}

const struct workload_kind kind_mq_pingpong = {
    "mq-pingpong", API_POSIX, ROLES_PAIRS, mq_pingpong_setup, mq_pingpong_work, pair_check, mq_pingpong_teardown,
};

/* ---------- process-shared sem_t in the round's shared memory ---------- */

static sem_t *sems(struct bench_round *r)
{
    return (sem_t *)(void *)r->sh->area;
}

static int sems_setup(struct bench_round *r, int count, int value, char *why, size_t size)
{
    if ((size_t)count * sizeof(sem_t) > sizeof(r->sh->area) / 2) {
        snprintf(why, size, "%d semaphores do not fit the round's shared area", count);
        return -1;
    }
    for (int i = 0; i < count; i++)
        if (sem_init(&sems(r)[i], 1, (unsigned)value) < 0) {
            snprintf(why, size, "sem_init: %s", strerror(errno));
            return -1;
        }
    return 0;
}

/* Each semaphore's value is WANT(I), then it is destroyed. */
static int sems_teardown(struct bench_round *r, int count, int (*want)(const struct bench_round *, int), char *why,
                         size_t size)
{
    int rc = 0;
    for (int i = 0; i < count; i++) {
        int v;
        if (sem_getvalue(&sems(r)[i], &v) < 0) {
            if (rc == 0)
                snprintf(why, size, "sem_getvalue: %s", strerror(errno));
            rc = -1;
        } else if (v != want(r, i) && rc == 0) {
            snprintf(why, size, "sem_t %d is %d at the end, %d expected", i, v, want(r, i));
            rc = -1;
        }
        sem_destroy(&sems(r)[i]);
    }
    return rc;
}

static int sem_wait_retry(sem_t *s)
{
    while (sem_wait(s) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

static int psem_mutex_setup(struct bench_round *r, char *why, size_t size)
{
    return sems_setup(r, 1, 1, why, size);
}

static int psem_mutex_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        if (sem_wait_retry(&sems(r)[0]) < 0)
            return worker_failed(r, "sem_wait");
        critical_section(r);
        if (sem_post(&sems(r)[0]) < 0)
            return worker_failed(r, "sem_post");
        w->ops++;
    }
    return 0;
}

static int one(const struct bench_round *r, int i)
{
    (void)r, (void)i;
    return 1;
}

static int zero(const struct bench_round *r, int i)
{
    (void)r, (void)i;
    return 0;
}

static int psem_mutex_teardown(struct bench_round *r, char *why, size_t size)
{
    return sems_teardown(r, 1, one, why, size);
}

const struct workload_kind kind_psem_mutex = {
    "psem-mutex", API_POSIX, ROLES_ANY, psem_mutex_setup, psem_mutex_work, each_check, psem_mutex_teardown,
};

/* ping-pong: pair K has sem_t 2K (there) and 2K+1 (back) */
static int psem_pingpong_setup(struct bench_round *r, char *why, size_t size)
{
    return sems_setup(r, r->nprocs, 0, why, size);
}

static int psem_pingpong_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    int pair = r->me / 2, first = r->me % 2 == 0;
    sem_t *there = &sems(r)[2 * pair], *back = &sems(r)[2 * pair + 1];
    long quota = share_of(r->ops, r->nprocs / 2, pair);
    for (long k = 0; k < quota; k++) {
        if (first ? sem_post(there) < 0 || sem_wait_retry(back) < 0
                  : sem_wait_retry(there) < 0 || sem_post(back) < 0)
            return worker_failed(r, "sem_post/sem_wait");
        w->ops++;
    }
    return 0;
}

static int psem_pingpong_teardown(struct bench_round *r, char *why, size_t size)
{
    return sems_teardown(r, r->nprocs, zero, why, size);
}

const struct workload_kind kind_psem_pingpong = {
    "psem-pingpong", API_POSIX, ROLES_PAIRS, psem_pingpong_setup, psem_pingpong_work, pair_check,
    psem_pingpong_teardown,
};

/* the ring: RING_SEMS sem_t, then the ring's memory in the second half of the area */
static void *psem_ring_memory(struct bench_round *r)
{
    return r->sh->area + sizeof(r->sh->area) / 2;
}

static int psem_ring_setup(struct bench_round *r, char *why, size_t size)
{
    if (ring_bytes(r) > sizeof(r->sh->area) / 2) {
        snprintf(why, size, "a ring of %zu bytes does not fit the round's shared area", ring_bytes(r));
        return -1;
    }
    for (int s = 0; s < RING_SEMS; s++)
        if (sem_init(&sems(r)[s], 1, (unsigned)ring_initial(r, (enum ring_sem)s)) < 0) {
            snprintf(why, size, "sem_init: %s", strerror(errno));
            return -1;
        }
    return 0;
}

static int psem_wait(struct bench_round *r, enum ring_sem s)
{
    return sem_wait_retry(&sems(r)[s]);
}

static int psem_post2(struct bench_round *r, enum ring_sem a, enum ring_sem b)
{
    return sem_post(&sems(r)[a]) < 0 || sem_post(&sems(r)[b]) < 0 ? -1 : 0;
}

static const struct ring_signals psem_signals = { psem_wait, psem_post2 };

static int psem_ring_work(struct bench_round *r)
{
    return ring_work(r, psem_ring_memory(r), &psem_signals);
}

static int ring_initial_of(const struct bench_round *r, int s)
{
    return ring_initial(r, (enum ring_sem)s);
}

static int psem_ring_teardown(struct bench_round *r, char *why, size_t size)
{
    return sems_teardown(r, RING_SEMS, ring_initial_of, why, size);
}

const struct workload_kind kind_psem_ring = {
    "psem-ring", API_POSIX, ROLES_SPLIT, psem_ring_setup, psem_ring_work, check_stream, psem_ring_teardown,
};

/* ---------- bare futex words ---------- */

static uint32_t *words(struct bench_round *r)
{
    return (uint32_t *)(void *)r->sh->area;
}

static long futex(uint32_t *word, int op, uint32_t value)
{
    return syscall(SYS_futex, word, op, value, NULL, NULL, 0);
}

static int futex_setup(struct bench_round *r, char *why, size_t size)
{
    (void)why, (void)size;
    memset(words(r), 0, (size_t)(r->nprocs + 1) * sizeof(uint32_t));
    return 0;
}

/* The mutex of three states: 0 free, 1 taken, 2 taken with waiters. */
static int futex_lock(uint32_t *word)
{
    uint32_t c = 0;
    if (__atomic_compare_exchange_n(word, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return 0;
    if (c != 2)
        c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
    while (c != 0) {
        if (futex(word, FUTEX_WAIT, 2) < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        c = __atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE);
    }
    return 0;
}

static int futex_unlock(uint32_t *word)
{
    if (__atomic_fetch_sub(word, 1, __ATOMIC_RELEASE) != 1) {
        __atomic_store_n(word, 0, __ATOMIC_RELEASE);
        if (futex(word, FUTEX_WAKE, 1) < 0)
            return -1;
    }
    return 0;
}

static int futex_mutex_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        if (futex_lock(&words(r)[0]) < 0)
            return worker_failed(r, "futex wait");
        critical_section(r);
        if (futex_unlock(&words(r)[0]) < 0)
            return worker_failed(r, "futex wake");
        w->ops++;
    }
    return 0;
}

/* The words are back to 0 (free; a ping-pong's turn back with the first). */
static int futex_teardown(struct bench_round *r, char *why, size_t size)
{
    for (int i = 0; i <= r->nprocs; i++)
        if (words(r)[i] != 0) {
            snprintf(why, size, "futex word %d is %u at the end", i, words(r)[i]);
            return -1;
        }
    return 0;
}

const struct workload_kind kind_futex_mutex = {
    "futex-mutex", API_POSIX, ROLES_ANY, futex_setup, futex_mutex_work, each_check, futex_teardown,
};

/* ping-pong: pair K's word is 1 while the ball is with the second */
static int await(uint32_t *word, uint32_t until)
{
    uint32_t v;
    while ((v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != until)
        if (futex(word, FUTEX_WAIT, v) < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
    return 0;
}

static int flip(uint32_t *word, uint32_t to)
{
    __atomic_store_n(word, to, __ATOMIC_RELEASE);
    return futex(word, FUTEX_WAKE, 1) < 0 ? -1 : 0;
}

static int futex_pingpong_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    int pair = r->me / 2, first = r->me % 2 == 0;
    uint32_t *word = &words(r)[pair];
    long quota = share_of(r->ops, r->nprocs / 2, pair);
    for (long k = 0; k < quota; k++) {
        if (first ? flip(word, 1) < 0 || await(word, 0) < 0 : await(word, 1) < 0 || flip(word, 0) < 0)
            return worker_failed(r, "futex");
        w->ops++;
    }
    return 0;
}

const struct workload_kind kind_futex_pingpong = {
    "futex-pingpong", API_POSIX, ROLES_PAIRS, futex_setup, futex_pingpong_work, pair_check, futex_teardown,
};
