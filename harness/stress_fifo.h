/* stress_fifo.h: an order the checker may rely on before it searches.
 * Messages of one type leave a queue in the order they entered it, under
 * every msgrcv mode (msgtyp 0, > 0, < 0, MSG_EXCEPT all take the first
 * message of a type they accept: msg.c's find_msg walks the queue in
 * order).  So when the receive of message a returned before the receive of
 * message b (same queue, same type) was invoked, a was received first, so
 * it was sent first: the send of b cannot be linearized while the send of
 * a is not.  A message is known by the tag its text starts with (its
 * sender and number, stress_workload.c); only sends that returned 0 and
 * receives that returned the tag, without MSG_COPY, count, and a tag seen
 * twice counts for nothing.
 * Must not: forbid an order the model allows (every rule here is implied
 * by the history and FIFO within a type), or keep anything per state. */
#ifndef SVIPC_STRESS_FIFO_H
#define SVIPC_STRESS_FIFO_H

#include "stress_history.h"

#include <stdint.h>

struct stress_fifo {
    int n;                             /* the object's events */
    int *group_of;                     /* each event's group (a send with a known receive), or -1 */
    int *rank;                         /* its place in its group, by its receive's return */
    uint64_t *received_call;           /* its receive's invocation and return */
    uint64_t *received_return;
    int ngroups;
    int *group_start, *members;        /* group g: members[group_start[g] .. group_start[g + 1]) */
    int *first_open;                   /* each group's first member not linearized */
    uint8_t *linearized;
};

/* The rules of one object's events EV[0..N) (a queue's; none for others).
 * 0, or -1 out of memory. */
int stress_fifo_build(struct stress_fifo *f, const struct stress_event *const *ev, int n);
void stress_fifo_free(struct stress_fifo *f);

/* May event OP be linearized next, given those linearized so far? */
int stress_fifo_allows(const struct stress_fifo *f, int op);

/* Event OP linearized (ON) or taken back. */
void stress_fifo_mark(struct stress_fifo *f, int op, int on);

#endif
