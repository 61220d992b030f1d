/* kinds_shm.c: svipc bench's shared memory patterns, through an
 * implementation's call table: attach/detach churn of one segment shared
 * by all, create/remove churn of private segments, and the ring of ring.h
 * in a segment signalled by a set of System V semaphores.
 * Must not: time, fork or print. */
#define _GNU_SOURCE
#include "kinds.h"
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

static size_t segment_bytes(const struct bench_round *r)
{
    return (size_t)r->p->size * 1024;
}

static int each_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_EACH, why, size);
}

/* ids[0] is a segment; it is attached nowhere at the end, then removed. */
static int segment_teardown(struct bench_round *r, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    struct shmid_ds ds;
    int rc = 0;
    if (c->shmctl(r->ctx, r->sh->ids[0], IPC_STAT, &ds) < 0) {
        snprintf(why, size, "shmctl IPC_STAT: %s", strerror(errno));
        rc = -1;
    } else if (ds.shm_nattch != 0) {
        snprintf(why, size, "the segment is attached %lu times at the end", (unsigned long)ds.shm_nattch);
        rc = -1;
    }
    if (c->shmctl(r->ctx, r->sh->ids[0], IPC_RMID, NULL) < 0 && rc == 0) {
        snprintf(why, size, "shmctl IPC_RMID: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

/* ---------- attach churn: one segment, every process attaches and detaches ---------- */

static int attach_setup(struct bench_round *r, char *why, size_t size)
{
    long id = r->calls->shmget(r->ctx, IPC_PRIVATE, segment_bytes(r), IPC_CREAT | 0600);
    if (id < 0) {
        snprintf(why, size, "shmget of %zu bytes: %s", segment_bytes(r), strerror(errno));
        return -1;
    }
    r->sh->ids[0] = (int)id;
    return 0;
}

static int attach_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        long at = r->calls->shmat(r->ctx, r->sh->ids[0], NULL, 0);
        if (at == -1)
            return worker_failed(r, "shmat");
        /* a byte of this process's own, so that the page is really mapped */
        volatile unsigned char *mine = (unsigned char *)at + r->me;
        *mine = (unsigned char)k;
        if (r->calls->shmdt(r->ctx, (void *)at) < 0)
            return worker_failed(r, "shmdt");
        w->ops++;
    }
    return 0;
}

const struct workload_kind kind_shm_attach = {
    "attach", API_SYSV, ROLES_ANY, attach_setup, attach_work, each_check, segment_teardown,
};

/* ---------- create churn: each process makes and removes its own segments ---------- */

static int create_setup(struct bench_round *r, char *why, size_t size)
{
    (void)r, (void)why, (void)size;
    return 0;
}

static int create_work(struct bench_round *r)
{
    struct bench_worker *w = &r->sh->w[r->me];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        long id = r->calls->shmget(r->ctx, IPC_PRIVATE, segment_bytes(r), IPC_CREAT | 0600);
        if (id < 0)
            return worker_failed(r, "shmget");
        if (r->calls->shmctl(r->ctx, (int)id, IPC_RMID, NULL) < 0)
            return worker_failed(r, "shmctl IPC_RMID");
        w->ops++;
    }
    return 0;
}

/* No segment is left: SHM_INFO counts the namespace's segments. */
static int create_teardown(struct bench_round *r, char *why, size_t size)
{
    struct shm_info info;
    long highest = r->calls->shmctl(r->ctx, 0, SHM_INFO, &info);
    if (highest < 0) {
        snprintf(why, size, "shmctl SHM_INFO: %s", strerror(errno));
        return -1;
    }
    if (info.used_ids != 0) {
        snprintf(why, size, "%d segments are left at the end", info.used_ids);
        return -1;
    }
    return 0;
}

const struct workload_kind kind_shm_create = {
    "create", API_SYSV, ROLES_ANY, create_setup, create_work, each_check, create_teardown,
};

/* ---------- the ring: segment ids[0], semaphore set ids[1] ---------- */

static int ring_setup(struct bench_round *r, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    long seg = c->shmget(r->ctx, IPC_PRIVATE, ring_bytes(r), IPC_CREAT | 0600);
    if (seg < 0) {
        snprintf(why, size, "shmget of %zu bytes: %s", ring_bytes(r), strerror(errno));
        return -1;
    }
    r->sh->ids[0] = (int)seg;
    long set = c->semget(r->ctx, IPC_PRIVATE, RING_SEMS, IPC_CREAT | 0600);
    if (set < 0) {
        snprintf(why, size, "semget of %d: %s", RING_SEMS, strerror(errno));
        return -1;
    }
    r->sh->ids[1] = (int)set;
    unsigned short values[RING_SEMS];
    for (int s = 0; s < RING_SEMS; s++)
        values[s] = (unsigned short)ring_initial(r, (enum ring_sem)s);
    if (c->semctl(r->ctx, (int)set, 0, SETALL, (unsigned long)values) < 0) {
        snprintf(why, size, "semctl SETALL: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int sysv_semop(struct bench_round *r, struct sembuf *sops, size_t n)
{
    long rc;
    while ((rc = r->calls->semop(r->ctx, r->sh->ids[1], sops, n)) < 0 && errno == EINTR)
        ;
    return rc < 0 ? -1 : 0;
}

static int sysv_wait(struct bench_round *r, enum ring_sem s)
{
    struct sembuf op = { (unsigned short)s, -1, 0 };
    return sysv_semop(r, &op, 1);
}

/* one call gives back both: the lock and the count */
static int sysv_post2(struct bench_round *r, enum ring_sem a, enum ring_sem b)
{
    struct sembuf ops[2] = { { (unsigned short)a, 1, 0 }, { (unsigned short)b, 1, 0 } };
    return sysv_semop(r, ops, 2);
}

static const struct ring_signals sysv_signals = { sysv_wait, sysv_post2 };

static int ring_work_sysv(struct bench_round *r)
{
    long at = r->calls->shmat(r->ctx, r->sh->ids[0], NULL, 0);
    if (at == -1)
        return worker_failed(r, "shmat");
    int rc = ring_work(r, (void *)at, &sysv_signals);
    if (r->calls->shmdt(r->ctx, (void *)at) < 0 && rc == 0)
        return worker_failed(r, "shmdt");
    return rc;
}

/* The semaphores are back where they started, then both objects go. */
static int ring_teardown(struct bench_round *r, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    unsigned short values[RING_SEMS];
    int rc = segment_teardown(r, why, size);
    if (c->semctl(r->ctx, r->sh->ids[1], 0, GETALL, (unsigned long)values) < 0) {
        if (rc == 0)
            snprintf(why, size, "semctl GETALL: %s", strerror(errno));
        rc = -1;
    }
    for (int s = 0; rc == 0 && s < RING_SEMS; s++)
        if (values[s] != ring_initial(r, (enum ring_sem)s)) {
            snprintf(why, size, "ring semaphore %d is %u at the end, %d expected", s, values[s],
                     ring_initial(r, (enum ring_sem)s));
            rc = -1;
        }
    if (c->semctl(r->ctx, r->sh->ids[1], 0, IPC_RMID, 0) < 0 && rc == 0) {
        snprintf(why, size, "semctl IPC_RMID: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

const struct workload_kind kind_shm_ring = {
    "ring", API_SYSV, ROLES_SPLIT, ring_setup, ring_work_sysv, check_stream, ring_teardown,
};
