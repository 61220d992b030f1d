/* ref_runtime.h: what the runtime's files share among themselves (not an
 * interface for users: ref.h is).  The keeper calls back into the runtime
 * to apply an exit; the runtime asks the keeper to watch a process.
 * Must not: be included outside impl/ref_*.c. */
#ifndef SVIPC_REF_RUNTIME_H
#define SVIPC_REF_RUNTIME_H

#include "ref_arena.h"

#include <stdint.h>
#include <sys/types.h>

/* The start time of process PID (field 22 of /proc/PID/stat; PID 0: this
 * process), 0 if it is gone. */
uint64_t ref_start_time(pid_t pid);

/* Apply the exit of PID if its slot still holds that process (START), wake
 * whom it unblocks; idempotent.  Takes the lock.  RELEASE 0 leaves the
 * memory of segments the exit destroyed to be given back later: by the
 * next operation of any process, or by ref_release_dead.  Whether memory
 * is left so (or entries of the releasing table to sweep). */
int ref_apply_exit(struct ref_arena *a, pid_t pid, uint64_t start, int release);
/* Give back the memory of destroyed segments (takes the lock). */
void ref_release_dead(struct ref_arena *a);

/* Have the arena's keeper watch PID (starting the keeper if there is none),
 * waiting for its answer; 0, or -1 when no keeper could be reached. */
int ref_keeper_watch(struct ref_arena *a, pid_t pid, uint64_t start);
/* Tell the keeper to watch PID without waiting for its answer (PID 0: to
 * look over the process table, where a process left keeper_scan); 0 once
 * the request is in the keeper's socket, -1 when there is no keeper to
 * take it (then ref_keeper_watch).  A teller the keeper does not watch yet
 * (a process telling of itself) holds the keeper (ref_keeper_hold) from
 * before it tells until its slot is made, so the keeper does not leave in
 * between with the request unread. */
int ref_keeper_tell(struct ref_arena *a, pid_t pid, uint64_t start);
void ref_keeper_hold(struct ref_arena *a, int hold);

/* The C library's fork, even when the preload library exports its own. */
pid_t ref_real_fork(void);

#endif
