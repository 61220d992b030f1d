/* stress_summary.c: `svipc stress --json FILE` (stress_summary.h).  The
 * latencies are the history's own instants (response less invocation,
 * CLOCK_MONOTONIC) of the calls that returned, per operation; the file is
 * written whole to a temporary name and renamed, so a reader never sees
 * half of it.
 * Must not: run workers, check histories or print to the terminal. */
#define _GNU_SOURCE
#include "stress_summary.h"

#include "jsonl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_us(const uint64_t *sorted, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)sorted[i] / 1e3;
}

/* "op": {"calls":, "returned":, "failed":, "eintr":, "p50_us":, ...} for OP. */
static int write_latency(FILE *f, const struct stress_history *h, int op, int *first)
{
    size_t n = 0, calls = 0, failed = 0, eintr = 0;
    for (size_t i = 0; i < h->nevents; i++)
        calls += h->events[i].op == op;
    if (!calls)
        return 0;
    uint64_t *d = malloc(calls * sizeof(*d));
    if (!d)
        return -1;
    for (size_t i = 0; i < h->nevents; i++) {
        const struct stress_event *ev = &h->events[i];
        if (ev->op != op || !ev->t_return)
            continue;
        d[n++] = ev->t_return - ev->t_call;
        failed += ev->ret < 0;
        eintr += ev->ret < 0 && ev->err == EINTR;
    }
    qsort(d, n, sizeof(*d), by_value);
    fprintf(f, "%s\"%s\":{\"calls\":%zu,\"returned\":%zu,\"failed\":%zu,\"eintr\":%zu,\"p50_us\":%.2f,"
            "\"p90_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f}", *first ? "" : ",", stress_op_name(op), calls, n,
            failed, eintr, percentile_us(d, n, 0.50), percentile_us(d, n, 0.90), percentile_us(d, n, 0.99),
            n ? (double)d[n - 1] / 1e3 : 0.0);
    *first = 0;
    free(d);
    return 0;
}

static int write_all(FILE *f, const struct stress_summary *s)
{
    fputs("{\"kind\":\"stress\"", f);
    fprintf(f, ",\"ran\":%s", s->ran ? "true" : "false");
    if (s->ran) {
        const struct stress_run *r = &s->run;
        stress_run_json(f, r);
        fprintf(f, ",\"ops_per_s\":%.0f,\"ops_per_s_per_proc\":%.0f,\"recorded\":%s",
                r->seconds > 0 ? (double)r->operations / r->seconds : 0.0,
                r->seconds > 0 && r->procs ? (double)r->operations / r->seconds / r->procs : 0.0,
                s->recorded ? "true" : "false");
    }
    if (s->history_file) {
        fputs(",\"history\":", f);
        jsonl_write_string(f, s->history_file);
    }
    if (s->h) {
        fprintf(f, ",\"events\":%zu,\"latency\":{", s->h->nevents);
        int first = 1;
        for (int op = STRESS_MSGSND; op <= STRESS_OP_LAST; op++)
            if (op != STRESS_DEATH && write_latency(f, s->h, op, &first) < 0)
                return -1;
        fputc('}', f);
    }
    if (s->shrunk_object >= 0 && s->shrunk_file) {
        fprintf(f, ",\"shrunk\":{\"object\":%d,\"reproduced\":%s", s->shrunk_object,
                s->shrunk_reproduced ? "true" : "false");
        if (s->shrunk_reproduced) {
            fprintf(f, ",\"steps\":%d,\"scenario\":", s->shrunk_steps);
            jsonl_write_string(f, s->shrunk_file);
        } else {
            fputs(",\"why\":", f);
            jsonl_write_string(f, s->shrunk_why);
        }
        fputc('}', f);
    }
    if (s->res) {
        const struct stress_check_result *r = s->res;
        fprintf(f, ",\"check\":{\"objects\":%d,\"linearizable\":%d,\"violations\":%d,\"undecided\":%d,"
                "\"steps\":%lu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"problems\":[",
                r->nobjects, r->linearizable, r->violations, r->undecided, r->steps, s->check_seconds,
                s->check_seconds > 0 && s->h ? (double)s->h->nevents / s->check_seconds : 0.0);
        int first = 1;
        for (int i = 0; i < r->nobjects; i++) {
            const struct stress_object_verdict *v = &r->objects[i];
            if (v->verdict == STRESS_LINEARIZABLE)
                continue;
            fprintf(f, "%s{\"object\":%d,\"verdict\":\"%s\",\"events\":%zu,\"pending\":%zu,\"why\":", first ? "" : ",",
                    i, v->verdict == STRESS_VIOLATION ? "violation" : "undecided", v->nevents, v->npending);
            jsonl_write_string(f, v->why);
            if (v->stuck_event >= 0 && s->h) {
                fputs(",\"dead_end_state\":", f);
                jsonl_write_string(f, v->stuck_state);
                fputs(",\"dead_end_call\":", f);
                stress_event_json(f, s->h, &s->h->events[v->stuck_event],
                                  stress_history_t0(s->h));
            }
            fputc('}', f);
            first = 0;
        }
        fputs("]}", f);
    }
    fputs(",\"result\":", f);
    jsonl_write_string(f, s->result);
    fprintf(f, ",\"status\":%d}\n", s->status);
    return 0;
}

int stress_summary_write(const char *path, const struct stress_summary *s, char *why, size_t size)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
        snprintf(why, size, "%s: name too long", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(why, size, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_all(f, s);
    int saved = errno;
    if (fclose(f) != 0 || rc < 0) {
        snprintf(why, size, "%s: cannot write: %s", path, strerror(rc < 0 ? saved : errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
