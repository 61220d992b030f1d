/* coverage.h: the coverage map (suites/coverage.map) checked against the
 * catalog and the results of a run.
 *
 * The map lists every documented item (an ERRORS entry, a flag, a command,
 * a call) of the System V IPC manual pages, and every option of the pages
 * of util-linux's ipcmk, ipcrm, ipcs and lsipc, and, next to it, name globs
 * of the scenarios that exercise it, or "untestable: REASON".  An item
 * counts as covered when each glob names at least one scenario, every
 * scenario named ran and none failed, and at least one of them has a step
 * of the page's calls (or program) that asserts the item (expects that
 * errno, or writes that flag, command or option in a step whose outcome is
 * checked).
 * Must not: run scenarios (it reads a run's results) or accept a map line it
 * cannot read (the error names the file, line and reason). */
#ifndef SVIPC_COVERAGE_H
#define SVIPC_COVERAGE_H

#include "scenario.h"

#include <stdio.h>

/* Check MAP_PATH against CAT and the JSON Lines results RESULTS_PATH (from
 * svipc run --json, or .svipc/last-run.jsonl).  Prints every gap and the
 * share covered to OUT.  Returns 0 when every item is covered or explained,
 * 1 when some are not or the results are of an incomplete run, 2 when the
 * map or the results cannot be read. */
int coverage_check(const struct catalog *cat, const char *map_path, const char *results_path,
                   int verbose, FILE *out);

#endif
