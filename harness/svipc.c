/* svipc.c: the command line.  run, list, show, coverage, help; and the hidden
 * '--puppet' entry an exec step re-enters through.
 * Exit status: 0 every scenario passed (or was skipped with a reason),
 * 1 something failed, 2 the run could not be done (bad option, bad file).
 * Must not: run scenarios itself (pool.c and engine.c do) or hide a skip. */
#define _GNU_SOURCE
#include "backend.h"
#include "coverage.h"
#include "engine.h"
#include "catalog.h"
#include "pool.h"
#include "puppet.h"
#include "results.h"
#include "trace.h"

#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_SUITES "suites"

static void usage(FILE *to)
{
    fputs("usage: svipc run [PATHS...] [options]   run scenarios and compare outcomes\n"
          "       svipc list [PATHS...] [--filter GLOB]\n"
          "       svipc show NAME [PATHS...]       a scenario and its last trace\n"
          "       svipc coverage [PATHS...] [--map FILE] [--results FILE] [-v]\n"
          "                                        the coverage map checked against the catalog\n"
          "                                        and a run's results (default: the last run)\n"
          "       svipc --help\n"
          "\n"
          "PATHS are scenario files or directories (default: " DEFAULT_SUITES ").\n"
          "run options:\n"
          "  --backend LIST              kernel, ref, model (the sequential model, no processes),\n"
          "                              both (= kernel,ref), or a comma list; traces of every\n"
          "                              backend are compared with the first's (default: kernel)\n"
          "  --filter GLOB               only scenarios whose name matches GLOB\n"
          "  --name NAME                 only the scenario called exactly NAME\n"
          "  -j N                        N scenarios in parallel, one namespace each\n"
          "  --json FILE                 write every result, with its trace, as JSON Lines\n"
          "  --record FILE               write the traces of this run (a golden file)\n"
          "  --golden FILE               compare each trace with a recorded one\n"
          "  --step-deadline MS          per-step deadline when a scenario sets none (5000)\n"
          "  --scenario-deadline MS      per-scenario deadline when it sets none (30000)\n"
          "  --no-pin                    do not pin each runner and its scenarios to one CPU\n"
          "  -v                          print every scenario, not only failures\n"
          "The last line is 'N passed, N failed, N skipped'.  Exit status: 0 all passed,\n"
          "1 something failed, 2 the run could not be done.\n",
          to);
}

struct options {
    const char *command;
    char *paths[256];
    int npaths;
    const char *filter;
    const char *exact_name;
    const char *backend;
    int parallel;
    const char *json_path, *record_path, *golden_path;
    long step_ms, scenario_ms;
    int verbose;
    int no_pin;
    const char *show_name;
    const char *map_path, *results_path;
};

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "svipc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(svipc --help lists the options)\n");
    return 2;
}

static int parse_long(const char *text, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->backend = "kernel";
    o->parallel = 1;
    o->step_ms = 5000;
    o->scenario_ms = 30000;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    o->command = argv[1];
    if (strcmp(o->command, "--help") == 0 || strcmp(o->command, "-h") == 0 ||
        strcmp(o->command, "help") == 0) {
        usage(stdout);
        return -1;
    }
    if (strcmp(o->command, "run") && strcmp(o->command, "list") && strcmp(o->command, "show") &&
        strcmp(o->command, "coverage"))
        return bad_usage("unknown command '%s'", o->command);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        long n;
        if (strncmp(a, "-j", 2) == 0 && a[2]) {     /* -j2 */
            if (parse_long(a + 2, &n) < 0 || n > 64)
                return bad_usage("-j takes a number from 1 to 64, not '%s'", a + 2);
            o->parallel = (int)n;
            continue;
        }
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "-v") == 0) {
            o->verbose = 1;
            takes = 0;
        } else if (strcmp(a, "--no-pin") == 0) {
            o->no_pin = 1;
            takes = 0;
        } else if (a[0] != '-') {
            if (strcmp(o->command, "show") == 0 && !o->show_name)
                o->show_name = a;
            else if (o->npaths < 256)
                o->paths[o->npaths++] = argv[i];
            takes = 0;
        } else if (strcmp(a, "--filter") && strcmp(a, "--name") && strcmp(a, "--backend") && strcmp(a, "-j") &&
                   strcmp(a, "--json") && strcmp(a, "--record") && strcmp(a, "--golden") &&
                   strcmp(a, "--step-deadline") && strcmp(a, "--scenario-deadline") && strcmp(a, "--map") &&
                   strcmp(a, "--results")) {
            return bad_usage("unknown option '%s'", a);
        } else if (!next) {
            return bad_usage("option %s needs a value", a);
        } else if (strcmp(a, "--filter") == 0) {
            o->filter = next;
        } else if (strcmp(a, "--map") == 0) {
            o->map_path = next;
        } else if (strcmp(a, "--results") == 0) {
            o->results_path = next;
        } else if (strcmp(a, "--name") == 0) {
            o->exact_name = next;
        } else if (strcmp(a, "--backend") == 0) {
            char list[256];
            snprintf(list, sizeof(list), "%s", next);
            char *save = NULL;
            for (char *b = strtok_r(list, ",", &save); b; b = strtok_r(NULL, ",", &save))
                if (strcmp(b, "kernel") && strcmp(b, "ref") && strcmp(b, "model") && strcmp(b, "both"))
                    return bad_usage("--backend takes kernel, ref, model, both or a comma list, not '%s'", next);
            o->backend = next;
        } else if (strcmp(a, "-j") == 0) {
            if (parse_long(next, &n) < 0 || n > 64)
                return bad_usage("-j takes a number from 1 to 64, not '%s'", next);
            o->parallel = (int)n;
        } else if (strcmp(a, "--json") == 0) {
            o->json_path = next;
        } else if (strcmp(a, "--record") == 0) {
            o->record_path = next;
        } else if (strcmp(a, "--golden") == 0) {
            o->golden_path = next;
        } else if (strcmp(a, "--step-deadline") == 0) {
            if (parse_long(next, &o->step_ms) < 0)
                return bad_usage("--step-deadline takes milliseconds, not '%s'", next);
        } else if (strcmp(a, "--scenario-deadline") == 0) {
            if (parse_long(next, &o->scenario_ms) < 0)
                return bad_usage("--scenario-deadline takes milliseconds, not '%s'", next);
        }
        i += takes;
    }
    if (strcmp(o->command, "show") == 0 && !o->show_name)
        return bad_usage("%s", "show needs a scenario NAME");
    if (o->npaths == 0)
        o->paths[o->npaths++] = DEFAULT_SUITES;
    return 0;
}

static int load(const struct options *o, struct catalog *cat)
{
    struct parse_error err;
    memset(cat, 0, sizeof(*cat));
    if (catalog_load(cat, o->paths, o->npaths, &err) < 0) {
        if (err.line)
            fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.reason);
        else
            fprintf(stderr, "%s: %s\n", err.file, err.reason);
        fprintf(stderr, "svipc: nothing was run\n");
        return 2;
    }
    return 0;
}

/* Whether the options select the scenario called NAME. */
static int selected(const struct options *o, const char *name)
{
    if (o->exact_name && strcmp(o->exact_name, name) != 0)
        return 0;
    return !o->filter || fnmatch(o->filter, name, 0) == 0;
}

static const char *state_dir(void)
{
    const char *d = getenv("SVIPC_STATE_DIR");
    return d && *d ? d : ".svipc";
}

static FILE *open_output(const char *path)
{
    FILE *f = fopen(path, "we");
    if (!f)
        fprintf(stderr, "svipc: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* ---------- run ---------- */

struct run_state {
    const struct options *o;
    const struct catalog *cat;
    struct job *jobs;
    int njobs;
    int per_scenario;              /* backends per scenario */
    json_t **results;
    int printed;                   /* results printed, in job order */
    json_t *golden;
    FILE *json, *record, *last;
    int passed, failed, skipped, timeouts, errors, divergences;
    json_t *skip_reasons;          /* "backend: reason" -> count */
};

/* Mark R as diverging from OTHER_TRACE (of OTHER_LABEL: "golden", "kernel")
 * at entry AT; both traces stay in the result for reports. */
static void set_divergent(json_t *r, const char *reason, const char *other_label,
                          json_t *other_trace, size_t at)
{
    json_object_set_new(r, "status", json_string("fail"));
    json_object_set_new(r, "reason", json_string(reason));
    json_object_set_new(r, "divergence", json_pack("{s:s, s:O, s:I}", "against", other_label,
                                                   "trace", other_trace ? other_trace : json_null(),
                                                   "entry", (json_int_t)at));
}

/* The pool's runners exist: load the golden file now, so that none of
 * them carries it into the forks of every scenario, then open the outputs
 * (only once nothing can stop the run, so an earlier run's are kept). */
static int begin_run(void *ctx)
{
    struct run_state *st = ctx;
    const struct options *o = st->o;
    char why[512];
    if (o->golden_path && !(st->golden = golden_load(o->golden_path, why, sizeof(why)))) {
        fprintf(stderr, "%s\nsvipc: nothing was run\n", why);
        return -1;
    }
    if (o->json_path && !(st->json = open_output(o->json_path)))
        return -1;
    if (o->record_path && !(st->record = open_output(o->record_path)))
        return -1;
    mkdir(state_dir(), 0755);
    char last_path[4096];
    snprintf(last_path, sizeof(last_path), "%s/last-run.jsonl", state_dir());
    st->last = fopen(last_path, "we");
    return 0;
}

/* Cross-checks that need more than one result: golden traces and, with
 * two backends, their agreement.  Applied when a scenario's jobs are in. */
static void cross_check(struct run_state *st, int first_job)
{
    for (int k = 0; k < st->per_scenario; k++) {
        json_t *r = st->results[first_job + k];
        const char *status = json_string_value(json_object_get(r, "status"));
        if (!st->golden || strcmp(status, "pass") != 0)
            continue;
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *want = json_object_get(st->golden, name);
        char why[2048], reason[2200];
        size_t at = 0;
        if (!want) {
            set_divergent(r, "no recorded trace for this scenario in the golden file", "golden", NULL, 0);
            st->divergences++;
        } else if (trace_compare(want, json_object_get(r, "trace"), &at, why, sizeof(why)) < 0) {
            snprintf(reason, sizeof(reason), "differs from the golden trace (one: golden, other: this run): %s", why);
            set_divergent(r, reason, "golden", want, at);
            st->divergences++;
        }
    }
    /* every other backend against the first */
    json_t *a = st->results[first_job];
    const char *first = json_string_value(json_object_get(a, "backend"));
    for (int k = 1; k < st->per_scenario; k++) {
        json_t *b = st->results[first_job + k];
        const char *sa = json_string_value(json_object_get(a, "status"));
        const char *sb = json_string_value(json_object_get(b, "status"));
        char why[2048], reason[2200];
        size_t at = 0;
        /* a run that failed on its own keeps its own reason */
        if (strcmp(sa, "pass") == 0 && strcmp(sb, "pass") == 0 &&
            trace_compare(json_object_get(a, "trace"), json_object_get(b, "trace"), &at, why, sizeof(why)) < 0) {
            snprintf(reason, sizeof(reason), "diverges from the %s (one: %s, other: %s): %s", first, first,
                     json_string_value(json_object_get(b, "backend")), why);
            set_divergent(b, reason, first, json_object_get(a, "trace"), at);
            st->divergences++;
        }
    }
}

static void print_result(struct run_state *st, json_t *r)
{
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *backend = json_string_value(json_object_get(r, "backend"));
    const char *reason = json_string_value(json_object_get(r, "reason"));
    const char *file = json_string_value(json_object_get(r, "file"));
    long line = (long)json_integer_value(json_object_get(r, "line"));
    double ms = json_real_value(json_object_get(r, "ms"));
    if (strcmp(status, "pass") == 0) {
        st->passed++;
        if (st->o->verbose)
            printf("PASS %s [%s] %.1f ms\n", name, backend, ms);
    } else if (strcmp(status, "skip") == 0) {
        st->skipped++;
        char key[2300];
        snprintf(key, sizeof(key), "[%s] %s", backend, reason ? reason : "no reason given");
        json_int_t seen = json_integer_value(json_object_get(st->skip_reasons, key));
        json_object_set_new(st->skip_reasons, key, json_integer(seen + 1));
        if (st->o->verbose)
            printf("SKIP %s [%s]: %s\n", name, backend, reason ? reason : "");
    } else {
        st->failed++;
        if (strcmp(status, "timeout") == 0)
            st->timeouts++;
        else if (strcmp(status, "error") == 0)
            st->errors++;
        char label[16];
        snprintf(label, sizeof(label), "%s", status);
        for (char *c = label; *c; c++)
            *c = (char)(*c - 'a' + 'A');
        printf("%s %s [%s] (%s:%ld)\n    %s\n", label, name, backend, file, line, reason ? reason : "");
    }
    char *text = json_dumps(r, JSON_COMPACT);
    if (st->json)
        fprintf(st->json, "%s\n", text);
    if (st->last)
        fprintf(st->last, "%s\n", text);
    if (st->record && strcmp(backend, "kernel") == 0 && strcmp(status, "skip") != 0) {
        json_t *rec = json_pack("{s:O, s:o}", "name", json_object_get(r, "name"),
                                "trace", trace_canonical(json_object_get(r, "trace")));
        char *rt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(st->record, "%s\n", rt);
        free(rt);
        json_decref(rec);
    }
    free(text);
}

static void on_result(void *ctx, int job, json_t *result)
{
    struct run_state *st = ctx;
    st->results[job] = result;
    /* print in job order: a scenario's jobs are adjacent */
    while (st->printed < st->njobs) {
        int first = st->printed;
        for (int k = 0; k < st->per_scenario; k++)
            if (!st->results[first + k])
                return;
        cross_check(st, first);
        for (int k = 0; k < st->per_scenario; k++) {
            print_result(st, st->results[first + k]);
            json_decref(st->results[first + k]);
            st->results[first + k] = NULL;
        }
        st->printed += st->per_scenario;
        fflush(stdout);
    }
}

static int command_run(const struct options *o, const struct catalog *cat)
{
    const struct backend *backends[8];
    int nb = 0;
    char list[256];
    snprintf(list, sizeof(list), "%s", strcmp(o->backend, "both") == 0 ? "kernel,ref" : o->backend);
    char *save = NULL;
    for (char *b = strtok_r(list, ",", &save); b && nb < 8; b = strtok_r(NULL, ",", &save)) {
        if (strcmp(b, "both") == 0) {
            backends[nb++] = &backend_kernel;
            b = "ref";
        }
        const struct backend *be = backend_by_name(b);
        if (!be) {
            fprintf(stderr, "svipc: unknown backend '%s' (kernel, ref, model or both)\n", b);
            return 2;
        }
        backends[nb++] = be;
    }

    struct run_state st;
    memset(&st, 0, sizeof(st));
    st.o = o;
    st.cat = cat;
    st.per_scenario = nb;
    st.jobs = calloc((size_t)cat->count * (size_t)nb + 1, sizeof(struct job));
    for (int i = 0; i < cat->count; i++) {
        if (!selected(o, cat->items[i].name))
            continue;
        for (int b = 0; b < nb; b++)
            st.jobs[st.njobs++] = (struct job){ .scenario = i, .backend = backends[b] };
    }
    if (st.njobs == 0) {
        fprintf(stderr, "svipc: no scenario matches%s%s\n", o->filter || o->exact_name ? " " : "",
                o->exact_name ? o->exact_name : o->filter ? o->filter : "");
        return 2;
    }
    st.results = calloc((size_t)st.njobs, sizeof(json_t *));
    st.skip_reasons = json_object();
    struct pool_options popt = {
        .parallel = o->parallel, .pin = !o->no_pin, .step_deadline_ms = o->step_ms, .scenario_deadline_ms = o->scenario_ms,
        .started = begin_run,
    };
    if (pool_run(cat, st.jobs, st.njobs, &popt, on_result, &st) < 0)
        return 2;

    /* the results end with a record that says the run ended, and how */
    json_t *end = results_end_record(st.printed, st.passed, st.failed, st.skipped);
    char *end_text = end ? json_dumps(end, JSON_COMPACT) : NULL;
    json_decref(end);
    if (end_text && st.json)
        fprintf(st.json, "%s\n", end_text);
    if (end_text && st.last)
        fprintf(st.last, "%s\n", end_text);
    free(end_text);

    if (st.json)
        fclose(st.json);
    if (st.record)
        fclose(st.record);
    if (st.last)
        fclose(st.last);
    json_decref(st.golden);
    const char *reason;
    json_t *count;
    json_object_foreach(st.skip_reasons, reason, count)
        printf("skipped: %lld %s\n", (long long)json_integer_value(count), reason);
    json_decref(st.skip_reasons);
    if (st.failed)
        printf("failed: %d (%d timeouts, %d errors, %d divergences, %d other)\n", st.failed, st.timeouts,
               st.errors, st.divergences, st.failed - st.timeouts - st.errors - st.divergences);
    printf("%d passed, %d failed, %d skipped\n", st.passed, st.failed, st.skipped);
    free(st.jobs);
    free(st.results);
    return st.failed ? 1 : 0;
}

/* ---------- list and show ---------- */

static int command_list(const struct options *o, const struct catalog *cat)
{
    for (int i = 0; i < cat->count; i++) {
        const struct scenario *s = &cat->items[i];
        if (!selected(o, s->name))
            continue;
        if (o->verbose)
            printf("%s\t%s:%d\n", s->name, s->file, s->line);
        else
            printf("%s\n", s->name);
    }
    return 0;
}

static void show_trace(json_t *trace)
{
    size_t i;
    json_t *e;
    json_array_foreach(trace, i, e) {
        const char *proc = json_string_value(json_object_get(e, "proc"));
        printf("  step %-3lld line %-4lld %-3s %-10s %-8s %s",
               (long long)json_integer_value(json_object_get(e, "step")) + 1,
               (long long)json_integer_value(json_object_get(e, "line")), proc ? proc : "-",
               json_string_value(json_object_get(e, "op")),
               json_string_value(json_object_get(e, "status")),
               json_string_value(json_object_get(e, "ret")));
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(e, "fields"), key, v)
            printf(" %s=%s", key, json_string_value(v));
        const char *detail = json_string_value(json_object_get(e, "detail"));
        printf("%s%s\n", detail ? "  -- " : "", detail ? detail : "");
    }
}

static int command_show(const struct options *o, const struct catalog *cat)
{
    int i = catalog_find(cat, o->show_name);
    if (i < 0) {
        fprintf(stderr, "svipc: no scenario named '%s' (svipc list shows them)\n", o->show_name);
        return 2;
    }
    const struct scenario *s = &cat->items[i];
    printf("scenario %s\n  defined at %s:%d\n", s->name, s->file, s->line);
    if (s->doc)
        printf("  %s\n", s->doc);
    printf("  procs");
    for (int p = 0; p < s->ninitial; p++)
        printf(" %s", s->proc_name[p]);
    printf("\n");
    for (int k = 0; k < s->nsteps; k++)
        printf("  %3d  line %-4d %s\n", k + 1, s->steps[k].line, s->steps[k].source);

    char path[4096], why[1024];
    snprintf(path, sizeof(path), "%s/last-run.jsonl", state_dir());
    struct results_file rf;
    if (access(path, F_OK) < 0) {
        printf("\nno run recorded yet (%s)\n", path);
        return 0;
    }
    if (results_load(path, &rf, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc: the last run cannot be read: %s\n", why);
        return 2;
    }
    int shown = 0;
    size_t k;
    json_t *r;
    json_array_foreach(rf.results, k, r) {
        if (strcmp(json_string_value(json_object_get(r, "name")), s->name) != 0)
            continue;
        const char *reason = json_string_value(json_object_get(r, "reason"));
        printf("\nlast run [%s]: %s %.1f ms\n", json_string_value(json_object_get(r, "backend")),
               json_string_value(json_object_get(r, "status")), json_number_value(json_object_get(r, "ms")));
        if (reason)
            printf("  %s\n", reason);
        show_trace(json_object_get(r, "trace"));
        shown = 1;
    }
    if (!shown)
        printf("\nthe last run (%s) did not include this scenario\n", path);
    if (!rf.complete)
        printf("(the last run is an %s)\n", rf.incomplete);
    results_free(&rf);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--puppet") == 0) {
        /* an exec step: this image carries on as the same scenario process */
        const struct backend *be = backend_by_name(argv[3]);
        int fd = atoi(argv[2]);
        if (!be)
            return 120;
        puppet_start(fd, be);
        puppet_run(fd, be);
    }
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct catalog cat;
    if ((rc = load(&o, &cat)) == 0) {
        if (strcmp(o.command, "list") == 0) {
            rc = command_list(&o, &cat);
        } else if (strcmp(o.command, "show") == 0) {
            rc = command_show(&o, &cat);
        } else if (strcmp(o.command, "coverage") == 0) {
            char last[4096];
            snprintf(last, sizeof(last), "%s/last-run.jsonl", state_dir());
            rc = coverage_check(&cat, o.map_path ? o.map_path : DEFAULT_SUITES "/coverage.map",
                                o.results_path ? o.results_path : last, o.verbose, stdout);
        } else {
            rc = command_run(&o, &cat);
        }
    }
    catalog_free(&cat);
    return rc;
}
