/* stress_workload.c: the workers' random operations (stress_workload.h).
 * Message queues: msgsnd and msgrcv, blocking or IPC_NOWAIT, msgtyp 0, > 0,
 * < 0 and with MSG_EXCEPT, buffers too small with and without MSG_NOERROR;
 * each message's text carries its sender and number, so a message
 * received twice or never sent is visible.  Semaphore sets: semop with
 * one to three sembufs on distinct semaphores, each blocking or
 * IPC_NOWAIT, some with SEM_UNDO (applied when the worker dies: killed
 * by the session, or at its end), some semtimedop with a timeout of up to
 * 1 ms (EAGAIN when it ends the wait); msgrcv with MSG_COPY.  Both: IPC_RMID while others use or wait on the object,
 * then a new object in its slot.  An interval timer ends blocked calls
 * with EINTR, so no worker waits for ever.  Workers come in groups, each
 * group with slots of its own (stress_config.group).
 * Must not: keep state outside the worker's own stack and the shared
 * recording space. */
#define _GNU_SOURCE
#include "stress_workload.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/time.h>

/* xorshift64*: the worker's own stream, from the seed and its index. */
struct rng { uint64_t s; };

static uint64_t rng_next(struct rng *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(struct rng *r, unsigned n)
{
    return (unsigned)(rng_next(r) % n);
}

static void rng_seed(struct rng *r, uint64_t seed, int stream)
{
    r->s = (seed ^ ((uint64_t)(stream + 1) * 0x9E3779B97F4A7C15ULL)) | 1;
    for (int i = 0; i < 8; i++)
        rng_next(r);
}

struct msg_buffer {
    long mtype;
    unsigned char text[STRESS_TEXT_MAX];
};

static int create_queue(const struct ipc_calls *calls, const struct stress_config *cfg, int slot,
                        struct stress_object *o)
{
    long id = calls->msgget(NULL, IPC_PRIVATE, IPC_CREAT | 0600);
    if (id < 0)
        return -1;
    struct msqid_ds ds;
    if (calls->msgctl(NULL, (int)id, IPC_STAT, &ds) < 0)
        return -1;
    ds.msg_qbytes = (msglen_t)cfg->qbytes;
    if (calls->msgctl(NULL, (int)id, IPC_SET, &ds) < 0)
        return -1;
    memset(o, 0, sizeof(*o));
    o->kind = STRESS_QUEUE;
    o->id = (int32_t)id;
    o->slot = slot;
    o->qbytes = cfg->qbytes;
    return 0;
}

static int create_set(const struct ipc_calls *calls, const struct stress_config *cfg, int slot, struct rng *r,
                      struct stress_object *o)
{
    long id = calls->semget(NULL, IPC_PRIVATE, cfg->nsems, IPC_CREAT | 0600);
    if (id < 0)
        return -1;
    unsigned short values[STRESS_SEMS_MAX];
    memset(o, 0, sizeof(*o));
    for (int i = 0; i < cfg->nsems; i++)
        values[i] = o->init[i] = (uint16_t)rng_below(r, 3);
    if (calls->semctl(NULL, (int)id, 0, SETALL, (unsigned long)(uintptr_t)values) < 0)
        return -1;
    o->kind = STRESS_SET;
    o->id = (int32_t)id;
    o->slot = slot;
    o->nsems = cfg->nsems;
    return 0;
}

int stress_groups(const struct stress_config *cfg)
{
    return cfg->group > 0 ? (cfg->nprocs + cfg->group - 1) / cfg->group : 1;
}

int stress_group_of(const struct stress_config *cfg, int i)
{
    return cfg->group > 0 ? i / cfg->group : 0;
}

/* A group's slots are consecutive: its queues, then its sets. */
static int slot_kind(const struct stress_config *cfg, int slot)
{
    return slot % (cfg->nqueues + cfg->nsets) < cfg->nqueues ? STRESS_QUEUE : STRESS_SET;
}

int stress_setup_objects(const struct ipc_calls *calls, const struct stress_config *cfg,
                         struct stress_shared *sh, char *why, size_t size)
{
    struct rng r;
    rng_seed(&r, cfg->seed, -1);
    for (int slot = 0; slot < stress_groups(cfg) * (cfg->nqueues + cfg->nsets); slot++) {
        struct stress_object o;
        int rc = slot_kind(cfg, slot) == STRESS_QUEUE ? create_queue(calls, cfg, slot, &o)
                                                      : create_set(calls, cfg, slot, &r, &o);
        int obj = rc < 0 ? -1 : stress_object_add(sh, &o);
        if (obj < 0) {
            snprintf(why, size, "cannot create the %s of slot %d: %s",
                     slot_kind(cfg, slot) == STRESS_QUEUE ? "queue" : "semaphore set", slot,
                     rc < 0 ? strerror(errno) : "object table full");
            return -1;
        }
        stress_slot_set(sh, slot, obj);
    }
    return 0;
}

/* ---------- one operation ---------- */

static void draw_msgsnd(struct rng *r, int proc, unsigned long seq, struct stress_event *ev)
{
    ev->op = STRESS_MSGSND;
    ev->type = 1 + rng_below(r, 3);
    ev->size = 8 + (int32_t)rng_below(r, STRESS_TEXT_MAX - 8 + 1);
    ev->flags = rng_below(r, 10) < 3 ? IPC_NOWAIT : 0;
    uint64_t tag = (uint64_t)proc << 40 | (seq & 0xffffffffffULL);
    memcpy(ev->text, &tag, sizeof(tag));
    for (int i = 8; i < ev->size; i++)
        ev->text[i] = (uint8_t)(tag * 31 + (uint64_t)i);
}

static void draw_msgrcv(struct rng *r, struct stress_event *ev)
{
    ev->op = STRESS_MSGRCV;
    if (rng_below(r, 10) == 0) {       /* MSG_COPY: the message at an index, left queued */
        ev->size = STRESS_TEXT_MAX;
        ev->flags = MSG_COPY | IPC_NOWAIT;
        ev->type = rng_below(r, 4);
        return;
    }
    ev->size = rng_below(r, 10) == 0 ? 4 : STRESS_TEXT_MAX;
    ev->flags = rng_below(r, 10) < 3 ? IPC_NOWAIT : 0;
    if (ev->size < STRESS_TEXT_MAX && rng_below(r, 2))
        ev->flags |= MSG_NOERROR;
    unsigned k = rng_below(r, 10);
    if (k < 4) {
        ev->type = 0;
    } else if (k < 7) {
        ev->type = 1 + rng_below(r, 3);
    } else if (k < 9) {
        ev->type = -(int64_t)(1 + rng_below(r, 3));
    } else {
        ev->type = 1 + rng_below(r, 3);
        ev->flags |= MSG_EXCEPT;
    }
}

static void draw_semop(struct rng *r, const struct stress_config *cfg, struct stress_event *ev)
{
    static const int16_t deltas[] = { -1, -1, -1, -1, 1, 1, 1, 1, -2, 2, 0 };
    ev->op = STRESS_SEMOP;
    int n = 1 + (int)rng_below(r, cfg->nsems < 3 ? (unsigned)cfg->nsems : 3);
    int first = (int)rng_below(r, (unsigned)cfg->nsems);
    for (int i = 0; i < n; i++) {
        ev->sops[i].num = (uint16_t)((first + i) % cfg->nsems);
        ev->sops[i].op = deltas[rng_below(r, sizeof(deltas) / sizeof(deltas[0]))];
        ev->sops[i].flg = rng_below(r, 10) < 3 ? IPC_NOWAIT : 0;
        if (cfg->undo_percent && (int)rng_below(r, 100) < cfg->undo_percent)
            ev->sops[i].flg |= SEM_UNDO;
    }
    ev->nsops = (uint16_t)n;
    if (rng_below(r, 100) < 15)        /* semtimedop: a wait of up to 1 ms */
        ev->type = 1000 + (int64_t)rng_below(r, 1000000);
}

static void perform(const struct ipc_calls *calls, int id, struct stress_event *ev)
{
    long ret = -1;
    switch (ev->op) {
    case STRESS_MSGSND: {
        struct msg_buffer m = { .mtype = ev->type };
        memcpy(m.text, ev->text, (size_t)ev->size);
        ret = calls->msgsnd(NULL, id, &m, (size_t)ev->size, ev->flags);
        break;
    }
    case STRESS_MSGRCV: {
        struct msg_buffer m = { 0 };
        ret = calls->msgrcv(NULL, id, &m, (size_t)ev->size, ev->type, ev->flags);
        if (ret >= 0) {
            ev->rtype = m.mtype;
            memcpy(ev->text, m.text, ret <= STRESS_TEXT_MAX ? (size_t)ret : 0);
        }
        break;
    }
    case STRESS_SEMOP: {
        struct sembuf sops[STRESS_SOPS_MAX];
        for (int i = 0; i < ev->nsops; i++)
            sops[i] = (struct sembuf){ .sem_num = ev->sops[i].num, .sem_op = ev->sops[i].op,
                                       .sem_flg = ev->sops[i].flg };
        if (ev->type > 0) {
            struct timespec t = { .tv_sec = 0, .tv_nsec = (long)ev->type };
            ret = calls->semtimedop(NULL, id, sops, ev->nsops, &t);
        } else {
            ret = calls->semop(NULL, id, sops, ev->nsops);
        }
        break;
    }
    case STRESS_RMID:
        ret = ev->flags == STRESS_QUEUE ? calls->msgctl(NULL, id, IPC_RMID, NULL)
                                        : calls->semctl(NULL, id, 0, IPC_RMID, 0);
        break;
    }
    ev->ret = ret;
    ev->err = ret < 0 ? errno : 0;
}

/* After a removal (ours, or one whose worker was killed before it made
 * the next object): a new object in the slot, if the slot still holds
 * OLD and the table is not full. */
static void recreate(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                     struct rng *r, int slot, int old)
{
    if (stress_slot_current(sh, slot) != old)
        return;                        /* done by another */
    if (stress_object_count(sh) >= STRESS_OBJECTS_MAX) {
        stress_stop(sh, STRESS_STOP_OBJECTS_FULL);   /* no run on removed objects only */
        return;
    }
    struct stress_object o;
    int rc = slot_kind(cfg, slot) == STRESS_QUEUE ? create_queue(calls, cfg, slot, &o)
                                                  : create_set(calls, cfg, slot, r, &o);
    if (rc < 0)
        return;
    int obj = stress_slot_current(sh, slot) == old ? stress_object_add(sh, &o) : -1;
    if (obj >= 0 && stress_slot_replace(sh, slot, old, obj)) {
        return;
    } else if (o.kind == STRESS_QUEUE) {
        calls->msgctl(NULL, o.id, IPC_RMID, NULL);
    } else {
        calls->semctl(NULL, o.id, 0, IPC_RMID, 0);
    }
}

static void do_work(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                    int proc, int group, long quota);

static void on_alarm(int sig)
{
    (void)sig;
}

static void start_interrupts(const struct stress_config *cfg, int proc)
{
    if (cfg->interrupt_us <= 0)
        return;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;          /* no SA_RESTART: the call ends with EINTR */
    sigaction(SIGALRM, &sa, NULL);
    long first = cfg->interrupt_us + (long)proc * 997 % cfg->interrupt_us;
    struct itimerval it = {
        .it_interval = { cfg->interrupt_us / 1000000, cfg->interrupt_us % 1000000 },
        .it_value = { first / 1000000, first % 1000000 },
    };
    setitimer(ITIMER_REAL, &it, NULL);
}

void stress_worker(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                   int proc, int group, long quota)
{
    do_work(calls, cfg, sh, proc, group, quota);
    stress_worker_finished(sh, proc);
}

static void do_work(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                    int proc, int group, long quota)
{
    struct rng r;
    rng_seed(&r, cfg->seed, proc);
    int first_slot = group * (cfg->nqueues + cfg->nsets) + (cfg->mix == STRESS_MIX_SEM ? cfg->nqueues : 0);
    int nslots = (cfg->mix & STRESS_MIX_MSG ? cfg->nqueues : 0) + (cfg->mix & STRESS_MIX_SEM ? cfg->nsets : 0);
    if (nslots <= 0)
        return;
    start_interrupts(cfg, proc);
    struct stress_event scratch;
    for (unsigned long seq = 0; !quota || seq < (unsigned long)quota; seq++) {
        if (stress_stopped(sh))
            break;
        struct stress_event *ev = cfg->record ? stress_event_begin(sh, proc) : &scratch;
        if (!ev)
            break;                     /* its history is full */
        if (!cfg->record) {
            memset(ev, 0, sizeof(*ev));
            ev->proc = (uint16_t)proc;
        }
        int slot = first_slot + (int)rng_below(&r, (unsigned)nslots);
        int obj = stress_slot_current(sh, slot);
        const struct stress_object *o = stress_object_at(sh, obj);
        ev->obj = (uint16_t)obj;
        if (cfg->rmid_per_10k && rng_below(&r, 10000) < (unsigned)cfg->rmid_per_10k) {
            ev->op = STRESS_RMID;
            ev->flags = o->kind;
        } else if (o->kind == STRESS_QUEUE) {
            if (rng_below(&r, 2))
                draw_msgsnd(&r, proc, seq, ev);
            else
                draw_msgrcv(&r, ev);
        } else {
            draw_semop(&r, cfg, ev);
        }
        if (cfg->record)
            stress_event_invoke(sh, proc, ev);
        perform(calls, o->id, ev);
        if (cfg->record)
            stress_event_respond(ev);
        else
            stress_event_count(sh, proc);
        if ((ev->op == STRESS_RMID && ev->ret == 0) || (ev->ret < 0 && (ev->err == EIDRM || ev->err == EINVAL)))
            recreate(calls, cfg, sh, &r, slot, obj);
    }
}
