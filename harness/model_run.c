/* model_run.c: a scenario run on the sequential model, in this process.
 * Processes are model callers, not real processes; a step that the model
 * says must wait is blocked; after each step every blocked process is
 * settled by asking the model (resume), exactly where the kernel engine
 * settles, so the two traces compare entry by entry.  Shared memory bytes
 * and addresses are simulated here: attachments go top-down, first fit,
 * per process, as mmap places them.
 * Must not: make IPC system calls, fork, or wait on anything. */
#define _GNU_SOURCE
#include "model_run.h"

#include "args.h"
#include "model.h"
#include "names.h"
#include "outcome.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define ADDR_TOP 0x7f0000000000UL      /* where a process's NULL attachments start, downwards */
#define MAX_MAPS 64

enum mstate { M_ABSENT, M_IDLE, M_BLOCKED, M_WOKEN, M_GONE };

struct mapping {                       /* one attachment, as the process sees it */
    uintptr_t addr;
    unsigned long size;
    int shmid;
    int rdonly;
};

struct mproc {
    enum mstate state;
    struct model_caller c;
    unsigned permitted;                /* capabilities it may take back (seteuid 0) */
    uid_t ruid;
    int parent;
    int step;                          /* the blocked step */
    int64_t args[8];                   /* its resolved arguments */
    struct outcome woke;
    int status;                        /* wait status once gone */
    int reaped;
    int nmaps;
    struct mapping map[MAX_MAPS];
};

struct segment_bytes {                 /* the memory of a segment, by id */
    int shmid;
    unsigned long size;
    unsigned char *bytes;
};

/* The run's runtime object. */
struct mrun {
    const struct scenario *s;
    const struct runner_env *env;
    struct scenario_result *res;
    struct model_ns *ns;
    struct mproc proc[MAX_PROCS];
    pid_t next_pid;
    long vars[MAX_VARS];
    struct scratch_files files;        /* 'file NAME' steps */
    struct normaliser norm;
    int nsegs;
    struct segment_bytes seg[256];
    int failed;
    unsigned char scratch[1 << 20];    /* a call's bytes out, as a puppet's reply */
};

#define fail(r, status, step, ...) verdict_fail((r)->res, &(r)->failed, status, step, __VA_ARGS__)

static long now(void)
{
    return (long)time(NULL);
}

/* ---------- trace (the same shape as engine.c's) ---------- */

static void normalise(struct mrun *r, struct outcome *o, enum op op)
{
    r->norm.nprocs = r->s->nprocs;
    for (int i = 0; i < r->s->nprocs; i++)
        r->norm.pid[i] = r->proc[i].state == M_ABSENT ? 0 : r->proc[i].c.pid;
    outcome_normalise(o, op, &r->norm);
}

static void trace(struct mrun *r, int index, const char *event, int proc, const struct outcome *o)
{
    verdict_trace(r->res, r->s, index, event, proc, o, -1);
}

static void check(struct mrun *r, int index, const struct outcome *o)
{
    verdict_check(r->res, &r->failed, r->s, index, o, r->vars, r->env->base);
}

/* ---------- memory ---------- */

static struct segment_bytes *segment(struct mrun *r, int shmid, unsigned long size)
{
    for (int i = 0; i < r->nsegs; i++)
        if (r->seg[i].shmid == shmid)
            return &r->seg[i];
    if (r->nsegs == 256)
        return NULL;
    struct segment_bytes *sb = &r->seg[r->nsegs++];
    sb->shmid = shmid;
    sb->size = size;
    sb->bytes = calloc(1, size);
    return sb;
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

static struct mapping *mapping_at(struct mproc *p, uintptr_t addr, size_t len)
{
    for (int i = 0; i < p->nmaps; i++)
        if (addr >= p->map[i].addr && addr + len <= p->map[i].addr + p->map[i].size)
            return &p->map[i];
    return NULL;
}

static void drop_maps(struct mproc *p)
{
    p->nmaps = 0;
}

/* HugePages_Free of /proc/meminfo: the model's SHM_HUGETLB pool. */
unsigned long host_hugepages_free(void)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long n = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "HugePages_Free: %lu", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

/* ---------- processes ---------- */

static const unsigned ALL_CAPS = MODEL_CAP_IPC_OWNER | MODEL_CAP_SYS_ADMIN | MODEL_CAP_IPC_LOCK;

static void spawn(struct mrun *r, int index, int parent)
{
    struct mproc *p = &r->proc[index];
    memset(p, 0, sizeof(*p));
    p->state = M_IDLE;
    p->parent = parent;
    if (parent >= 0) {
        p->c = r->proc[parent].c;
        p->permitted = r->proc[parent].permitted;
        p->ruid = r->proc[parent].ruid;
        p->nmaps = r->proc[parent].nmaps;
        memcpy(p->map, r->proc[parent].map, sizeof(p->map));
    } else {
        /* root without CAP_SYS_RESOURCE, as svipc's puppets run here */
        p->permitted = ALL_CAPS;
        p->c.caps = ALL_CAPS;
    }
    p->c.pid = r->next_pid++;
}

/* The process ends (exit, a fatal signal): the model applies its exit. */
static void end_process(struct mrun *r, int index, int status)
{
    struct mproc *p = &r->proc[index];
    model_exit(r->ns, p->c.pid, now());
    drop_maps(p);
    p->state = M_GONE;
    p->status = status;
}

/* ---------- steps ---------- */

static long eval(struct mrun *r, const struct expr *e)
{
    return expr_eval(e, r->vars, r->env->base);
}

/* Run a process's step (or, with RESUME, collect its blocked one) on the
 * model.  Returns MODEL_BLOCKED, or fills O. */
static long perform(struct mrun *r, int index, const struct step *st, int64_t *a, int resume, struct outcome *o)
{
    struct mproc *p = &r->proc[index];
    struct model_ns *ns = r->ns;
    unsigned char *buf = r->scratch;
    size_t len = 0;
    long ret = 0, t = now();
    int ret_is_value = 0;              /* RET is no -ERRNO even when negative (an ftok key) */
    /* the call's buffer, or NULL for buf=null: memory the caller cannot reach */
    unsigned char *user = step_keyword(st, "buf") ? NULL : buf;
    memset(o, 0, sizeof(*o));
    switch (st->op) {
    case OP_MSGGET:
        ret = model_msgget(ns, &p->c, (int32_t)a[0], (int)a[1], t);
        break;
    case OP_MSGSND: {
        const struct keyword *k = step_keyword(st, "size");
        long size = k ? eval(r, &k->value) : (long)st->data.len;
        long mtype = a[1];
        memset(buf, 0, sizeof(long) + st->data.len + 16);
        memcpy(buf, &mtype, sizeof(long));
        memcpy(buf + sizeof(long), st->data.ptr, st->data.len);
        ret = resume ? model_msg_resume(ns, &p->c, (int)a[0], user, size, 0, (int)a[2], t)
                     : model_msgsnd(ns, &p->c, (int)a[0], user, size, (int)a[2], t);
        break;
    }
    case OP_MSGRCV:
        memset(buf, 0, sizeof(long));
        ret = resume ? model_msg_resume(ns, &p->c, (int)a[0], user, a[1], a[2], (int)a[3], t)
                     : model_msgrcv(ns, &p->c, (int)a[0], user, a[1], a[2], (int)a[3], t);
        if (ret >= 0)
            len = sizeof(long) + (size_t)ret;
        break;
    case OP_MSGCTL:
    case OP_SHMCTL: {
        int is_msg = st->op == OP_MSGCTL;
        memset(buf, 0, 512);
        if (a[1] == IPC_SET) {
            if (is_msg)
                model_msgctl(ns, &p->c, (int)a[0], IPC_STAT, buf, t);
            else
                model_shmctl(ns, &p->c, (int)a[0], IPC_STAT, buf, t);
            step_apply_set((struct ipc_perm *)buf, is_msg ? &((struct msqid_ds *)buf)->msg_qbytes : NULL, a + 2);
        }
        ret = is_msg ? model_msgctl(ns, &p->c, (int)a[0], (int)a[1], user, t)
                     : model_shmctl(ns, &p->c, (int)a[0], (int)a[1], user, t);
        if (ret >= 0 && a[1] != IPC_SET && a[1] != IPC_RMID && (is_msg || (a[1] != SHM_LOCK && a[1] != SHM_UNLOCK)))
            len = 512;
        break;
    }
    case OP_SEMGET:
        ret = model_semget(ns, &p->c, (int32_t)a[0], (int)a[1], (int)a[2], t);
        break;
    case OP_SEMOP:
    case OP_SEMTIMEDOP: {
        if (resume) {
            ret = model_sem_resume(ns, &p->c);
            break;
        }
        const struct keyword *n = step_keyword(st, "nsops");
        long nsops = n ? eval(r, &n->value) : st->nsops;
        struct sembuf sops[512];
        memset(sops, 0, sizeof(sops));
        for (int i = 0; i < st->nsops && i < 512; i++) {
            sops[i].sem_num = (unsigned short)eval(r, &st->sop[i].num);
            sops[i].sem_op = (short)eval(r, &st->sop[i].op);
            sops[i].sem_flg = (short)(st->sop[i].flg.nterms ? eval(r, &st->sop[i].flg) : 0);
        }
        const struct keyword *k = step_keyword(st, "timeout");
        int has = st->op == OP_SEMTIMEDOP && k && !k->is_null;
        ret = model_semtimedop(ns, &p->c, (int)a[0], user ? sops : NULL, nsops, has, has ? eval(r, &k->value) : 0,
                               has ? k->value2 : 0, t);
        break;
    }
    case OP_SEMCTL: {
        int cmd = (int)a[2];
        unsigned long arg = (unsigned long)(uintptr_t)buf;
        memset(buf, 0, 65536);
        if (cmd == SETVAL)
            arg = st->nlist ? (unsigned long)st->list[0] : 0;
        else if (cmd == SETALL)
            for (int i = 0; i < st->nlist; i++)
                ((unsigned short *)buf)[i] = (unsigned short)st->list[i];
        else if (cmd == IPC_SET) {
            model_semctl(ns, &p->c, (int)a[0], 0, IPC_STAT, arg, t);
            step_apply_set((struct ipc_perm *)buf, NULL, a + 4);
        }
        if (!user && cmd != SETVAL)
            arg = 0;
        ret = model_semctl(ns, &p->c, (int)a[0], (int)a[1], cmd, arg, t);
        if (ret >= 0 && cmd == GETALL) {
            struct model_sem_array *sma = model_ids_find(&ns->sem_ids, (int)a[0]);
            len = sma ? (size_t)sma->nsems * sizeof(unsigned short) : 0;
        } else if (ret >= 0 && (cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY || cmd == IPC_INFO ||
                                cmd == SEM_INFO)) {
            len = 512;
        }
        break;
    }
    case OP_SHMGET:
        ret = model_shmget(ns, &p->c, (int32_t)a[0], (unsigned long)a[1], (int)a[2], t);
        break;
    case OP_SHMAT: {
        struct model_shm *shp = model_ids_find(&ns->shm_ids, (int)a[0]);
        unsigned long size = shp ? shp->map_size : PAGE;
        ret = model_shmat(ns, &p->c, (int)a[0], (uintptr_t)a[1], (int)a[2], place(p, size), t);
        if (ret >= 0 && shp && p->nmaps < MAX_MAPS) {     /* user addresses are positive */
            /* SHM_REMAP: the new mapping replaces whatever it covers, as MAP_FIXED does */
            for (int i = p->nmaps - 1; i >= 0; i--)
                if (p->map[i].addr < (uintptr_t)ret + size && (uintptr_t)ret < p->map[i].addr + p->map[i].size)
                    p->map[i] = p->map[--p->nmaps];
            p->map[p->nmaps++] = (struct mapping){ (uintptr_t)ret, size, (int)a[0], (a[2] & SHM_RDONLY) != 0 };
            segment(r, (int)a[0], size);
        }
        break;
    }
    case OP_SHMDT:
        ret = model_shmdt(ns, &p->c, (uintptr_t)a[0], t);
        if (ret == 0)
            for (int i = 0; i < p->nmaps; i++)
                if (p->map[i].addr == (uintptr_t)a[0]) {
                    p->map[i] = p->map[--p->nmaps];
                    break;
                }
        break;
    case OP_WRITE:
    case OP_READ: {
        size_t n = st->op == OP_WRITE ? st->data.len : (size_t)a[1];
        struct mapping *m = mapping_at(p, (uintptr_t)a[0], n ? n : 1);
        if (!m || (st->op == OP_WRITE && m->rdonly)) {
            o->status = OUT_FAULT;
            o->sig = SIGSEGV;
            o->ret = -1;
            return 0;
        }
        struct segment_bytes *sb = segment(r, m->shmid, m->size);
        size_t off = (uintptr_t)a[0] - m->addr;
        if (st->op == OP_WRITE)
            memcpy(sb->bytes + off, st->data.ptr, n);
        else {
            memcpy(buf, sb->bytes + off, n);
            len = n;
        }
        break;
    }
    case OP_FTOK: {
        const char *path = st->data_var >= 0 ? r->files.path[st->data_var] : (const char *)st->data.ptr;
        key_t key = ftok(path, (int)a[0]);
        if (key == -1)
            ret = -errno;
        else {
            /* a key may be negative (proj_id 0x80 and above): not an error */
            ret = key;
            ret_is_value = 1;
            struct stat sst;
            if (stat(path, &sst) == 0) {
                uint64_t ids[2] = { sst.st_dev, sst.st_ino };
                memcpy(buf, ids, sizeof(ids));
                len = sizeof(ids);
            }
        }
        break;
    }
    case OP_SETUID:
    case OP_SETGID:
    case OP_SETEUID:
    case OP_SETEGID:
        if (p->c.euid != 0 && !(st->op == OP_SETEUID && (uid_t)a[0] == p->ruid)) {
            ret = -EPERM;
            break;
        }
        if (st->op == OP_SETUID) {
            p->c.euid = p->ruid = (uid_t)a[0];
            if (a[0] != 0)
                p->permitted = p->c.caps = 0;
        } else if (st->op == OP_SETEUID) {
            p->c.euid = (uid_t)a[0];
            p->c.caps = a[0] == 0 ? p->permitted : 0;
        } else {
            p->c.egid = (gid_t)a[0];
        }
        break;
    case OP_SETGROUPS:
        if (p->c.euid != 0) {
            ret = -EPERM;
            break;
        }
        p->c.ngroups = st->nlist < MODEL_MAX_GROUPS ? st->nlist : MODEL_MAX_GROUPS;
        for (int i = 0; i < p->c.ngroups; i++)
            p->c.groups[i] = (gid_t)st->list[i];
        break;
    case OP_CAPDROP: {
        unsigned drop = 0;
        uint64_t mask = (uint64_t)a[0];
        if (mask & (1ULL << 15)) drop |= MODEL_CAP_IPC_OWNER;
        if (mask & (1ULL << 21)) drop |= MODEL_CAP_SYS_ADMIN;
        if (mask & (1ULL << 24)) drop |= MODEL_CAP_SYS_RESOURCE;
        if (mask & (1ULL << 14)) drop |= MODEL_CAP_IPC_LOCK;
        p->permitted &= ~drop;
        p->c.caps &= ~drop;
        break;
    }
    case OP_SYSCTL:
        if (st->word_value)
            ret = p->c.euid == 0 ? model_sysctl_write(ns, st->word, st->word_value) : -EACCES;
        else {
            ret = model_sysctl_read(ns, st->word, (char *)buf, 4096);
            len = ret == 0 ? strlen((char *)buf) : 0;
        }
        break;
    case OP_SYSVIPC:
        ret = model_sysvipc_line(r->ns, st->word, (int)a[0], buf, 4096);
        len = ret ? strlen((char *)buf) : 0;
        break;
    default:
        ret = -ENOSYS;
        break;
    }
    if (ret == MODEL_BLOCKED)
        return MODEL_BLOCKED;
    o->status = OUT_DONE;
    int failed = ret < 0 && !ret_is_value;  /* the model returns -ERRNO */
    o->ret = failed ? -1 : ret;
    o->err = failed ? (int)-ret : 0;
    outcome_decode(o, st->op, a, buf, len);
    return 0;
}

/* ---------- blocking and settling ---------- */

static int may_time_out(const struct step *st)
{
    const struct keyword *k = step_keyword(st, "timeout");
    return st->op == OP_SEMTIMEDOP && k && !k->is_null;
}

/* A process blocked in wait4 for its child: done once the child is gone. */
static int wait_done(struct mrun *r, int index, struct outcome *o)
{
    struct mproc *p = &r->proc[index];
    const struct step *st = &r->s->steps[p->step];
    struct mproc *t = &r->proc[st->target];
    if (t->state != M_GONE)
        return 0;
    memset(o, 0, sizeof(*o));
    o->status = OUT_DONE;
    o->ret = t->c.pid;
    t->reaped = 1;
    outcome_decode(o, OP_WAIT, p->args, (const unsigned char *)&t->status, sizeof(int));
    return 1;
}

/* Ask the model whether the blocked process INDEX is done; its "woke"
 * entry goes after AFTER_STEP (none when AFTER_STEP < 0). */
static void settle_one(struct mrun *r, int index, int after_step)
{
    struct mproc *p = &r->proc[index];
    if (p->state != M_BLOCKED)
        return;
    const struct step *st = &r->s->steps[p->step];
    struct outcome o;
    int done = st->op == OP_WAIT ? wait_done(r, index, &o)
                                 : perform(r, index, st, p->args, 1, &o) != MODEL_BLOCKED;
    if (!done)
        return;
    normalise(r, &o, st->op);
    p->woke = o;
    p->state = M_WOKEN;
    if (after_step >= 0)
        trace(r, after_step, "woke", index, &o);
}

static void settle_all(struct mrun *r, int after_step)
{
    for (int i = 0; i < r->s->nprocs && !r->failed; i++)
        settle_one(r, i, after_step);
}

static int signal_is_fatal(int sig)
{
    return sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGCHLD && sig != SIGCONT && sig != SIGSTOP &&
           sig != SIGTSTP && sig != SIGURG && sig != SIGWINCH;
}

/* A signal reaches TARGET: a blocked call is interrupted, or it dies. */
static void deliver(struct mrun *r, int target, int sig, int after_step)
{
    struct mproc *p = &r->proc[target];
    if (p->state == M_GONE || p->state == M_ABSENT)
        return;
    if (!signal_is_fatal(sig)) {
        if (p->state == M_BLOCKED && r->s->steps[p->step].op != OP_WAIT)
            model_interrupt(r->ns, p->c.pid);
        else if (p->state == M_BLOCKED) {
            struct outcome o;
            memset(&o, 0, sizeof(o));
            o.status = OUT_DONE;
            o.ret = -1;
            o.err = EINTR;
            normalise(r, &o, OP_WAIT);
            p->woke = o;
            p->state = M_WOKEN;
        }
        return;
    }
    end_process(r, target, sig);           /* a wait status of "killed by SIG" */
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DIED;
    snprintf(o.detail, sizeof(o.detail), "killed by %s", signal_name(sig));
    normalise(r, &o, OP_KILL);
    trace(r, after_step, "died", target, &o);
}

/* ---------- steps ---------- */

static void proc_step(struct mrun *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct mproc *p = &r->proc[st->proc];
    const char *who = r->s->proc_name[st->proc];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->state == M_ABSENT || p->state == M_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s %s", r->s->file, st->line, index + 1, who,
             p->state == M_GONE ? "has already ended" : "does not exist yet");
        return;
    }
    if (p->state != M_IDLE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is %s in step %d; write '%s: resumes' first",
             r->s->file, st->line, index + 1, who, p->state == M_BLOCKED ? "blocked" : "done", p->step + 1, who);
        return;
    }
    int64_t a[STEP_ARGS];
    pid_t target = st->target >= 0 && r->proc[st->target].state != M_ABSENT ? r->proc[st->target].c.pid : 0;
    step_resolve_args(st, r->vars, r->env->base, target, a);
    int expects_block = st->expect.kind == EXPECT_BLOCKS || st->expect.kind == EXPECT_ANY;

    switch (st->op) {
    case OP_FORK:
        spawn(r, st->target, st->proc);
        model_fork(r->ns, p->c.pid, r->proc[st->target].c.pid, now());
        o.status = OUT_DONE;
        o.ret = r->proc[st->target].c.pid;
        outcome_decode(&o, OP_FORK, a, NULL, 0);
        break;
    case OP_EXEC:
        model_exec(r->ns, p->c.pid, now());
        drop_maps(p);
        o.status = OUT_DONE;
        break;
    case OP_EXIT:
        end_process(r, st->proc, (int)(a[0] & 0xff) << 8);
        o.status = OUT_EXITED;
        break;
    case OP_KILL: {
        struct mproc *t = &r->proc[st->target];
        o.status = OUT_DONE;
        if (t->state == M_GONE && t->reaped) {
            o.ret = -1;
            o.err = ESRCH;
        }
        break;
    }
    case OP_WAIT: {
        struct mproc *t = &r->proc[st->target];
        if (t->parent != st->proc || t->reaped) {
            o.status = OUT_DONE;
            o.ret = -1;
            o.err = ECHILD;
            break;
        }
        memcpy(p->args, a, sizeof(p->args));
        p->step = index;
        if (!wait_done(r, st->proc, &o)) {
            o.status = expects_block ? OUT_BLOCKED : OUT_HANG;
            if (!expects_block)
                snprintf(o.detail, sizeof(o.detail), "%s is asleep inside wait; the step was expected to complete", who);
            p->state = M_BLOCKED;
        }
        break;
    }
    default:
        if (perform(r, st->proc, st, a, 0, &o) == MODEL_BLOCKED) {
            if (may_time_out(st) && !expects_block) {
                model_timeout(r->ns, p->c.pid);               /* its own timeout ends it */
                perform(r, st->proc, st, a, 1, &o);
            } else {
                memset(&o, 0, sizeof(o));
                o.status = expects_block ? OUT_BLOCKED : OUT_HANG;
                if (!expects_block)
                    snprintf(o.detail, sizeof(o.detail),
                             "%s is asleep inside %s; the step was expected to complete", who, op_name(st->op));
                p->state = M_BLOCKED;
                p->step = index;
                memcpy(p->args, a, sizeof(p->args));
            }
        }
        break;
    }
    normalise(r, &o, st->op);
    trace(r, index, op_name(st->op), st->proc, &o);
    if (st->bind >= 0 && o.status == OUT_DONE)
        r->vars[st->bind] = o.ret;
    check(r, index, &o);
    if (st->op == OP_KILL && o.status == OUT_DONE && o.ret == 0)
        deliver(r, st->target, (int)a[1], index);
    outcome_clear(&o);
}

static void resumes_step(struct mrun *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct mproc *p = &r->proc[st->proc];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->state == M_BLOCKED && may_time_out(&r->s->steps[p->step])) {
        model_timeout(r->ns, p->c.pid);
        settle_one(r, st->proc, -1);           /* no "woke" entry: the engine has none here */
    }
    if (p->state == M_WOKEN) {
        o = p->woke;
        memset(&p->woke, 0, sizeof(p->woke));
        p->state = M_IDLE;
        if (r->s->steps[p->step].bind >= 0 && o.status == OUT_DONE)
            r->vars[r->s->steps[p->step].bind] = o.ret;
    } else if (p->state == M_BLOCKED) {
        o.status = OUT_BLOCKED;
        snprintf(o.detail, sizeof(o.detail), "%s is still asleep inside %s (step %d)", r->s->proc_name[st->proc],
                 op_name(r->s->steps[p->step].op), p->step + 1);
    } else if (p->state == M_GONE) {
        o.status = OUT_DIED;
        snprintf(o.detail, sizeof(o.detail), "the process is gone");
    } else {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s has no blocked step to resume", r->s->file, st->line,
             index + 1, r->s->proc_name[st->proc]);
        return;
    }
    trace(r, index, "resumes", st->proc, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

static void blocked_step(struct mrun *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct mproc *p = &r->proc[st->proc];
    settle_one(r, st->proc, index);
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = p->state == M_BLOCKED ? OUT_BLOCKED : OUT_DONE;
    normalise(r, &o, st->op);
    trace(r, index, "blocked", st->proc, &o);
    if (p->state != M_BLOCKED)
        fail(r, SC_FAIL, index, "%s:%d: step %d: %s\n    expected: %s still blocked\n    actual:   %s", r->s->file,
             st->line, index + 1, st->source, r->s->proc_name[st->proc],
             p->state == M_WOKEN ? "it completed" : p->state == M_GONE ? "it is gone" : "it is not blocked");
}

static void signal_step(struct mrun *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct mproc *p = &r->proc[st->target];
    int sig = (int)eval(r, &st->arg[0]);
    if (p->state == M_ABSENT || p->state == M_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is not running", r->s->file, st->line, index + 1,
             r->s->proc_name[st->target]);
        return;
    }
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    normalise(r, &o, st->op);
    trace(r, index, "signal", -1, &o);
    check(r, index, &o);
    deliver(r, st->target, sig, index);
}

static void reap_step(struct mrun *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct mproc *p = &r->proc[st->target];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->parent >= 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s was forked by %s: write '%s: wait %s'", r->s->file, st->line,
             index + 1, r->s->proc_name[st->target], r->s->proc_name[p->parent], r->s->proc_name[p->parent],
             r->s->proc_name[st->target]);
        return;
    }
    if (p->state == M_GONE) {
        p->reaped = 1;
        o.status = OUT_DONE;
        outcome_decode(&o, OP_REAP, NULL, (const unsigned char *)&p->status, sizeof(int));
    } else {
        o.status = OUT_TIMEOUT;
        snprintf(o.detail, sizeof(o.detail), "%s is still running", r->s->proc_name[st->target]);
    }
    normalise(r, &o, OP_REAP);
    trace(r, index, "wait", -1, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

void model_run(const struct scenario *s, const struct runner_env *env, struct scenario_result *res)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(res, 0, sizeof(*res));
    struct mrun *r = calloc(1, sizeof(*r));    /* the run's runtime object */
    if (!r) {
        res->status = SC_ERROR;
        res->step = -1;
        snprintf(res->reason, sizeof(res->reason), "out of memory");
        res->trace = json_array();
        return;
    }
    res->status = SC_PASS;
    res->step = -1;
    res->trace = json_array();
    r->s = s;
    r->env = env;
    r->res = res;
    r->ns = model_ns_new();
    if (r->ns)
        r->ns->limits.hugepages_free = host_hugepages_free();
    r->next_pid = 2;                        /* pid 1 is the namespace's init */
    r->norm.name = (const char *const *)s->proc_name;
    r->norm.base = env->base;
    r->norm.base_span = env->base_span;
    scratch_init(&r->files);
    if (!r->ns) {
        fail(r, SC_ERROR, -1, "out of memory");
        free(r);
        return;
    }
    for (int i = 0; i < s->ninitial; i++)
        spawn(r, i, -1);
    for (int i = 0; i < s->nsteps && !r->failed; i++) {
        switch (s->steps[i].op) {
        case OP_RESUMES: resumes_step(r, i); break;
        case OP_BLOCKED: blocked_step(r, i); break;
        case OP_SIGNAL: signal_step(r, i); break;
        case OP_REAP: reap_step(r, i); break;
        case OP_FILE: scratch_file_step(&r->files, r->res, &r->failed, s, i); break;
        default: proc_step(r, i); break;
        }
        if (!r->failed)
            settle_all(r, i);
    }
    for (int i = 0; i < s->nprocs; i++)
        outcome_clear(&r->proc[i].woke);
    for (int i = 0; i < r->nsegs; i++)
        free(r->seg[i].bytes);
    scratch_free(&r->files);
    model_ns_free(r->ns);
    free(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->steps_ms = res->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

static int model_available(char *why, size_t size)
{
    (void)why;
    (void)size;
    return 0;
}

/* The sequential model as a backend: whole scenarios, no processes. */
const struct backend backend_model = {
    .name = "model",
    .available = model_available,
    .run_scenario = model_run,
};
