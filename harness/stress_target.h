/* stress_target.h: `svipc stress --target T`: the workers run on a target
 * (gVisor, qemu-user, any wrapper: target.h), the history comes back here
 * and the native checker decides it.  The recording half is svipc itself
 * under the target's command, as `svipc stress --no-check --history -`:
 * its messages on standard error (passed through), its history on
 * standard output (a pipe, copied to an unnamed file within a deadline).
 * Must not: check a history or print a verdict (stress.c does). */
#ifndef SVIPC_STRESS_TARGET_H
#define SVIPC_STRESS_TARGET_H

#include "stress_history.h"

#include <stddef.h>

/* The command that runs this program (EXE) on target SPEC, NULL-terminated
 * words kept in STORAGE: 0; 1 when the target cannot run stress here (not
 * installed, or not supported), with WHY; -1 for an unknown target. */
int stress_target_command(const char *spec, const char *exe, char **words, int max_words, char *storage,
                          size_t storage_size, char *why, size_t size);

/* Run ARGV (a command from stress_target_command followed by svipc's
 * stress arguments) and read the history it writes on its standard output
 * into H (labelled LABEL), within DEADLINE_S seconds: 0, or -1 with WHY
 * (it could not start, wrote no whole history, or overran its deadline:
 * killed).  *STATUS: its exit status (-1: killed or not started). */
int stress_target_record(char *const *argv, const char *label, double deadline_s, struct stress_history *h,
                         int *status, char *why, size_t size);

#endif
