/* svipc_bench.c: svipc-bench, throughput of System V IPC under contention
 * with the kernel, the reference runtime, the POSIX comparators and the
 * kernel through each --target (gVisor, qemu-user, a wrapper) side by
 * side.  A cell is a System V workload and its POSIX comparators at N
 * processes; its entries (workload x implementation) run one warm-up round
 * each, then R measured rounds alternating between them, each a fixed
 * number of operations (calibrated from the entry's warm-up to last about
 * --seconds, or --ops) checked exactly afterwards.  Prints medians with
 * their spread, CPU time and context switches per operation and the ratios
 * to the kernel; --json appends one "bench" record per entry.  --smoke runs
 * every workload once with a few seeded operations, shows no timing, and
 * fails when a count or a final state is not as its definition says.
 * Must not: run an implementation in this process's IPC namespace (each
 * round is spawned: spawn.h), or be read as a test of speed. */
#define _GNU_SOURCE
#include "bench_files.h"
#include "libc_calls.h"
#include "observe.h"
#include "observe_json.h"
#include "spawn.h"
#include "workload.h"

#include <dlfcn.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <unistd.h>

#define MAX_ROUNDS 15
#define MAX_PROCS_LIST 16
#define MAX_ENTRIES 16
#define MAX_TARGETS 8

struct options {
    const char *workloads;      /* comma-separated names, NULL: all but parity-* */
    int impl_on[IMPL_COUNT];
    int procs[MAX_PROCS_LIST], nprocs_list;
    int rounds;
    double seconds;
    long ops;                   /* fixed operations per round; 0: calibrated */
    long warmup_ops;
    int smoke;
    unsigned long seed;
    FILE *json;
    struct spawn_config spawn;
    const char *target_specs[MAX_TARGETS];   /* --target, as given */
    int ntarget_specs;
    struct bench_target targets[MAX_TARGETS];   /* those that can run here */
    int ntargets;
    int impl_width;             /* the implementation column's width */
    int observe;                /* --observe asked for */
    struct observer *observer;  /* loaded, or NULL */
};

struct entry {
    const struct workload *w;
    enum bench_impl impl;
    int target;                 /* IMPL_TARGET: its index in options.targets */
    char inside[160];           /* IMPL_TARGET: what its worker saw of the system (uname) */
    struct round_result rounds[MAX_ROUNDS];
    int done;
    long ops;                   /* operations of its last round */
    char failed[256];
    struct observation observed;   /* the observer's counts over its rounds (--observe) */
    long observed_ops;             /* operations of those rounds */
};

/* The implementation's name in output and records: a target's own name. */
static const char *entry_impl(const struct options *o, const struct entry *e)
{
    return e->impl == IMPL_TARGET ? o->targets[e->target].name : impl_name(e->impl);
}

static int usage(FILE *to, int status)
{
    fprintf(to,
            "usage: svipc-bench [-w WORKLOAD,...] [-i kernel,ref,posix] [-p 1,2,4,8] [-r ROUNDS]\n"
            "                   [--seconds S | --ops N] [--json FILE] [--preload LIB] [--deadline S]\n"
            "                   [--target gvisor,qemu-x86_64,qemu-aarch64,qemu-arm,qemu-i386,exec:CMD ...]\n"
            "       svipc-bench --smoke [--seed N] [-w ...] [-i ...] [-p ...] [--json FILE]\n"
            "       (either with --observe: each entry's IPC calls, futex and scheduling seen in the kernel by BPF)\n"
            "       svipc-bench --list\n"
            "Each round runs in a private IPC namespace (root); ref is LD_PRELOAD=LIB on an arena of its own;\n"
            "a target runs the System V workloads' rounds in svipc-bench-worker under it (make bench-workers).\n");
    return status;
}

/* ---------- parsing ---------- */

static int parse_list_of_ints(const char *text, int *out, int max, int *count)
{
    char copy[256];
    snprintf(copy, sizeof(copy), "%s", text);
    *count = 0;
    for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(t, &end, 10);
        if (*end || v < 1 || v > BENCH_MAX_PROCS || *count == max)
            return -1;
        out[(*count)++] = (int)v;
    }
    return *count ? 0 : -1;
}

static int selected(const struct options *o, const struct workload *w)
{
    if (!o->workloads)
        return strncmp(w->name, "parity-", 7) != 0;
    size_t n = strlen(w->name);
    for (const char *p = o->workloads; (p = strstr(p, w->name)); p += n)
        if ((p == o->workloads || p[-1] == ',') && (p[n] == ',' || p[n] == 0))
            return 1;
    return 0;
}

/* Every name in the list is a workload: 0, or -1 naming the first that is not. */
static int check_names(const char *list)
{
    char copy[1024];
    snprintf(copy, sizeof(copy), "%s", list);
    for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (!workload_by_name(t)) {
            fprintf(stderr, "svipc-bench: no workload '%s' (svipc-bench --list)\n", t);
            return -1;
        }
    return 0;
}

/* ---------- round mode: this process is the round's runner ---------- */

/* Under ref, msgget must be the preloaded library's, not the C library's. */
static int preload_in_effect(char *why, size_t size)
{
    Dl_info info;
    const char *preload = getenv("LD_PRELOAD");
    char want[PATH_MAX], got[PATH_MAX];
    if (!preload || !realpath(preload, want)) {
        snprintf(why, size, "LD_PRELOAD is not a library's path");
        return 0;
    }
    if (!dladdr((void *)msgget, &info) || !info.dli_fname || !realpath(info.dli_fname, got) ||
        strcmp(got, want) != 0) {
        snprintf(why, size, "msgget is %.100s's, not %.100s's", info.dli_fname ? info.dli_fname : "an unknown object",
                 preload);
        return 0;
    }
    return 1;
}

/* Under ref: this process attaches to its arena (one call does it), then
 * removes the arena's name, so that the arena ends with the round's last
 * process however the round ends (the processes of the round are forks of
 * this one and inherit the mapping). */
static int own_arena(char *why, size_t size)
{
    struct msginfo info;
    const char *arena = getenv("SVIPC_REF_ARENA");
    if (msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) < 0) {
        snprintf(why, size, "the reference runtime's first call (msgctl IPC_INFO): %s", strerror(errno));
        return 0;
    }
    if (!arena || unlink(arena) < 0) {
        snprintf(why, size, "removing the arena's name %.100s: %s", arena ? arena : "(none)",
                 arena ? strerror(errno) : "SVIPC_REF_ARENA is not set");
        return 0;
    }
    return 1;
}

static int round_mode(int argc, char **argv)
{
    struct round_result res;
    memset(&res, 0, sizeof(res));
    enum bench_impl impl;
    const struct workload *w = argc >= 6 ? workload_by_name(argv[3]) : NULL;
    if (!w || impl_by_name(argv[2], &impl) < 0) {
        fprintf(stderr, "svipc-bench --round IMPL WORKLOAD NPROCS OPS: bad arguments\n");
        return 2;
    }
    int nprocs = atoi(argv[4]);
    long ops = atol(argv[5]);
    int miscount = argc > 6 && strcmp(argv[6], "--inject-miscount") == 0;
    const struct ipc_calls *calls = w->kind->api == API_SYSV ? &libc_calls : NULL;
    if ((w->kind->api == API_POSIX) != (impl == IMPL_POSIX))
        snprintf(res.why, sizeof(res.why), "%s does not run on %s", w->name, impl_name(impl));
    else if (impl != IMPL_REF || (preload_in_effect(res.why, sizeof(res.why)) && own_arena(res.why, sizeof(res.why))))
        round_run(w, calls, nprocs, ops, miscount, &res);
    if (write(3, &res, sizeof(res)) != (ssize_t)sizeof(res))
        return 3;
    return 0;
}

/* ---------- statistics ---------- */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), by_value);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct summary {
    double rate, min, max;          /* operations per second */
    double cpu_us, vcsw, icsw, aux; /* per operation, medians */
};

static void summarise(const struct entry *e, struct summary *s)
{
    double rate[MAX_ROUNDS], cpu[MAX_ROUNDS], vcsw[MAX_ROUNDS], icsw[MAX_ROUNDS], aux[MAX_ROUNDS];
    for (int i = 0; i < e->done; i++) {
        const struct round_result *r = &e->rounds[i];
        double ops = (double)r->ops;
        rate[i] = r->seconds > 0 ? ops / r->seconds : 0;
        cpu[i] = (r->cpu_user + r->cpu_sys) * 1e6 / ops;
        vcsw[i] = (double)r->vcsw / ops;
        icsw[i] = (double)r->icsw / ops;
        aux[i] = (double)r->aux / ops;
    }
    s->rate = median_of(rate, e->done);
    s->min = rate[0];
    s->max = rate[e->done - 1];
    s->cpu_us = median_of(cpu, e->done);
    s->vcsw = median_of(vcsw, e->done);
    s->icsw = median_of(icsw, e->done);
    s->aux = median_of(aux, e->done);
}

static double load_average(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    return load;
}

/* ---------- one cell ---------- */

/* The observer's calls per operation, on a line of their own. */
static void print_observed(const struct entry *e)
{
    if (!e->observed_ops)
        return;
    printf("        observed per op:");
    int any = 0;
    for (int c = 0; c < e->observed.count; c++)
        if (e->observed.call[c].calls) {
            printf(" %s %.3g", e->observed.call[c].name, (double)e->observed.call[c].calls / (double)e->observed_ops);
            any = 1;
        }
    printf("%s\n", any ? "" : " no IPC call and no futex reached the kernel");
    const struct observed_sched *s = &e->observed.sched;
    double ops = (double)e->observed_ops;
    printf("        scheduler per op: switches %.3g (preempted %.3g), migrations %.3g, wake-ups %.3g\n",
           (double)s->switches / ops, (double)s->preempted / ops, (double)s->migrations / ops,
           (double)s->wakeups / ops);
}

static void emit(const struct options *o, const struct entry *e, int nprocs, const struct summary *s,
                 double kernel_rate, double load)
{
    if (!o->json)
        return;
    char name[128];
    snprintf(name, sizeof(name), "%s %s N=%d", e->w->name, entry_impl(o, e), nprocs);
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:I}", "kind", "bench", "name", name, "workload",
                          e->w->name, "impl", entry_impl(o, e), "procs", nprocs, "definition", e->w->definition,
                          "ops", (json_int_t)e->ops);
    if (e->impl == IMPL_TARGET) {
        json_object_set_new(r, "target", json_string(entry_impl(o, e)));
        if (e->inside[0])
            json_object_set_new(r, "inside", json_string(e->inside));
    }
    json_object_set_new(r, "compare", e->w->compare ? json_string(e->w->compare) : json_null());
    json_object_set_new(r, "load", json_real(load));
    if (e->observed_ops)
        json_object_set_new(r, "observed", observation_json(&e->observed, e->observed_ops));
    if (e->failed[0]) {
        json_object_set_new(r, "error", json_string(e->failed));
    } else if (o->smoke) {
        /* a smoke round is too short to time: only what it counted */
        json_object_set_new(r, "smoke", json_true());
    } else {
        json_t *rounds = json_array();
        for (int i = 0; i < e->done; i++)
            json_array_append_new(rounds, json_real(e->rounds[i].seconds > 0 ? e->rounds[i].ops / e->rounds[i].seconds : 0));
        json_object_set_new(r, "value", json_real(s->rate));
        json_object_set_new(r, "unit", json_string("ops/s"));
        json_object_set_new(r, "min", json_real(s->min));
        json_object_set_new(r, "max", json_real(s->max));
        json_object_set_new(r, "rounds", rounds);
        json_object_set_new(r, "cpu_us_per_op", json_real(s->cpu_us));
        json_object_set_new(r, "vcsw_per_op", json_real(s->vcsw));
        json_object_set_new(r, "icsw_per_op", json_real(s->icsw));
        json_object_set_new(r, "retries_per_op", json_real(s->aux));
        if (kernel_rate > 0 && e->impl != IMPL_KERNEL)
            json_object_set_new(r, "kernel_ratio", json_real(s->rate / kernel_rate));
    }
    char *text = json_dumps(r, JSON_COMPACT);
    fprintf(o->json, "%s\n", text);
    fflush(o->json);
    free(text);
    json_decref(r);
}

/* A smoke round's operations: a few, drawn from the seed, uneven on purpose. */
static long smoke_ops(const struct options *o, const struct workload *w, int nprocs)
{
    unsigned long x = o->seed * 2654435761UL + (unsigned long)nprocs * 40503UL;
    for (const char *c = w->name; *c; c++)
        x = x * 31 + (unsigned char)*c;
    x ^= x >> 13;
    return 20 + (long)(x % 81);
}

static int run_entry_round(const struct options *o, struct entry *e, int nprocs, long ops, struct round_result *res)
{
    e->ops = ops;
    struct observation before;
    memset(&before, 0, sizeof(before));
    if (o->observer)
        observer_take(o->observer, &before);    /* what came before the round is not its */
    int rc = e->impl == IMPL_TARGET ? spawn_target_round(&o->spawn, &o->targets[e->target], e->w->name, nprocs, ops,
                                                         res, e->inside, sizeof(e->inside))
                                    : spawn_round(&o->spawn, e->impl, e->w->name, nprocs, ops, res);
    if (o->observer && observer_take(o->observer, &e->observed) == 0)
        e->observed_ops += ops;
    if (rc < 0) {
        snprintf(e->failed, sizeof(e->failed), "%s", res->why);
        return -1;
    }
    return 0;
}

/* The closing table: each entry's ratio to the kernel, by workload and N. */
#define MAX_RATIOS 256
struct ratio_row {
    const struct workload *w;
    enum bench_impl impl;
    int target;
    int procs[MAX_PROCS_LIST];
    double ratio[MAX_PROCS_LIST];
    int count;
};
struct ratio_table {
    struct ratio_row rows[MAX_RATIOS];
    int count;
};

static void note_ratio(struct ratio_table *t, const struct entry *e, int nprocs, double ratio)
{
    struct ratio_row *row = NULL;
    for (int i = 0; i < t->count && !row; i++)
        if (t->rows[i].w == e->w && t->rows[i].impl == e->impl &&
            (e->impl != IMPL_TARGET || t->rows[i].target == e->target))
            row = &t->rows[i];
    if (!row && t->count < MAX_RATIOS) {
        row = &t->rows[t->count++];
        *row = (struct ratio_row){ .w = e->w, .impl = e->impl, .target = e->target };
    }
    if (row && row->count < MAX_PROCS_LIST) {
        row->procs[row->count] = nprocs;
        row->ratio[row->count++] = ratio;
    }
}

static void print_ratios(const struct options *o, const struct ratio_table *t)
{
    if (!t->count)
        return;
    printf("ratios to the kernel's median (above 1: faster than the kernel)\n  %-16s %-*s", "workload", o->impl_width,
           "impl");
    for (int p = 0; p < o->nprocs_list; p++)
        printf("   N=%-3d", o->procs[p]);
    printf("\n");
    for (int i = 0; i < t->count; i++) {
        const struct ratio_row *row = &t->rows[i];
        const struct entry as = { .impl = row->impl, .target = row->target };
        printf("  %-16s %-*s", row->w->name, o->impl_width, entry_impl(o, &as));
        for (int p = 0; p < o->nprocs_list; p++) {
            int k = 0;
            while (k < row->count && row->procs[k] != o->procs[p])
                k++;
            if (k < row->count)
                printf(" %7.2f", row->ratio[k]);
            else
                printf(" %7s", "-");
        }
        printf("\n");
    }
}

/* Returns how many entries failed. */
static int run_cell(const struct options *o, struct entry *entries, int n, int nprocs, struct ratio_table *ratios)
{
    double load = load_average();
    int failures = 0, live = 0;
    for (int i = 0; i < n; i++) {
        entries[i].done = 0;
        entries[i].failed[0] = 0;
        memset(&entries[i].observed, 0, sizeof(entries[i].observed));
        entries[i].observed_ops = 0;
    }
    /* warm-up (the smoke's only round): each entry once; its rate sets
     * the entry's operations per round, so that each lasts about --seconds */
    long ops[MAX_ENTRIES];
    for (int i = 0; i < n; i++) {
        struct entry *e = &entries[i];
        struct round_result res;
        if (run_entry_round(o, e, nprocs, o->smoke ? smoke_ops(o, e->w, nprocs) : o->warmup_ops, &res) < 0)
            continue;
        live++;
        double want = (res.seconds > 0 ? (double)res.ops / res.seconds : 1e9) * o->seconds;
        ops[i] = o->ops ? o->ops : want < 200 ? 200 : want > 5e6 ? 5000000 : (long)want;
        if (o->smoke) {
            e->rounds[0] = res;
            e->done = 1;
        } else {
            memset(&e->observed, 0, sizeof(e->observed));   /* the warm-up is not observed */
            e->observed_ops = 0;
        }
    }
    /* measured rounds, alternating; the first entry of each round rotates */
    for (int round = 0; !o->smoke && live && round < o->rounds; round++)
        for (int k = 0; k < n; k++) {
            int i = (k + round) % n;
            struct entry *e = &entries[i];
            if (e->failed[0])
                continue;
            if (run_entry_round(o, e, nprocs, ops[i], &e->rounds[e->done]) == 0)
                e->done++;
        }
    double kernel_rate = 0;
    struct summary sums[MAX_ENTRIES];
    for (int i = 0; i < n; i++)
        if (!entries[i].failed[0] && !o->smoke) {
            summarise(&entries[i], &sums[i]);
            if (entries[i].impl == IMPL_KERNEL)
                kernel_rate = sums[i].rate;
        }
    for (int i = 0; i < n; i++) {
        struct entry *e = &entries[i];
        printf("  N=%-3d %-16s %-*s ", nprocs, e->w->name, o->impl_width, entry_impl(o, e));
        if (e->failed[0]) {
            failures++;
            printf("FAILED: %s\n", e->failed);
        } else if (o->smoke) {
            printf("%ld operations, counts and final state as defined", e->rounds[0].ops);
            if (e->impl == IMPL_TARGET)
                printf(" (inside: %s)", e->inside);
            printf("\n");
        } else {
            struct summary *s = &sums[i];
            printf("%11.0f ops/s [%.0f..%.0f]  cpu %7.2f us/op  vcsw %5.2f/op", s->rate, s->min, s->max, s->cpu_us,
                   s->vcsw);
            if (s->aux > 0)
                printf("  retries %.2f/op", s->aux);
            if (kernel_rate > 0 && e->impl != IMPL_KERNEL) {
                printf("  x%.2f of kernel", s->rate / kernel_rate);
                note_ratio(ratios, e, nprocs, s->rate / kernel_rate);
            }
            printf("\n");
        }
        print_observed(e);
        emit(o, e, nprocs, o->smoke ? NULL : &sums[i], kernel_rate, load);
    }
    fflush(stdout);
    return failures;
}

/* ---------- main ---------- */

static int parse(int argc, char **argv, struct options *o)
{
    o->impl_on[IMPL_KERNEL] = o->impl_on[IMPL_REF] = o->impl_on[IMPL_POSIX] = 1;
    o->procs[0] = 1, o->procs[1] = 2, o->procs[2] = 4, o->procs[3] = 8, o->nprocs_list = 4;
    o->rounds = 3;
    o->seconds = 0.1;
    o->warmup_ops = 2000;
    o->spawn.deadline = 60;
    int procs_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES_VALUE() do { if (!v) { fprintf(stderr, "svipc-bench: %s needs a value\n", a); return -1; } i++; } while (0)
        if (strcmp(a, "-w") == 0 || strcmp(a, "--workload") == 0) {
            TAKES_VALUE();
            if (check_names(v) < 0)
                return -1;
            o->workloads = v;
        } else if (strcmp(a, "-i") == 0 || strcmp(a, "--impl") == 0) {
            TAKES_VALUE();
            memset(o->impl_on, 0, sizeof(o->impl_on));
            char copy[128];
            snprintf(copy, sizeof(copy), "%s", v);
            for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                enum bench_impl impl;
                if (impl_by_name(t, &impl) < 0) {
                    fprintf(stderr, "svipc-bench: no implementation '%s' (kernel, ref, posix)\n", t);
                    return -1;
                }
                o->impl_on[impl] = 1;
            }
        } else if (strcmp(a, "-t") == 0 || strcmp(a, "--target") == 0) {
            TAKES_VALUE();
            /* a comma list, but exec:CMD takes the rest of its value (its command may hold commas) */
            char *copy = strdup(v);
            for (char *t = copy; t && *t;) {
                char *comma = strncmp(t, "exec:", 5) == 0 ? NULL : strchr(t, ',');
                if (comma)
                    *comma = 0;
                if (o->ntarget_specs == MAX_TARGETS) {
                    fprintf(stderr, "svipc-bench: --target: at most %d targets\n", MAX_TARGETS);
                    return -1;
                }
                if (*t)
                    o->target_specs[o->ntarget_specs++] = t;
                t = comma ? comma + 1 : NULL;
            }
        } else if (strcmp(a, "-p") == 0 || strcmp(a, "--procs") == 0) {
            TAKES_VALUE();
            if (parse_list_of_ints(v, o->procs, MAX_PROCS_LIST, &o->nprocs_list) < 0) {
                fprintf(stderr, "svipc-bench: -p %s: process counts from 1 to %d, comma-separated\n", v,
                        BENCH_MAX_PROCS);
                return -1;
            }
            procs_given = 1;
        } else if (strcmp(a, "-r") == 0 || strcmp(a, "--rounds") == 0) {
            TAKES_VALUE();
            o->rounds = atoi(v);
            if (o->rounds < 1 || o->rounds > MAX_ROUNDS) {
                fprintf(stderr, "svipc-bench: -r %s: from 1 to %d rounds\n", v, MAX_ROUNDS);
                return -1;
            }
        } else if (strcmp(a, "--seconds") == 0) {
            TAKES_VALUE();
            o->seconds = atof(v);
            if (!(o->seconds > 0 && o->seconds <= 60)) {
                fprintf(stderr, "svipc-bench: --seconds %s: more than 0, at most 60\n", v);
                return -1;
            }
        } else if (strcmp(a, "--ops") == 0) {
            TAKES_VALUE();
            o->ops = atol(v);
            if (o->ops < 1) {
                fprintf(stderr, "svipc-bench: --ops %s: at least 1\n", v);
                return -1;
            }
            o->warmup_ops = o->ops;
        } else if (strcmp(a, "--deadline") == 0) {
            TAKES_VALUE();
            o->spawn.deadline = atof(v);
            if (!(o->spawn.deadline > 0)) {
                fprintf(stderr, "svipc-bench: --deadline %s: seconds, more than 0\n", v);
                return -1;
            }
        } else if (strcmp(a, "--seed") == 0) {
            TAKES_VALUE();
            o->seed = strtoul(v, NULL, 10);
        } else if (strcmp(a, "--preload") == 0) {
            TAKES_VALUE();
            o->spawn.preload = v;
        } else if (strcmp(a, "--json") == 0) {
            TAKES_VALUE();
            if (!(o->json = fopen(v, "a"))) {
                fprintf(stderr, "svipc-bench: %s: %s\n", v, strerror(errno));
                return -1;
            }
        } else if (strcmp(a, "--observe") == 0) {
            o->observe = 1;
        } else if (strcmp(a, "--smoke") == 0) {
            o->smoke = 1;
        } else if (strcmp(a, "--inject-miscount") == 0) {
            o->spawn.inject_miscount = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            exit(usage(stdout, 0));
        } else {
            fprintf(stderr, "svipc-bench: unknown argument '%s'\n", a);
            return -1;
        }
#undef TAKES_VALUE
    }
    if (o->smoke && !procs_given)
        o->procs[0] = 1, o->procs[1] = 3, o->procs[2] = 4, o->nprocs_list = 3;
    return 0;
}

static void list_workloads(void)
{
    for (int i = 0; workload_at(i); i++) {
        const struct workload *w = workload_at(i);
        printf("%-18s %s%s%s\n    one operation: %s\n", w->name, w->kind->api == API_POSIX ? "posix" : "kernel, ref",
               w->compare ? ", the comparator of " : "", w->compare ? w->compare : "", w->definition);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--round") == 0)
        return round_mode(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--list") == 0) {
        list_workloads();
        return 0;
    }
    struct options o;
    memset(&o, 0, sizeof(o));
    if (parse(argc, argv, &o) < 0)
        return usage(stderr, 2);
    char self[PATH_MAX], preload[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        fprintf(stderr, "svipc-bench: /proc/self/exe: %s\n", strerror(errno));
        return 2;
    }
    self[n] = 0;
    o.spawn.self = self;
    if (!o.spawn.preload) {
        bench_companion(self, "libsvipc-ref.so", preload, sizeof(preload));
        o.spawn.preload = preload;
    }
    if (o.impl_on[IMPL_REF] && access(o.spawn.preload, R_OK) < 0) {
        fprintf(stderr, "svipc-bench: %s: %s (make %s, or --preload LIB, or -i kernel,posix)\n", o.spawn.preload,
                strerror(errno), "build/libsvipc-ref.so");
        return 2;
    }
    if (o.smoke && o.seed == 0)
        o.seed = 1;
    int targets_skipped = 0;
    o.impl_width = 6;
    for (int i = 0; i < o.ntarget_specs; i++) {
        char why[512];
        struct bench_target *t = &o.targets[o.ntargets];
        int rc = bench_target_resolve(o.target_specs[i], self, t, why, sizeof(why));
        if (rc < 0) {
            fprintf(stderr, "svipc-bench: --target %s: %s\n", o.target_specs[i], why);
            return 2;
        }
        int again = 0;
        for (int k = 0; k < o.ntargets; k++)
            again |= strcmp(o.targets[k].name, t->name) == 0;
        if (rc > 0) {
            printf("svipc-bench: target %s skipped: %s\n", o.target_specs[i], why);
            fprintf(stderr, "svipc-bench: target %s skipped: %s\n", o.target_specs[i], why);
            targets_skipped++;
        } else if (!again) {
            if ((int)strlen(t->name) > o.impl_width)
                o.impl_width = (int)strlen(t->name);
            o.ntargets++;
        }
    }
    if (o.observe) {
        char why[512];
        if (!(o.observer = observer_open(why, sizeof(why))) || observer_scope(o.observer) < 0) {
            if (o.observer)
                snprintf(why, sizeof(why), "making this process a scope: %s", strerror(errno));
            observer_close(o.observer);
            o.observer = NULL;
            printf("svipc-bench: --observe: running without the observer: %s\n", why);
        } else {
            printf("svipc-bench: --observe: IPC calls, futex and the scheduler seen in the kernel (BPF: "
                   "sys_enter/sys_exit, sched_switch/sched_wakeup)\n");
        }
    }
    double load = load_average();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (o.smoke)
        printf("svipc-bench: smoke, seed %lu: every workload once, a few operations, counts checked, not timed\n",
               o.seed);
    else
        printf("svipc-bench: %d measured rounds after a warm-up, alternating, about %.2f s each; "
               "load average %.2f on %ld CPUs%s\n",
               o.rounds, o.seconds, load, cpus, load > 0.5 ? ": figures under load, compare side by side only" : "");
    int cells = 0, failures = 0, skipped = 0;
    struct ratio_table *ratios = calloc(1, sizeof(*ratios));
    if (!ratios) {
        fprintf(stderr, "svipc-bench: out of memory\n");
        return 2;
    }
    for (int i = 0; workload_at(i); i++) {
        const struct workload *w = workload_at(i);
        if (!selected(&o, w))
            continue;
        /* a POSIX workload runs in its System V workload's cell when that is selected */
        if (w->compare && selected(&o, workload_by_name(w->compare)) &&
            o.impl_on[IMPL_KERNEL] + o.impl_on[IMPL_REF] + o.ntargets)
            continue;
        struct entry entries[MAX_ENTRIES];
        int count = 0;
        if (w->kind->api == API_SYSV) {
            for (int impl = IMPL_KERNEL; impl <= IMPL_REF; impl++)
                if (o.impl_on[impl])
                    entries[count++] = (struct entry){ .w = w, .impl = (enum bench_impl)impl };
            for (int t = 0; t < o.ntargets; t++)
                entries[count++] = (struct entry){ .w = w, .impl = IMPL_TARGET, .target = t };
            for (int j = 0; count && o.impl_on[IMPL_POSIX] && workload_at(j) && count < MAX_ENTRIES; j++) {
                const struct workload *c = workload_at(j);
                /* a workload named brings its comparators */
                if (c->compare && strcmp(c->compare, w->name) == 0)
                    entries[count++] = (struct entry){ .w = c, .impl = IMPL_POSIX };
            }
        } else if (o.impl_on[IMPL_POSIX]) {
            entries[count++] = (struct entry){ .w = w, .impl = IMPL_POSIX };
        }
        if (!count)
            continue;
        printf("%s: %s\n", w->name, w->definition);
        for (int p = 0; p < o.nprocs_list; p++) {
            struct entry fit[MAX_ENTRIES];
            int nfit = 0;
            char why[128];
            for (int e = 0; e < count; e++) {
                if (workload_fits(entries[e].w, o.procs[p], why, sizeof(why)))
                    fit[nfit++] = entries[e];
                else if (e == 0 || strcmp(entries[e].w->name, entries[e - 1].w->name) != 0) {
                    printf("  N=%-3d %-16s skipped: %s\n", o.procs[p], entries[e].w->name, why);
                    skipped++;
                }
            }
            if (!nfit)
                continue;
            failures += run_cell(&o, fit, nfit, o.procs[p], ratios);
            cells++;
        }
    }
    if (o.json)
        fclose(o.json);
    print_ratios(&o, ratios);
    free(ratios);
    observer_close(o.observer);
    printf("svipc-bench: %d cells, %d failed entries, %d skipped", cells, failures, skipped);
    if (o.ntarget_specs)
        printf(", %d of %d targets skipped", targets_skipped, o.ntarget_specs);
    printf("\n");
    if (!cells) {
        fprintf(stderr, "svipc-bench: nothing ran\n");
        return 1;
    }
    return failures ? 1 : 0;
}
