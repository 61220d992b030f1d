/* kinds_msg.c: svipc bench's message queue patterns, through an
 * implementation's call table: a stream (producers and consumers on one
 * queue, blocking or IPC_NOWAIT, or a full queue with its senders
 * blocked), a ping-pong of pairs, and typed selection (msgtyp > 0 and < 0
 * among many queued types).
 * Must not: time, fork or print. */
#define _GNU_SOURCE
#include "kinds.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#define MAX_TEXT 8192

struct message {
    long mtype;
    char text[MAX_TEXT];
};

/* A value carried in the first bytes of a message, for the checksum. */
static void put_value(struct message *m, int size, uint32_t v)
{
    memcpy(m->text, &v, size < 4 ? (size_t)size : 4);
}

static uint32_t get_value(const struct message *m, int size)
{
    uint32_t v = 0;
    memcpy(&v, m->text, size < 4 ? (size_t)size : 4);
    return v;
}

static int queue_setup(struct bench_round *r, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    long q = c->msgget(r->ctx, IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) {
        snprintf(why, size, "msgget: %s", strerror(errno));
        return -1;
    }
    r->sh->ids[0] = (int)q;
    if (r->p->depth) {
        /* lowering msg_qbytes needs no privilege; the owner may */
        struct msqid_ds ds;
        if (c->msgctl(r->ctx, (int)q, IPC_STAT, &ds) < 0) {
            snprintf(why, size, "msgctl IPC_STAT: %s", strerror(errno));
            return -1;
        }
        ds.msg_qbytes = (msglen_t)r->p->depth * (msglen_t)r->p->size;
        if (c->msgctl(r->ctx, (int)q, IPC_SET, &ds) < 0) {
            snprintf(why, size, "msgctl IPC_SET msg_qbytes=%lu: %s", (unsigned long)ds.msg_qbytes,
                     strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* The queue is empty (or holds WANT messages), then removed. */
static int queue_teardown_holding(struct bench_round *r, unsigned long want, char *why, size_t size)
{
    const struct ipc_calls *c = r->calls;
    struct msqid_ds ds;
    int rc = 0;
    if (c->msgctl(r->ctx, r->sh->ids[0], IPC_STAT, &ds) < 0) {
        snprintf(why, size, "msgctl IPC_STAT: %s", strerror(errno));
        rc = -1;
    } else if (ds.msg_qnum != want) {
        snprintf(why, size, "the queue holds %lu messages at the end, %lu expected", (unsigned long)ds.msg_qnum,
                 want);
        rc = -1;
    }
    if (c->msgctl(r->ctx, r->sh->ids[0], IPC_RMID, NULL) < 0 && rc == 0) {
        snprintf(why, size, "msgctl IPC_RMID: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

static int queue_teardown(struct bench_round *r, char *why, size_t size)
{
    return queue_teardown_holding(r, 0, why, size);
}

/* stress-ng's producer asks for the queue's state every so many sends. */
static void msg_stats(struct bench_round *r, int q)
{
    union {
        struct msqid_ds ds;
        struct msginfo info;
    } buf;
    r->calls->msgctl(r->ctx, q, IPC_STAT, &buf);
    r->calls->msgctl(r->ctx, q, IPC_INFO, &buf);
    r->calls->msgctl(r->ctx, q, MSG_INFO, &buf);
}

/* One send, retried while IPC_NOWAIT finds the queue full. */
static int send_one(struct bench_round *r, int q, struct message *m)
{
    int flags = r->p->nowait ? IPC_NOWAIT : 0;
    while (r->calls->msgsnd(r->ctx, q, m, (size_t)r->p->size, flags) < 0) {
        if (!(r->p->nowait && errno == EAGAIN) && errno != EINTR)
            return -1;
        r->sh->w[r->me].aux++;
        if (r->p->nowait)
            sched_yield();
    }
    return 0;
}

static int receive_one(struct bench_round *r, int q, struct message *m, long type)
{
    int flags = r->p->nowait ? IPC_NOWAIT : 0;
    while (r->calls->msgrcv(r->ctx, q, m, (size_t)r->p->size, type, flags) < 0) {
        if (!(r->p->nowait && errno == ENOMSG) && errno != EINTR)
            return -1;
        r->sh->w[r->me].aux++;
        if (r->p->nowait)
            sched_yield();
    }
    return 0;
}

static int stream_work(struct bench_round *r)
{
    static struct message m;
    struct bench_worker *w = &r->sh->w[r->me];
    int q = r->sh->ids[0], producers = producers_of(r);
    memset(m.text, 'm', (size_t)r->p->size);
    if (r->nprocs == 1) {
        for (long k = 0; k < r->ops; k++) {
            m.mtype = 1;
            put_value(&m, r->p->size, (uint32_t)k);
            if (send_one(r, q, &m) < 0)
                return worker_failed(r, "msgsnd");
            if (receive_one(r, q, &m, 0) < 0)
                return worker_failed(r, "msgrcv");
            if (get_value(&m, r->p->size) != (uint32_t)k) {
                errno = EBADMSG;
                return worker_failed(r, "msgrcv returned another message");
            }
            w->ops++;
        }
        return 0;
    }
    if (r->me < producers) {
        long quota = share_of(r->ops, producers, r->me);
        for (long k = 0; k < quota; k++) {
            uint32_t v = (uint32_t)(k * producers + r->me + 1);
            m.mtype = 1;
            put_value(&m, r->p->size, v);
            if (send_one(r, q, &m) < 0)
                return worker_failed(r, "msgsnd");
            w->ops++;
            w->sum += get_value(&m, r->p->size);
            if (r->p->stats_every && w->ops % r->p->stats_every == 0)
                msg_stats(r, q);
        }
    } else {
        long quota = share_of(r->ops, r->nprocs - producers, r->me - producers);
        for (long k = 0; k < quota; k++) {
            if (receive_one(r, q, &m, 0) < 0)
                return worker_failed(r, "msgrcv");
            w->ops++;
            w->sum += get_value(&m, r->p->size);
        }
    }
    return 0;
}

const struct workload_kind kind_msg_stream = {
    "stream", API_SYSV, ROLES_SPLIT, queue_setup, stream_work, check_stream, queue_teardown,
};
const struct workload_kind kind_msg_stream_full = {
    "full", API_SYSV, ROLES_ONE_CONSUMER, queue_setup, stream_work, check_stream, queue_teardown,
};

/* ---------- ping-pong: pair K sends type 2K+1 and answers with 2K+2 ---------- */

static int pingpong_work(struct bench_round *r)
{
    static struct message m;
    struct bench_worker *w = &r->sh->w[r->me];
    int q = r->sh->ids[0], pair = r->me / 2, first = r->me % 2 == 0;
    long there = 2L * pair + 1, back = 2L * pair + 2;
    long quota = share_of(r->ops, r->nprocs / 2, pair);
    memset(m.text, 'p', (size_t)r->p->size);
    for (long k = 0; k < quota; k++) {
        if (first) {
            m.mtype = there;
            if (send_one(r, q, &m) < 0)
                return worker_failed(r, "msgsnd");
            if (receive_one(r, q, &m, back) < 0)
                return worker_failed(r, "msgrcv");
        } else {
            if (receive_one(r, q, &m, there) < 0)
                return worker_failed(r, "msgrcv");
            m.mtype = back;
            if (send_one(r, q, &m) < 0)
                return worker_failed(r, "msgsnd");
        }
        w->ops++;
    }
    return 0;
}

static int pingpong_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_PAIR, why, size);
}

const struct workload_kind kind_msg_pingpong = {
    "pingpong", API_SYSV, ROLES_PAIRS, queue_setup, pingpong_work, pingpong_check, queue_teardown,
};

/* ---------- typed selection: TYPES messages queued, one of each type ---------- */

/* Types queued: the row's, and at least one per process so none waits. */
static int types_of(const struct bench_round *r)
{
    return r->p->types > r->nprocs ? r->p->types : r->nprocs;
}

static int typed_setup(struct bench_round *r, char *why, size_t size)
{
    static struct message m;
    if (queue_setup(r, why, size) < 0)
        return -1;
    memset(m.text, 't', (size_t)r->p->size);
    for (int t = 1; t <= types_of(r); t++) {
        m.mtype = t;
        if (r->calls->msgsnd(r->ctx, r->sh->ids[0], &m, (size_t)r->p->size, IPC_NOWAIT) < 0) {
            snprintf(why, size, "msgsnd of type %d of %d: %s", t, types_of(r), strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* msgtyp > 0: this process's types are me+1, me+1+N, ...; nobody else
 * takes them, so each is there when asked for (IPC_NOWAIT). */
static int typed_pos_work(struct bench_round *r)
{
    static struct message m;
    struct bench_worker *w = &r->sh->w[r->me];
    int q = r->sh->ids[0], types = types_of(r);
    int mine = (types - r->me - 1) / r->nprocs + 1;
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        long type = r->me + 1 + (k % mine) * r->nprocs;
        if (r->calls->msgrcv(r->ctx, q, &m, (size_t)r->p->size, type, IPC_NOWAIT) < 0)
            return worker_failed(r, "msgrcv of a type queued");
        if (m.mtype != type) {
            errno = EBADMSG;
            return worker_failed(r, "msgrcv returned another type");
        }
        if (r->calls->msgsnd(r->ctx, q, &m, (size_t)r->p->size, 0) < 0)
            return worker_failed(r, "msgsnd");
        w->ops++;
    }
    return 0;
}

/* msgtyp < 0: the lowest type of all, whoever holds the others. */
static int typed_neg_work(struct bench_round *r)
{
    static struct message m;
    struct bench_worker *w = &r->sh->w[r->me];
    int q = r->sh->ids[0];
    long quota = share_of(r->ops, r->nprocs, r->me);
    for (long k = 0; k < quota; k++) {
        if (receive_one(r, q, &m, -(long)types_of(r)) < 0)
            return worker_failed(r, "msgrcv");
        if (send_one(r, q, &m) < 0)
            return worker_failed(r, "msgsnd");
        w->ops++;
    }
    return 0;
}

static int typed_check(struct bench_round *r, char *why, size_t size)
{
    return check_shares(r, SHARE_EACH, why, size);
}

static int typed_teardown(struct bench_round *r, char *why, size_t size)
{
    return queue_teardown_holding(r, (unsigned long)types_of(r), why, size);
}

const struct workload_kind kind_msg_typed_pos = {
    "typed-pos", API_SYSV, ROLES_ANY, typed_setup, typed_pos_work, typed_check, typed_teardown,
};
const struct workload_kind kind_msg_typed_neg = {
    "typed-neg", API_SYSV, ROLES_ANY, typed_setup, typed_neg_work, typed_check, typed_teardown,
};
