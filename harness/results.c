/* results.c: reading result files; see results.h.
 * Must not: trust a line's fields without checking their types, or read a
 * record after the end of a run as part of it. */
#define _GNU_SOURCE
#include "results.h"

#include "jsonl.h"

#include <errno.h>
#include <string.h>

static const char *const statuses[] = { "pass", "fail", "timeout", "skip", "error" };

static int known_status(const char *s)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(statuses[i], s) == 0)
            return 1;
    return 0;
}

/* Why V is not a result object, or NULL. */
static const char *not_a_result(json_t *v)
{
    if (!json_is_object(v))
        return "a result is a JSON object";
    if (!json_is_string(json_object_get(v, "name")))
        return "a result needs a string \"name\"";
    if (!json_is_string(json_object_get(v, "backend")))
        return "a result needs a string \"backend\"";
    json_t *status = json_object_get(v, "status");
    if (!json_is_string(status))
        return "a result needs a string \"status\"";
    if (!known_status(json_string_value(status)))
        return "unknown status (expected pass, fail, timeout, skip or error)";
    json_t *trace = json_object_get(v, "trace");
    if (trace && !json_is_array(trace))
        return "\"trace\" must be a list";
    return NULL;
}

int results_read(FILE *f, const char *label, struct results_file *out, char *why, size_t size)
{
    memset(out, 0, sizeof(*out));
    out->results = json_array();
    if (!out->results) {
        snprintf(why, size, "%s: out of memory", label);
        return -1;
    }
    struct jsonl_reader r;
    jsonl_open(&r, f, label);
    int ended = 0, rc = 0;
    for (;;) {
        json_t *v;
        char line_why[1024];
        enum jsonl_status st = jsonl_next(&r, &v, line_why, sizeof(line_why));
        if (st == JSONL_END)
            break;
        if (st == JSONL_ERROR) {
            snprintf(why, size, "%s", line_why);
            rc = -1;
            break;
        }
        if (st == JSONL_CUT) {
            snprintf(out->incomplete, sizeof(out->incomplete), "incomplete run: %s", line_why);
            ended = 0;
            break;
        }
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const char *bad = NULL;
        if (ended) {
            bad = "a record after the end of the run";
        } else if (kind && strcmp(kind, "run") == 0) {
            json_t *n = json_object_get(v, "results");
            if (!json_is_true(json_object_get(v, "complete")) || !json_is_integer(n))
                bad = "an end record needs \"complete\": true and a number of \"results\"";
            else if (json_integer_value(n) != (json_int_t)json_array_size(out->results))
                bad = "the end record counts another number of results than the file holds";
            ended = 1;
        } else if (kind && strcmp(kind, "bench") == 0) {
            /* benchmarks may share a file with results; they are not results */
        } else if (kind) {
            bad = "unknown \"kind\" (run, bench, or none for a result)";
        } else if (!(bad = not_a_result(v))) {
            json_array_append(out->results, v);
        }
        json_decref(v);
        if (bad) {
            snprintf(why, size, "%s:%d: %s", label, r.line, bad);
            rc = -1;
            break;
        }
    }
    jsonl_close(&r);
    if (rc < 0) {
        results_free(out);
        return -1;
    }
    out->complete = ended;
    if (!ended && !out->incomplete[0])
        snprintf(out->incomplete, sizeof(out->incomplete),
                 "incomplete run: %s has no end record (the run was stopped before its end)", label);
    return 0;
}

int results_load(const char *path, struct results_file *out, char *why, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = results_read(f, path, out, why, size);
    fclose(f);
    return rc;
}

void results_free(struct results_file *r)
{
    json_decref(r->results);
    r->results = NULL;
}

json_t *results_end_record(int results, int passed, int failed, int skipped, const char *target, double seconds)
{
    return json_pack("{s:s, s:b, s:i, s:i, s:i, s:i, s:s, s:f}", "kind", "run", "complete", 1, "results", results,
                     "passed", passed, "failed", failed, "skipped", skipped, "target", target,
                     "seconds", (double)(long long)(seconds * 10 + 0.5) / 10);
}

json_t *results_tally(const struct results_file *r)
{
    json_t *tally = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(r->results, i, v) {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *status = json_string_value(json_object_get(v, "status"));
        json_t *entry = json_object_get(tally, name);
        if (!entry) {
            entry = json_pack("{s:i, s:i}", "passed", 0, "failed", 0);
            json_object_set_new(tally, name, entry);
        }
        const char *which = strcmp(status, "pass") == 0 ? "passed" : strcmp(status, "skip") == 0 ? NULL : "failed";
        if (which)
            json_object_set_new(entry, which, json_integer(json_integer_value(json_object_get(entry, which)) + 1));
    }
    return tally;
}
