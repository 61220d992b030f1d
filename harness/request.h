/* request.h: a step resolved into what its call receives: the values in
 * the slots its row of ops.h names, and the bytes that go with it (a
 * message, sembufs, a path ...).  The engine builds one per step; the
 * puppet executor sends it to a puppet, the model executor performs it in
 * place, and both hand the same request to calls.c for an IPC call.
 * Must not: perform anything, or depend on an executor. */
#ifndef SVIPC_REQUEST_H
#define SVIPC_REQUEST_H

#include "ops.h"
#include "scenario.h"
#include "wire.h"

#include <stdint.h>
#include <sys/types.h>

_Static_assert(STEP_ARGS == WIRE_ARGS, "a request carries every resolved value");

struct request {
    struct wire_request head;          /* op, resolved values, flags (WIRE_NULL_BUFFER) */
    const unsigned char *data;         /* the bytes that go with the call */
    size_t len;
    unsigned char *owned;              /* DATA when built for this request */
};

/* Resolve STEP with the scenario's variables, address base and scratch
 * files (FILES: the path bound to each variable, or NULL); TARGET_PID is
 * the pid (as the scenario's processes see it) of the process a kill or
 * wait names.  0, or -1 and WHY: a value beyond the harness's limits. */
int request_build(struct request *rq, const struct step *st, const long *vars, uintptr_t base,
                  pid_t target_pid, char *const *files, char *why, size_t size);
void request_free(struct request *rq);

#endif
