/* args.h: a step's arguments resolved to the values a call receives, in
 * the layout outcome_decode expects (msgctl's cmd in a[1], semctl's in
 * a[2], IPC_SET fields as a mask and values ...).  Shared by the engine,
 * which sends them to a puppet, and the model executor.
 * Must not: build data buffers or talk to anything. */
#ifndef SVIPC_ARGS_H
#define SVIPC_ARGS_H

#include "scenario.h"
#include "wire.h"

#include <stdint.h>
#include <sys/types.h>

#define STEP_ARGS 8
_Static_assert(STEP_ARGS == WIRE_ARGS, "a request carries every resolved argument");

struct ipc_perm;

/* Fill A from STEP with the scenario's variables and address base;
 * TARGET_PID is the pid (as the scenario's processes see it) of the
 * process a kill or wait names. */
void step_resolve_args(const struct step *st, const long *vars, uintptr_t base, pid_t target_pid,
                       int64_t a[STEP_ARGS]);

/* IPC_SET: apply the fields a step gives to PERM (and QBYTES, for a
 * queue), over what an IPC_STAT by the same process read, as a program
 * does.  SET is the resolved mask and values (a + 2 for msgctl/shmctl,
 * a + 4 for semctl): bits 1 uid, 2 gid, 4 mode, 8 qbytes. */
void step_apply_set(struct ipc_perm *perm, unsigned long *qbytes, const int64_t *set);

#endif
