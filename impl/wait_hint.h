/* wait_hint.h: who is first in line on a semaphore queue, read off the
 * model's queues for the reference runtime's choice of which waiter looks
 * for its outcome before it sleeps (ref_runtime.c).  Read-only queries:
 * nothing here decides an outcome or changes the model's state. */
#ifndef SVIPC_WAIT_HINT_H
#define SVIPC_WAIT_HINT_H

#include "model_ns.h"

/* Whether PID's wait is first in line: a semaphore waiter at the head of
 * its queue (the next the queue's operations may complete); 1 for every
 * other wait (a message queue's waiters are each woken by their own
 * partner), 0 when PID does not wait. */
int model_wait_first_in_line(const struct model_ns *ns, pid_t pid);

/* The first waiter on the queue PID's semaphore operation waits on, or
 * 0: the one the next operation on that semaphore may complete.  Only a
 * queue of operations that change a value has one (the waiters for zero
 * of a semaphore complete together). */
pid_t model_sem_first_in_line(const struct model_ns *ns, pid_t pid);

#endif
