/* stress_check.h: whether a stress history is linearizable with respect to
 * the sequential model (impl/model.h): per object (each queue and each set
 * is independent, so a history is linearizable when each object's
 * sub-history is: P-compositionality), by Wing and Gong's search with
 * Lowe's memoisation of (operations linearized, model state), within a
 * bound.  A search that reaches its bound is undecided, never a pass.
 *
 * What each outcome means: a completed call takes effect at one instant
 * between its invocation and its response, where the model, given the
 * same call, returns the same result and data; a call that ended with
 * EINTR took no effect, at an instant where the model would have made it
 * wait (and so did a semtimedop's EAGAIN: its timeout); EIDRM, at an instant where the object is gone; a call that never
 * returned (pending) took effect at some instant after its invocation
 * and before its process's death, or never; a death applied the process's
 * SEM_UNDO adjustments to every set at one instant between its kill and
 * its observation, and its process acts no more.
 * Must not: read the model's internals (only model_apply), or print
 * anything but what stress_check_print writes. */
#ifndef SVIPC_STRESS_CHECK_H
#define SVIPC_STRESS_CHECK_H

#include "stress_history.h"

#include <stddef.h>
#include <stdio.h>

enum stress_verdict { STRESS_LINEARIZABLE, STRESS_VIOLATION, STRESS_UNDECIDED };

#define STRESS_STEPS_PER_CALL 200UL
#define STRESS_STEPS_MIN      5000000UL

struct stress_check_limits {
    unsigned long max_steps;       /* search steps per object; 0: STRESS_STEPS_PER_CALL per call,
                                    * at least STRESS_STEPS_MIN */
    size_t max_bytes;              /* memo and states per object */
    int jobs;                      /* objects checked at once, each by a process of
                                    * its own (<= STRESS_CHECK_JOBS_MAX); 0 or 1: one, here */
};

#define STRESS_CHECK_JOBS_MAX 64

struct stress_object_verdict {
    enum stress_verdict verdict;
    size_t nevents, npending;
    unsigned long steps;
    size_t memo;                   /* configurations remembered */
    char why[160];                 /* undecided: which bound; violation: where the search stopped */
    /* a violation: at the deepest point the search reached, the call whose
     * response came before it could be placed (an index into the
     * history's events), and the object's state there */
    long stuck_event;
    char stuck_state[256];
};

struct stress_check_result {
    int nobjects;
    struct stress_object_verdict *objects;
    int linearizable, violations, undecided;
    int smallest_violation;        /* the violating object with the fewest events, or -1 */
    unsigned long steps;           /* over every object */
};

/* One operation OP of the model in NS by process PID with root's
 * credentials (every checker's and shrinker's call is made so): the
 * model's return, as model_apply's. */
struct model_ns;
long stress_model_call(struct model_ns *ns, uint32_t op, pid_t pid, int64_t a0, int64_t a1, int64_t a2, int64_t a3,
                       int64_t a4, const void *in, void *out);

/* A limit (enum stress_limit) of the model in NS: its value now (-1: it
 * cannot be read); the value its sysctl takes to make it VALUE, sem's
 * other fields as they are ("16", or "32000 1024000000 2 32000"), into
 * OUT (NULL: it cannot be read); and set to VALUE (0, or -1). */
long stress_model_limit(struct model_ns *ns, int limit);
const char *stress_model_limit_text(struct model_ns *ns, int limit, long value, char *out, size_t size);
int stress_model_set_limit(struct model_ns *ns, int limit, long value);

/* Check H object by object: 0 (OUT filled), or -1 (out of memory). */
int stress_check(const struct stress_history *h, const struct stress_check_limits *lim,
                 struct stress_check_result *out);
void stress_check_result_free(struct stress_check_result *r);

/* The overall verdict: a violation anywhere, else undecided anywhere, else
 * linearizable. */
enum stress_verdict stress_check_verdict(const struct stress_check_result *r);

/* Object OBJ's sub-history, one event a line, for a report. */
void stress_check_print_object(FILE *f, const struct stress_history *h, int obj);

#endif
