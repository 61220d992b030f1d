/* trace.c: result JSON, trace comparison, golden files.  See trace.h.
 * Must not: depend on a backend; traces are compared as data. */
#define _GNU_SOURCE
#include "trace.h"

#include "jsonl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *result_json(const struct scenario *s, const char *backend, const struct scenario_result *res)
{
    json_t *r = json_pack("{s:s, s:s, s:i, s:s, s:s, s:f}", "name", s->name, "file", s->file,
                          "line", s->line, "backend", backend,
                          "status", scenario_status_name(res->status), "ms", res->ms);
    json_object_set_new(r, "timing", json_pack("{s:f, s:f, s:f}", "setup_ms", res->setup_ms,
                                               "steps_ms", res->steps_ms, "teardown_ms", res->teardown_ms));
    if (res->status != SC_PASS)
        json_object_set_new(r, "reason", json_string(res->reason));
    if (res->step >= 0) {
        json_object_set_new(r, "step", json_integer(res->step + 1));
        json_object_set_new(r, "step_line", json_integer(s->steps[res->step].line));
    }
    json_object_set(r, "trace", res->trace ? res->trace : json_array());
    /* its expectations are written for the architecture that runs it
     * (ipc(2)): the golden traces, recorded on x86_64, do not apply */
    if (s->needs_ipc_multiplexer)
        json_object_set_new(r, "golden", json_false());
    return r;
}

static const char *const compared_keys[] = { "proc", "op", "status", "ret", "fields" };

static void describe(json_t *entry, char *buf, size_t size)
{
    char *text = entry ? json_dumps(entry, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    snprintf(buf, size, "%s", text ? text : "(none)");
    free(text);
}

static const char *text_of(json_t *v, char *buf, size_t size)
{
    if (!v)
        return "(absent)";
    if (json_is_string(v))
        return json_string_value(v);
    char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(buf, size, "%s", t ? t : "?");
    free(t);
    return buf;
}

/* "ret: 5 against ENOMSG; msg_qnum: 7 against 1": what differs between two
 * comparable entries, key by key and field by field. */
static void describe_difference(json_t *a, json_t *b, char *buf, size_t size)
{
    size_t used = 0;
    char x[256], y[256];
    buf[0] = '\0';
#define APPEND(...) do { int w_ = snprintf(buf + used, size - used, __VA_ARGS__); \
                         if (w_ > 0) used = used + (size_t)w_ < size ? used + (size_t)w_ : size - 1; } while (0)
    /* every key but "fields", the last, which is compared field by field below */
    for (size_t k = 0; k < sizeof(compared_keys) / sizeof(compared_keys[0]) - 1; k++) {
        json_t *va = json_object_get(a, compared_keys[k]), *vb = json_object_get(b, compared_keys[k]);
        if (!json_equal(va, vb) && (va || vb))
            APPEND("%s%s: %s against %s", used ? "; " : "", compared_keys[k],
                   text_of(va, x, sizeof(x)), text_of(vb, y, sizeof(y)));
    }
    json_t *fa = json_object_get(a, "fields"), *fb = json_object_get(b, "fields");
    const char *key;
    json_t *va;
    json_object_foreach(fa, key, va) {
        json_t *vb = json_object_get(fb, key);
        if (!json_equal(va, vb))
            APPEND("%s%s: %s against %s", used ? "; " : "", key, text_of(va, x, sizeof(x)),
                   text_of(vb, y, sizeof(y)));
    }
    json_object_foreach(fb, key, va)
        if (!json_object_get(fa, key))
            APPEND("%s%s: (absent) against %s", used ? "; " : "", key, text_of(va, y, sizeof(y)));
#undef APPEND
}

json_t *trace_canonical(json_t *trace)
{
    json_t *out = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(trace, i, e) {
        json_t *c = json_object();
        for (size_t k = 0; k < sizeof(compared_keys) / sizeof(compared_keys[0]); k++) {
            json_t *v = json_object_get(e, compared_keys[k]);
            if (v)
                json_object_set(c, compared_keys[k], v);
        }
        json_object_set(c, "step", json_object_get(e, "step"));
        json_array_append_new(out, c);
    }
    return out;
}

static json_t *comparable(json_t *entry)
{
    json_t *c = json_object();
    for (size_t k = 0; k < sizeof(compared_keys) / sizeof(compared_keys[0]); k++) {
        json_t *v = json_object_get(entry, compared_keys[k]);
        if (v)
            json_object_set(c, compared_keys[k], v);
    }
    return c;
}

static int entry_is(json_t *e, const char *key, const char *value)
{
    const char *v = json_string_value(json_object_get(e, key));
    return v && strcmp(v, value) == 0;
}

/* Whether entry I of TRACE is a wake the clock caused, not a step: a
 * semtimedop that blocked and failed with EAGAIN timed out (semop(2)).
 * When it is seen depends on the implementation's speed (during the step
 * that followed, or the resumes step that awaited it), so comparisons
 * skip it; the resumes step that awaits it carries its outcome. */
static int woken_by_the_clock(json_t *trace, size_t i)
{
    json_t *e = json_array_get(trace, i);
    if (!entry_is(e, "op", "woke") || !entry_is(e, "ret", "EAGAIN"))
        return 0;
    const char *proc = json_string_value(json_object_get(e, "proc"));
    while (proc && i-- > 0) {
        json_t *before = json_array_get(trace, i);
        if (entry_is(before, "proc", proc) && entry_is(before, "status", "blocked"))
            return entry_is(before, "op", "semtimedop");
    }
    return 0;
}

int trace_compare(json_t *a, json_t *b, size_t *at, char *why, size_t size)
{
    size_t na = json_array_size(a), nb = json_array_size(b);
    size_t i = 0, k = 0;                       /* entries of A and of B */
    for (;;) {
        while (i < na && woken_by_the_clock(a, i))
            i++;
        while (k < nb && woken_by_the_clock(b, k))
            k++;
        if (i >= na && k >= nb)
            return 0;
        json_t *ea = json_array_get(a, i), *eb = json_array_get(b, k);
        json_t *ca = ea ? comparable(ea) : NULL, *cb = eb ? comparable(eb) : NULL;
        int same = ca && cb && json_equal(ca, cb);
        if (!same) {
            char what[1400];
            json_t *where = eb ? eb : ea;     /* B is a run's: it has lines */
            if (ca && cb)
                describe_difference(ca, cb, what, sizeof(what));
            else {
                char d[700];
                describe(ca ? ca : cb, d, sizeof(d));
                snprintf(what, sizeof(what), "only %s has it: %s", ca ? "one" : "the other", d);
            }
            snprintf(why, size, "entry %zu (step %lld, line %lld, %s %s): %s", (eb ? k : i) + 1,
                     (long long)json_integer_value(json_object_get(where, "step")) + 1,
                     (long long)json_integer_value(json_object_get(where, "line")),
                     json_string_value(json_object_get(where, "proc")) ? json_string_value(json_object_get(where, "proc")) : "-",
                     json_string_value(json_object_get(where, "op")), what);
        }
        json_decref(ca);
        json_decref(cb);
        if (!same) {
            *at = eb ? k : i;
            return -1;
        }
        i++;
        k++;
    }
}

json_t *golden_read(FILE *f, const char *label, char *why, size_t size)
{
    json_t *all = json_object();
    if (!all) {
        snprintf(why, size, "%s: out of memory", label);
        return NULL;
    }
    struct jsonl_reader r;
    jsonl_open(&r, f, label);
    const char *bad = NULL;
    for (;;) {
        json_t *v;
        char line_why[1024];
        enum jsonl_status st = jsonl_next(&r, &v, line_why, sizeof(line_why));
        if (st == JSONL_END)
            break;
        if (st == JSONL_ERROR || st == JSONL_CUT) {
            snprintf(why, size, "%s%s", line_why,
                     st == JSONL_CUT ? ": an interrupted recording? record it again" : "");
            bad = "";
            break;
        }
        const char *kind = json_string_value(json_object_get(v, "kind"));
        const char *name = json_string_value(json_object_get(v, "name"));
        json_t *trace = json_object_get(v, "trace");
        if (kind && (strcmp(kind, "run") == 0 || strcmp(kind, "bench") == 0)) {
            /* a result file's end record, or a benchmark: no trace to compare */
        } else if (!name || !json_is_array(trace)) {
            bad = "a result needs \"name\" and a \"trace\" array";
        } else if (json_object_set(all, name, trace) < 0) {
            bad = "out of memory";
        }
        json_decref(v);
        if (bad) {
            if (*bad)
                snprintf(why, size, "%s:%d: %s", label, r.line, bad);
            break;
        }
    }
    jsonl_close(&r);
    if (!bad && json_object_size(all) == 0) {
        snprintf(why, size, "%s: no recorded trace (an empty golden file)", label);
        bad = "";
    }
    if (bad) {
        json_decref(all);
        return NULL;
    }
    return all;
}

json_t *golden_load(const char *path, char *why, size_t size)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    json_t *all = golden_read(f, path, why, size);
    fclose(f);
    return all;
}
