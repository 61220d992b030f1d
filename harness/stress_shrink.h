/* stress_shrink.h: a violation found by `svipc stress`, made a scenario of
 * the catalog's format (suites/README.md) and made small: one object's
 * history replayed in invocation order, one step at a time, with the
 * outcomes the model gives as expectations; then fewer operations and
 * processes (a shortest failing prefix, each process's calls at once, one
 * call at a time) and smaller values (short texts, initial values made
 * 0), as long as the deterministic engine still fails on the backend and
 * passes on the model.
 * Must not: decide linearizability (stress_check.h), or accept a scenario
 * the engine has not run: every candidate is run by `svipc run`. */
#ifndef SVIPC_STRESS_SHRINK_H
#define SVIPC_STRESS_SHRINK_H

#include "stress_history.h"

#include <stddef.h>

struct stress_shrink_request {
    const struct stress_history *h;
    int obj;                           /* the violating object */
    const char *backend;               /* where it fails: "ref" or "kernel" */
    const char *target;                /* and on which target (svipc run --target), or NULL: here */
    const char *name;                  /* the scenario's name */
    const char *doc;                   /* its doc line (how it was found) */
    double seconds;                    /* time for the search (0: 60) */
};

struct stress_shrink_result {
    int steps;                         /* of the scenario written */
    int tests;                         /* `svipc run`s made */
    int reproduced;                    /* 1: the engine fails on the backend */
    char why[256];                     /* when not */
};

/* Shrink REQ into a scenario written to PATH: 0 (RES filled; reproduced
 * or not), or -1 with RES->why (it could not be tried at all). */
int stress_shrink(const struct stress_shrink_request *req, const char *path, struct stress_shrink_result *res);

#endif
