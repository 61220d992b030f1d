/* check.c: whether a namespace's state is well formed: every pointer lies
 * inside the memory the objects come from, every list ends and is as long
 * as its count says, every object sits at the index its id names.  The
 * reference runtime checks a state it finds in a file before trusting it
 * (damage, or another program's bytes), and rebuilds it when it is not.
 * Must not: change the state, or follow a pointer before checking it. */
#include "model_ns.h"

#include <stdio.h>
#include <stdarg.h>

/* What the walk may touch, and how many nodes it may visit in all: no list
 * in a well-formed state is longer than the memory holds. */
struct bounds {
    uintptr_t lo, hi;
    unsigned long budget;
    char *why;
    size_t size;
};

static int bad(struct bounds *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->why, b->size, fmt, ap);
    va_end(ap);
    return -1;
}

/* P (non-NULL) holds SIZE bytes inside the bounds, aligned. */
static int inside(struct bounds *b, const void *p, size_t size)
{
    uintptr_t a = (uintptr_t)p;
    return a >= b->lo && a % 8 == 0 && a < b->hi && size <= b->hi - a;
}

/* One more node visited, within the budget. */
static int visit(struct bounds *b)
{
    return b->budget-- > 0;
}

/* The table up to its highest index in use: no lookup reads above it
 * (model_ids_at), so what lies there is never used. */
static int check_ids(struct bounds *b, const struct model_ids *ids, const char *kind, size_t object_size)
{
    int count = 0;
    if (ids->max_idx < -1 || ids->max_idx >= MODEL_IPCMNI)
        return bad(b, "the %s table's highest index is %d", kind, ids->max_idx);
    for (int i = 0; i <= ids->max_idx; i++) {
        const struct model_perm *perm = ids->slot[i];
        if (!perm)
            continue;
        if (!inside(b, perm, object_size))
            return bad(b, "%s at index %d lies outside the arena's heap", kind, i);
        if ((perm->id & (MODEL_IPCMNI - 1)) != i)
            return bad(b, "%s at index %d has id %d", kind, i, perm->id);
        count++;
    }
    if (count != ids->in_use)
        return bad(b, "the %s table counts %d in use, %d found", kind, ids->in_use, count);
    return 0;
}

/* BIN's chunks and free blocks inside the bounds, and where it carves. */
static int check_bin(struct bounds *b, const struct model_heap_bin *bin)
{
    if (bin->carve > bin->carve_end || (bin->carve && !inside(b, (const void *)bin->carve, bin->carve_end - bin->carve)))
        return -1;
    for (uintptr_t c = bin->chunks; c; c = *(const uintptr_t *)c)
        if (!visit(b) || !inside(b, (const void *)c, sizeof(uintptr_t)))
            return -1;
    for (int k = 0; k < MODEL_HEAP_BIN_CLASSES; k++)
        for (uintptr_t f = bin->free_list[k]; f; f = ((const uint64_t *)f)[1])
            if (!visit(b) || !inside(b, (const void *)f, 16))
                return -1;
    return 0;
}

static int check_queues(struct bounds *b, const struct model_ns *ns)
{
    for (int i = 0; i <= ns->msg_ids.max_idx; i++) {
        const struct model_msq *q = ns->msg_ids.slot[i];
        if (!q)
            continue;
        size_t n = 0, bytes = 0;
        const struct model_msg *newest = NULL;
        for (const struct model_msg *m = q->messages; m; newest = m, m = m->next, n++) {
            if (!visit(b) || !inside(b, m, sizeof(*m)) || m->size > b->hi - (uintptr_t)m->text)
                return bad(b, "a message of queue %d lies outside the arena's heap", q->perm.id);
            bytes += m->size;
        }
        if (q->last != newest)
            return bad(b, "queue %d's last message is not its newest", q->perm.id);
        if (n != q->qnum || bytes != q->cbytes)
            return bad(b, "queue %d counts %zu messages of %zu bytes, %zu of %zu found", q->perm.id, q->qnum,
                       q->cbytes, n, bytes);
        if (q->bin && (!inside(b, q->bin, sizeof(*q->bin)) || check_bin(b, q->bin) < 0))
            return bad(b, "queue %d's memory (its bin) lies outside the arena's heap", q->perm.id);
        const struct model_msg_waiters *lists[2] = { &q->receivers, &q->senders };
        for (int l = 0; l < 2; l++) {
            const struct model_msg_waiter *last = NULL;
            for (const struct model_msg_waiter *w = lists[l]->first; w; last = w, w = w->qnext) {
                if (!visit(b) || !inside(b, w, sizeof(*w)))
                    return bad(b, "a waiter of queue %d lies outside the arena's heap", q->perm.id);
                if (w->qprev != last)
                    return bad(b, "a waiting list of queue %d does not link back", q->perm.id);
            }
            if (lists[l]->last != last)
                return bad(b, "a waiting list of queue %d does not end where it says", q->perm.id);
        }
    }
    for (unsigned k = 0; k < MODEL_PID_BUCKETS; k++)
        for (const struct model_msg_waiter *w = ns->waiting[k]; w; w = w->next) {
            if (!visit(b) || !inside(b, w, sizeof(*w)) || (w->msg && !inside(b, w->msg, sizeof(*w->msg))))
                return bad(b, "a message waiter lies outside the arena's heap");
            if (model_pid_bucket(w->pid) != k)
                return bad(b, "the message waiter of pid %d is listed under another pid", (int)w->pid);
        }
    return 0;
}

static int check_sem_list(struct bounds *b, const struct model_sem_queue *list, int id)
{
    const struct model_sem_waiter *last = NULL;
    for (const struct model_sem_waiter *w = list->first; w; last = w, w = w->qnext) {
        if (!visit(b) || !inside(b, w, sizeof(*w)))
            return bad(b, "a waiter of set %d lies outside the arena's heap", id);
        if (w->qprev != last)
            return bad(b, "a waiting list of set %d does not link back", id);
    }
    if (list->last != last)
        return bad(b, "a waiting list of set %d does not end where it says", id);
    return 0;
}

static int check_sets(struct bounds *b, const struct model_ns *ns)
{
    for (int i = 0; i <= ns->sem_ids.max_idx; i++) {
        const struct model_sem_array *sma = ns->sem_ids.slot[i];
        if (!sma)
            continue;
        if (sma->nsems < 0 || (size_t)sma->nsems > (b->hi - (uintptr_t)sma->sems) / sizeof(sma->sems[0]))
            return bad(b, "set %d has %d semaphores", sma->perm.id, sma->nsems);
        if (check_sem_list(b, &sma->pending_alter, sma->perm.id) < 0 ||
            check_sem_list(b, &sma->pending_const, sma->perm.id) < 0)
            return -1;
        for (int s = 0; s < sma->nsems; s++)
            if (check_sem_list(b, &sma->sems[s].pending_alter, sma->perm.id) < 0 ||
                check_sem_list(b, &sma->sems[s].pending_const, sma->perm.id) < 0)
                return -1;
    }
    for (unsigned k = 0; k < MODEL_PID_BUCKETS; k++) {
        for (const struct model_sem_waiter *w = ns->sem_waiting[k]; w; w = w->next) {
            if (!visit(b) || !inside(b, w, sizeof(*w)) || w->nsops < 1 ||
                !inside(b, w->sops, sizeof(*w->sops) * (size_t)w->nsops) ||
                (w->undo && !inside(b, w->undo, sizeof(*w->undo))))
                return bad(b, "a semaphore waiter lies outside the arena's heap");
            if (model_pid_bucket(w->pid) != k)
                return bad(b, "the semaphore waiter of pid %d is listed under another pid", (int)w->pid);
        }
        for (const struct model_undo *un = ns->undos[k]; un; un = un->next) {
            if (!visit(b) || !inside(b, un, sizeof(*un)) || un->nsems < 0 ||
                (size_t)un->nsems > (b->hi - (uintptr_t)un->semadj) / sizeof(short))
                return bad(b, "a SEM_UNDO record lies outside the arena's heap");
            if (model_pid_bucket(un->pid) != k)
                return bad(b, "the SEM_UNDO record of pid %d is listed under another pid", (int)un->pid);
        }
    }
    return 0;
}

static int check_attaches(struct bounds *b, const struct model_ns *ns)
{
    for (const struct model_attach *at = ns->attaches; at; at = at->next) {
        if (!visit(b) || !inside(b, at, sizeof(*at)) || !inside(b, at->shm, sizeof(*at->shm)))
            return bad(b, "an attachment lies outside the arena's heap");
        if (!at->size || at->size % 4096 || at->pgoff > at->shm->map_size / 4096 ||
            at->size > at->shm->map_size - at->pgoff * 4096)
            return bad(b, "an attachment's piece lies outside its segment");
    }
    return 0;
}

int model_ns_check(const struct model_ns *ns, uintptr_t lo, uintptr_t hi, char *why, size_t size)
{
    struct bounds b = { lo, hi, (hi - lo) / 16, why, size };
    if (check_ids(&b, &ns->msg_ids, "a queue", sizeof(struct model_msq)) < 0 ||
        check_ids(&b, &ns->sem_ids, "a set", sizeof(struct model_sem_array)) < 0 ||
        check_ids(&b, &ns->shm_ids, "a segment", sizeof(struct model_shm)) < 0)
        return -1;
    if (check_queues(&b, ns) < 0 || check_sets(&b, ns) < 0 || check_attaches(&b, ns) < 0)
        return -1;
    if (ns->nresolved < 0 || ns->nresolved > MODEL_RESOLVED_MAX)
        return bad(&b, "the list of decided waits counts %d", ns->nresolved);
    return 0;
}
