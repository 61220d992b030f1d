/* stress_workload.c: the workers' random operations (stress_workload.h).
 * Message queues: msgsnd and msgrcv, blocking or IPC_NOWAIT, msgtyp 0, > 0,
 * < 0 and with MSG_EXCEPT, buffers too small with and without MSG_NOERROR;
 * each message's text carries its sender and number, so a message
 * received twice or never sent is visible.  Semaphore sets: semop with
 * one to three sembufs on distinct semaphores, each blocking or
 * IPC_NOWAIT, some with SEM_UNDO (applied when the worker dies: killed
 * by the session, or at its end), some semtimedop with a timeout of up to
 * 1 ms (EAGAIN when it ends the wait); msgrcv with MSG_COPY.  Shared
 * memory segments: shmat and shmdt, shmctl IPC_STAT (shm_nattch and
 * SHM_DEST), and words stored and loaded through the attachment, each
 * value its writer's and number, so a stale or torn word is visible; an
 * attachment outlives its segment's IPC_RMID and is used after it.  All:
 * IPC_RMID while others use or wait on the object, then a new object in
 * its slot.  A process of its own changes kernel.msgmax and semopm under
 * the workers (stress_limit_writer).  An interval timer ends blocked calls
 * with EINTR, so no worker waits for ever.  Workers come in groups, each
 * group with slots of its own (stress_config.group).
 * Must not: keep state outside the worker's own stack and the shared
 * recording space. */
#define _GNU_SOURCE
#include "stress_workload.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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

static int create_segment(const struct ipc_calls *calls, int slot, struct stress_object *o)
{
    long id = calls->shmget(NULL, IPC_PRIVATE, STRESS_SEGMENT_SIZE, IPC_CREAT | 0600);
    if (id < 0)
        return -1;
    memset(o, 0, sizeof(*o));
    o->kind = STRESS_SEGMENT;
    o->id = (int32_t)id;
    o->slot = slot;
    o->qbytes = STRESS_SEGMENT_SIZE;
    return 0;
}

int stress_group_slots(const struct stress_config *cfg)
{
    return cfg->nqueues + cfg->nsets + cfg->nsegs;
}

int stress_groups(const struct stress_config *cfg)
{
    return cfg->group > 0 ? (cfg->nprocs + cfg->group - 1) / cfg->group : 1;
}

int stress_group_of(const struct stress_config *cfg, int i)
{
    return cfg->group > 0 ? i / cfg->group : 0;
}

/* A group's slots are consecutive: its queues, its sets, its segments. */
static int slot_kind(const struct stress_config *cfg, int slot)
{
    int k = slot % stress_group_slots(cfg);
    return k < cfg->nqueues ? STRESS_QUEUE : k < cfg->nqueues + cfg->nsets ? STRESS_SET : STRESS_SEGMENT;
}

/* Whether the run's workload uses SLOT's kind (others stay empty). */
static int slot_used(const struct stress_config *cfg, int slot)
{
    int kind = slot_kind(cfg, slot);
    return cfg->mix & (kind == STRESS_QUEUE ? STRESS_MIX_MSG : kind == STRESS_SET ? STRESS_MIX_SEM : STRESS_MIX_SHM);
}

static const char *kind_name(int kind)
{
    return kind == STRESS_QUEUE ? "queue" : kind == STRESS_SET ? "semaphore set" : "segment";
}

static int create_object(const struct ipc_calls *calls, const struct stress_config *cfg, int slot, struct rng *r,
                         struct stress_object *o)
{
    switch (slot_kind(cfg, slot)) {
    case STRESS_QUEUE: return create_queue(calls, cfg, slot, o);
    case STRESS_SET: return create_set(calls, cfg, slot, r, o);
    default: return create_segment(calls, slot, o);
    }
}

static void remove_object(const struct ipc_calls *calls, const struct stress_object *o)
{
    if (o->kind == STRESS_QUEUE)
        calls->msgctl(NULL, o->id, IPC_RMID, NULL);
    else if (o->kind == STRESS_SET)
        calls->semctl(NULL, o->id, 0, IPC_RMID, 0);
    else
        calls->shmctl(NULL, o->id, IPC_RMID, NULL);
}

int stress_setup_objects(const struct ipc_calls *calls, const struct stress_config *cfg,
                         struct stress_shared *sh, char *why, size_t size)
{
    struct rng r;
    rng_seed(&r, cfg->seed, -1);
    for (int slot = 0; slot < stress_groups(cfg) * stress_group_slots(cfg); slot++) {
        if (!slot_used(cfg, slot))
            continue;
        struct stress_object o;
        int rc = create_object(calls, cfg, slot, &r, &o);
        int obj = rc < 0 ? -1 : stress_object_add(sh, &o);
        if (obj < 0) {
            snprintf(why, size, "cannot create the %s of slot %d: %s", kind_name(slot_kind(cfg, slot)), slot,
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
    ev->nsops = (uint8_t)n;
    if (rng_below(r, 100) < 15)        /* semtimedop: a wait of up to 1 ms */
        ev->type = 1000 + (int64_t)rng_below(r, 1000000);
}

/* A worker's attachment of a segment slot's object (OBJ -1: none); it
 * may outlive the object's removal and the slot's next object. */
struct attachment {
    int obj;
    void *addr;
};

/* A segment operation on slot's object or on the worker's attachment:
 * EV's op and arguments, and the object it concerns. */
static int draw_segment(struct rng *r, int proc, unsigned long seq, const struct attachment *at, int current,
                        struct stress_event *ev)
{
    unsigned k = rng_below(r, 20);
    if (at->obj < 0) {
        ev->op = k < 2 ? STRESS_SHMSTAT : STRESS_SHMAT;
        return current;
    }
    if (k < 8) {
        ev->op = STRESS_STORE;
        ev->type = rng_below(r, STRESS_WORDS);
        uint64_t value = (uint64_t)(proc + 1) << 40 | (seq & 0xffffffffffULL);
        memcpy(ev->text, &value, 8);
        ev->size = 8;
    } else if (k < 16) {
        ev->op = STRESS_LOAD;
        ev->type = rng_below(r, STRESS_WORDS);
        ev->size = 8;
    } else if (k < 18) {
        ev->op = STRESS_SHMDT;
    } else {
        ev->op = STRESS_SHMSTAT;
    }
    return at->obj;
}

static void perform(const struct ipc_calls *calls, int id, struct attachment *at, struct stress_event *ev)
{
    long ret = -1;
    switch (ev->op) {
    case STRESS_SHMAT: {
        void *addr = (void *)calls->shmat(NULL, id, NULL, 0);
        ret = addr == (void *)-1 ? -1 : 0;
        if (ret == 0)
            at->addr = addr;
        break;
    }
    case STRESS_SHMDT:
        ret = calls->shmdt(NULL, at->addr);
        break;
    case STRESS_SHMSTAT: {
        struct shmid_ds ds;
        ret = calls->shmctl(NULL, id, IPC_STAT, &ds);
        if (ret >= 0) {
            ret = (long)ds.shm_nattch;
            ev->rtype = (ds.shm_perm.mode & SHM_DEST) != 0;
        }
        break;
    }
    case STRESS_STORE: {
        uint64_t value;
        memcpy(&value, ev->text, 8);
        __atomic_store_n((uint64_t *)at->addr + ev->type, value, __ATOMIC_SEQ_CST);
        ret = 0;
        break;
    }
    case STRESS_LOAD: {
        uint64_t value = __atomic_load_n((uint64_t *)at->addr + ev->type, __ATOMIC_SEQ_CST);
        memcpy(ev->text, &value, 8);
        ret = 0;
        break;
    }
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
            : ev->flags == STRESS_SET   ? calls->semctl(NULL, id, 0, IPC_RMID, 0)
                                        : calls->shmctl(NULL, id, IPC_RMID, NULL);
        break;
    }
    /* a value the record cannot hold (no call here returns one) is kept as
     * INT32_MAX, which no model outcome matches: a violation, not a pass */
    ev->ret = ret > INT32_MAX ? INT32_MAX : (int32_t)ret;
    ev->err = ret < 0 ? (int16_t)errno : 0;
}

/* Whether O is still there (IPC_STAT: read-only, not an operation). */
static int alive(const struct ipc_calls *calls, const struct stress_object *o)
{
    union {
        struct msqid_ds q;
        struct semid_ds s;
        struct shmid_ds m;
    } ds;
    long r = o->kind == STRESS_QUEUE ? calls->msgctl(NULL, o->id, IPC_STAT, &ds.q)
           : o->kind == STRESS_SET   ? calls->semctl(NULL, o->id, 0, IPC_STAT, (unsigned long)(uintptr_t)&ds.s)
                                     : calls->shmctl(NULL, o->id, IPC_STAT, &ds.m);
    return r >= 0;
}

/* After a removal (ours: REMOVED; or one seen by an EINVAL or EIDRM, whose
 * worker may have been killed before it made the next object): a new
 * object in the slot, if the slot still holds OLD, OLD is gone (a segment
 * removed by us may live on, attached) and the table is not full. */
static void recreate(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                     struct rng *r, int slot, int old, int removed)
{
    if (stress_slot_current(sh, slot) != old || (!removed && alive(calls, stress_object_at(sh, old))))
        return;                        /* done by another, or not gone (an EINVAL of msgmax) */
    if (stress_object_count(sh) >= STRESS_OBJECTS_MAX) {
        stress_stop(sh, STRESS_STOP_OBJECTS_FULL);   /* no run on removed objects only */
        return;
    }
    struct stress_object o;
    if (create_object(calls, cfg, slot, r, &o) < 0)
        return;
    int obj = stress_slot_current(sh, slot) == old ? stress_object_add(sh, &o) : -1;
    if (obj < 0 || !stress_slot_replace(sh, slot, old, obj))
        remove_object(calls, &o);
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
    /* the group's slots of the kinds the workload uses */
    int slots[STRESS_SLOTS_MAX], nslots = 0, per_group = stress_group_slots(cfg);
    for (int k = 0; k < per_group && nslots < STRESS_SLOTS_MAX; k++)
        if (slot_used(cfg, group * per_group + k))
            slots[nslots++] = group * per_group + k;
    if (nslots <= 0)
        return;
    struct attachment attached[STRESS_SLOTS_MAX];  /* by index into slots */
    for (int i = 0; i < nslots; i++)
        attached[i] = (struct attachment){ .obj = -1 };
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
        int pick = (int)rng_below(&r, (unsigned)nslots), slot = slots[pick];
        int obj = stress_slot_current(sh, slot);
        const struct stress_object *o = stress_object_at(sh, obj);
        struct attachment *at = &attached[pick];
        if (cfg->rmid_per_10k && rng_below(&r, 10000) < (unsigned)cfg->rmid_per_10k) {
            ev->op = STRESS_RMID;
            ev->flags = o->kind;
        } else if (o->kind == STRESS_QUEUE) {
            if (rng_below(&r, 2))
                draw_msgsnd(&r, proc, seq, ev);
            else
                draw_msgrcv(&r, ev);
        } else if (o->kind == STRESS_SET) {
            draw_semop(&r, cfg, ev);
        } else {
            obj = draw_segment(&r, proc, seq, at, obj, ev);
            o = stress_object_at(sh, obj);
        }
        ev->obj = (uint32_t)obj;
        if (cfg->record)
            stress_event_invoke(sh, proc, ev);
        perform(calls, o->id, at, ev);
        if (cfg->record)
            stress_event_respond(ev);
        else
            stress_event_count(sh, proc);
        if (ev->op == STRESS_SHMAT && ev->ret == 0)
            at->obj = obj;
        else if (ev->op == STRESS_SHMDT)
            at->obj = -1;              /* detached, or it never was: either way no more use */
        if ((ev->op == STRESS_RMID && ev->ret == 0) || (ev->ret < 0 && (ev->err == EIDRM || ev->err == EINVAL)))
            recreate(calls, cfg, sh, &r, slot, obj, ev->op == STRESS_RMID);
    }
}

/* ---------- limits changed under the workers ---------- */

/* kernel.NAME read into BUF or (VALUE) written: 0, or -1 and errno. */
static int limit_file(const struct ipc_calls *calls, const char *name, const char *value, char *buf, size_t size)
{
    if (calls->sysctl)
        return calls->sysctl(NULL, name, value, buf, size);
    char path[64];
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    int fd = open(path, (value ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = value ? write(fd, value, strlen(value)) : read(fd, buf, size - 1);
    int err = errno;
    close(fd);
    if (n < 0) {
        errno = err;
        return -1;
    }
    if (!value) {
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
    }
    return 0;
}

int stress_limit_writer(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                        int proc, char *why, size_t size)
{
    /* what each limit is at the start, and the value that makes some of
     * the workers' calls fail: messages of more than 16 bytes (they send
     * 8 to 32), semops of more than 2 sembufs (they make 1 to 3) */
    long sem[4], initial[STRESS_LIMITS + 1], low[STRESS_LIMITS + 1] = { 0, 16, 2 };
    char buf[128];
    if (limit_file(calls, "msgmax", NULL, buf, sizeof(buf)) < 0 || (initial[STRESS_LIMIT_MSGMAX] = atol(buf)) <= 0 ||
        limit_file(calls, "sem", NULL, buf, sizeof(buf)) < 0 ||
        sscanf(buf, "%ld %ld %ld %ld", &sem[0], &sem[1], &sem[2], &sem[3]) != 4) {
        snprintf(why, size, "cannot read kernel.msgmax and kernel.sem: %s", strerror(errno));
        return -1;
    }
    initial[STRESS_LIMIT_SEMOPM] = sem[2];
    int limits[STRESS_LIMITS], nlimits = 0, is_low[STRESS_LIMITS + 1] = { 0 };
    if (cfg->mix & STRESS_MIX_MSG)
        limits[nlimits++] = STRESS_LIMIT_MSGMAX;
    if (cfg->mix & STRESS_MIX_SEM)
        limits[nlimits++] = STRESS_LIMIT_SEMOPM;
    struct rng r;
    rng_seed(&r, cfg->seed, proc);
    long written = 0;
    while (nlimits && cfg->sysctl_ms > 0 && !stress_stopped(sh)) {
        int lowered_now = is_low[STRESS_LIMIT_MSGMAX] || is_low[STRESS_LIMIT_SEMOPM];
        if (cfg->sysctl_max && written >= cfg->sysctl_max - 1 && !lowered_now)
            break;                     /* its room is used (a run of so many operations) */
        /* a gap of 0 to 2 x sysctl_ms before a limit is lowered, a tenth
         * of that before it is put back (the workload stays mostly what
         * it is), slept in steps of at most 10 ms so that the stop flag
         * is seen soon */
        int lowered = is_low[STRESS_LIMIT_MSGMAX] || is_low[STRESS_LIMIT_SEMOPM];
        long mean_us = lowered ? 100 * cfg->sysctl_ms : 1000 * cfg->sysctl_ms;
        uint64_t until = stress_now_ns() + rng_below(&r, (unsigned)(2 * mean_us + 1)) * 1000ULL;
        for (uint64_t now = stress_now_ns(); !stress_stopped(sh) && now < until; now = stress_now_ns()) {
            struct timespec t = { 0, (long)(until - now < 10000000ULL ? until - now : 10000000ULL) };
            nanosleep(&t, NULL);
        }
        if (stress_stopped(sh))
            break;
        int limit = limits[rng_below(&r, (unsigned)nlimits)];
        for (int k = 0; k < nlimits; k++)
            if (is_low[limits[k]])
                limit = limits[k];     /* one low at a time: put it back */
        long value = is_low[limit] ? initial[limit] : low[limit];
        struct stress_event scratch, *ev = cfg->record ? stress_event_begin(sh, proc) : &scratch;
        if (!ev)
            break;
        memset(&scratch, 0, sizeof(scratch));
        ev->proc = (uint16_t)proc;
        ev->op = STRESS_SYSCTL;
        ev->obj = STRESS_OBJ_ALL;
        ev->type = limit;
        ev->size = (int32_t)value;
        char text[96];
        if (limit == STRESS_LIMIT_MSGMAX)
            snprintf(text, sizeof(text), "%ld", value);
        else
            snprintf(text, sizeof(text), "%ld %ld %ld %ld", sem[0], sem[1], value, sem[3]);
        if (cfg->record)
            stress_event_invoke(sh, proc, ev);
        int rc = limit_file(calls, limit == STRESS_LIMIT_MSGMAX ? "msgmax" : "sem", text, NULL, 0);
        ev->ret = rc;
        ev->err = rc < 0 ? errno : 0;
        if (cfg->record)
            stress_event_respond(ev);
        else
            stress_event_count(sh, proc);
        if (rc < 0) {
            snprintf(why, size, "cannot write kernel.%s: %s", limit == STRESS_LIMIT_MSGMAX ? "msgmax" : "sem",
                     strerror(ev->err));
            /* a namespace whose limits this process may not write (its
             * user namespace does not own them: EPERM, EACCES, EROFS),
             * or an implementation whose IPC sysctls cannot be written
             * (gVisor's fail EIO): said, and no more writes; another
             * error, or a write that fails after others worked, ends the
             * run */
            return !written && (ev->err == EPERM || ev->err == EACCES || ev->err == EROFS || ev->err == EIO) ? 1 : -1;
        }
        written++;
        is_low[limit] = !is_low[limit];
    }
    /* a limit may stay lowered when the run stops: the namespace (or the
     * ref arena) goes with the run */
    return 0;
}
