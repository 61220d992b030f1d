/* sem.c: semaphore sets as ipc/sem.c implements them: semget, semop and
 * semtimedop (all or nothing, in array order, SEM_UNDO), semctl, waiting
 * lists and who proceeds after each change, in Linux's order.
 * Must not: block, sleep or read a clock: a semop that must wait leaves a
 * waiter record and returns MODEL_BLOCKED. */
#define _GNU_SOURCE
#include "model_ns.h"
#include "linux_ipc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>

#define SEMVMX 32767                   /* include/uapi/linux/sem.h */
#define SEMAEM SEMVMX
#define SEMMNU (32000 * 32000)         /* seminfo constants for IPC_INFO */
#define SEMMAP SEMMNU
#define SEMUME 500
#define SEMUSZ 20
#define USE_GLOBAL_LOCK_HYSTERESIS 10

/* ---------- lists ---------- */

static struct model_sem_queue *list_head(struct model_sem_array *sma, int sem, int alter)
{
    if (sem < 0)
        return alter ? &sma->pending_alter : &sma->pending_const;
    return alter ? &sma->sems[sem].pending_alter : &sma->sems[sem].pending_const;
}

static void list_add_tail(struct model_sem_array *sma, struct model_sem_waiter *q, int sem, int alter)
{
    struct model_sem_queue *list = list_head(sma, sem, alter);
    q->qnext = NULL;
    q->qprev = list->last;
    if (list->last)
        list->last->qnext = q;
    else
        list->first = q;
    list->last = q;
    q->list_sem = sem;
    q->list_alter = alter;
}

static void list_del(struct model_sem_array *sma, struct model_sem_waiter *q)
{
    struct model_sem_queue *list = list_head(sma, q->list_sem, q->list_alter);
    if (q->qprev)
        q->qprev->qnext = q->qnext;
    else
        list->first = q->qnext;
    if (q->qnext)
        q->qnext->qprev = q->qprev;
    else
        list->last = q->qprev;
}

/* unlink_queue */
static void unlink_queue(struct model_sem_array *sma, struct model_sem_waiter *q)
{
    list_del(sma, q);
    if (q->nsops > 1)
        sma->complex_count--;
}

/* merge_queues: a complex operation arrives; single-sop alter waiters move
 * to the set's list, semaphore by semaphore. */
static void merge_queues(struct model_sem_array *sma)
{
    for (int i = 0; i < sma->nsems; i++)
        while (sma->sems[i].pending_alter.first) {
            struct model_sem_waiter *q = sma->sems[i].pending_alter.first;
            list_del(sma, q);
            list_add_tail(sma, q, -1, 1);
        }
}

/* unmerge_queues: no complex operation left; back to the per-semaphore lists. */
static void unmerge_queues(struct model_sem_array *sma)
{
    if (sma->complex_count)
        return;
    while (sma->pending_alter.first) {
        struct model_sem_waiter *q = sma->pending_alter.first;
        list_del(sma, q);
        list_add_tail(sma, q, q->sops[0].sem_num, 1);
    }
}

/* sem_lock / sem_unlock: only their effect on the lists is modelled.  A
 * complex operation (or semctl) takes the global lock and enters complex
 * mode; leaving it, with no complex waiter, unmerges after a hysteresis. */
static int sem_lock(struct model_sem_array *sma, int nsops)
{
    if (nsops != 1) {
        sma->use_global_lock = USE_GLOBAL_LOCK_HYSTERESIS;   /* complexmode_enter */
        return -1;
    }
    return sma->use_global_lock ? -1 : 0;
}

static void sem_unlock(struct model_sem_array *sma, int locknum)
{
    if (locknum != -1)
        return;
    unmerge_queues(sma);
    if (sma->complex_count)                                  /* complexmode_tryleave */
        return;
    if (sma->use_global_lock > 0)
        sma->use_global_lock--;
}

/* ---------- undo ---------- */

static struct model_undo *lookup_undo(struct model_ns *ns, pid_t pid, int semid)
{
    for (struct model_undo *un = ns->undos[model_pid_bucket(pid)]; un; un = un->next)
        if (un->pid == pid && un->semid == semid)
            return un;
    return NULL;
}

/* find_alloc_undo: the caller's adjustments for the set, created empty. */
static struct model_undo *find_alloc_undo(struct model_ns *ns, pid_t pid, int semid, int *err)
{
    struct model_undo *un = lookup_undo(ns, pid, semid);
    if (un)
        return un;
    struct model_sem_array *sma = model_ids_find(&ns->sem_ids, semid);
    if (!sma) {
        *err = -EINVAL;
        return NULL;
    }
    un = model_alloc(ns, sizeof(*un) + sizeof(short) * (size_t)sma->nsems);
    if (!un) {
        *err = -ENOMEM;
        return NULL;
    }
    un->pid = pid;
    un->semid = semid;
    un->nsems = sma->nsems;
    un->next = ns->undos[model_pid_bucket(pid)];
    ns->undos[model_pid_bucket(pid)] = un;
    return un;
}

/* ---------- the operation ---------- */

/* perform_atomic_semop_slow: apply the sops in order; if one must wait or
 * fails, roll back.  0 applied, 1 must wait, or -EAGAIN / -ERANGE. */
static int perform_atomic_semop(struct model_sem_array *sma, struct model_sem_waiter *q)
{
    int i, result = 0;
    for (i = 0; i < q->nsops; i++) {
        const struct sembuf *sop = &q->sops[i];
        struct model_sem *curr = &sma->sems[sop->sem_num];
        int value = curr->semval;
        if (!sop->sem_op && value) {
            q->blocking = i;
            result = (sop->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
            break;
        }
        value += sop->sem_op;
        if (value < 0) {
            q->blocking = i;
            result = (sop->sem_flg & IPC_NOWAIT) ? -EAGAIN : 1;
            break;
        }
        if (value > SEMVMX) {
            result = -ERANGE;
            break;
        }
        if (sop->sem_flg & SEM_UNDO) {
            int undo = q->undo->semadj[sop->sem_num] - sop->sem_op;
            if (undo < -SEMAEM - 1 || undo > SEMAEM) {       /* exceeding the undo range */
                result = -ERANGE;
                break;
            }
            q->undo->semadj[sop->sem_num] = (short)undo;
        }
        curr->semval = value;
    }
    if (result == 0) {
        for (i = 0; i < q->nsops; i++)
            sma->sems[q->sops[i].sem_num].sempid = q->pid;
        return 0;
    }
    for (i--; i >= 0; i--) {
        const struct sembuf *sop = &q->sops[i];
        sma->sems[sop->sem_num].semval -= sop->sem_op;
        if (sop->sem_flg & SEM_UNDO)
            q->undo->semadj[sop->sem_num] += sop->sem_op;
    }
    return result;
}

static void complete(struct model_ns *ns, struct model_sem_waiter *q, int error)
{
    q->done = 1;
    q->result = error;
    model_note_resolved(ns, q->pid);
}

/* wake_const_ops: wait-for-zero waiters of a semaphore (or of the set). */
static int wake_const_ops(struct model_ns *ns, struct model_sem_array *sma, int semnum)
{
    int completed = 0;
    struct model_sem_waiter **p = &list_head(sma, semnum, 0)->first;
    while (*p) {
        struct model_sem_waiter *q = *p;
        int error = perform_atomic_semop(sma, q);
        if (error > 0) {
            p = &q->qnext;
            continue;
        }
        unlink_queue(sma, q);          /* *p now holds the next one */
        complete(ns, q, error);
        if (error == 0)
            completed = 1;
    }
    return completed;
}

/* do_smart_wakeup_zero: after a change, the zero-waiters of semaphores that
 * reached 0 (all semaphores when SOPS is NULL), then the set's. */
static int do_smart_wakeup_zero(struct model_ns *ns, struct model_sem_array *sma, const struct sembuf *sops, int nsops)
{
    int completed = 0, got_zero = 0;
    if (sops) {
        for (int i = 0; i < nsops; i++)
            if (sma->sems[sops[i].sem_num].semval == 0) {
                got_zero = 1;
                completed |= wake_const_ops(ns, sma, sops[i].sem_num);
            }
    } else {
        for (int i = 0; i < sma->nsems; i++)
            if (sma->sems[i].semval == 0) {
                got_zero = 1;
                completed |= wake_const_ops(ns, sma, i);
            }
    }
    if (got_zero)
        completed |= wake_const_ops(ns, sma, -1);
    return completed;
}

/* check_restart: must update_queue scan its list again from the start? */
static int check_restart(struct model_sem_array *sma, const struct model_sem_waiter *q)
{
    if (sma->pending_alter.first)
        return 1;
    return q->nsops > 1;
}

/* update_queue: alter waiters of a semaphore (or of the set), in order. */
static int update_queue(struct model_ns *ns, struct model_sem_array *sma, int semnum)
{
    int completed = 0;
again:
    for (struct model_sem_waiter **p = &list_head(sma, semnum, 1)->first; *p;) {
        struct model_sem_waiter *q = *p;
        if (semnum != -1 && sma->sems[semnum].semval == 0)
            break;                     /* nothing on this list can proceed */
        int error = perform_atomic_semop(sma, q);
        if (error > 0) {
            p = &q->qnext;
            continue;
        }
        unlink_queue(sma, q);
        int restart = 0;
        if (error == 0) {
            completed = 1;
            do_smart_wakeup_zero(ns, sma, q->sops, q->nsops);
            restart = check_restart(sma, q);
        }
        complete(ns, q, error);
        if (restart)
            goto again;
    }
    return completed;
}

static void set_semotime(struct model_sem_array *sma, const struct sembuf *sops, long now)
{
    sma->sems[sops ? sops[0].sem_num : 0].otime = now;
}

/* do_smart_update: who proceeds after a change. */
static void do_smart_update(struct model_ns *ns, struct model_sem_array *sma, const struct sembuf *sops, int nsops, int otime,
                            long now)
{
    otime |= do_smart_wakeup_zero(ns, sma, sops, nsops);
    if (sma->pending_alter.first) {
        otime |= update_queue(ns, sma, -1);
    } else if (!sops) {
        for (int i = 0; i < sma->nsems; i++)
            otime |= update_queue(ns, sma, i);
    } else {
        for (int i = 0; i < nsops; i++)
            if (sops[i].sem_op > 0)
                otime |= update_queue(ns, sma, sops[i].sem_num);
    }
    if (otime)
        set_semotime(sma, sops, now);
}

/* ---------- semget ---------- */

static long newary(struct model_ns *ns, const struct model_caller *c, int32_t key, int nsems, int flags,
                   long now)
{
    if (!nsems)
        return -EINVAL;
    if (ns->used_sems + nsems > ns->limits.semmns)
        return -ENOSPC;
    struct model_sem_array *sma = model_alloc(ns, sizeof(*sma) + sizeof(struct model_sem) * (size_t)nsems);
    if (!sma)
        return -ENOMEM;
    sma->perm.key = key;
    sma->perm.mode = (unsigned)flags & MODEL_S_IRWXUGO;
    sma->nsems = nsems;
    sma->ctime = now;
    int id = model_ids_add(&ns->sem_ids, &sma->perm, sma, ns->limits.semmni, c);
    if (id < 0) {
        model_free(ns, sma);
        return id;
    }
    ns->used_sems += nsems;
    return id;
}

long model_semget(struct model_ns *ns, const struct model_caller *c, int32_t key, int nsems, int flags,
                  long now)
{
    if (nsems < 0 || nsems > ns->limits.semmsl)
        return -EINVAL;
    if (key == IPC_PRIVATE)
        return newary(ns, c, key, nsems, flags, now);
    struct model_sem_array *sma = model_ids_find_key(&ns->sem_ids, key);
    if (!sma)
        return (flags & IPC_CREAT) ? newary(ns, c, key, nsems, flags, now) : -ENOENT;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
        return -EEXIST;
    if (nsems > sma->nsems)                        /* sem_more_checks */
        return -EINVAL;
    if (model_ipcperms(c, &sma->perm, flags))
        return -EACCES;
    return sma->perm.id;
}

/* ---------- semop / semtimedop ---------- */

long model_semtimedop(struct model_ns *ns, const struct model_caller *c, int id, const struct sembuf *sops,
                      long nsops, int has_timeout, long sec, long nsec, long now)
{
    /* do_semtimedop checks the count first, an unsigned int in the system
     * call (so -1 is too many); the id after the copy-in */
    if ((unsigned int)nsops > (unsigned long)ns->limits.semopm)
        return -E2BIG;
    if ((unsigned int)nsops < 1)
        return -EINVAL;
    nsops = (unsigned int)nsops;
    if (!sops)
        return -EFAULT;                 /* the copy-in comes before the id and the timeout */
    if (has_timeout && (sec < 0 || nsec < 0 || nsec >= 1000000000L))
        return -EINVAL;
    if (id < 0)
        return -EINVAL;
    int max = 0, undos = 0, alter = 0;
    for (long i = 0; i < nsops; i++) {
        if (sops[i].sem_num >= max)
            max = sops[i].sem_num;
        if (sops[i].sem_flg & SEM_UNDO)
            undos = 1;
        if (sops[i].sem_op != 0)
            alter = 1;
    }
    struct model_undo *un = NULL;
    if (undos) {
        int err = 0;
        un = find_alloc_undo(ns, c->pid, id, &err);
        if (!un)
            return err;
    }
    struct model_sem_array *sma = model_ids_find(&ns->sem_ids, id);
    if (!sma)
        return -EINVAL;
    if (max >= sma->nsems)
        return -EFBIG;
    if (model_ipcperms(c, &sma->perm, alter ? MODEL_S_IWUGO : MODEL_S_IRUGO))
        return -EACCES;
    /* the waiter record is the model's (Linux's sem_queue is on the stack):
     * taken before the lock, so running out of memory leaves the set as it
     * was, complex mode's hysteresis included */
    struct model_sem_waiter *q = model_alloc(ns, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->sops = model_alloc(ns, sizeof(struct sembuf) * (size_t)nsops);
    if (!q->sops) {
        model_free(ns, q);
        return -ENOMEM;
    }
    int locknum = sem_lock(sma, (int)nsops);
    memcpy(q->sops, sops, sizeof(struct sembuf) * (size_t)nsops);
    q->nsops = (int)nsops;
    q->pid = c->pid;
    q->semid = id;
    q->alter = alter;
    q->undo = un;
    int error = perform_atomic_semop(sma, q);
    if (error <= 0) {
        if (error == 0) {
            if (alter)
                do_smart_update(ns, sma, q->sops, q->nsops, 1, now);
            else
                set_semotime(sma, q->sops, now);
        }
        sem_unlock(sma, locknum);
        model_free(ns, q->sops);
        model_free(ns, q);
        return error;
    }
    /* it must wait: on the semaphore's list, or the set's when complex */
    if (nsops == 1) {
        if (alter)
            list_add_tail(sma, q, sma->complex_count ? -1 : q->sops[0].sem_num, 1);
        else
            list_add_tail(sma, q, q->sops[0].sem_num, 0);
    } else {
        if (!sma->complex_count)
            merge_queues(sma);
        list_add_tail(sma, q, -1, alter);
        sma->complex_count++;
    }
    sem_unlock(sma, locknum);
    q->next = ns->sem_waiting[model_pid_bucket(q->pid)];
    ns->sem_waiting[model_pid_bucket(q->pid)] = q;
    return MODEL_BLOCKED;
}

const struct model_sem_waiter *model_sem_waiter_of(const struct model_ns *ns, pid_t pid)
{
    for (const struct model_sem_waiter *q = ns->sem_waiting[model_pid_bucket(pid)]; q; q = q->next)
        if (q->pid == pid)
            return q;
    return NULL;
}

static struct model_sem_waiter *sem_waiter_of(struct model_ns *ns, pid_t pid)
{
    return (struct model_sem_waiter *)model_sem_waiter_of(ns, pid);
}

static void forget_sem_waiter(struct model_ns *ns, struct model_sem_waiter *q)
{
    for (struct model_sem_waiter **p = &ns->sem_waiting[model_pid_bucket(q->pid)]; *p; p = &(*p)->next)
        if (*p == q) {
            *p = q->next;
            break;
        }
    model_free(ns, q->sops);
    model_free(ns, q);
}

int model_sem_wait_resolved(const struct model_ns *ns, pid_t pid)
{
    const struct model_sem_waiter *q = model_sem_waiter_of(ns, pid);
    return q && q->done;
}

long model_sem_resume(struct model_ns *ns, const struct model_caller *c)
{
    struct model_sem_waiter *q = sem_waiter_of(ns, c->pid);
    if (!q)
        return -EINVAL;
    if (!q->done)
        return MODEL_BLOCKED;
    long result = q->result;
    forget_sem_waiter(ns, q);
    return result;
}

long model_sem_outcome(const struct model_sem_waiter *q)
{
    return q->done ? q->result : MODEL_BLOCKED;
}

/* The record of a wait whose outcome PID took (model_sem_outcome) goes, as
 * model_sem_resume removes it. */
void model_sem_collect(struct model_ns *ns, pid_t pid)
{
    struct model_sem_waiter *q = sem_waiter_of(ns, pid);
    if (q && q->done)
        forget_sem_waiter(ns, q);
}

/* The caller gives up waiting with ERROR (a signal, a timeout, its exit):
 * unless another operation completed it first. */
void model_sem_abandon(struct model_ns *ns, pid_t pid, int error)
{
    struct model_sem_waiter *q = sem_waiter_of(ns, pid);
    if (!q || q->done)
        return;
    struct model_sem_array *sma = model_ids_find(&ns->sem_ids, q->semid);
    if (sma) {
        int locknum = sem_lock(sma, q->nsops);
        unlink_queue(sma, q);
        sem_unlock(sma, locknum);
    }
    complete(ns, q, error);
}

/* ---------- exit: SEM_UNDO ---------- */

void model_sem_exit(struct model_ns *ns, pid_t pid, long now)
{
    struct model_sem_waiter *q = sem_waiter_of(ns, pid);
    if (q) {
        model_sem_abandon(ns, pid, -EINTR);
        forget_sem_waiter(ns, q);
    }
    /* exit_sem: each set's adjustments, clamped to 0..SEMVMX */
    for (struct model_undo **p = &ns->undos[model_pid_bucket(pid)]; *p;) {
        struct model_undo *un = *p;
        if (un->pid != pid) {
            p = &un->next;
            continue;
        }
        *p = un->next;
        struct model_sem_array *sma = un->semid >= 0 ? model_ids_find(&ns->sem_ids, un->semid) : NULL;
        if (sma) {
            int locknum = sem_lock(sma, -1);
            for (int i = 0; i < sma->nsems && i < un->nsems; i++) {
                if (!un->semadj[i])
                    continue;
                struct model_sem *s = &sma->sems[i];
                s->semval += un->semadj[i];
                if (s->semval < 0)
                    s->semval = 0;
                if (s->semval > SEMVMX)
                    s->semval = SEMVMX;
                s->sempid = pid;
            }
            do_smart_update(ns, sma, NULL, 0, 1, now);
            sem_unlock(sma, locknum);
        }
        model_free(ns, un);
    }
}

/* ---------- semctl ---------- */

static long semctl_info(struct model_ns *ns, int cmd, struct seminfo *si)
{
    memset(si, 0, sizeof(*si));
    si->semmni = (int)ns->limits.semmni;
    si->semmns = (int)ns->limits.semmns;
    si->semmsl = (int)ns->limits.semmsl;
    si->semopm = (int)ns->limits.semopm;
    si->semvmx = SEMVMX;
    si->semmnu = SEMMNU;
    si->semmap = SEMMAP;
    si->semume = SEMUME;
    if (cmd == SEM_INFO) {
        si->semusz = ns->sem_ids.in_use;
        si->semaem = (int)ns->used_sems;
    } else {
        si->semusz = SEMUSZ;
        si->semaem = SEMAEM;
    }
    int max = model_ids_max_index(&ns->sem_ids);
    return max < 0 ? 0 : max;
}

static long get_semotime(const struct model_sem_array *sma)
{
    long t = 0;
    for (int i = 0; i < sma->nsems; i++)
        if (sma->sems[i].otime > t)
            t = sma->sems[i].otime;
    return t;
}

static long semctl_stat(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        struct semid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    int err;
    struct model_sem_array *sma = model_stat_obtain(&ns->sem_ids, c, id, cmd != IPC_STAT, cmd == SEM_STAT_ANY,
                                                    &err);
    if (!sma)
        return err;
    model_fill_perm(&ds->sem_perm, &sma->perm);
    ds->sem_otime = get_semotime(sma);
    ds->sem_ctime = sma->ctime;
    ds->sem_nsems = (unsigned long)sma->nsems;
    return cmd == IPC_STAT ? 0 : sma->perm.id;
}

/* count_semcnt: waiters whose blocking operation is a decrement (GETNCNT)
 * or a wait-for-zero (GETZCNT) on SEMNUM. */
static int count_semcnt(struct model_sem_array *sma, int semnum, int count_zero)
{
    int n = 0;
    for (struct model_sem_waiter *q = list_head(sma, semnum, !count_zero)->first; q; q = q->qnext)
        n++;
    for (int alter = 1; alter >= 0; alter--) {
        if (!alter && !count_zero)
            break;
        for (struct model_sem_waiter *q = list_head(sma, -1, alter)->first; q; q = q->qnext) {
            const struct sembuf *sop = &q->sops[q->blocking];
            if (sop->sem_num != semnum)
                continue;
            if ((count_zero && sop->sem_op == 0) || (!count_zero && sop->sem_op < 0))
                n++;
        }
    }
    return n;
}

static void clear_adjustments(struct model_ns *ns, int semid, int semnum)
{
    for (unsigned b = 0; b < MODEL_PID_BUCKETS; b++)
        for (struct model_undo *un = ns->undos[b]; un; un = un->next)
            if (un->semid == semid) {
                for (int i = 0; i < un->nsems; i++)
                    if (semnum < 0 || i == semnum)
                        un->semadj[i] = 0;
            }
}

static long semctl_setval(struct model_ns *ns, const struct model_caller *c, int id, int num, int val,
                          long now)
{
    if (val > SEMVMX || val < 0)
        return -ERANGE;
    struct model_sem_array *sma = model_ids_find(&ns->sem_ids, id);
    if (!sma)
        return -EINVAL;
    if (num < 0 || num >= sma->nsems)
        return -EINVAL;
    if (model_ipcperms(c, &sma->perm, MODEL_S_IWUGO))
        return -EACCES;
    int locknum = sem_lock(sma, -1);
    clear_adjustments(ns, id, num);
    sma->sems[num].semval = val;
    sma->sems[num].sempid = c->pid;
    sma->ctime = now;
    do_smart_update(ns, sma, NULL, 0, 0, now);
    sem_unlock(sma, locknum);
    return 0;
}

static long semctl_main(struct model_ns *ns, const struct model_caller *c, int id, int num, int cmd,
                        unsigned short *array, long now)
{
    struct model_sem_array *sma = model_ids_find(&ns->sem_ids, id);
    if (!sma)
        return -EINVAL;
    if (model_ipcperms(c, &sma->perm, cmd == SETALL ? MODEL_S_IWUGO : MODEL_S_IRUGO))
        return -EACCES;
    if ((cmd == GETALL || cmd == SETALL) && !array)
        return -EFAULT;                 /* the array is copied after the permission check */
    if (cmd == GETALL) {
        for (int i = 0; i < sma->nsems; i++)
            array[i] = (unsigned short)sma->sems[i].semval;
        return 0;
    }
    if (cmd == SETALL) {
        for (int i = 0; i < sma->nsems; i++)
            if (array[i] > SEMVMX)
                return -ERANGE;
        int locknum = sem_lock(sma, -1);
        for (int i = 0; i < sma->nsems; i++) {
            sma->sems[i].semval = array[i];
            sma->sems[i].sempid = c->pid;
        }
        clear_adjustments(ns, id, -1);
        sma->ctime = now;
        do_smart_update(ns, sma, NULL, 0, 0, now);
        sem_unlock(sma, locknum);
        return 0;
    }
    if (num < 0 || num >= sma->nsems)
        return -EINVAL;
    switch (cmd) {
    case GETVAL: return sma->sems[num].semval;
    case GETPID: return sma->sems[num].sempid;
    case GETNCNT: return count_semcnt(sma, num, 0);
    default: return count_semcnt(sma, num, 1);    /* GETZCNT */
    }
}

/* freeary: adjustments are forgotten, every waiter gets EIDRM. */
static void freeary(struct model_ns *ns, struct model_sem_array *sma)
{
    for (unsigned b = 0; b < MODEL_PID_BUCKETS; b++)
        for (struct model_undo *un = ns->undos[b]; un; un = un->next)
            if (un->semid == sma->perm.id)
                un->semid = -1;
    for (int list = -1; list < sma->nsems; list++)
        for (int alter = 0; alter < 2; alter++)
            while (list_head(sma, list, alter)->first) {
                struct model_sem_waiter *q = list_head(sma, list, alter)->first;
                unlink_queue(sma, q);
                complete(ns, q, -EIDRM);
            }
    model_ids_remove(&ns->sem_ids, &sma->perm);
    ns->used_sems -= sma->nsems;
    model_free(ns, sma);
}

static long semctl_down(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        const struct semid_ds *ds, long now)
{
    int err;
    struct model_sem_array *sma = model_ctl_obtain(&ns->sem_ids, c, id, &err);
    if (!sma)
        return err;
    if (cmd == IPC_RMID) {
        freeary(ns, sma);
        return 0;
    }
    if ((err = model_update_perm(&sma->perm, &ds->sem_perm)) < 0)
        return err;
    sma->ctime = now;
    return 0;
}

long model_semctl(struct model_ns *ns, const struct model_caller *c, int id, int num, int cmd,
                  unsigned long arg, long now)
{
    if (id < 0)
        return -EINVAL;
    void *buf = (void *)(uintptr_t)arg;
    switch (cmd) {
    case IPC_INFO:
    case SEM_INFO: {
        struct seminfo si;
        return model_copy_out(buf, &si, sizeof(si), semctl_info(ns, cmd, &si));
    }
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY: {
        struct semid_ds ds;
        return model_copy_out(buf, &ds, sizeof(ds), semctl_stat(ns, c, id, cmd, &ds));
    }
    case GETALL:
    case GETVAL:
    case GETPID:
    case GETNCNT:
    case GETZCNT:
    case SETALL:
        return semctl_main(ns, c, id, num, cmd, buf, now);
    case SETVAL:
        return semctl_setval(ns, c, id, num, (int)arg, now);
    case IPC_SET:
        if (!buf)
            return -EFAULT;             /* copied in before the id is looked up */
        return semctl_down(ns, c, id, cmd, buf, now);
    case IPC_RMID:
        return semctl_down(ns, c, id, cmd, buf, now);
    default:
        return -EINVAL;
    }
}

/* ---------- namespace parts ---------- */

void model_sem_free_all(struct model_ns *ns)
{
    for (int i = 0; i <= ns->sem_ids.max_idx; i++)    /* none above the highest in use */
        if (ns->sem_ids.slot[i])
            model_free(ns, ns->sem_ids.slot[i]);
    for (unsigned b = 0; b < MODEL_PID_BUCKETS; b++) {
        while (ns->sem_waiting[b])
            forget_sem_waiter(ns, ns->sem_waiting[b]);
        while (ns->undos[b]) {
            struct model_undo *next = ns->undos[b]->next;
            model_free(ns, ns->undos[b]);
            ns->undos[b] = next;
        }
    }
}
