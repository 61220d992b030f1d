/* svipc.c: the command line.  run, list, show, coverage, help; and the hidden
 * '--puppet' entry an exec step re-enters through.
 * Exit status: 0 every scenario passed (or was skipped with a reason),
 * 1 something failed, 2 the run could not be done (bad option, bad file, an
 * output that could not be written) or tested too little (nothing, or
 * most selected instances skipped).
 * Must not: run scenarios itself (pool.c and engine.c do), hide a skip,
 * drop or cut an argument short, or write a file it also reads. */
#define _GNU_SOURCE
#include "backend.h"
#include "coverage.h"
#include "engine.h"
#include "observe_load.h"
#include "catalog.h"
#include "pool.h"
#include "output.h"
#include "paths.h"
#include "progress.h"
#include "serve.h"
#include "shard.h"
#include "stress.h"
#include "puppet.h"
#include "results.h"
#include "tool.h"
#include "trace.h"
#include "userns.h"

#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_BACKENDS 8                      /* backends of one run (a name may repeat) */
#define MAX_DEADLINE_MS (24L * 3600 * 1000) /* a day, as a scenario's 'deadline' line */

static void usage(FILE *to)
{
    fputs("usage: svipc run [PATHS...] [options]   run scenarios and compare outcomes\n"
          "       svipc list [PATHS...] [--filter GLOB] [--shard I/N]\n"
          "       svipc show NAME [PATHS...]       a scenario and its last trace\n"
          "       svipc coverage [PATHS...] [--map FILE] [--results FILE] [-v]\n"
          "                                        the coverage map checked against the catalog\n"
          "                                        and a run's results (default: the last run)\n"
          "       svipc targets                    each target, and whether this machine has it\n"
          "       svipc stress [options]           random concurrent operations checked for\n"
          "                                        linearizability (svipc stress --help)\n"
          "       svipc --help | --version\n"
          "\n"
          "PATHS are scenario files or directories (default: the catalog svipc was installed\n"
          "with, or its build tree's suites/; svipc --version says where).\n"
          "run options:\n"
          "  --target NAME               where the system under test runs: native (default),\n"
          "                              exec:CMD (puppets through a wrapper), qemu-x86_64,\n"
          "                              qemu-aarch64, qemu-arm, qemu-i386 (Debian's qemu-user),\n"
          "                              gvisor (runsc), linux-6.1 (Debian 12's kernel in a VM);\n"
          "                              compared with suites/golden/linux.jsonl unless --golden\n"
          "  --backend LIST              kernel, ref, model (the sequential model, no processes),\n"
          "                              both (= kernel,ref), or a comma list; traces of every\n"
          "                              backend are compared with the first's (default: kernel)\n"
          "  --filter GLOB               only scenarios whose name matches GLOB\n"
          "  --name NAME                 only the scenario called exactly NAME\n"
          "  -j N                        N scenarios in parallel, one namespace each\n"
          "  --shard I/N                 only the I-th of N parts of the selected instances\n"
          "                              (by a hash of each name: stable as the catalog grows);\n"
          "                              reports/report.py --merge joins the parts' --json files\n"
          "  --json FILE                 write every result, with its trace, as JSON Lines\n"
          "  --record FILE               write the traces of this run (a golden file)\n"
          "  --golden FILE               compare each trace with a recorded one (none: judge\n"
          "                              by each scenario's expectations alone, also on a target)\n"
          "  --step-deadline MS          per-step deadline when a scenario sets none (5000;\n"
          "                              at most 86400000, a day)\n"
          "  --scenario-deadline MS      per-scenario deadline when it sets none (30000; at most a day)\n"
          "  --no-pin                    do not pin each runner and its scenarios to one CPU\n"
          "                              (pinned only when -j is at least the CPUs it may use)\n"
          "  --observe                   each scenario's IPC calls, futexes and sleeps as the kernel\n"
          "                              saw them (BPF; root, BTF and a build with libbpf; native\n"
          "                              target): in --json as \"observed_kernel\" and in svipc show\n"
          "  -v                          print every scenario, not only failures\n"
          "  -q                          no live status line (drawn on standard error when it is\n"
          "                              a terminal)\n"
          "Without root, svipc run makes a user namespace of its own (with newuidmap and the\n"
          "user's /etc/subuid range for distinct ids; else one id, and what needs more is\n"
          "skipped): svipc(1), ROOTLESS RUNS.\n"
          "The last line is 'N passed, N failed, N skipped'.  Exit status: 0 all passed,\n"
          "1 something failed, 2 the run could not be done or tested too little (nothing,\n"
          "or more than half of the selected instances skipped).\n",
          to);
}

struct options {
    const char *command;
    char **paths;                  /* argc entries: every path given is kept */
    int npaths;
    const char *filter;
    const char *exact_name;
    const char *backend;           /* as given */
    const struct backend *backends[MAX_BACKENDS];
    int nbackends;
    int parallel;
    const char *json_path, *record_path, *golden_path;
    long step_ms, scenario_ms;
    int verbose;
    int quiet;                     /* -q: no status line */
    int no_pin;
    int observe;                   /* --observe */
    const char *show_name;
    const char *map_path, *results_path;
    const char *target;          /* where the system under test runs (target.h) */
    struct shard shard;          /* --shard I/N; count 0: all */
    char catalog[4096], golden[4096], map[4096];   /* svipc's own (paths.h), the defaults */
};

/* svipc --version: the version, the catalog's commit, where its files are. */
static void print_version(const struct options *o)
{
    char library[4096];
    const char *commit = svipc_catalog_commit();
    svipc_path(SVIPC_LIBRARY, library, sizeof(library));
    printf("svipc %s\n", svipc_version());
    if (commit)
        printf("catalog commit: %s (git describe when svipc was built)\n", commit);
    else
        printf("catalog commit: unknown (built without git, from a source tarball)\n");
    printf("catalog: %s%s\nlibrary: %s%s\n", o->catalog, access(o->catalog, R_OK) ? " (missing)" : "", library,
           access(library, R_OK) ? " (missing: make builds it)" : "");
}

static int bad_usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "svipc: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(svipc --help lists the options)\n");
    return 2;
}

/* A decimal number from 1 to MAX. */
static int parse_long(const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || end == text || v <= 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* --backend LIST into O's backends: names checked, 'both' expanded, at most
 * MAX_BACKENDS.  0 or the exit status of a refusal. */
static int parse_backends(struct options *o, const char *list)
{
    o->nbackends = 0;
    for (const char *c = list;;) {
        size_t n = strcspn(c, ",");
        char name[16];
        const struct backend *be = NULL;
        if (n < sizeof(name)) {
            memcpy(name, c, n);
            name[n] = '\0';
            be = strcmp(name, "both") == 0 ? &backend_kernel : backend_by_name(name);
        }
        if (!be)
            return bad_usage("--backend takes kernel, ref, model, both or a comma list, not '%s'", list);
        int more = be == &backend_kernel && strcmp(name, "both") == 0 ? 2 : 1;
        if (o->nbackends + more > MAX_BACKENDS)
            return bad_usage("--backend names more than 8 backends: '%s'", list);
        o->backends[o->nbackends++] = be;
        if (more == 2)
            o->backends[o->nbackends++] = backend_by_name("ref");
        if (!c[n])
            break;
        c += n + 1;
    }
    o->backend = list;
    return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof(*o));
    o->backend = "kernel";
    o->backends[0] = &backend_kernel;
    o->nbackends = 1;
    o->parallel = 1;
    o->step_ms = 5000;
    o->scenario_ms = 30000;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    o->command = argv[1];
    if (!(o->paths = calloc((size_t)argc + 1, sizeof(char *)))) {
        perror("svipc");
        return 2;
    }
    if (strcmp(o->command, "--help") == 0 || strcmp(o->command, "-h") == 0 ||
        strcmp(o->command, "help") == 0) {
        usage(stdout);
        return -1;
    }
    svipc_path(SVIPC_CATALOG, o->catalog, sizeof(o->catalog));
    svipc_path(SVIPC_GOLDEN, o->golden, sizeof(o->golden));
    svipc_path(SVIPC_COVERAGE_MAP, o->map, sizeof(o->map));
    if (strcmp(o->command, "--version") == 0) {
        print_version(o);
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
            if (parse_long(a + 2, 64, &n) < 0)
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
        } else if (strcmp(a, "-q") == 0) {
            o->quiet = 1;
            takes = 0;
        } else if (strcmp(a, "--no-pin") == 0) {
            o->no_pin = 1;
            takes = 0;
        } else if (strcmp(a, "--observe") == 0) {
            o->observe = 1;
            takes = 0;
        } else if (a[0] != '-') {
            if (strcmp(o->command, "show") == 0 && !o->show_name)
                o->show_name = a;
            else
                o->paths[o->npaths++] = argv[i];
            takes = 0;
        } else if (strcmp(a, "--filter") && strcmp(a, "--name") && strcmp(a, "--backend") && strcmp(a, "-j") &&
                   strcmp(a, "--json") && strcmp(a, "--record") && strcmp(a, "--golden") &&
                   strcmp(a, "--step-deadline") && strcmp(a, "--scenario-deadline") && strcmp(a, "--map") &&
                   strcmp(a, "--results") && strcmp(a, "--target") && strcmp(a, "--shard")) {
            return bad_usage("unknown option '%s'", a);
        } else if (!next) {
            return bad_usage("option %s needs a value", a);
        } else if (strcmp(a, "--filter") == 0) {
            o->filter = next;
        } else if (strcmp(a, "--map") == 0) {
            o->map_path = next;
        } else if (strcmp(a, "--target") == 0) {
            o->target = next;
        } else if (strcmp(a, "--shard") == 0) {
            if (shard_parse(next, &o->shard) < 0)
                return bad_usage("--shard takes I/N with 1 <= I <= N <= 1000, not '%s'", next);
        } else if (strcmp(a, "--results") == 0) {
            o->results_path = next;
        } else if (strcmp(a, "--name") == 0) {
            o->exact_name = next;
        } else if (strcmp(a, "--backend") == 0) {
            int rc = parse_backends(o, next);
            if (rc)
                return rc;
        } else if (strcmp(a, "-j") == 0) {
            if (parse_long(next, 64, &n) < 0)
                return bad_usage("-j takes a number from 1 to 64, not '%s'", next);
            o->parallel = (int)n;
        } else if (strcmp(a, "--json") == 0) {
            o->json_path = next;
        } else if (strcmp(a, "--record") == 0) {
            o->record_path = next;
        } else if (strcmp(a, "--golden") == 0) {
            o->golden_path = next;
        } else if (strcmp(a, "--step-deadline") == 0) {
            if (parse_long(next, MAX_DEADLINE_MS, &o->step_ms) < 0)
                return bad_usage("--step-deadline takes milliseconds from 1 to 86400000 (a day), not '%s'", next);
        } else if (strcmp(a, "--scenario-deadline") == 0) {
            if (parse_long(next, MAX_DEADLINE_MS, &o->scenario_ms) < 0)
                return bad_usage("--scenario-deadline takes milliseconds from 1 to 86400000 (a day), not '%s'", next);
        }
        i += takes;
    }
    if (strcmp(o->command, "show") == 0 && !o->show_name)
        return bad_usage("%s", "show needs a scenario NAME");
    if (o->record_path) {
        int kernel = 0;
        for (int b = 0; b < o->nbackends; b++)
            kernel |= o->backends[b] == &backend_kernel;
        if (!kernel)
            return bad_usage("--record keeps the kernel's traces: --backend '%s' has no kernel", o->backend);
    }
    if (o->npaths == 0)
        o->paths[o->npaths++] = o->catalog;
    /* a target is judged against the traces recorded on Linux, unless
     * told to judge by each scenario's own expectations only (--golden
     * none: scenarios made elsewhere, as svipc stress --shrink makes) */
    if (o->target && strcmp(o->target, "native") != 0 && !o->golden_path)
        o->golden_path = o->golden;
    if (o->golden_path && strcmp(o->golden_path, "none") == 0)
        o->golden_path = NULL;
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

/* Whether the options select the scenario called NAME, before sharding. */
static int matches(const struct options *o, const char *name)
{
    if (o->exact_name && strcmp(o->exact_name, name) != 0)
        return 0;
    return !o->filter || fnmatch(o->filter, name, 0) == 0;
}

/* Whether the options select the scenario called NAME, in their shard. */
static int selected(const struct options *o, const char *name)
{
    return matches(o, name) && shard_selects(&o->shard, name);
}

/* The state directory (.svipc or $SVIPC_STATE_DIR) and its last-run file. */
static const char *state_dir(void)
{
    const char *d = getenv("SVIPC_STATE_DIR");
    return d && *d ? d : ".svipc";
}

/* PATH gets the state directory's last-run file; -1 when the name is too long. */
static int last_run_path(char *path, size_t size)
{
    int w = snprintf(path, size, "%s/last-run.jsonl", state_dir());
    return w < 0 || (size_t)w >= size ? -1 : 0;
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
    struct output json, record, last;
    char last_path[4096];          /* "" when the state directory is not used */
    int began;                     /* begin_run let the run start */
    int passed, failed, skipped, timeouts, errors, divergences;
    int runs_tools;                /* a selected scenario runs util-linux's programs */
    json_t *skip_reasons;          /* "backend: reason" -> count */
    const char *target;            /* the target's name, in every result */
    struct timespec started;       /* when the run began (the end record's seconds) */
    int arrived;                   /* results in, in any order */
    struct progress progress;      /* the status line on a terminal */
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
 * them carries it into the forks of every scenario, then open the outputs:
 * every one before any is emptied, so a refused one leaves all as they
 * were (and an earlier run's are kept).  The state directory is a
 * convenience: when it cannot be written, a warning names it. */
static int begin_run(void *ctx)
{
    struct run_state *st = ctx;
    const struct options *o = st->o;
    char why[1024];
    if (o->golden_path && !(st->golden = golden_load(o->golden_path, why, sizeof(why)))) {
        fprintf(stderr, "svipc: --golden %s\nsvipc: nothing was run\n", why);
        return -1;
    }
    struct output *outs[] = { &st->json, &st->record };
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (outs[i]->path && output_open(outs[i], why, sizeof(why)) < 0) {
            fprintf(stderr, "svipc: cannot write %s\nsvipc: nothing was run\n", why);
            for (size_t k = 0; k < i; k++)
                output_abandon(outs[k]);
            return -1;
        }
    for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
        if (outs[i]->path && output_start(outs[i], why, sizeof(why)) < 0) {
            fprintf(stderr, "svipc: cannot write %s\nsvipc: nothing was run\n", why);
            for (size_t k = 0; k < sizeof(outs) / sizeof(outs[0]); k++)
                output_abandon(outs[k]);
            return -1;
        }
    if (st->last_path[0]) {
        if (mkdir(state_dir(), 0755) < 0 && errno != EEXIST)
            snprintf(why, sizeof(why), "%s: %s", state_dir(), strerror(errno));
        else if (output_open(&st->last, why, sizeof(why)) == 0 && output_start(&st->last, why, sizeof(why)) < 0)
            output_abandon(&st->last);
        if (st->last.fd < 0)
            fprintf(stderr, "svipc: warning: the state directory cannot keep this run (%s); "
                            "svipc show will not see it\n", why);
    }
    st->began = 1;
    return 0;
}

/* A line to OUT; the first failure is reported at once, and the run goes
 * on (its exit status will say so, but for the state directory's file). */
static void emit(struct run_state *st, struct output *out, const char *text)
{
    if (out->fd < 0 || out->err)
        return;
    if (output_line(out, text) < 0)
        fprintf(stderr, "svipc: %scannot write %s %s: %s\n", out == &st->last ? "warning: " : "", out->what,
                out->path, strerror(out->err));
}

/* Cross-checks that need more than one result: golden traces and, with
 * two backends, their agreement.  Applied when a scenario's jobs are in. */
static void cross_check(struct run_state *st, int first_job)
{
    for (int k = 0; k < st->per_scenario; k++) {
        json_t *r = st->results[first_job + k];
        const char *status = json_string_value(json_object_get(r, "status"));
        if (!st->golden || strcmp(status, "skip") == 0 || json_is_false(json_object_get(r, "golden")))
            continue;
        const char *name = json_string_value(json_object_get(r, "name"));
        json_t *want = json_object_get(st->golden, name);
        if (strcmp(status, "pass") != 0) {
            /* failed on its own: its reason stays, and where it left Linux's
             * trace goes with it, so a report shows both */
            char why[2048];
            size_t at = 0;
            if (want && trace_compare(want, json_object_get(r, "trace"), &at, why, sizeof(why)) < 0)
                json_object_set_new(r, "divergence", json_pack("{s:s, s:O, s:I, s:s}", "against", "golden",
                                                               "trace", want, "entry", (json_int_t)at, "why", why));
            continue;
        }
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
    if (text) {
        emit(st, &st->json, text);
        emit(st, &st->last, text);
    }
    if (st->record.fd >= 0 && strcmp(backend, "kernel") == 0 && strcmp(status, "skip") != 0) {
        json_t *rec = json_pack("{s:O, s:o}", "name", json_object_get(r, "name"),
                                "trace", trace_canonical(json_object_get(r, "trace")));
        char *rt = rec ? json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        if (rt)
            emit(st, &st->record, rt);
        else if (!st->record.err)
            st->record.err = ENOMEM;
        free(rt);
        json_decref(rec);
    }
    free(text);
}

static void on_result(void *ctx, int job, json_t *result)
{
    struct run_state *st = ctx;
    /* a runner elsewhere does not know what it is called here */
    json_object_set_new(result, "target", json_string(st->target));
    st->results[job] = result;
    st->arrived++;
    /* print in job order: a scenario's jobs are adjacent */
    while (st->printed < st->njobs) {
        int first = st->printed;
        int complete = 1;
        for (int k = 0; k < st->per_scenario; k++)
            complete &= st->results[first + k] != NULL;
        if (!complete)
            break;
        cross_check(st, first);
        int quiet = !st->o->verbose;    /* nothing printed: the status line stays */
        for (int k = 0; k < st->per_scenario; k++) {
            const char *status = json_string_value(json_object_get(st->results[first + k], "status"));
            quiet &= strcmp(status, "pass") == 0 || strcmp(status, "skip") == 0;
        }
        if (!quiet)
            progress_hide(&st->progress);
        for (int k = 0; k < st->per_scenario; k++) {
            print_result(st, st->results[first + k]);
            json_decref(st->results[first + k]);
            st->results[first + k] = NULL;
        }
        st->printed += st->per_scenario;
        fflush(stdout);
    }
    progress_update(&st->progress, st->arrived, st->failed);
}

/* Whether an output of the run is also one of its inputs (the golden
 * file, a scenario file) or another output: refused before anything runs,
 * compared as files (device and inode), not as names. */
static int outputs_clash(const struct run_state *st, const struct catalog *cat)
{
    const struct output *outs[] = { &st->json, &st->record, &st->last };
    const int n = sizeof(outs) / sizeof(outs[0]);
    for (int i = 0; i < n; i++) {
        if (!outs[i]->path)
            continue;
        const char *with = NULL, *what = NULL;
        for (int k = i + 1; k < n && !with; k++)
            if (outs[k]->path && output_same_file(outs[i]->path, outs[k]->path))
                with = outs[k]->path, what = outs[k]->what;
        if (!with && st->o->golden_path && output_same_file(outs[i]->path, st->o->golden_path))
            with = st->o->golden_path, what = "--golden";
        for (int k = 0; k < cat->count && !with; k++)    /* a file's instances share its name */
            if ((k == 0 || cat->items[k].file != cat->items[k - 1].file) &&
                output_same_file(outs[i]->path, cat->items[k].file))
                with = cat->items[k].file, what = "the scenario file";
        if (with) {
            fprintf(stderr, "svipc: %s %s and %s %s are the same file: a run never writes what it reads "
                            "or writes it twice (name another file)\nsvipc: nothing was run\n",
                    outs[i]->what, outs[i]->path, what, with);
            return -1;
        }
    }
    return 0;
}

static const char *target_name(const struct options *o)
{
    return o->target ? o->target : "native";
}

/* The run's verdict on what it tested: 0, or 2 with the reason printed
 * when it tested nothing or skipped most of what was selected. */
static int tested_enough(const struct run_state *st)
{
    int total = st->passed + st->failed + st->skipped;
    if (st->passed + st->failed == 0) {
        fprintf(stderr, "svipc: the run tested nothing: all %d selected instances were skipped (exit status 2)\n",
                total);
        return 2;
    }
    if (2 * st->skipped > total) {
        fprintf(stderr, "svipc: the run tested too little: %d of the %d selected instances were skipped, more "
                        "than half (exit status 2)\n", st->skipped, total);
        return 2;
    }
    return 0;
}

static int command_run(const struct options *o, const struct catalog *cat)
{
    int nb = o->nbackends;
    struct run_state st;
    memset(&st, 0, sizeof(st));
    st.o = o;
    st.cat = cat;
    st.per_scenario = nb;
    clock_gettime(CLOCK_MONOTONIC, &st.started);
    output_init(&st.json, o->json_path, "--json", OUTPUT_IN_PLACE);
    output_init(&st.record, o->record_path, "--record", OUTPUT_REPLACE);
    output_init(&st.last, NULL, "the last-run file", OUTPUT_IN_PLACE);
    if (last_run_path(st.last_path, sizeof(st.last_path)) == 0)
        st.last.path = st.last_path;
    else {
        st.last_path[0] = '\0';
        fprintf(stderr, "svipc: warning: the state directory's name is too long (%.60s...); "
                        "svipc show will not see this run\n", state_dir());
    }
    if (outputs_clash(&st, cat) < 0)
        return 2;
    st.jobs = calloc((size_t)cat->count * (size_t)nb + 1, sizeof(struct job));
    if (!st.jobs) {
        perror("svipc");
        return 2;
    }
    struct shard_selection whole;          /* what every shard of this run selects */
    shard_selection_start(&whole, o->shard, target_name(o));
    for (int b = 0; b < nb; b++)
        shard_selection_backend(&whole, o->backends[b]->name);
    for (int i = 0; i < cat->count; i++) {
        if (!matches(o, cat->items[i].name))
            continue;
        shard_selection_add(&whole, cat->items[i].name);
        if (!shard_selects(&o->shard, cat->items[i].name))
            continue;
        for (int b = 0; b < nb; b++)
            st.jobs[st.njobs++] = (struct job){ .scenario = i, .backend = o->backends[b] };
        for (int k = 0; k < cat->items[i].nsteps; k++)
            st.runs_tools |= cat->items[i].steps[k].op == OP_TOOL;
    }
    if (st.njobs == 0 && o->shard.count && whole.instances) {
        fprintf(stderr, "svipc: shard %d/%d holds none of the %d selected instances (fewer shards, or more "
                        "instances)\n", o->shard.index, o->shard.count, whole.instances);
        free(st.jobs);
        return 2;
    }
    if (st.njobs == 0) {
        fprintf(stderr, "svipc: no scenario matches%s%s\n", o->filter || o->exact_name ? " " : "",
                o->exact_name ? o->exact_name : o->filter ? o->filter : "");
        free(st.jobs);
        return 2;
    }
    st.results = calloc((size_t)st.njobs, sizeof(json_t *));
    st.skip_reasons = json_object();
    progress_start(&st.progress, st.njobs, o->quiet);
    /* a target other than the host is judged against Linux's traces: the
     * golden file is loaded by begin_run (o->golden_path) */
    struct target target;
    char exe[4096], twhy[512];
    ssize_t exe_len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[exe_len > 0 ? exe_len : 0] = '\0';
    if (target_resolve(target_name(o), exe, &target, twhy, sizeof(twhy)) < 0) {
        fprintf(stderr, "svipc: %s\nsvipc: nothing was run\n", twhy);
        return 2;
    }
    st.target = target.name;
    /* --observe: loaded here, before the runners are forked (they inherit
     * it); said once when it cannot be, and the run goes on without it */
    struct observe_handle *observe = NULL;
    char observe_why[512] = "";
    if (o->observe) {
        if (strcmp(target.name, "native") != 0)
            snprintf(observe_why, sizeof(observe_why), "the observer watches this host's kernel, and target %s "
                     "runs the system under test elsewhere", target.name);
        else
            observe = observe_load(observe_why, sizeof(observe_why));
        if (observe)
            fprintf(stderr, "svipc: --observe: each scenario's IPC calls, futexes and sleeps seen in the kernel "
                            "(BPF)\n");
        else
            fprintf(stderr, "svipc: --observe: running without the observer: %s\n", observe_why);
    }
    /* a runner that runs elsewhere parses the same catalog there */
    char steps_text[32], scenario_text[32];
    char **runner_args = calloc((size_t)o->npaths + 3, sizeof(char *));
    int nargs = 0;
    if (!runner_args) {
        fprintf(stderr, "svipc: out of memory\n");
        return 2;
    }
    snprintf(steps_text, sizeof(steps_text), "%ld", o->step_ms);
    snprintf(scenario_text, sizeof(scenario_text), "%ld", o->scenario_ms);
    runner_args[nargs++] = steps_text;
    runner_args[nargs++] = scenario_text;
    for (int i = 0; i < o->npaths; i++)
        runner_args[nargs++] = o->paths[i];
    runner_args[nargs] = NULL;
    struct pool_options popt = {
        .target = &target,
        .own_namespaces = userns_active(),
        .runner_args = runner_args,
        .parallel = o->parallel, .pin = !o->no_pin, .step_deadline_ms = o->step_ms, .scenario_deadline_ms = o->scenario_ms,
        .started = begin_run,
        .observe = observe,
    };
    int status = 0;
    if (!st.results || !st.skip_reasons || pool_run(cat, st.jobs, st.njobs, &popt, on_result, &st) < 0)
        status = 2;
    free(runner_args);
    observe_unload(observe);
    for (int j = 0; st.results && j < st.njobs; j++)
        json_decref(st.results[j]);          /* a run stopped half-way leaves some */
    json_decref(st.golden);
    progress_end(&st.progress);
    if (!st.began) {                         /* refused before anything ran: said why */
        json_decref(st.skip_reasons);
        free(st.jobs);
        free(st.results);
        return 2;
    }

    const char *reason;
    json_t *count;
    json_object_foreach(st.skip_reasons, reason, count)
        printf("skipped: %lld %s\n", (long long)json_integer_value(count), reason);
    json_decref(st.skip_reasons);
    if (st.failed)
        printf("failed: %d (%d timeouts, %d errors, %d divergences, %d other)\n", st.failed, st.timeouts,
               st.errors, st.divergences, st.failed - st.timeouts - st.errors - st.divergences);
    fflush(stdout);
    if (status == 0)
        status = tested_enough(&st);

    /* the outputs: a finished run's results end with their end record; a
     * golden file is replaced only by a run that was done */
    char why[1024];
    int complete = st.printed == st.njobs;
    struct timespec ended;
    clock_gettime(CLOCK_MONOTONIC, &ended);
    double seconds = (double)(ended.tv_sec - st.started.tv_sec) + (ended.tv_nsec - st.started.tv_nsec) / 1e9;
    json_t *end = results_end_record(st.printed, st.passed, st.failed, st.skipped, st.target, seconds);
    char tools_version[128];
    if (end && st.runs_tools && tool_package_version(tools_version, sizeof(tools_version)) == 0)
        json_object_set_new(end, "util_linux", json_string(tools_version));   /* the tool steps' programs */
    if (end && o->shard.count)
        json_object_set_new(end, "shard", shard_record(&whole));
    if (end && o->observe)                   /* whether the results carry "observed_kernel" */
        json_object_set_new(end, "observer", observe ? json_string("on") : json_string(observe_why));
    char *end_text = end ? json_dumps(end, JSON_COMPACT) : NULL;
    json_decref(end);
    if (complete && end_text) {
        emit(&st, &st.json, end_text);
        emit(&st, &st.last, end_text);
    }
    free(end_text);
    if (st.json.fd >= 0 && output_finish(&st.json, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc: cannot write %s\n", why);
        status = 2;
    }
    if (st.last.fd >= 0 && output_finish(&st.last, why, sizeof(why)) < 0)
        fprintf(stderr, "svipc: warning: %s\n", why);
    if (st.record.fd >= 0 && (status == 2 || !complete)) {
        output_abandon(&st.record);
        fprintf(stderr, "svipc: --record %s is left as it was: %s\n", st.record.path,
                complete ? "the run could not be done (exit status 2)" : "the run stopped before its end");
        status = 2;
    } else if (st.record.fd >= 0 && output_finish(&st.record, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc: cannot write %s (the file is left as it was)\n", why);
        status = 2;
    }
    printf("%d passed, %d failed, %d skipped\n", st.passed, st.failed, st.skipped);
    free(st.jobs);
    free(st.results);
    return status ? status : st.failed ? 1 : 0;
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

/* svipc run --observe's "observed_kernel" of a result: the calls the
 * scenario's processes made, those that slept and how long, and the
 * scheduler's view of them. */
static void show_observed(json_t *seen)
{
    if (!json_is_object(seen))
        return;
    printf("  seen in the kernel (svipc run --observe):");
    const char *name;
    json_t *call;
    int any = 0;
    json_object_foreach(json_object_get(seen, "calls"), name, call) {
        json_int_t calls = json_integer_value(json_object_get(call, "calls"));
        json_int_t errors = json_integer_value(json_object_get(call, "errors"));
        json_int_t slept = json_integer_value(json_object_get(call, "slept"));
        double asleep_ms = (double)json_integer_value(json_object_get(call, "asleep_ns")) / 1e6;
        printf("%s %s %lld", any ? "," : "", name, (long long)calls);
        if (errors || slept)
            printf(" (");
        if (errors)
            printf("%lld failed%s", (long long)errors, slept ? ", " : "");
        if (slept)
            printf("%lld slept %.3f ms", (long long)slept, asleep_ms);
        if (errors || slept)
            printf(")");
        any = 1;
    }
    printf("%s\n", any ? "" : " no IPC call or futex");
    json_t *s = json_object_get(seen, "sched");
    printf("  its processes asleep %.3f ms in all (in calls and between steps); %lld switches (%lld preempted), "
           "%lld migrations, %lld wake-ups\n",
           (double)json_integer_value(json_object_get(s, "asleep_ns")) / 1e6,
           (long long)json_integer_value(json_object_get(s, "switches")),
           (long long)json_integer_value(json_object_get(s, "preempted")),
           (long long)json_integer_value(json_object_get(s, "migrations")),
           (long long)json_integer_value(json_object_get(s, "wakeups")));
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
    if (last_run_path(path, sizeof(path)) < 0) {
        printf("\nno run recorded (the state directory's name is too long)\n");
        return 0;
    }
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
        show_observed(json_object_get(r, "observed_kernel"));
        shown = 1;
    }
    if (!shown)
        printf("\nthe last run (%s) did not include this scenario\n", path);
    if (!rf.complete)
        printf("(the last run is an %s)\n", rf.incomplete);
    results_free(&rf);
    return 0;
}

/* Whether the run starts scenario processes on this machine, in namespaces
 * of their own: a backend other than the model, on the host (a sandbox or
 * a VM makes its own). */
static int runs_processes_here(const struct options *o)
{
    int processes = 0;
    for (int b = 0; b < o->nbackends; b++)
        processes |= o->backends[b] != &backend_model;
    const char *t = o->target ? o->target : "native";
    return processes && (strcmp(t, "native") == 0 || strncmp(t, "exec:", 5) == 0 || strncmp(t, "qemu-", 5) == 0);
}

/* What the command printed reached its standard output: 0, or 2 said why. */
static int stdout_written(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout))
        return 0;
    fprintf(stderr, "svipc: cannot write the standard output: %s\n", strerror(errno ? errno : EIO));
    return 2;
}

/* svipc targets: every named target, and what it lacks on this machine. */
static int command_targets(void)
{
    char exe[4096], why[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    for (int i = 0; target_known(i); i++) {
        struct target t;
        if (target_resolve(target_known(i), exe, &t, why, sizeof(why)) == 0)
            printf("%-14s available\n", target_known(i));
        else
            printf("%-14s missing: %s\n", target_known(i), why);
    }
    return stdout_written();
}

int main(int argc, char **argv)
{
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "--puppet") == 0) {
        /* a puppet started by a wrapper, or an exec step: this image
         * carries on as the scenario process, with the window it names */
        const struct backend *be = backend_by_name(argv[3]);
        int fd = atoi(argv[2]);
        if (!be)
            return 120;
        puppet_main(fd, be, argc == 5 ? (uintptr_t)strtoull(argv[4], NULL, 0) : 0, 0, NULL);
    }
    if (argc >= 5 && strcmp(argv[1], "--runner") == 0) {
        /* a runner started elsewhere (inside gVisor, a VM): the catalog of
         * PATHS, the jobs on standard input, the results on standard output */
        struct catalog cat;
        struct parse_error err;
        memset(&cat, 0, sizeof(cat));
        if (catalog_load(&cat, argv + 4, argc - 4, &err) < 0) {
            fprintf(stderr, "%s:%d: %s\n", err.file, err.line, err.reason);
            return 2;
        }
        struct serve_settings set = { .step_deadline_ms = atol(argv[2]), .scenario_deadline_ms = atol(argv[3]) };
        serve(&cat, &set, 0, 1);
    }
    if (argc == 2 && strcmp(argv[1], "targets") == 0)
        return command_targets();
    if (argc >= 2 && strcmp(argv[1], "stress") == 0) {
        if (stress_runs_processes(argc - 1, argv + 1))
            userns_enter(argv, 0);     /* without root: in a user namespace of svipc's own, as svipc run */
        return stress_main(argc - 1, argv + 1);
    }
    /* past a file size limit, a write fails (and is reported) instead of killing the run */
    signal(SIGXFSZ, SIG_IGN);
    struct options o;
    int rc = parse_options(argc, argv, &o);
    if (rc) {
        free(o.paths);
        return rc < 0 ? stdout_written() : rc;
    }
    if (strcmp(o.command, "run") == 0 && runs_processes_here(&o))
        userns_enter(argv, o.quiet);   /* without root: in a user namespace of svipc's own */
    struct catalog cat;
    if ((rc = load(&o, &cat)) == 0) {
        if (strcmp(o.command, "list") == 0) {
            rc = command_list(&o, &cat);
        } else if (strcmp(o.command, "show") == 0) {
            rc = command_show(&o, &cat);
        } else if (strcmp(o.command, "coverage") == 0) {
            char last[4096];
            if (last_run_path(last, sizeof(last)) < 0)
                last[0] = '\0';
            rc = coverage_check(&cat, o.map_path ? o.map_path : o.map,
                                o.results_path ? o.results_path : last, o.verbose, stdout);
        } else {
            rc = command_run(&o, &cat);
        }
    }
    catalog_free(&cat);
    free(o.paths);
    int out = stdout_written();
    return rc ? rc : out;
}
