/* msg.c: message queues as ipc/msg.c implements them.
 * Order of checks follows do_msgsnd, do_msgrcv and ksys_msgctl; the Linux
 * function each rule comes from is named where the man page is silent.
 * Must not: block, sleep or read a clock: a call that must wait leaves a
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
#include <sys/msg.h>

#define MSGSSZ 16                      /* msginfo constants of ipc/msg.c */
#define MSGSEG 0xffff
#define MSGPOOL_KB (32000 * 16384 / 1024)
#define MSGMAP 16384
#define MSGTQL 16384

enum search { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

/* ---------- namespace parts ---------- */

/* Q's messages, and its hold on its bin (which its waiters may outlive it in). */
static void free_messages(struct model_ns *ns, struct model_msq *q)
{
    for (struct model_msg *m = q->messages, *next; m; m = next) {
        next = m->next;
        model_free(ns, m);
    }
    model_drop_bin(ns, &q->bin);
}

void model_msg_free_all(struct model_ns *ns)
{
    for (int i = 0; i <= ns->msg_ids.max_idx; i++) {    /* none above the highest in use */
        struct model_msq *q = ns->msg_ids.slot[i];
        if (q) {
            free_messages(ns, q);
            model_free(ns, q);
        }
    }
    for (unsigned b = 0; b < MODEL_PID_BUCKETS; b++)
        for (struct model_msg_waiter *w = ns->waiting[b], *next; w; w = next) {
            next = w->next;
            model_free(ns, w->msg);
            model_free(ns, w);
        }
}

/* ---------- waiters ---------- */

static struct model_msg_waiter *waiter_of(const struct model_ns *ns, pid_t pid)
{
    for (struct model_msg_waiter *w = ns->waiting[model_pid_bucket(pid)]; w; w = w->next)
        if (w->pid == pid)
            return w;
    return NULL;
}

const struct model_msg_waiter *model_msg_waiter_of(const struct model_ns *ns, pid_t pid)
{
    return waiter_of(ns, pid);
}

/* W, made for the caller PID, becomes its waiter. */
static void add_waiter(struct model_ns *ns, struct model_msg_waiter *w, pid_t pid)
{
    struct model_msg_waiter **bucket = &ns->waiting[model_pid_bucket(pid)];
    w->pid = pid;
    w->next = *bucket;
    *bucket = w;
}

/* The receivers or the senders of Q. */
static struct model_msg_waiters *queue_of(struct model_msq *q, int receivers)
{
    return receivers ? &q->receivers : &q->senders;
}

/* Append W to its queue: waiters are served in arrival order. */
static void enqueue(struct model_msq *q, struct model_msg_waiter *w)
{
    struct model_msg_waiters *list = queue_of(q, w->is_receiver);
    w->qnext = NULL;
    w->qprev = list->last;
    w->qid = q->perm.id;
    if (list->last)
        list->last->qnext = w;
    else
        list->first = w;
    list->last = w;
}

/* W leaves the list it is on (of Q, the queue it waits on). */
static void dequeue(struct model_msq *q, struct model_msg_waiter *w)
{
    struct model_msg_waiters *list = queue_of(q, w->is_receiver);
    if (w->qprev)
        w->qprev->qnext = w->qnext;
    else
        list->first = w->qnext;
    if (w->qnext)
        w->qnext->qprev = w->qprev;
    else
        list->last = w->qprev;
}

/* W leaves its queue's list, unless the queue is gone: remove_queue left
 * W on no list, its qid -1, which no queue's id is (nor is a queue that
 * msg_next_id gave the old id since W's). */
static void leave_queue(struct model_ns *ns, struct model_msg_waiter *w)
{
    struct model_msq *q = model_ids_find(&ns->msg_ids, w->qid);
    if (q && !q->perm.deleted)
        dequeue(q, w);
}

int model_msg_wait_resolved(const struct model_ns *ns, pid_t pid)
{
    const struct model_msg_waiter *w = waiter_of(ns, pid);
    return w && w->state != WAIT_PENDING;
}

static void forget_waiter(struct model_ns *ns, struct model_msg_waiter *w)
{
    for (struct model_msg_waiter **p = &ns->waiting[model_pid_bucket(w->pid)]; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    model_free(ns, w->msg);
    model_free(ns, w);
}

/* ---------- messages ---------- */

static int fits(const struct model_msq *q, size_t size)
{
    /* msg_fits_inqueue: bytes and the number of messages, both against qbytes */
    return q->cbytes + size <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

static int matches(const struct model_msg *m, long type, int mode)
{
    switch (mode) {
    case SEARCH_ANY:
    case SEARCH_NUMBER: return 1;
    case SEARCH_LESSEQUAL: return m->type <= type;
    case SEARCH_EQUAL: return m->type == type;
    case SEARCH_NOTEQUAL: return m->type != type;
    }
    return 0;
}

/* find_msg: the message msgrcv selects, or NULL.  For SEARCH_LESSEQUAL the
 * first message of the lowest type wins: each candidate of a lower type
 * narrows the search (type - 1). */
static struct model_msg *find_msg(struct model_msq *q, long type, int mode)
{
    struct model_msg *found = NULL;
    long count = 0;
    for (struct model_msg *m = q->messages; m; m = m->next) {
        if (matches(m, type, mode)) {
            if (mode == SEARCH_LESSEQUAL && m->type != 1) {
                type = m->type - 1;
                found = m;
            } else if (mode == SEARCH_NUMBER) {
                if (type == count)
                    return m;
            } else {
                return m;
            }
        }
        count++;
    }
    return found;
}

static void unlink_msg(struct model_msq *q, struct model_msg *m)
{
    struct model_msg *before = NULL;
    for (struct model_msg **p = &q->messages; *p; before = *p, p = &(*p)->next)
        if (*p == m) {
            *p = m->next;
            if (q->last == m)
                q->last = before;
            return;
        }
}

static void append_msg(struct model_msq *q, struct model_msg *m)
{
    m->next = NULL;
    if (q->last)
        q->last->next = m;
    else
        q->messages = m;
    q->last = m;
}

/* A waiter's outcome is decided (wake_q_add's moment): the runtime is told
 * whom to wake. */
static void resolve(struct model_ns *ns, struct model_msg_waiter *w, int state, int error)
{
    w->state = state;
    w->error = error;
    model_note_resolved(ns, w->pid);
}

/* ss_wakeup (not killing): senders whose message now fits retry, in order;
 * the others keep waiting.  Woken senders run their loop again on resume. */
static void wake_senders(struct model_ns *ns, struct model_msq *q, int kill)
{
    for (struct model_msg_waiter *w = q->senders.first; w; w = w->qnext) {
        if (w->state != WAIT_PENDING)
            continue;
        if (kill)
            resolve(ns, w, WAIT_ERROR, EIDRM);
        else if (fits(q, w->size))
            resolve(ns, w, WAIT_RETRY, 0);
    }
}

/* expunge_all: every waiting receiver gets RES (EIDRM at removal; EAGAIN,
 * meaning "retry", after IPC_SET). */
static void expunge_receivers(struct model_ns *ns, struct model_msq *q, int res)
{
    for (struct model_msg_waiter *w = q->receivers.first; w; w = w->qnext) {
        if (w->state != WAIT_PENDING)
            continue;
        if (res == EAGAIN)
            resolve(ns, w, WAIT_RETRY, 0);
        else
            resolve(ns, w, WAIT_ERROR, res);
    }
}

/* pipelined_send: hand the message to the first waiting receiver that
 * wants it; one whose buffer is too small gets E2BIG and the next is tried. */
static int pipelined_send(struct model_ns *ns, struct model_msq *q, struct model_msg *m, long now)
{
    for (struct model_msg_waiter *w = q->receivers.first; w; w = w->qnext) {
        if (w->state != WAIT_PENDING || !matches(m, w->type, w->mode))
            continue;
        if (w->max_size < m->size) {
            resolve(ns, w, WAIT_ERROR, E2BIG);
            continue;
        }
        q->lrpid = w->pid;
        q->rtime = now;
        w->msg = m;
        resolve(ns, w, WAIT_GOT_MESSAGE, 0);
        return 1;
    }
    return 0;
}

/* ---------- msgget ---------- */

static long newque(struct model_ns *ns, const struct model_caller *c, int32_t key, int flags, long now)
{
    struct model_msq *q = model_alloc(ns, sizeof(*q));
    if (!q)
        return -ENOMEM;
    q->perm.key = key;
    q->perm.mode = (unsigned)flags & MODEL_S_IRWXUGO;
    q->ctime = now;
    q->qbytes = (size_t)ns->limits.msgmnb;
    int id = model_ids_add(&ns->msg_ids, &q->perm, q, ns->limits.msgmni, c);
    if (id < 0)
        model_free(ns, q);
    return id;
}

long model_msgget(struct model_ns *ns, const struct model_caller *c, int32_t key, int flags, long now)
{
    if (key == IPC_PRIVATE)
        return newque(ns, c, key, flags, now);
    struct model_msq *q = model_ids_find_key(&ns->msg_ids, key);
    if (!q)
        return (flags & IPC_CREAT) ? newque(ns, c, key, flags, now) : -ENOENT;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
        return -EEXIST;
    if (model_ipcperms(c, &q->perm, flags))          /* ipc_check_perms */
        return -EACCES;
    return q->perm.id;
}

/* ---------- msgsnd ---------- */

/* The body of do_msgsnd's loop, for a first call and for a retry. */
static long send_loop(struct model_ns *ns, const struct model_caller *c, int id, long type,
                      const unsigned char *text, size_t size, int flags, long now)
{
    struct model_msq *q = model_ids_find(&ns->msg_ids, id);
    if (!q)
        return -EINVAL;
    if (model_ipcperms(c, &q->perm, MODEL_S_IWUGO))
        return -EACCES;
    if (!fits(q, size)) {
        if (flags & IPC_NOWAIT)
            return -EAGAIN;
        struct model_msg_waiter *w = model_alloc_in(ns, &q->bin, sizeof(*w));
        if (!w)
            return -ENOMEM;
        w->size = size;
        add_waiter(ns, w, c->pid);
        enqueue(q, w);
        return MODEL_BLOCKED;
    }
    struct model_msg *m = model_alloc_in(ns, &q->bin, sizeof(*m) + size);
    if (!m)
        return -ENOMEM;
    m->next = NULL;
    m->type = type;
    m->size = size;
    memcpy(m->text, text, size);
    q->lspid = c->pid;
    q->stime = now;
    if (!pipelined_send(ns, q, m, now)) {
        append_msg(q, m);
        q->cbytes += size;
        q->qnum++;
        ns->msg_bytes += (long)size;
        ns->msg_hdrs++;
    }
    return 0;
}

long model_msgsnd(struct model_ns *ns, const struct model_caller *c, int id, const void *buf,
                  long size, int flags, long now)
{
    if (!buf)
        return -EFAULT;                 /* ksys_msgsnd reads mtype before anything else */
    if (size > ns->limits.msgmax || size < 0 || id < 0)
        return -EINVAL;
    long type;
    memcpy(&type, buf, sizeof(type));
    if (type < 1)
        return -EINVAL;
    return send_loop(ns, c, id, type, (const unsigned char *)buf + sizeof(long), (size_t)size, flags, now);
}

/* ---------- msgrcv ---------- */

static int convert_mode(long *type, int flags)
{
    if (flags & MSG_COPY)
        return SEARCH_NUMBER;
    if (*type == 0)
        return SEARCH_ANY;
    if (*type < 0) {
        *type = *type == LONG_MIN ? LONG_MAX : -*type;
        return SEARCH_LESSEQUAL;
    }
    return (flags & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

/* msg_handler: copy the message out; the bytes copied. */
static long deliver(void *buf, const struct model_msg *m, size_t size)
{
    if (!buf)
        return -EFAULT;                 /* taken off the queue all the same: it is lost */
    size_t n = m->size < size ? m->size : size;
    memcpy(buf, &m->type, sizeof(long));
    memcpy((unsigned char *)buf + sizeof(long), m->text, n);
    return (long)n;
}

static long receive_loop(struct model_ns *ns, const struct model_caller *c, int id, void *buf,
                         size_t size, long type, int mode, int flags, long now)
{
    struct model_msq *q = model_ids_find(&ns->msg_ids, id);
    if (!q)
        return -EINVAL;
    if (model_ipcperms(c, &q->perm, MODEL_S_IRUGO))
        return -EACCES;
    struct model_msg *m = find_msg(q, type, mode);
    if (m) {
        if (size < m->size && !(flags & MSG_NOERROR))
            return -E2BIG;                         /* the message stays */
        if (flags & MSG_COPY) {
            /* copy_msg: the copy buffer holds min(size, msgmax) bytes */
            size_t room = size < (size_t)ns->limits.msgmax ? size : (size_t)ns->limits.msgmax;
            if (m->size > room)
                return -EINVAL;
            return deliver(buf, m, size);
        }
        unlink_msg(q, m);
        q->qnum--;
        q->rtime = now;
        q->lrpid = c->pid;
        q->cbytes -= m->size;
        ns->msg_bytes -= (long)m->size;
        ns->msg_hdrs--;
        wake_senders(ns, q, 0);
        long n = deliver(buf, m, size);
        model_free(ns, m);
        return n;
    }
    if (flags & IPC_NOWAIT)
        return -ENOMSG;
    struct model_msg_waiter *w = model_alloc_in(ns, &q->bin, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->is_receiver = 1;
    w->type = type;
    w->mode = mode;
    w->max_size = (flags & MSG_NOERROR) ? INT_MAX : size;
    add_waiter(ns, w, c->pid);
    enqueue(q, w);
    return MODEL_BLOCKED;
}

long model_msgrcv(struct model_ns *ns, const struct model_caller *c, int id, void *buf,
                  long size, long type, int flags, long now)
{
    if (id < 0 || size < 0)
        return -EINVAL;
    if ((flags & MSG_COPY) && ((flags & MSG_EXCEPT) || !(flags & IPC_NOWAIT)))
        return -EINVAL;
    int mode = convert_mode(&type, flags);
    return receive_loop(ns, c, id, buf, (size_t)size, type, mode, flags, now);
}

long model_msg_resume(struct model_ns *ns, const struct model_caller *c, int id, void *buf,
                      long size, long type, int flags, long now)
{
    struct model_msg_waiter *w = waiter_of(ns, c->pid);
    if (!w)
        return -EINVAL;
    if (w->state == WAIT_PENDING)
        return MODEL_BLOCKED;
    leave_queue(ns, w);
    long ret;
    if (w->state == WAIT_GOT_MESSAGE) {
        ret = deliver(buf, w->msg, (size_t)size);
    } else if (w->state == WAIT_ERROR) {
        ret = -w->error;
    } else {                                           /* WAIT_RETRY: run the loop again */
        int is_receiver = w->is_receiver;
        forget_waiter(ns, w);
        if (is_receiver) {
            int mode = convert_mode(&type, flags);
            return receive_loop(ns, c, id, buf, (size_t)size, type, mode, flags, now);
        }
        long mtype;
        memcpy(&mtype, buf, sizeof(mtype));
        return send_loop(ns, c, id, mtype, (const unsigned char *)buf + sizeof(long), (size_t)size,
                         flags, now);
    }
    forget_waiter(ns, w);
    return ret;
}

long model_msg_outcome(const struct model_msg_waiter *w, void *buf, size_t size)
{
    if (w->state == WAIT_GOT_MESSAGE)
        return deliver(buf, w->msg, size);
    if (w->state == WAIT_ERROR)
        return -w->error;
    return MODEL_BLOCKED;              /* pending, or its loop to run again */
}

/* The record of a wait whose outcome PID took (model_msg_outcome) goes, as
 * model_msg_resume removes it. */
void model_msg_collect(struct model_ns *ns, pid_t pid)
{
    struct model_msg_waiter *w = waiter_of(ns, pid);
    if (!w || (w->state != WAIT_GOT_MESSAGE && w->state != WAIT_ERROR))
        return;
    leave_queue(ns, w);
    forget_waiter(ns, w);
}

/* The caller gives up waiting with ERROR (a signal), unless its call was
 * already decided; at exit (ERROR 0) its record goes too. */
void model_msg_abandon(struct model_ns *ns, pid_t pid, int error)
{
    struct model_msg_waiter *w = waiter_of(ns, pid);
    if (!w)
        return;
    if (error && w->state == WAIT_PENDING) {
        resolve(ns, w, WAIT_ERROR, error);
        return;
    }
    if (!error) {
        leave_queue(ns, w);
        forget_waiter(ns, w);
    }
}

/* ---------- msgctl ---------- */

static long msgctl_info(struct model_ns *ns, int cmd, struct msginfo *mi)
{
    memset(mi, 0, sizeof(*mi));
    mi->msgmni = (int)ns->limits.msgmni;
    mi->msgmax = (int)ns->limits.msgmax;
    mi->msgmnb = (int)ns->limits.msgmnb;
    mi->msgssz = MSGSSZ;
    mi->msgseg = MSGSEG;
    if (cmd == MSG_INFO) {
        mi->msgpool = ns->msg_ids.in_use;
        mi->msgmap = ns->msg_hdrs > INT_MAX ? INT_MAX : (int)ns->msg_hdrs;
        mi->msgtql = ns->msg_bytes > INT_MAX ? INT_MAX : (int)ns->msg_bytes;
    } else {
        mi->msgmap = MSGMAP;
        mi->msgpool = MSGPOOL_KB;
        mi->msgtql = MSGTQL;
    }
    int max = model_ids_max_index(&ns->msg_ids);
    return max < 0 ? 0 : max;
}

static long msgctl_stat(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        struct msqid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    /* MSG_STAT and MSG_STAT_ANY take an index (msq_obtain_object) */
    int err;
    struct model_msq *q = model_stat_obtain(&ns->msg_ids, c, id, cmd != IPC_STAT, cmd == MSG_STAT_ANY, &err);
    if (!q)
        return err;
    model_fill_perm(&ds->msg_perm, &q->perm);
    ds->msg_stime = q->stime;
    ds->msg_rtime = q->rtime;
    ds->msg_ctime = q->ctime;
    ds->__msg_cbytes = q->cbytes;
    ds->msg_qnum = q->qnum;
    ds->msg_qbytes = q->qbytes;
    ds->msg_lspid = q->lspid;
    ds->msg_lrpid = q->lrpid;
    return cmd == IPC_STAT ? 0 : q->perm.id;
}

/* freeque */
static void remove_queue(struct model_ns *ns, struct model_msq *q)
{
    expunge_receivers(ns, q, EIDRM);
    wake_senders(ns, q, 1);
    /* its waiters are on no list now: the lists go with the queue */
    struct model_msg_waiter *lists[2] = { q->receivers.first, q->senders.first };
    for (int l = 0; l < 2; l++)
        for (struct model_msg_waiter *w = lists[l]; w; w = w->qnext)
            w->qid = -1;
    model_ids_remove(&ns->msg_ids, &q->perm);
    for (struct model_msg *m = q->messages; m; m = m->next) {
        ns->msg_bytes -= (long)m->size;
        ns->msg_hdrs--;
    }
    free_messages(ns, q);
    model_free(ns, q);        /* its waiters stay in the namespace's list until they resume */
}

static long msgctl_down(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        const struct msqid_ds *ds, long now)
{
    int err;
    struct model_msq *q = model_ctl_obtain(&ns->msg_ids, c, id, &err);
    if (!q)
        return err;
    if (cmd == IPC_RMID) {
        remove_queue(ns, q);
        return 0;
    }
    if (ds->msg_qbytes > (msglen_t)ns->limits.msgmnb && !(c->caps & MODEL_CAP_SYS_RESOURCE))
        return -EPERM;
    if ((err = model_update_perm(&q->perm, &ds->msg_perm)) < 0)
        return err;
    q->qbytes = ds->msg_qbytes;
    q->ctime = now;
    expunge_receivers(ns, q, EAGAIN);    /* receivers re-check their rights */
    wake_senders(ns, q, 0);
    return 0;
}

long model_msgctl(struct model_ns *ns, const struct model_caller *c, int id, int cmd, void *buf, long now)
{
    if (id < 0 || cmd < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case MSG_INFO: {
        struct msginfo mi;
        return model_copy_out(buf, &mi, sizeof(mi), msgctl_info(ns, cmd, &mi));
    }
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY: {
        struct msqid_ds ds;
        return model_copy_out(buf, &ds, sizeof(ds), msgctl_stat(ns, c, id, cmd, &ds));
    }
    case IPC_SET:
        if (!buf)
            return -EFAULT;             /* copied in before the id is looked up */
        return msgctl_down(ns, c, id, cmd, buf, now);
    case IPC_RMID:
        return msgctl_down(ns, c, id, cmd, buf, now);
    default:
        return -EINVAL;
    }
}

/* ---------- sysctls ---------- */

int model_msg_sysctl(struct model_ns *ns, const char *name, long **value, long *lo, long *hi)
{
    *lo = 0;
    *hi = INT_MAX;
    if (strcmp(name, "msgmax") == 0)
        *value = &ns->limits.msgmax;
    else if (strcmp(name, "msgmnb") == 0)
        *value = &ns->limits.msgmnb;
    else if (strcmp(name, "msgmni") == 0) {
        *value = &ns->limits.msgmni;
        *hi = MODEL_IPCMNI;
    } else
        return -EINVAL;
    return 0;
}
