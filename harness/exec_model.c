/* exec_model.c: the model executor, the 'model' backend.  A scenario's
 * processes are simulated here, in the runner, as callers of the
 * sequential model (impl/model.h): each has credentials, a pid and the
 * attachments it maps.  An IPC step goes through calls.c, as a puppet's
 * does, with calls that turn into model requests; the model says whether
 * the caller must wait, and settling asks it again (a _RESUME request).
 * Process steps (fork, exec, exit, kill, wait, credentials) are the
 * model's events and this file's bookkeeping; shared memory bytes are
 * simulated too, placed top-down, first fit, per process, as mmap places
 * attachments.
 * Must not: make IPC system calls, fork, or wait on anything; know the
 * model's internals (model_apply is the only way in). */
#define _GNU_SOURCE
#include "executor.h"

#include "abi.h"
#include "backend.h"
#include "calls.h"
#include "clock_tick.h"
#include "model.h"
#include "names.h"
#include "puppet.h"
#include "host_facts.h"
#include "runner.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>

#define PAGE 4096UL
#define ADDR_TOP 0x7f0000000000UL      /* where a process's NULL attachments start, downwards */
#define MAX_MAPS 64

/* The capabilities of the puppets it stands for: root without
 * CAP_SYS_RESOURCE, as svipc's puppets run in CI (CAP_IPC_LOCK 14,
 * CAP_IPC_OWNER 15, CAP_SYS_ADMIN 21). */
#define PUPPET_CAPS ((1ULL << 14) | (1ULL << 15) | (1ULL << 21))

struct mapping {                       /* one attachment, or a part of it, as the process sees it */
    uintptr_t addr;
    unsigned long size;
    unsigned long offset;              /* of its first byte in the segment */
    int shmid;
    int rdonly;
};

struct mproc {
    int exists;
    struct model_creds creds;          /* its caller: pid in creds.caller.pid */
    int parent;
    int gone, reaped;
    int status;                        /* wait status once gone */
    int blocked;                       /* asleep in its current call ... */
    int in_wait;                       /* ... which is a wait(2) for WAIT_TARGET */
    int wait_target;
    int wait_interrupted;              /* a signal ended that wait */
    int nmaps;
    struct mapping map[MAX_MAPS];
};

struct segment_page {                  /* PAGE bytes of a segment, at PAGE * INDEX */
    unsigned long index;
    unsigned char bytes[PAGE];
};

struct segment_bytes {                 /* the memory of a segment, by id: a page made at its first write */
    int shmid;
    unsigned long size;
    int npages, cap;
    struct segment_page **page;        /* by index, ascending; a page never written reads as zeros */
};

/* The executor's per-scenario runtime object. */
struct model_exec {
    struct executor base;
    const struct scenario *s;
    uintptr_t window;                  /* 'base': addresses it simulates at will */
    struct model_ns *ns;
    struct mproc proc[MAX_PROCS];
    pid_t next_pid;
    int nsegs;
    struct segment_bytes *seg;
    /* the call in progress: whose, and whether it resumes a blocked one */
    int current;
    int resuming;
    int blocked;                       /* the model said the caller waits */
    int maps_full;                     /* a mapping did not fit in its process's table */
    unsigned char *out;                /* the caller's buffer, CALLS_OUT_SIZE (malloc's: aligned for any structure) */
};

static long now(void)
{
    return (long)time(NULL);
}

/* ---------- the model, called ---------- */

static long apply(struct model_exec *m, enum model_op op, const int64_t *args, int nargs, const void *in,
                  void *out, int null_buffer)
{
    struct model_request rq = { .op = op, .now = now(), .caller = m->proc[m->current].creds.caller };
    rq.flags = null_buffer ? MODEL_NULL_BUFFER : 0;
    for (int i = 0; i < nargs; i++)
        rq.arg[i] = args[i];
    return model_apply(m->ns, &rq, in, out);
}

/* A process event (fork, exec, exit, interrupt, timeout): pids A0, A1. */
static void event(struct model_exec *m, enum model_op op, pid_t a0, pid_t a1)
{
    struct model_request rq = { .op = op, .now = now(), .arg = { a0, a1 } };
    model_apply(m->ns, &rq, NULL, NULL);
}

/* The model's answer as a call's: the value, or -1 and errno; blocked noted. */
static long result(struct model_exec *m, long r)
{
    if (r == MODEL_BLOCKED) {
        m->blocked = 1;
        errno = EINTR;                 /* not seen: the executor reports the block */
        return -1;
    }
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

/* ---------- memory ---------- */

static struct segment_bytes *segment(struct model_exec *m, int shmid, unsigned long size)
{
    for (int i = 0; i < m->nsegs; i++)
        if (m->seg[i].shmid == shmid)
            return &m->seg[i];
    struct segment_bytes *grown = realloc(m->seg, sizeof(*grown) * (size_t)(m->nsegs + 1));
    if (!grown)
        return NULL;
    m->seg = grown;
    m->seg[m->nsegs] = (struct segment_bytes){ .shmid = shmid, .size = size };
    return &m->seg[m->nsegs++];
}

/* Where page INDEX is in SB's list, or where it would go. */
static int page_slot(const struct segment_bytes *sb, unsigned long index)
{
    int lo = 0, hi = sb->npages;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sb->page[mid]->index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Page INDEX of SB, NULL when never written (and MAKE is 0) or out of memory. */
static struct segment_page *page_of(struct segment_bytes *sb, unsigned long index, int make)
{
    int at = page_slot(sb, index);
    if (at < sb->npages && sb->page[at]->index == index)
        return sb->page[at];
    if (!make)
        return NULL;
    if (sb->npages == sb->cap) {
        int cap = sb->cap ? sb->cap * 2 : 8;
        struct segment_page **grown = realloc(sb->page, sizeof(*grown) * (size_t)cap);
        if (!grown)
            return NULL;
        sb->page = grown;
        sb->cap = cap;
    }
    struct segment_page *pg = calloc(1, sizeof(*pg));
    if (!pg)
        return NULL;
    pg->index = index;
    memmove(sb->page + at + 1, sb->page + at, sizeof(*sb->page) * (size_t)(sb->npages - at));
    sb->page[at] = pg;
    sb->npages++;
    return pg;
}

/* N bytes at OFF of SB copied to (WRITES: from) BUF, page by page.  0, or -1 out of memory. */
static int segment_copy(struct segment_bytes *sb, unsigned long off, unsigned char *buf, size_t n, int writes)
{
    while (n) {
        unsigned long index = off / PAGE, in = off % PAGE;
        size_t chunk = PAGE - in < n ? PAGE - in : n;
        struct segment_page *pg = page_of(sb, index, writes);
        if (writes && !pg)
            return -1;
        if (writes)
            memcpy(pg->bytes + in, buf, chunk);
        else if (pg)
            memcpy(buf, pg->bytes + in, chunk);
        else
            memset(buf, 0, chunk);
        off += chunk;
        buf += chunk;
        n -= chunk;
    }
    return 0;
}

static void segment_free(struct segment_bytes *sb)
{
    for (int i = 0; i < sb->npages; i++)
        free(sb->page[i]);
    free(sb->page);
}

/* mmap's top-down placement: the highest gap below ADDR_TOP that fits,
 * or 0 when none does. */
static uintptr_t place(const struct mproc *p, unsigned long size)
{
    uintptr_t top = ADDR_TOP;
    for (;;) {
        if (size > top - PAGE)
            return 0;
        uintptr_t addr = top - size;
        int clash = -1;
        for (int i = 0; i < p->nmaps; i++)
            if (addr < p->map[i].addr + p->map[i].size && p->map[i].addr < addr + size)
                if (clash < 0 || p->map[i].addr < p->map[clash].addr)
                    clash = i;
        if (clash < 0)
            return addr;
        top = p->map[clash].addr;
    }
}

/* MAP added to P's table; 0, or -1 when the table is full. */
static int add_mapping(struct mproc *p, struct mapping map)
{
    if (p->nmaps >= MAX_MAPS)
        return -1;
    p->map[p->nmaps++] = map;
    return 0;
}

/* Whatever P maps in [LO, HI) goes, as munmap and MAP_FIXED take it: a
 * mapping that sticks out keeps its parts outside.  0, or -1 when a part
 * did not fit in the table. */
static int unmap(struct mproc *p, uintptr_t lo, uintptr_t hi)
{
    int full = 0;
    for (int i = p->nmaps - 1; i >= 0; i--) {
        struct mapping was = p->map[i];
        if (was.addr >= hi || was.addr + was.size <= lo)
            continue;
        p->map[i] = p->map[--p->nmaps];
        if (was.addr < lo)
            full |= add_mapping(p, (struct mapping){ was.addr, lo - was.addr, was.offset, was.shmid, was.rdonly });
        if (was.addr + was.size > hi)
            full |= add_mapping(p, (struct mapping){ hi, was.addr + was.size - hi, was.offset + (hi - was.addr),
                                                     was.shmid, was.rdonly });
    }
    return full;
}

static struct mapping *mapping_at(struct mproc *p, uintptr_t addr, size_t len)
{
    for (int i = 0; i < p->nmaps; i++)
        if (addr >= p->map[i].addr && addr + len <= p->map[i].addr + p->map[i].size)
            return &p->map[i];
    return NULL;
}

/* ---------- the calls (calls.h), on the model ---------- */

#define EXEC(ctx) ((struct model_exec *)(ctx))

static long m_msgget(void *ctx, key_t key, int flags)
{
    int64_t a[] = { (int32_t)key, flags };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_MSGGET, a, 2, NULL, NULL, 0));
}

static long m_msgsnd(void *ctx, int id, const void *msgp, size_t size, int flags)
{
    int64_t a[] = { id, 0, (int64_t)size, flags };
    enum model_op op = EXEC(ctx)->resuming ? MODEL_MSGSND_RESUME : MODEL_MSGSND;
    return result(EXEC(ctx), apply(EXEC(ctx), op, a, 4, msgp, NULL, !msgp));
}

static long m_msgrcv(void *ctx, int id, void *msgp, size_t size, long type, int flags)
{
    int64_t a[] = { id, 0, (int64_t)size, type, flags };
    enum model_op op = EXEC(ctx)->resuming ? MODEL_MSGRCV_RESUME : MODEL_MSGRCV;
    return result(EXEC(ctx), apply(EXEC(ctx), op, a, 5, NULL, msgp, !msgp));
}

static long m_msgctl(void *ctx, int id, int cmd, void *buf)
{
    int64_t a[] = { id, cmd };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_MSGCTL, a, 2, buf, buf, !buf));
}

static long m_semget(void *ctx, key_t key, int nsems, int flags)
{
    int64_t a[] = { (int32_t)key, nsems, flags };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SEMGET, a, 3, NULL, NULL, 0));
}

static long m_semtimedop(void *ctx, int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
    if (EXEC(ctx)->resuming)
        return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SEM_RESUME, NULL, 0, NULL, NULL, 0));
    int64_t a[] = { id, 0, (int64_t)nsops, timeout != NULL, timeout ? timeout->tv_sec : 0,
                    timeout ? timeout->tv_nsec : 0 };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SEMTIMEDOP, a, 6, sops, NULL, !sops));
}

static long m_semop(void *ctx, int id, struct sembuf *sops, size_t nsops)
{
    return m_semtimedop(ctx, id, sops, nsops, NULL);
}

static long m_semctl(void *ctx, int id, int num, int cmd, unsigned long arg)
{
    /* the union argument: a value, or the buffer (NULL: unreachable) */
    const struct ctl_cmd *c = ctl_cmd_find(CTL_SEM, cmd);
    int takes_buffer = !c || c->buffer != CTL_BUF_NONE;
    void *buf = (void *)(uintptr_t)arg;
    int64_t a[] = { id, num, cmd, (int64_t)arg };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SEMCTL, a, 4, buf, buf, takes_buffer && !buf));
}

static long m_shmget(void *ctx, key_t key, size_t size, int flags)
{
    int64_t a[] = { (int32_t)key, (int64_t)size, flags };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SHMGET, a, 3, NULL, NULL, 0));
}

static long m_shmat(void *ctx, int id, const void *addr, int flags)
{
    struct model_exec *m = EXEC(ctx);
    struct mproc *p = &m->proc[m->current];
    int64_t q[] = { id };
    long size = apply(m, MODEL_SHM_MAP_SIZE, q, 1, NULL, NULL, 0);
    int64_t a[] = { id, (int64_t)(uintptr_t)addr, flags, (int64_t)place(p, size > 0 ? (unsigned long)size : PAGE) };
    long ret = apply(m, MODEL_SHMAT, a, 4, NULL, NULL, 0);
    if (ret >= 0 && size > 0)          /* user addresses are positive */
        m->maps_full |= unmap(p, (uintptr_t)ret, (uintptr_t)ret + (unsigned long)size) |
                        add_mapping(p, (struct mapping){ (uintptr_t)ret, (unsigned long)size, 0, id,
                                                         (flags & SHM_RDONLY) != 0 });
    return result(m, ret);
}

static long m_shmdt(void *ctx, const void *addr)
{
    struct model_exec *m = EXEC(ctx);
    struct mproc *p = &m->proc[m->current];
    /* the model says which mappings the detach takes (a remap may have split one) */
    struct model_piece pieces[MAX_MAPS];
    int64_t q[] = { (int64_t)(uintptr_t)addr, 0, MAX_MAPS };
    long n = apply(m, MODEL_SHMDT_PIECES, q, 3, NULL, pieces, 0);
    int64_t a[] = { (int64_t)(uintptr_t)addr };
    long ret = apply(m, MODEL_SHMDT, a, 1, NULL, NULL, 0);
    for (long k = 0; ret == 0 && k < n && k < MAX_MAPS; k++)
        m->maps_full |= unmap(p, pieces[k].addr, pieces[k].addr + pieces[k].size);
    m->maps_full |= ret == 0 && n > MAX_MAPS;
    return result(m, ret);
}

static long m_shmctl(void *ctx, int id, int cmd, void *buf)
{
    int64_t a[] = { id, cmd };
    return result(EXEC(ctx), apply(EXEC(ctx), MODEL_SHMCTL, a, 2, buf, buf, !buf));
}

/* /proc/sys/kernel is root's to write */
static int m_sysctl(void *ctx, const char *name, const char *value, char *buf, size_t size)
{
    struct model_exec *m = EXEC(ctx);
    size_t n = strlen(name) + 1, v = value ? strlen(value) + 1 : 0;
    char *in = malloc(n + v);
    if (!in) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(in, name, n);
    if (v)
        memcpy(in + n, value, v);
    long r;
    if (!value) {
        int64_t a[] = { (int64_t)n, (int64_t)size };
        r = apply(m, MODEL_SYSCTL_READ, a, 2, in, buf, 0);
    } else if (m->proc[m->current].creds.caller.euid != 0) {
        r = -EACCES;
    } else {
        int64_t a[] = { (int64_t)(n + v) };
        r = apply(m, MODEL_SYSCTL_WRITE, a, 1, in, NULL, 0);
    }
    free(in);
    return (int)result(m, r);
}

static int m_sysvipc_line(void *ctx, const char *table, int id, char *out, size_t size)
{
    int64_t a[] = { id, (int64_t)strlen(table) + 1, (int64_t)size };
    return (int)result(EXEC(ctx), apply(EXEC(ctx), MODEL_SYSVIPC_LINE, a, 3, table, out, 0));
}

static const struct ipc_calls model_calls = {
    .msgget = m_msgget, .msgsnd = m_msgsnd, .msgrcv = m_msgrcv, .msgctl = m_msgctl,
    .semget = m_semget, .semop = m_semop, .semtimedop = m_semtimedop, .semctl = m_semctl,
    .shmget = m_shmget, .shmat = m_shmat, .shmdt = m_shmdt, .shmctl = m_shmctl,
    .sysctl = m_sysctl, .sysvipc_line = m_sysvipc_line,
};

/* ---------- processes ---------- */

static void spawn(struct model_exec *m, int index, int parent)
{
    struct mproc *p = &m->proc[index];
    memset(p, 0, sizeof(*p));
    p->exists = 1;
    p->parent = parent;
    if (parent >= 0) {
        const struct mproc *from = &m->proc[parent];
        p->creds = from->creds;
        p->nmaps = from->nmaps;
        memcpy(p->map, from->map, sizeof(p->map));
    } else {
        model_creds_root(&p->creds, PUPPET_CAPS);
    }
    p->creds.caller.pid = m->next_pid++;
}

/* The process ends (exit, a fatal signal): the model applies its exit. */
static void end_process(struct model_exec *m, int index, int status)
{
    struct mproc *p = &m->proc[index];
    event(m, MODEL_EXIT, p->creds.caller.pid, 0);
    p->nmaps = 0;
    p->gone = 1;
    p->blocked = 0;
    p->status = status;
}

static int by_pid(const struct model_exec *m, pid_t pid)
{
    for (int i = 0; i < m->s->nprocs; i++)
        if (m->proc[i].exists && m->proc[i].creds.caller.pid == pid)
            return i;
    return -1;
}

/* The outcome of INDEX's wait, once its child is gone: its pid and status. */
static int wait_done(struct model_exec *m, int index, struct x_reply *out)
{
    struct mproc *p = &m->proc[index], *t = &m->proc[p->wait_target];
    if (p->wait_interrupted) {
        out->status = X_DONE;
        out->ret = -1;
        out->err = EINTR;
        return 1;
    }
    if (!t->gone)
        return 0;
    t->reaped = 1;
    memcpy(m->out, &t->status, sizeof(int));
    out->status = X_DONE;
    out->ret = t->creds.caller.pid;
    out->data = m->out;
    out->len = sizeof(int);
    return 1;
}

static void done(struct x_reply *out, long ret, int err)
{
    out->status = X_DONE;
    out->ret = ret;
    out->err = ret == -1 ? err : 0;
}

/* A memory step: read or write through the process's attachments. */
static void memory_step(struct model_exec *m, struct mproc *p, const struct request *rq, struct x_reply *out)
{
    int writes = rq->head.op == OP_WRITE;
    uintptr_t addr = (uintptr_t)rq->head.arg[0];
    size_t n = writes ? rq->len : (size_t)rq->head.arg[1];
    struct mapping *map = mapping_at(p, addr, n ? n : 1);
    if (!map || (writes && map->rdonly)) {
        out->status = X_FAULT;
        out->sig = SIGSEGV;
        out->ret = -1;
        return;
    }
    struct segment_bytes *sb = segment(m, map->shmid, map->offset + map->size);
    size_t off = map->offset + (addr - map->addr);
    if (!sb || segment_copy(sb, off, writes ? (unsigned char *)rq->data : m->out, n, writes) < 0) {
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "out of memory simulating a segment of %lu bytes", map->size);
        return;
    }
    if (!writes) {
        out->data = m->out;
        out->len = n;
    }
    done(out, 0, 0);
}

/* An IPC call through calls.c, as the puppet makes it. */
static void ipc_step(struct model_exec *m, int proc, const struct request *rq, int resuming, struct x_reply *out)
{
    size_t len = 0;
    m->current = proc;
    m->resuming = resuming;
    m->blocked = 0;
    m->maps_full = 0;
    struct calls_effect effect;
    long ret = calls_perform(&model_calls, m, &rq->head, rq->data, m->out, &len, &effect);
    int err = errno;
    m->proc[proc].blocked = m->blocked;
    if (m->maps_full) {
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "more than %d mappings in one process: the model executor "
                 "cannot follow them", MAX_MAPS);
        return;
    }
    if (m->blocked) {
        out->status = X_BLOCKED;
        return;
    }
    done(out, ret, err);
    out->data = m->out;
    out->len = len;
    out->wrote = effect.wrote;
    out->beyond = effect.beyond;
}

static long credential_step(struct model_creds *cr, const struct request *rq)
{
    const int64_t *a = rq->head.arg;
    switch (rq->head.op) {
    case OP_SETUID: return model_setuid(cr, (uid_t)a[0]);
    case OP_SETGID: return model_setgid(cr, (gid_t)a[0]);
    case OP_SETEUID: return model_seteuid(cr, (uid_t)a[0]);
    case OP_SETEGID: return model_setegid(cr, (gid_t)a[0]);
    case OP_SETGROUPS: return model_setgroups(cr, (const gid_t *)rq->data, (int)(rq->len / sizeof(gid_t)));
    case OP_CAPDROP: return model_capdrop(cr, (uint64_t)a[0]);
    default: return -ENOSYS;
    }
}

static void model_perform(struct executor *base, int proc, int target, const struct request *rq, int watch,
                          double deadline, struct x_reply *out)
{
    struct model_exec *m = (struct model_exec *)base;
    struct mproc *p = &m->proc[proc];
    const int64_t *a = rq->head.arg;
    (void)watch;
    (void)deadline;
    memset(out, 0, sizeof(*out));
    switch (rq->head.op) {
    case OP_FORK:
        spawn(m, target, proc);
        event(m, MODEL_FORK, p->creds.caller.pid, m->proc[target].creds.caller.pid);
        done(out, m->proc[target].creds.caller.pid, 0);
        return;
    case OP_TICK: {
        long second = clock_next_second();
        done(out, second, errno);
        return;
    }
    case OP_EXEC:
        event(m, MODEL_EXEC, p->creds.caller.pid, 0);
        p->nmaps = 0;
        done(out, 0, 0);
        return;
    case OP_EXIT:
        end_process(m, proc, (int)(a[0] & 0xff) << 8);
        out->status = X_GONE;
        return;
    case OP_KILL: {
        int t = by_pid(m, (pid_t)a[0]);
        /* delivered by await_signal; here only whether there is anyone */
        done(out, t < 0 || (m->proc[t].gone && m->proc[t].reaped) ? -1 : 0, ESRCH);
        return;
    }
    case OP_WAIT: {
        int t = by_pid(m, (pid_t)a[0]);
        if (t < 0 || m->proc[t].parent != proc || m->proc[t].reaped) {
            done(out, -1, ECHILD);
            return;
        }
        p->wait_target = t;
        p->wait_interrupted = 0;
        if (!wait_done(m, proc, out)) {
            p->blocked = p->in_wait = 1;
            out->status = X_BLOCKED;
        }
        return;
    }
    case OP_WRITE:
    case OP_READ:
        memory_step(m, p, rq, out);
        return;
    case OP_TOOL:
        /* the parser keeps tool steps from the model ('only kernel,ref') */
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "the model runs no programs");
        return;
    default:
        break;
    }
    const struct op_desc *d = op_desc((enum op)rq->head.op);
    if (d->flags & OPF_IPC) {
        ipc_step(m, proc, rq, 0, out);
    } else if (d->flags & OPF_CRED) {
        long r = credential_step(&p->creds, rq);
        done(out, r < 0 ? -1 : 0, (int)-r);
    } else {
        done(out, -1, ENOSYS);     /* unshare: one namespace per scenario here */
    }
}

static void model_settle(struct executor *base, int proc, const struct request *rq, enum x_settle how,
                         double deadline, struct x_reply *out)
{
    struct model_exec *m = (struct model_exec *)base;
    struct mproc *p = &m->proc[proc];
    (void)deadline;
    memset(out, 0, sizeof(*out));
    if (rq->head.op == OP_WAIT) {
        if (wait_done(m, proc, out))
            p->blocked = p->in_wait = 0;
        else
            out->status = X_BLOCKED;
        return;
    }
    if (how == X_FINISH)
        event(m, MODEL_TIMEOUT, p->creds.caller.pid, 0);   /* its own timeout ends it */
    ipc_step(m, proc, rq, 1, out);
}

static int model_send_signal(struct executor *base, int proc, int sig)
{
    (void)base;
    (void)proc;
    (void)sig;
    return 0;                  /* delivered by await_signal */
}

/* A signal reaches the process: a blocked call is interrupted, or it dies. */
static void model_await_signal(struct executor *base, int proc, int sig, double deadline, struct x_reply *out)
{
    struct model_exec *m = (struct model_exec *)base;
    struct mproc *p = &m->proc[proc];
    (void)deadline;
    memset(out, 0, sizeof(*out));
    out->status = X_DONE;
    if (!p->exists || p->gone)
        return;
    if (!puppet_signal_is_fatal(sig)) {
        if (p->blocked && p->in_wait)
            p->wait_interrupted = 1;
        else if (p->blocked)
            event(m, MODEL_INTERRUPT, p->creds.caller.pid, 0);
        return;
    }
    end_process(m, proc, sig);                 /* a wait status of "killed by SIG" */
    out->status = X_GONE;
    out->sig = sig;
    snprintf(out->detail, sizeof(out->detail), "killed by %s", signal_name(sig));
}

static void model_reap(struct executor *base, int proc, double deadline, struct x_reply *out)
{
    struct model_exec *m = (struct model_exec *)base;
    struct mproc *p = &m->proc[proc];
    (void)deadline;
    memset(out, 0, sizeof(*out));
    if (!p->gone) {
        out->status = X_NO_ANSWER;
        return;
    }
    p->reaped = 1;
    out->status = X_DONE;
    out->ret = p->status;
}

static pid_t model_pid(struct executor *base, int proc)
{
    struct model_exec *m = (struct model_exec *)base;
    return m->proc[proc].exists ? m->proc[proc].creds.caller.pid : 0;
}

static int model_abi(struct executor *base, int proc)
{
    (void)base;
    (void)proc;
    return (int)abi_native();          /* calls.c lays out this program's structures */
}

static uintptr_t model_base(struct executor *base)
{
    return ((struct model_exec *)base)->window;
}

static void model_end(struct executor *base)
{
    struct model_exec *m = (struct model_exec *)base;
    for (int i = 0; i < m->nsegs; i++)
        segment_free(&m->seg[i]);
    free(m->seg);
    free(m->out);
    model_ns_free(m->ns);
    free(m);
}

/* A host pool of huge pages, told to the model as the ref backend tells its arena. */
static void tell_huge_pool(void *ns, unsigned long free_pages, int log)
{
    struct model_request rq = { .op = MODEL_SET_HUGEPAGES, .arg = { (int64_t)free_pages, log } };
    model_apply(ns, &rq, NULL, NULL);
}

static struct executor *model_begin(const struct scenario *s, const struct backend *be,
                                    const struct runner_env *env, enum scenario_status *status, char *why,
                                    size_t size)
{
    (void)be;
    (void)env;
    struct model_exec *m = calloc(1, sizeof(*m));
    if (!m || !(m->out = calloc(1, CALLS_OUT_SIZE)) || !(m->ns = model_ns_new())) {
        if (m)
            free(m->out);
        free(m);
        *status = SC_ERROR;
        snprintf(why, size, "out of memory");
        return NULL;
    }
    m->base.ops = &executor_model;
    m->s = s;
    m->window = env->base;
    m->next_pid = 2;                   /* pid 1 is the namespace's init */
    host_huge_pools(tell_huge_pool, m->ns);
    unsigned long commit;
    int noreserve_ignored;
    host_commit(&commit, &noreserve_ignored);
    struct model_request charge = { .op = MODEL_SET_COMMIT, .arg = { (int64_t)commit, noreserve_ignored } };
    model_apply(m->ns, &charge, NULL, NULL);
    for (int i = 0; i < s->ninitial; i++)
        spawn(m, i, -1);
    return &m->base;
}

const struct executor_ops executor_model = {
    .name = "model",
    .begin = model_begin,
    .end = model_end,
    .pid = model_pid,
    .abi = model_abi,
    .base = model_base,
    .perform = model_perform,
    .settle = model_settle,
    .send_signal = model_send_signal,
    .await_signal = model_await_signal,
    .reap = model_reap,
};

static int model_available(char *why, size_t size)
{
    (void)why;
    (void)size;
    return 0;
}

/* The sequential model as a backend: simulated processes, no system calls. */
const struct backend backend_model = {
    .name = "model",
    .executor = &executor_model,
    .available = model_available,
};
