/* wait_hint.c: the queries of wait_hint.h, on the queues sem.c keeps in
 * Linux's order.  Must not: change the model, or be needed for any
 * outcome (a wrong answer costs time, never correctness). */
#include "wait_hint.h"

int model_wait_first_in_line(const struct model_ns *ns, pid_t pid)
{
    const struct model_sem_waiter *q = model_sem_waiter_of(ns, pid);
    if (q)
        return !q->done && !q->qprev;
    return model_msg_waiter_of(ns, pid) != NULL;
}

pid_t model_sem_first_in_line(const struct model_ns *ns, pid_t pid)
{
    const struct model_sem_waiter *q = model_sem_waiter_of(ns, pid);
    if (!q || !q->list_alter)
        return 0;
    /* the set of the queue (removed: its waiters were all completed) */
    const struct model_sem_array *sma = model_ids_find(&ns->sem_ids, q->semid);
    if (!sma)
        return 0;
    const struct model_sem_queue *list = q->list_sem < 0 ? &sma->pending_alter : &sma->sems[q->list_sem].pending_alter;
    return list->first ? list->first->pid : 0;
}
