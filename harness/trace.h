/* trace.h: results and canonical traces as JSON (jansson), and their
 * comparison: two traces agree when every entry's normalised content
 * (process, operation, status, return value, fields) is the same.
 * Must not: run scenarios or print. */
#ifndef SVIPC_TRACE_H
#define SVIPC_TRACE_H

#include "result.h"
#include "scenario.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* One result line: scenario, backend, status, reason, timing, trace. */
json_t *result_json(const struct scenario *s, const char *backend, const struct scenario_result *res);

/* 0 when traces A and B agree; else -1, *AT the index of the first entry
 * that differs (B's, when B has it) and WHY a description of it.  A wake
 * the clock caused (a semtimedop's timeout) is not compared: when it is
 * seen depends on the implementation's speed. */
int trace_compare(json_t *a, json_t *b, size_t *at, char *why, size_t size);

/* TRACE as a golden file keeps it: each entry's step and what the
 * comparison reads (process, operation, status, return value, fields),
 * nothing that differs from run to run (latencies, raw values, details). */
json_t *trace_canonical(json_t *trace);

/* Load recorded traces (JSON Lines: a golden file, or a result file) into
 * an object: name -> trace.  NULL and WHY (file:line: reason) on a file
 * that holds no trace, is malformed, or whose last line is cut short. */
json_t *golden_load(const char *path, char *why, size_t size);
/* golden_load of the open file F, named LABEL in messages. */
json_t *golden_read(FILE *f, const char *label, char *why, size_t size);

#endif
