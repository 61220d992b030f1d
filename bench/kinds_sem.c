/* kinds_sem.c: svipc bench's semaphore patterns, through an
 * implementation's call table: a mutex shared by N processes (SEM_UNDO or
 * not, semop or semtimedop), N independent semaphores in one set,
 * multi-sop arrays, a reusable wait-for-zero barrier, and ping-pong pairs.
 * Must not: time, fork or print. */
#define _GNU_SOURCE
#include "kinds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

#define MAX_SEMS 256

/* A set of NSEMS semaphores, each set to VALUE: ids[0]. */
static int set_setup(struct bench_round *r, int nsems, int value, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    long s = c->semget(r->ctx, IPC_PRIVATE, nsems, IPC_CREAT | 0600);
    if (s < 0) {
        snprintf(why, size, "semget of %d: %s", nsems, strerror(errno));
        return -1;
    }
    r->sh->ids[0] = (int)s;
    unsigned short values[MAX_SEMS];
    for (int i = 0; i < nsems; i++)
        values[i] = (unsigned short)value;
    if (c->semctl(r->ctx, (int)s, 0, SETALL, (unsigned long)values) < 0) {
        snprintf(why, size, "semctl SETALL: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The set's values are WANT (NULL: any), then it is removed. */
static int set_teardown(struct bench_round *r, int nsems, const unsigned short *want, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    unsigned short values[MAX_SEMS];
    int rc = 0;
    if (want && c->semctl(r->ctx, r->sh->ids[0], 0, GETALL, (unsigned long)values) < 0) {
        snprintf(why, size, "semctl GETALL: %s", strerror(errno));
        rc = -1;
    }
    for (int i = 0; want && rc == 0 && i < nsems; i++)
        if (values[i] != want[i]) {
            snprintf(why, size, "semaphore %d is %u at the end, %u expected", i, values[i], want[i]);
            rc = -1;
        }
    if (c->semctl(r->ctx, r->sh->ids[0], 0, IPC_RMID, 0) < 0 && rc == 0) {
        snprintf(why, size, "semctl IPC_RMID: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

static int semop_retry(struct bench_round *r, struct sembuf *sops, size_t n)
{
    int id = r->sh->ids[0];
    for (;;) {
        long rc;
        if (r->p->timed) {
            struct timespec one_second = { 1, 0 };
            rc = r->calls->semtimedop(r->ctx, id, sops, n, &one_second);
        } else {
            rc = r->calls->semop(r->ctx, id, sops, n);
        }
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* stress-ng's workers query the set every so many operations. */
static void sem_stats(struct bench_round *r)
{
    const struct ipc_calls *c = r->calls;
    int id = r->sh->ids[0];
    union {
        struct semid_ds ds;
        struct seminfo info;
    } buf;
    c->semctl(r->ctx, id, 0, IPC_STAT, (unsigned long)&buf);
    c->semctl(r->ctx, 0, 0, SEM_STAT, (unsigned long)&buf);
    c->semctl(r->ctx, id, 0, IPC_INFO, (unsigned long)&buf);
    c->semctl(r->ctx, id, 0, SEM_INFO, (unsigned long)&buf);
    c->semctl(r->ctx, id, 0, GETVAL, 0);
    c->semctl(r->ctx, id, 0, GETPID, 0);
    c->semctl(r->ctx, id, 0, GETNCNT, 0);
    c->semctl(r->ctx, id, 0, GETZCNT, 0);
}

static int each_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_EACH, why, size);
}

/* ---------- a mutex: one semaphore of value 1 ---------- */

static int mutex_setup(struct bench_round *r, char *why, size_t size)
{
    return set_setup(r, 1, 1, why, size);
}

static int mutex_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    short flg = r->p->undo ? SEM_UNDO : 0;
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        struct sembuf down = { 0, -1, flg }, up = { 0, 1, flg };
        if (semop_retry(r, &down, 1) < 0)
            return worker_failed(r, r->p->timed ? "semtimedop -1" : "semop -1");
        critical_section(r);
        if (r->calls->semop(r->ctx, r->sh->ids[0], &up, 1) < 0)
            return worker_failed(r, "semop +1");
        w->ops++;
        if (r->p->stats_every && w->ops % r->p->stats_every == 0)
            sem_stats(r);
    }
    return 0;
}

static int mutex_teardown(struct bench_round *r, char *why, size_t size)
{
    static const unsigned short one[1] = { 1 };
    return set_teardown(r, 1, one, why, size);
}

const struct workload_kind kind_sem_mutex = {
    "mutex", API_SYSV, ROLES_ANY, mutex_setup, mutex_work, each_check, mutex_teardown,
};

/* ---------- independent: process I uses semaphore I only ---------- */

static int independent_setup(struct bench_round *r, char *why, size_t size)
{
    return set_setup(r, r->nprocs, 1, why, size);
}

static int independent_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        struct sembuf down = { (unsigned short)r->me, -1, 0 }, up = { (unsigned short)r->me, 1, 0 };
        if (semop_retry(r, &down, 1) < 0 || semop_retry(r, &up, 1) < 0)
            return worker_failed(r, "semop");
        w->ops++;
    }
    return 0;
}

static int independent_teardown(struct bench_round *r, char *why, size_t size)
{
    unsigned short ones[MAX_SEMS];
    for (int i = 0; i < r->nprocs; i++)
        ones[i] = 1;
    return set_teardown(r, r->nprocs, ones, why, size);
}

const struct workload_kind kind_sem_independent = {
    "independent", API_SYSV, ROLES_ANY, independent_setup, independent_work, each_check, independent_teardown,
};

/* ---------- multi-sop: TYPES semaphores taken and given back at once ---------- */

static int multi_setup(struct bench_round *r, char *why, size_t size)
{
    return set_setup(r, r->p->types, 1, why, size);
}

static int multi_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    struct sembuf down[MAX_SEMS], up[MAX_SEMS];
    size_t n = (size_t)r->p->types;
    for (size_t i = 0; i < n; i++) {
        down[i] = (struct sembuf){ (unsigned short)i, -1, 0 };
        up[i] = (struct sembuf){ (unsigned short)i, 1, 0 };
    }
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        if (semop_retry(r, down, n) < 0)
            return worker_failed(r, "semop of -1 x n");
        critical_section(r);
        if (semop_retry(r, up, n) < 0)
            return worker_failed(r, "semop of +1 x n");
        w->ops++;
    }
    return 0;
}

static int multi_teardown(struct bench_round *r, char *why, size_t size)
{
    unsigned short ones[MAX_SEMS];
    for (int i = 0; i < r->p->types; i++)
        ones[i] = 1;
    return set_teardown(r, r->p->types, ones, why, size);
}

const struct workload_kind kind_sem_multi = {
    "multi", API_SYSV, ROLES_ANY, multi_setup, multi_work, each_check, multi_teardown,
};

/* ---------- barrier: semaphores 0 and 1 alternate; the one in use starts
 * at N, each arrival takes 1 and waits for zero; process 0, once through,
 * sets the other to N (an early arrival there blocks on its -1 until then) */

static int barrier_setup(struct bench_round *r, char *why, size_t size)
{
    if (set_setup(r, 2, 0, why, size) < 0)
        return -1;
    if (r->calls->semctl(r->ctx, r->sh->ids[0], 0, SETVAL, (unsigned long)r->nprocs) < 0) {
        snprintf(why, size, "semctl SETVAL: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int barrier_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    for (long k = 0; k < r->ops; k++) {
        unsigned short s = (unsigned short)(k % 2);
        struct sembuf arrive = { s, -1, 0 }, wait_zero = { s, 0, 0 };
        if (semop_retry(r, &arrive, 1) < 0)
            return worker_failed(r, "semop -1 (arrival)");
        if (semop_retry(r, &wait_zero, 1) < 0)
            return worker_failed(r, "semop 0 (wait for zero)");
        if (r->me == 0) {
            struct sembuf rearm = { (unsigned short)(1 - s), (short)r->nprocs, 0 };
            if (semop_retry(r, &rearm, 1) < 0)
                return worker_failed(r, "semop +N (the next barrier)");
        }
        w->ops++;
    }
    return 0;
}

static int barrier_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_ALL, why, size);
}

static int barrier_teardown(struct bench_round *r, char *why, size_t size)
{
    unsigned short want[2];
    int last = (int)((r->ops - 1) % 2);
    want[last] = 0;
    want[1 - last] = (unsigned short)r->nprocs;
    return set_teardown(r, 2, want, why, size);
}

const struct workload_kind kind_sem_barrier = {
    "barrier", API_SYSV, ROLES_ANY, barrier_setup, barrier_work, barrier_check, barrier_teardown,
};

/* ---------- ping-pong: pair K has semaphores 2K (there) and 2K+1 (back) ---------- */

static int pingpong_setup(struct bench_round *r, char *why, size_t size)
{
    return set_setup(r, r->nprocs, 0, why, size);
}

static int pingpong_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    int pair = r->me / 2, first = r->me % 2 == 0;
    unsigned short there = (unsigned short)(2 * pair), back = (unsigned short)(2 * pair + 1);
    long quota = share_of(r->ops, r->nprocs / 2, pair);
    for (long k = 0; k < quota; k++) {
        struct sembuf give = { first ? there : back, 1, 0 }, take = { first ? back : there, -1, 0 };
        if (first ? semop_retry(r, &give, 1) < 0 || semop_retry(r, &take, 1) < 0
                  : semop_retry(r, &take, 1) < 0 || semop_retry(r, &give, 1) < 0)
            return worker_failed(r, "semop");
        w->ops++;
    }
    return 0;
}

static int pingpong_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_PAIR, why, size);
}

static int pingpong_teardown(struct bench_round *r, char *why, size_t size)
{
    unsigned short zeros[MAX_SEMS] = { 0 };
    return set_teardown(r, r->nprocs, zeros, why, size);
}

const struct workload_kind kind_sem_pingpong = {
    "pingpong", API_SYSV, ROLES_PAIRS, pingpong_setup, pingpong_work, pingpong_check, pingpong_teardown,
};
