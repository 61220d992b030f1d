/* stress.c: `svipc stress`, random concurrent workloads on one
 * implementation (kernel or ref), their history checked for
 * linearizability against the model.
 *
 * Isolation, as the catalog's: svipc enters a new PID namespace for its
 * next child, the session, which is that namespace's init and dies with
 * svipc (PR_SET_PDEATHSIG); the session takes a fresh instance of the
 * backend (kernel: a new IPC namespace; ref: a new arena in a memfd), has
 * a first process create the objects, then forks the workers and releases
 * them at once.  When the session ends, for any reason, the kernel kills
 * every process of the namespace and the IPC namespace goes with them: no
 * object of the run outlives it, and the host's are never seen.
 * Deaths: the session SIGKILLs a worker at random instants (--kill-ms)
 * and starts another in its place with what was left of its quota; every
 * worker's end, killed or done, is a death in the history, from the kill
 * (or its last call) to the moment it was reaped and its exit applied
 * (ref: by the session itself if the keeper has not yet).
 * Deadlines: the session stops the workers at the run's time, kills them
 * at its deadline (their calls in flight stay pending), and svipc kills
 * the session if it does not end by then: a hung implementation is a
 * reported result (exit 2), never a hung run.
 * On a target (--target): this program runs itself there for the
 * recording half (stress_target.h) and checks the history it sends back.
 * Must not: decide linearizability (stress_check.c) or choose operations
 * (stress_workload.c). */
#define _GNU_SOURCE
#include "stress.h"

#include "backend.h"
#include "child_wait.h"
#include "stress_check.h"
#include "stress_history.h"
#include "stress_shrink.h"
#include "stress_summary.h"
#include "stress_target.h"
#include "stress_workload.h"
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A timed run's history, over all workers, by default: two thirds of the
 * memory available when it starts, counting each event's record and its
 * entry in the check's index (the shared space is given back as it is
 * copied, so the history is in memory once); the rest is the workers',
 * the checkers' and the system's. */
#define HISTORY_MEMORY_NUM   2
#define HISTORY_MEMORY_DEN   3
#define HISTORY_INDEX_BYTES  4
#define HISTORY_EVENTS_MIN   1000000L
#define HISTORY_EVENTS_MAX   4000000000L   /* the check's index counts in 32 bits */

struct stress_options {
    const char *backend;
    struct stress_config cfg;
    long total_ops;                    /* 0 with seconds */
    double seconds;
    double deadline;                   /* the workers' phase, seconds */
    const char *history_path;          /* "-": standard output (the rest of the output goes to stderr) */
    FILE *history_out;                 /* with "-": where the history goes */
    const char *target;                /* the workers run there (stress_target.h), or NULL: here */
    const char *check_path;            /* check this recorded history instead of running */
    int no_check;                      /* record (to history_path), check elsewhere */
    const char *json_path;             /* the summary as JSON */
    const char *shrink_path;           /* a violation, shrunk to a scenario, is written here */
    double shrink_seconds;
    int ids;                           /* worker indices: nprocs and replacements */
    long max_events;                   /* a timed run's history, over all workers */
    int max_events_given;              /* --max-events was given (else it is sized from memory) */
    struct stress_check_limits limits;
};

/* What the session tells svipc, in memory both map. */
struct session_report {
    char why[256];                     /* non-empty: the run could not be done */
    uint64_t t_start, t_end;
    int killed;                        /* workers still running at the deadline */
    int kills;                         /* workers SIGKILLed during the run (and replaced) */
    int workers_done;
    char limits_note[300];             /* non-empty: the limits could not be changed, and why */
};

#define LIMIT_WRITER_EVENTS 4096

static void usage(FILE *to)
{
    fputs("usage: svipc stress [options]   random concurrent operations, the history checked\n"
          "                                for linearizability against the model\n"
          "  --backend kernel|ref          the implementation (default kernel)\n"
          "  -n, --procs N                 worker processes (default 2 x CPUs, at most 512)\n"
          "  --seed N                      the workload's seed (default: from the clock, printed)\n"
          "  --ops N                       operations over all workers (default 20000)\n"
          "  --seconds S                   run for S seconds instead\n"
          "  --workload msg|sem|shm|mixed  which objects (default mixed: all three)\n"
          "  --group N                     workers that share objects: each group of N has queues and\n"
          "                                sets of its own, so no object has more callers than its\n"
          "                                check can order (default 8; 0: every worker on every one)\n"
          "  --queues N, --sets N, --segments N\n"
          "                                each group's objects alive at once (default 2, 2, 1)\n"
          "  --qbytes N                    each queue's msg_qbytes (default 256: senders block)\n"
          "  --interrupt-us N              SIGALRM every N us in each worker: blocked calls end\n"
          "                                with EINTR (default 2000; 0 none)\n"
          "  --rmid N                      IPC_RMID and re-creation per 10,000 operations (default 5)\n"
          "  --undo N                      percent of sembufs with SEM_UNDO (default 25)\n"
          "  --kill-ms N                   SIGKILL a worker every N ms on average and start another in\n"
          "                                its place; its death is in the history (default 50; 0 none)\n"
          "  --sysctl-ms N                 lower kernel.msgmax or semopm every N ms on average for a\n"
          "                                tenth of that (some sends fail EINVAL, semops E2BIG), from\n"
          "                                a process of its own; each write is in the history\n"
          "                                (default 200; 0 none)\n"
          "  --target T                    run the workers on target T (gvisor, qemu-x86_64,\n"
          "                                exec:CMD): svipc stress runs there with --no-check\n"
          "                                --history -, and its history is checked here; --shrink\n"
          "                                runs its scenarios there (with --check too)\n"
          "  --history FILE                write the history as JSON Lines (- : standard output,\n"
          "                                the other output then on standard error)\n"
          "  --json FILE                   the summary as one JSON object (figures, latencies per\n"
          "                                call, the check's counts, the result)\n"
          "  --check FILE                  run nothing: check a history written by --history (or\n"
          "                                the lines of a printed violation; - reads stdin)\n"
          "  --shrink FILE                 on a violation: shrink it to a scenario of the catalog's\n"
          "                                format that `svipc run` fails on --backend, written to\n"
          "                                FILE (with --check too: a history recorded earlier)\n"
          "  --shrink-seconds S            time for shrinking (default 60)\n"
          "  --no-history                  record nothing, check nothing: the bare operations'\n"
          "                                speed (exit status 2: nothing was checked)\n"
          "  --no-check                    write the history (--history FILE) and check nothing: for\n"
          "                                --check elsewhere, by another svipc (exit status 2)\n"
          "  --check-steps N               search steps per object (default: 200 per call of the\n"
          "                                object, at least 5000000)\n"
          "  --check-mib N                 search memory per object (default 512)\n"
          "  --check-jobs N                objects checked at once, a process each (default: the CPUs)\n"
          "  --max-events N                a timed run's history over all workers (default: two\n"
          "                                thirds of the available memory, 92 bytes an event); when\n"
          "                                it is full, the run stops early\n"
          "  --deadline S                  the workers' deadline (default: the run's time + 60)\n"
          "Exit status: 0 linearizable, 1 a violation (the smallest failing object's history is\n"
          "printed), 2 undecided, a deadline reached, a run that stopped early, or one that could\n"
          "not be done.\n",
          to);
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "svipc stress: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(svipc stress --help lists the options)\n");
    return 2;
}

static int number(const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* The memory available now, in bytes (MemAvailable; without it, a
 * quarter of the machine's). */
static double memory_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    unsigned long long kib = 0;
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    if (kib)
        return (double)kib * 1024;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (double)pages * (double)page / 4 : 0;
}

static int parse(int argc, char **argv, struct stress_options *o)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    memset(o, 0, sizeof(*o));
    o->backend = "kernel";
    o->cfg = (struct stress_config){
        .nprocs = (int)(cpus > 0 ? 2 * cpus : 2), .mix = STRESS_MIX_ALL, .group = 8, .nqueues = 2, .nsets = 2,
        .nsegs = 1, .nsems = 3, .qbytes = 256, .interrupt_us = 2000, .rmid_per_10k = 5, .record = 1,
        .undo_percent = 25, .kill_ms = 50, .sysctl_ms = 200,
    };
    o->cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 20);
    o->limits = (struct stress_check_limits){ .max_steps = 0, .max_bytes = 512UL << 20,
                                              .jobs = cpus > 0 ? (int)(cpus < STRESS_CHECK_JOBS_MAX ? cpus : STRESS_CHECK_JOBS_MAX) : 1 };
    double available = memory_available();
    o->max_events = (long)(available * HISTORY_MEMORY_NUM / HISTORY_MEMORY_DEN /
                           (double)(sizeof(struct stress_event) + HISTORY_INDEX_BYTES));
    if (o->max_events < HISTORY_EVENTS_MIN)
        o->max_events = HISTORY_EVENTS_MIN;
    if (o->max_events > HISTORY_EVENTS_MAX)
        o->max_events = HISTORY_EVENTS_MAX;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return -1;
        }
        if (strcmp(a, "--no-history") == 0) {
            o->cfg.record = 0;
            continue;
        }
        if (strcmp(a, "--no-check") == 0) {
            o->no_check = 1;
            continue;
        }
        if (i + 1 >= argc)
            return bad("option %s needs a value, or is unknown", a);
        const char *val = argv[++i];
        if (strcmp(a, "--backend") == 0) {
            if (strcmp(val, "kernel") && strcmp(val, "ref"))
                return bad("--backend takes kernel or ref, not '%s'", val);
            o->backend = val;
        } else if (strcmp(a, "-n") == 0 || strcmp(a, "--procs") == 0) {
            if (number(val, 1, STRESS_PROCS_MAX, &v) < 0)
                return bad("--procs takes 1 to 512, not '%s'", val);
            o->cfg.nprocs = (int)v;
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            o->cfg.seed = strtoull(val, &end, 0);
            if (errno || end == val || *end || *val == '-' || o->cfg.seed > INT64_MAX)
                return bad("--seed takes a number from 0 to 9223372036854775807 (a JSON integer), not '%s'", val);
        } else if (strcmp(a, "--ops") == 0) {
            if (number(val, 1, 100000000, &v) < 0)
                return bad("--ops takes 1 to 100000000, not '%s'", val);
            o->total_ops = v;
        } else if (strcmp(a, "--seconds") == 0) {
            if (number(val, 1, 86400, &v) < 0)
                return bad("--seconds takes 1 to 86400, not '%s'", val);
            o->seconds = (double)v;
        } else if (strcmp(a, "--workload") == 0) {
            o->cfg.mix = strcmp(val, "msg") == 0 ? STRESS_MIX_MSG : strcmp(val, "sem") == 0 ? STRESS_MIX_SEM
                       : strcmp(val, "shm") == 0 ? STRESS_MIX_SHM : strcmp(val, "mixed") == 0 ? STRESS_MIX_ALL : 0;
            if (!o->cfg.mix)
                return bad("--workload takes msg, sem, shm or mixed, not '%s'", val);
        } else if (strcmp(a, "--queues") == 0 || strcmp(a, "--sets") == 0 || strcmp(a, "--segments") == 0) {
            if (number(val, 1, 8, &v) < 0)
                return bad("--queues, --sets and --segments take 1 to 8, not '%s'", val);
            *(strcmp(a, "--queues") == 0 ? &o->cfg.nqueues : strcmp(a, "--sets") == 0 ? &o->cfg.nsets : &o->cfg.nsegs) = (int)v;
        } else if (strcmp(a, "--group") == 0) {
            if (number(val, 0, STRESS_PROCS_MAX, &v) < 0)
                return bad("--group takes 0 (every worker on every object) to 512, not '%s'", val);
            o->cfg.group = (int)v;
        } else if (strcmp(a, "--qbytes") == 0) {
            if (number(val, STRESS_TEXT_MAX, 16384, &v) < 0)
                return bad("--qbytes takes 32 to 16384 (msgmnb), not '%s'", val);
            o->cfg.qbytes = (int)v;
        } else if (strcmp(a, "--interrupt-us") == 0) {
            if (number(val, 0, 10000000, &v) < 0 || (v > 0 && v < 100))
                return bad("--interrupt-us takes 0 (none) or 100 to 10000000, not '%s'", val);
            o->cfg.interrupt_us = v;
        } else if (strcmp(a, "--rmid") == 0) {
            if (number(val, 0, 10000, &v) < 0)
                return bad("--rmid takes 0 to 10000, not '%s'", val);
            o->cfg.rmid_per_10k = (int)v;
        } else if (strcmp(a, "--undo") == 0) {
            if (number(val, 0, 100, &v) < 0)
                return bad("--undo takes 0 to 100 (percent), not '%s'", val);
            o->cfg.undo_percent = (int)v;
        } else if (strcmp(a, "--kill-ms") == 0) {
            if (number(val, 0, 3600000, &v) < 0)
                return bad("--kill-ms takes 0 (none) to 3600000, not '%s'", val);
            o->cfg.kill_ms = v;
        } else if (strcmp(a, "--sysctl-ms") == 0) {
            if (number(val, 0, 1000000, &v) < 0)
                return bad("--sysctl-ms takes 0 (none) to 1000000, not '%s'", val);
            o->cfg.sysctl_ms = v;
        } else if (strcmp(a, "--shrink") == 0) {
            o->shrink_path = val;
        } else if (strcmp(a, "--shrink-seconds") == 0) {
            if (number(val, 1, 86400, &v) < 0)
                return bad("--shrink-seconds takes 1 to 86400, not '%s'", val);
            o->shrink_seconds = (double)v;
        } else if (strcmp(a, "--history") == 0) {
            o->history_path = val;
        } else if (strcmp(a, "--target") == 0) {
            o->target = strcmp(val, "native") == 0 ? NULL : val;
        } else if (strcmp(a, "--check") == 0) {
            o->check_path = val;
        } else if (strcmp(a, "--json") == 0) {
            o->json_path = val;
        } else if (strcmp(a, "--check-steps") == 0) {
            if (number(val, 1, 1000000000000L, &v) < 0)
                return bad("--check-steps takes a positive number, not '%s'", val);
            o->limits.max_steps = (unsigned long)v;
        } else if (strcmp(a, "--check-mib") == 0) {
            if (number(val, 16, 1L << 20, &v) < 0)
                return bad("--check-mib takes 16 to 1048576, not '%s'", val);
            o->limits.max_bytes = (size_t)v << 20;
        } else if (strcmp(a, "--check-jobs") == 0) {
            if (number(val, 1, STRESS_CHECK_JOBS_MAX, &v) < 0)
                return bad("--check-jobs takes 1 to 64, not '%s'", val);
            o->limits.jobs = (int)v;
        } else if (strcmp(a, "--max-events") == 0) {
            if (number(val, 1000, HISTORY_EVENTS_MAX, &v) < 0)
                return bad("--max-events takes 1000 to 4000000000, not '%s'", val);
            o->max_events = v;
            o->max_events_given = 1;
        } else if (strcmp(a, "--deadline") == 0) {
            if (number(val, 1, 86400, &v) < 0)
                return bad("--deadline takes 1 to 86400 seconds, not '%s'", val);
            o->deadline = (double)v;
        } else {
            return bad("unknown option '%s'", a);
        }
    }
    if (stress_groups(&o->cfg) * stress_group_slots(&o->cfg) > STRESS_SLOTS_MAX)
        return bad("%s", "too many objects alive at once: groups x (queues + sets + segments) is at most 1024");
    if (o->seconds && o->total_ops)
        return bad("%s", "--ops and --seconds exclude each other");
    if (!o->seconds && !o->total_ops)
        o->total_ops = 20000;
    if (o->total_ops)
        o->cfg.ops_per_proc = (o->total_ops + o->cfg.nprocs - 1) / o->cfg.nprocs;
    if (!o->deadline)
        o->deadline = (o->seconds ? o->seconds : 0) + 60;
    /* worker indices, and the limit writer's after them */
    o->ids = o->cfg.kill_ms ? STRESS_IDS_MAX - 1 : o->cfg.nprocs;
    if (!o->cfg.record && o->history_path)
        return bad("%s", "--history needs a history: not with --no-history");
    if (o->check_path && (o->history_path || !o->cfg.record || o->no_check))
        return bad("%s", "--check reads a history: not with --history, --no-history or --no-check");
    if (o->no_check && !o->history_path)
        return bad("%s", "--no-check needs --history FILE: the history is checked elsewhere");
    if (o->target && !o->cfg.record)
        return bad("%s", "--target records a history to check here: not with --no-history");
    return 0;
}

static double seconds_between(uint64_t a, uint64_t b)
{
    return (double)(b - a) / 1e9;
}

/* ---------- the session: the PID namespace's init ---------- */

/* FD moved to a number above the backend's, close-on-exec. */
static int high_fd(int fd)
{
    int h = fcntl(fd, F_DUPFD_CLOEXEC, 16);
    close(fd);
    return h;
}

/* In a new process of the session: the backend's descriptor in place and
 * the process made known to the implementation. */
static int join_backend(const struct backend *be, char *why, size_t size)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (be->scenario_fd && be->scenario_fd() >= 0 && dup2(be->scenario_fd(), BACKEND_FD) < 0) {
        snprintf(why, size, "dup2: %s", strerror(errno));
        return -1;
    }
    return be->puppet_start ? be->puppet_start(why, size) : 0;
}

static pid_t start_setup(const struct backend *be, const struct stress_config *cfg, struct stress_shared *sh,
                         struct session_report *rep)
{
    pid_t pid = fork();
    if (pid == 0) {
        char why[200] = "";
        if (join_backend(be, why, sizeof(why)) < 0 ||
            stress_setup_objects(be->calls, cfg, sh, why, sizeof(why)) < 0) {
            snprintf(rep->why, sizeof(rep->why), "setting up the objects: %s", why);
            _exit(1);
        }
        _exit(0);
    }
    return pid;
}

/* The process that changes limits under the workers (index o->ids). */
static pid_t start_limit_writer(const struct backend *be, const struct stress_options *o, struct stress_shared *sh,
                                struct session_report *rep)
{
    if (!o->cfg.sysctl_ms)
        return 0;
    pid_t pid = fork();
    if (pid == 0) {
        char why[200] = "";
        int rc = join_backend(be, why, sizeof(why)) < 0 ? -1
               : stress_limit_writer(be->calls, &o->cfg, sh, o->ids, why, sizeof(why));
        if (rc > 0) {                  /* not this namespace's to change: the run goes on */
            snprintf(rep->limits_note, sizeof(rep->limits_note), "%s: the run goes on without limit changes", why);
            _exit(0);
        }
        if (rc < 0) {
            snprintf(rep->why, sizeof(rep->why), "changing limits: %s", why);
            stress_stop(sh, STRESS_STOP_ASKED);
            _exit(1);
        }
        _exit(0);
    }
    if (pid < 0)
        snprintf(rep->why, sizeof(rep->why), "cannot start the limit writer: %s", strerror(errno));
    return pid;
}

static int wait_for(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return status;
}

struct worker {
    pid_t pid;                         /* 0: gone (reaped) */
    int group;                         /* the objects it uses (stress_workload.h) */
    long quota;
    uint64_t started_at, killed_at;
};

static uint64_t splitmix_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A gap of mean MS milliseconds (uniform over 0 to 2 MS), in nanoseconds. */
static uint64_t kill_gap(uint64_t *rng, long ms)
{
    return splitmix_next(rng) % (2 * (uint64_t)ms * 1000000u + 1);
}

/* Worker I: forked, joined to the backend, waiting at GATE's read end
 * when there is a gate (the first ones all start at once).  0, or -1. */
static int start_worker(const struct backend *be, const struct stress_options *o, struct stress_shared *sh,
                        struct session_report *rep, struct worker *workers, int i, int group, long quota,
                        const int *gate)
{
    workers[i].group = group;
    workers[i].quota = quota;
    workers[i].started_at = stress_now_ns();
    workers[i].pid = fork();
    if (workers[i].pid < 0) {
        snprintf(rep->why, sizeof(rep->why), "cannot start worker %d: %s", i, strerror(errno));
        return -1;
    }
    if (workers[i].pid == 0) {
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_UNBLOCK, &chld, NULL);
        char why[200] = "";
        if (gate)
            close(gate[1]);
        if (join_backend(be, why, sizeof(why)) < 0) {
            snprintf(rep->why, sizeof(rep->why), "worker %d: %s", i, why);
            _exit(1);
        }
        char c;
        while (gate && read(gate[0], &c, 1) < 0 && errno == EINTR)
            ;                          /* every first worker starts at once */
        stress_worker(be->calls, &o->cfg, sh, i, group, quota);
        _exit(0);
    }
    return 0;
}

static _Noreturn void session(const struct backend *be, const struct stress_options *o, struct stress_shared *sh,
                              struct session_report *rep, pid_t svipc)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != 0 && getppid() != svipc && kill(svipc, 0) < 0)
        _exit(1);                      /* svipc died before the death signal was set */
    char why[200] = "";
    if (be->begin_scenario(why, sizeof(why)) < 0) {
        snprintf(rep->why, sizeof(rep->why), "%s", why);
        _exit(1);
    }
    pid_t setup = start_setup(be, &o->cfg, sh, rep);
    if (setup < 0 || wait_for(setup) != 0) {
        if (!rep->why[0])
            snprintf(rep->why, sizeof(rep->why), "the process that creates the objects failed");
        _exit(1);
    }
    int gate[2];
    if (pipe(gate) < 0 || (gate[0] = high_fd(gate[0])) < 0 || (gate[1] = high_fd(gate[1])) < 0) {
        snprintf(rep->why, sizeof(rep->why), "pipe: %s", strerror(errno));
        _exit(1);
    }
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    int n = o->cfg.nprocs, ids = o->ids;
    struct worker *workers = calloc((size_t)ids, sizeof(*workers));
    if (!workers)
        _exit(1);
    for (int i = 0; i < n; i++)
        if (start_worker(be, o, sh, rep, workers, i, stress_group_of(&o->cfg, i), o->cfg.ops_per_proc, gate) < 0)
            _exit(1);
    close(gate[0]);
    rep->t_start = stress_now_ns();
    close(gate[1]);
    pid_t writer = start_limit_writer(be, o, sh, rep);
    if (writer < 0)
        _exit(1);
    uint64_t stop_at = o->seconds ? rep->t_start + (uint64_t)(o->seconds * 1e9) : 0;
    uint64_t deadline = rep->t_start + (uint64_t)(o->deadline * 1e9);
    /* SIGKILLs at random instants, from the seed */
    uint64_t rng = o->cfg.seed ^ 0x6b696c6cULL;
    uint64_t next_kill = o->cfg.kill_ms ? rep->t_start + kill_gap(&rng, o->cfg.kill_ms) : 0;
    int left = n, next_id = n, failed = 0;
    while (left > 0) {
        uint64_t now = stress_now_ns();
        if (stop_at && now >= stop_at && !stress_stopped(sh))
            stress_stop(sh, STRESS_STOP_ASKED);
        if (now >= deadline && !rep->killed) {
            rep->killed = left;
            for (int i = 0; i < next_id; i++)
                if (workers[i].pid > 0 && !workers[i].killed_at) {
                    workers[i].killed_at = stress_now_ns();
                    kill(workers[i].pid, SIGKILL);
                }
        }
        if (next_kill && now >= next_kill) {
            next_kill = now + kill_gap(&rng, o->cfg.kill_ms);
            /* a live worker at random, replaced by a new one with what was
             * left of its quota, while the run goes on and indices last */
            int alive[STRESS_PROCS_MAX], nalive = 0;
            for (int i = 0; i < next_id && nalive < STRESS_PROCS_MAX; i++)
                if (workers[i].pid > 0 && !workers[i].killed_at && !stress_worker_finished_at(sh, i))
                    alive[nalive++] = i;
            if (nalive && next_id < ids && !stress_stopped(sh) && !rep->killed) {
                int v = alive[splitmix_next(&rng) % (uint64_t)nalive];
                workers[v].killed_at = stress_now_ns();
                kill(workers[v].pid, SIGKILL);
                rep->kills++;
                long quota = 0;
                if (o->cfg.ops_per_proc) {
                    long done = (long)stress_worker_events(sh, v);
                    quota = workers[v].quota > done ? workers[v].quota - done : 0;
                }
                if (!o->cfg.ops_per_proc || quota > 0) {
                    if (start_worker(be, o, sh, rep, workers, next_id, workers[v].group, quota, NULL) < 0)
                        _exit(1);
                    next_id++;
                    left++;
                }
            }
        }
        uint64_t next = stop_at && !stress_stopped(sh) && stop_at < deadline ? stop_at : deadline;
        if (next_kill && next_kill < next)
            next = next_kill;
        uint64_t wait_ns = next > now ? next - now : 1000000;
        struct timespec ts = { .tv_sec = (time_t)(wait_ns / 1000000000u), .tv_nsec = (long)(wait_ns % 1000000000u) };
        sigtimedwait(&chld, NULL, &ts);
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == writer) {       /* it ended early: no limit to change, its room used, or
                                        * it failed (it says why) */
                if (be->process_gone)
                    be->process_gone(pid);
                writer = 0;
            }
            for (int i = 0; i < next_id; i++)
                if (workers[i].pid == pid) {
                    /* its exit applied (ref: by us, if its keeper has not yet) */
                    if (be->process_gone)
                        be->process_gone(pid);
                    uint64_t t_end = workers[i].killed_at ? workers[i].killed_at : stress_worker_finished_at(sh, i);
                    if (!t_end)
                        t_end = workers[i].started_at;       /* died otherwise: any time in its life */
                    stress_death_add(sh, i, t_end, stress_now_ns());
                    workers[i].pid = 0;
                    left--;
                    failed += !workers[i].killed_at && !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                }
        }
    }
    rep->t_end = stress_now_ns();
    if (writer > 0) {                  /* the workers are done: so is it */
        stress_stop(sh, STRESS_STOP_ASKED);
        if (wait_for(writer) != 0 && !rep->why[0])
            snprintf(rep->why, sizeof(rep->why), "the limit writer ended abnormally");
        else if (be->process_gone)
            be->process_gone(writer);
    }
    rep->workers_done = n;
    if (failed && !rep->why[0])
        snprintf(rep->why, sizeof(rep->why), "%d workers ended abnormally", failed);
    _exit(0);                          /* the namespace, and everything in it, goes */
}

/* Start the session and wait for it, at most its deadline and a margin. */
static int run_session(const struct backend *be, const struct stress_options *o, struct stress_shared *sh,
                       struct session_report *rep)
{
    if (unshare(CLONE_NEWPID) < 0) {
        char why[400] = "";
        if (userns_isolation("stress", why, sizeof(why)) == 0)
            snprintf(why, sizeof(why), "run as root");
        snprintf(rep->why, sizeof(rep->why), "cannot create a PID namespace: %s (%s)", strerror(errno), why);
        return -1;
    }
    pid_t me = getpid();
    sigset_t chld, before;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &before);    /* its end stays pending for child_ended_by */
    pid_t pid = fork();
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &before, NULL);
        snprintf(rep->why, sizeof(rep->why), "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &before, NULL);
        session(be, o, sh, rep, me);
    }
    int ms = (int)((o->deadline + 30) * 1000);
    if (!child_ended_by(pid, child_wait_now_ns() + (uint64_t)ms * 1000000u, &chld)) {
        kill(pid, SIGKILL);            /* the whole namespace with it */
        if (!rep->why[0])
            snprintf(rep->why, sizeof(rep->why), "the session did not end within its deadline (%d s)", ms / 1000);
    }
    int status = wait_for(pid);
    sigprocmask(SIG_SETMASK, &before, NULL);
    if (!rep->why[0] && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        snprintf(rep->why, sizeof(rep->why), "the session ended abnormally (status %#x)", status);
    return rep->why[0] ? -1 : 0;
}

/* ---------- the command ---------- */

static const char *mix_name(int mix)
{
    return mix == STRESS_MIX_MSG ? "msg" : mix == STRESS_MIX_SEM ? "sem" : mix == STRESS_MIX_SHM ? "shm" : "mixed";
}

static int write_history(const struct stress_options *o, const struct stress_history *h)
{
    FILE *f = o->history_out ? o->history_out : fopen(o->history_path, "w");
    if (!f) {
        fprintf(stderr, "svipc stress: %s: %s\n", o->history_path, strerror(errno));
        return -1;
    }
    int rc = stress_history_write(h, f);
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "svipc stress: %s: cannot write: %s\n", o->history_out ? "standard output" : o->history_path,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* The violating objects, fewest events first, until one becomes a
 * scenario that fails. */
static void shrink(const struct stress_options *o, const struct stress_history *h, const struct stress_check_result *res,
                   struct stress_summary *sum)
{
    sum->shrunk_file = o->shrink_path;
    const char *fault = getenv("SVIPC_REF_FAULT");
    char name[128], doc[512], where[64];
    /* the scenario is named for what failed: the fault, the target or the backend */
    snprintf(where, sizeof(where), "%s", fault && *fault ? fault : o->target ? o->target : o->backend);
    for (char *c = where; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '-';
    if (o->check_path)
        snprintf(name, sizeof(name), "stress-%s-checked", where);
    else
        snprintf(name, sizeof(name), "stress-%s-seed-%llu", where, (unsigned long long)o->cfg.seed);
    char *tried = calloc((size_t)res->nobjects + 1, 1);
    if (!tried) {
        printf("shrink: out of memory\n");
        return;
    }
    for (;;) {
        int best = -1;
        for (int i = 0; i < res->nobjects; i++)
            if (res->objects[i].verdict == STRESS_VIOLATION && !tried[i] &&
                (best < 0 || res->objects[i].nevents < res->objects[best].nevents))
                best = i;
        if (best < 0) {
            printf("shrink: no violating object became a failing scenario\n");
            if (sum->shrunk_object >= 0 && !sum->shrunk_why[0])
                snprintf(sum->shrunk_why, sizeof(sum->shrunk_why), "no violating object became a failing scenario");
            free(tried);
            return;
        }
        tried[best] = 1;
        if (o->check_path)
            snprintf(doc, sizeof(doc), "Found in the history %s (object %d of %zu calls), shrunk by svipc stress "
                     "--check --shrink%s%s --backend %s.", o->check_path, best, res->objects[best].nevents,
                     o->target ? " --target " : "", o->target ? o->target : "", o->backend);
        else
            snprintf(doc, sizeof(doc), "Found by svipc stress%s%s --backend %s --procs %d --seed %llu (object %d of %zu "
                     "calls)%s%s%s, shrunk by svipc stress --shrink.", o->target ? " --target " : "",
                     o->target ? o->target : "", o->backend, o->cfg.nprocs,
                     (unsigned long long)o->cfg.seed, best, res->objects[best].nevents,
                     fault && *fault ? " with SVIPC_REF_FAULT=" : "", fault && *fault ? fault : "",
                     fault && *fault ? " (a test-only bug of build/svipc-faults)" : "");
        struct stress_shrink_request rq = { .h = h, .obj = best, .backend = o->backend, .target = o->target,
                                            .name = name, .doc = doc,
                                            .seconds = o->shrink_seconds };
        struct stress_shrink_result sr;
        uint64_t t0 = stress_now_ns();
        int rc = stress_shrink(&rq, o->shrink_path, &sr);
        double secs = seconds_between(t0, stress_now_ns());
        sum->shrunk_object = best;
        sum->shrunk_reproduced = rc == 0 && sr.reproduced && !sr.why[0];
        sum->shrunk_steps = sr.steps;
        snprintf(sum->shrunk_why, sizeof(sum->shrunk_why), "%s", sr.why[0] ? sr.why : "not reproduced");
        if (sum->shrunk_reproduced) {
            printf("shrink: object %d (%zu calls) became %s: %d steps that fail on %s%s%s (%d runs, %.1f s)\n", best,
                   res->objects[best].nevents, o->shrink_path, sr.steps, o->backend, o->target ? " on target " : "",
                   o->target ? o->target : "", sr.tests, secs);
            free(tried);
            return;
        }
        printf("shrink: object %d (%zu calls): %s (%d runs, %.1f s)\n", best, res->objects[best].nevents,
               sr.why[0] ? sr.why : "not reproduced", sr.tests, secs);
        if (rc < 0) {
            free(tried);
            return;
        }
    }
}

/* Check H, print the verdict and the smallest violation (shrunk when
 * asked): the exit status.  KILLED: workers the deadline stopped; EARLY:
 * why the run stopped before its time, or NULL (both make a pass 2: the
 * run did less than it was asked). */
static int summarize(const struct stress_options *o, struct stress_summary *sum)
{
    char why[512];
    if (!o->json_path || stress_summary_write(o->json_path, sum, why, sizeof(why)) == 0)
        return sum->status;
    fprintf(stderr, "svipc stress: %s\n", why);
    return 2;
}

/* An undecided or violating object: why, and the search's deepest dead end. */
static void print_problem(const char *label, const struct stress_history *h, int i,
                          const struct stress_object_verdict *v)
{
    printf("%s: object %d (%zu events, %zu pending): %s\n", label, i, v->nevents, v->npending, v->why);
    if (v->stuck_event < 0)
        return;
    printf("%s: the search's deepest dead end: the object was in state: %s; this call had returned and no order "
           "of the calls before it could place it:\n  ", label, v->stuck_state);
    stress_event_json(stdout, h, &h->events[v->stuck_event], stress_history_t0(h));
    putchar('\n');
}

/* "history: [SOURCE: ]N events on M objects, P pending". */
static void print_history(const char *source, const struct stress_history *h)
{
    size_t pending = 0;
    for (size_t i = 0; i < h->nevents; i++)
        pending += !h->events[i].t_return;
    printf("history: %s%s%zu events on %d objects, %zu pending (never returned)\n", source ? source : "",
           source ? ": " : "", h->nevents, h->nobjects, pending);
}

static int check_and_report(const struct stress_options *o, struct stress_history *h, int killed,
                            const char *early, struct stress_summary *sum)
{
    struct stress_check_result res;
    uint64_t t0 = stress_now_ns();
    if (stress_check(h, &o->limits, &res) < 0) {
        fprintf(stderr, "svipc stress: cannot check the history: %s\n",
                errno == EFBIG ? "2^32 events or more (--max-events)" : strerror(errno));
        return 2;
    }
    double check_secs = seconds_between(t0, stress_now_ns());
    printf("check: %d objects: %d linearizable, %d violations, %d undecided; %lu search steps in %.2f s "
           "(%.0f events checked/s)\n",
           res.nobjects, res.linearizable, res.violations, res.undecided, res.steps, check_secs,
           check_secs > 0 ? (double)h->nevents / check_secs : 0.0);
    for (int i = 0; i < res.nobjects; i++)
        if (res.objects[i].verdict == STRESS_UNDECIDED)
            print_problem("undecided", h, i, &res.objects[i]);
    if (res.smallest_violation >= 0) {
        print_problem("violation", h, res.smallest_violation, &res.objects[res.smallest_violation]);
        stress_check_print_object(stdout, h, res.smallest_violation);
    }
    enum stress_verdict verdict = stress_check_verdict(&res);
    sum->shrunk_object = -1;
    if (verdict == STRESS_VIOLATION && o->shrink_path)
        shrink(o, h, &res, sum);
    if (killed)
        printf("deadline: %d workers had not finished after %.0f s and were killed (their calls in flight are "
               "pending): a hang, a lost wake-up, or waits nobody ends (--interrupt-us)\n", killed, o->deadline);
    sum->result = verdict == STRESS_VIOLATION ? "NOT linearizable" : verdict == STRESS_UNDECIDED ? "undecided"
                : killed ? "linearizable, but the deadline was reached"
                : early ? "linearizable, but the run stopped early" : "linearizable";
    printf("result: %s\n", sum->result);
    sum->h = h;
    sum->res = &res;
    sum->check_seconds = check_secs;
    sum->status = verdict == STRESS_VIOLATION ? 1 : verdict == STRESS_UNDECIDED || killed || early ? 2 : 0;
    int status = summarize(o, sum);
    stress_check_result_free(&res);
    return status;
}

/* Why the workers stopped before the run's time, or NULL. */
static const char *stop_early(const struct stress_options *o, const struct stress_shared *sh)
{
    switch (stress_stop_reason(sh)) {
    case STRESS_STOP_HISTORY_FULL:
        return o->seconds ? "the history was full (--max-events)" : NULL;
    case STRESS_STOP_OBJECTS_FULL:
        return "the object table was full (" STRESS_OBJECTS_MAX_TEXT " objects): fewer removals (--rmid) or a "
               "shorter run";
    default:
        return NULL;
    }
}

/* --check FILE: a recorded history, checked again. */
static int check_recorded(const struct stress_options *o)
{
    FILE *f = strcmp(o->check_path, "-") == 0 ? stdin : fopen(o->check_path, "r");
    if (!f) {
        fprintf(stderr, "svipc stress: %s: %s\n", o->check_path, strerror(errno));
        return 2;
    }
    struct stress_history h;
    char why[512];
    int rc = stress_history_read(f, strcmp(o->check_path, "-") == 0 ? "stdin" : o->check_path, &h, why, sizeof(why));
    if (f != stdin)
        fclose(f);
    if (rc < 0) {
        fprintf(stderr, "svipc stress: %s\n", why);
        return 2;
    }
    print_history(o->check_path, &h);
    struct stress_summary sum = { .history_file = o->check_path, .result = "nothing ran", .status = 2,
                                  .shrunk_object = -1 };
    int status = h.nevents ? check_and_report(o, &h, 0, NULL, &sum) : (printf("result: nothing ran\n"), summarize(o, &sum));
    stress_history_free(&h);
    return status;
}

/* "ran: ..." and what stopped or limited the run, from SUM. */
static void print_ran(const struct stress_summary *sum)
{
    const struct stress_run *r = &sum->run;
    double secs = r->seconds;
    printf("ran: %ld operations in %.2f s: %.0f operations/s (%.0f per process)%s; %d workers killed and "
           "replaced; %ld limit changes\n", r->operations, secs, secs > 0 ? (double)r->operations / secs : 0.0,
           secs > 0 && r->procs ? (double)r->operations / secs / r->procs : 0.0,
           sum->recorded ? "" : ", not recorded", r->kills, r->limit_changes);
    if (r->limits_note[0])
        printf("limits: %s\n", r->limits_note);
    if (r->stopped_early[0])
        printf("stopped early: %s\n", r->stopped_early);
}

/* Options that concern the check and its output, made here: not passed
 * to the run on a target (each takes a value but --no-check). */
static int host_option(const char *a)
{
    static const char *const options[] = { "--target", "--history", "--json", "--shrink", "--shrink-seconds",
                                           "--check-steps", "--check-mib", "--check-jobs", "--seed", NULL };
    for (int i = 0; options[i]; i++)
        if (strcmp(a, options[i]) == 0)
            return 1;
    return 0;
}

#define TARGET_JSON_EVENT_BYTES 200

/* --target: svipc stress runs on the target with --no-check --history -,
 * and its history is checked here. */
static int run_on_target(struct stress_options *o, int argc, char **argv)
{
    char exe[4096], why[1024], storage[8192], seed[32];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        fprintf(stderr, "svipc stress: /proc/self/exe: %s; nothing was run\n", len < 0 ? strerror(errno) : "empty");
        return 2;
    }
    exe[len] = '\0';
    enum { MAX_WORDS = 128 };
    char *words[MAX_WORDS];
    int rc = stress_target_command(o->target, exe, words, MAX_WORDS / 2, storage, sizeof(storage), why, sizeof(why));
    if (rc != 0) {
        fprintf(stderr, "svipc stress: %s%s\n", why, rc > 0 ? "; nothing was run" : "");
        return 2;
    }
    int n = 0;
    while (words[n])
        n++;
    words[n++] = "stress";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-check") == 0)
            continue;
        if (host_option(argv[i])) {
            i++;                       /* and its value */
            continue;
        }
        if (n == MAX_WORDS - 8) {
            fprintf(stderr, "svipc stress: too many arguments for a run on a target; nothing was run\n");
            return 2;
        }
        words[n++] = argv[i];
    }
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)o->cfg.seed);
    words[n++] = "--seed";
    words[n++] = seed;
    /* the history comes here as JSON Lines (about 200 bytes an event) in
     * an unnamed file, then into memory: a timed run records what both
     * hold here, not what the target's memory would */
    char max_events[32];
    if (!o->max_events_given) {
        const char *dir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
        struct statvfs fs;
        long room = o->max_events;
        if (statvfs(dir, &fs) == 0 && (double)fs.f_bavail * (double)fs.f_frsize / TARGET_JSON_EVENT_BYTES < (double)room)
            room = (long)((double)fs.f_bavail * (double)fs.f_frsize / TARGET_JSON_EVENT_BYTES);
        snprintf(max_events, sizeof(max_events), "%ld", room > 1000 ? room : 1000);
        words[n++] = "--max-events";
        words[n++] = max_events;
    }
    words[n++] = "--no-check";
    words[n++] = "--history";
    words[n++] = "-";
    words[n] = NULL;
    char label[160];
    snprintf(label, sizeof(label), "target %s", o->target);
    /* its workers' deadline, then the time to collect and write the history */
    double deadline = o->deadline + 600;
    printf("svipc stress: on target %s, seed %llu: the run's messages follow from there, then the check here\n",
           o->target, (unsigned long long)o->cfg.seed);
    fflush(stdout);
    struct stress_history h;
    int status;
    if (stress_target_record(words, label, deadline, &h, &status, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc stress: %s\n", why);
        return 2;
    }
    const struct stress_run *run = &h.run;
    if (!run->known) {
        fprintf(stderr, "svipc stress: %s: its history has no run line with the run's figures\n", label);
        stress_history_free(&h);
        return 2;
    }
    snprintf(h.run.target, sizeof(h.run.target), "%s", o->target);
    struct stress_summary sum = { .ran = 1, .run = h.run, .recorded = 1, .history_file = o->history_path,
                                  .result = "nothing ran", .status = 2, .shrunk_object = -1 };
    print_ran(&sum);
    print_history(label, &h);
    if (o->history_path && write_history(o, &h) < 0) {
        stress_history_free(&h);
        return 2;
    }
    if (o->no_check) {
        printf("result: not checked (--no-check: svipc stress --check %s)\n", o->history_path);
        sum.result = "not checked (--no-check)";
        stress_history_free(&h);
        return summarize(o, &sum);
    }
    int result = h.nevents ? check_and_report(o, &h, run->killed_at_deadline,
                                              run->stopped_early[0] ? run->stopped_early : NULL, &sum)
                           : (printf("result: nothing ran\n"), summarize(o, &sum));
    stress_history_free(&h);
    return result;
}

int stress_runs_processes(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--check") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
            (!strcmp(argv[i], "--target") && i + 1 < argc && strcmp(argv[i + 1], "native")))
            return 0;
    return 1;
}

int stress_main(int argc, char **argv)
{
    struct stress_options o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.check_path)
        return check_recorded(&o);
    if (o.history_path && strcmp(o.history_path, "-") == 0) {
        /* the history alone on standard output; every message on stderr */
        int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0 || !(o.history_out = fdopen(fd, "w")) || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            fprintf(stderr, "svipc stress: standard output: %s\n", strerror(errno));
            return 2;
        }
    }
    if (o.target)
        return run_on_target(&o, argc, argv);
    const struct backend *be = backend_by_name(o.backend);
    char why[256];
    if (!be || !be->calls || (be->available && be->available(why, sizeof(why)) < 0)) {
        fprintf(stderr, "svipc stress: backend %s cannot run here: %s\n", o.backend, be ? why : "unknown");
        return 2;
    }
    /* a run of so many operations has room for all of them, and for the
     * limit writer's (it stops when it has made as many) */
    if (o.total_ops)
        o.cfg.sysctl_max = LIMIT_WRITER_EVENTS;
    size_t capacity = o.total_ops ? (size_t)o.cfg.ops_per_proc * (size_t)o.cfg.nprocs + LIMIT_WRITER_EVENTS
                                  : (size_t)o.max_events;
    struct stress_shared *sh = stress_shared_new(o.ids + 1, o.cfg.record ? capacity : 1,
                                                 (o.total_ops ? o.ids : o.cfg.nprocs) + 1, why, sizeof(why));
    struct session_report *rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (!sh || rep == MAP_FAILED) {
        fprintf(stderr, "svipc stress: %s\n", sh ? strerror(errno) : why);
        return 2;
    }
    memset(rep, 0, sizeof(*rep));
    printf("svipc stress: backend %s, %d processes, seed %llu, workload %s, %ld%s; %d group%s of at most %d "
           "processes, each on %d queues, %d sets and %d segment%s\n", o.backend, o.cfg.nprocs,
           (unsigned long long)o.cfg.seed, mix_name(o.cfg.mix), o.seconds ? (long)o.seconds : o.total_ops,
           o.seconds ? " s" : " operations", stress_groups(&o.cfg), stress_groups(&o.cfg) > 1 ? "s" : "",
           o.cfg.group > 0 && o.cfg.group < o.cfg.nprocs ? o.cfg.group : o.cfg.nprocs, o.cfg.nqueues, o.cfg.nsets,
           o.cfg.nsegs, o.cfg.nsegs == 1 ? "" : "s");
    fflush(stdout);
    if (run_session(be, &o, sh, rep) < 0) {
        fprintf(stderr, "svipc stress: %s\n", rep->why);
        return 2;
    }
    /* the workers' operations: not the limit writer's */
    size_t limit_changes = stress_worker_events(sh, o.ids), total = stress_events_total(sh) - limit_changes;
    double secs = seconds_between(rep->t_start, rep->t_end);
    const char *early = stop_early(&o, sh);
    struct stress_summary sum = {
        .ran = 1, .run = { .known = 1, .procs = o.cfg.nprocs, .group = o.cfg.group, .seed = o.cfg.seed,
                           .operations = (long)total, .limit_changes = (long)limit_changes, .seconds = secs,
                           .kills = rep->kills, .killed_at_deadline = rep->killed },
        .recorded = o.cfg.record, .history_file = o.history_path, .result = "nothing ran", .status = 2,
        .shrunk_object = -1,
    };
    snprintf(sum.run.backend, sizeof(sum.run.backend), "%s", o.backend);
    snprintf(sum.run.workload, sizeof(sum.run.workload), "%s", mix_name(o.cfg.mix));
    snprintf(sum.run.stopped_early, sizeof(sum.run.stopped_early), "%s", early ? early : "");
    snprintf(sum.run.limits_note, sizeof(sum.run.limits_note), "%s", rep->limits_note);
    print_ran(&sum);
    if (!o.cfg.record) {
        printf("result: not checked (--no-history)\n");
        sum.result = "not checked (--no-history)";
        return summarize(&o, &sum);
    }
    if (total == 0) {
        printf("result: nothing ran\n");
        return summarize(&o, &sum);
    }
    struct stress_history h;
    int collected = stress_collect(sh, &h);
    stress_shared_free(sh);            /* the copy is the history now: its memory is the check's */
    if (collected < 0) {
        fprintf(stderr, "svipc stress: cannot collect the history: %s\n", strerror(errno));
        return 2;
    }
    print_history(NULL, &h);
    h.run = sum.run;
    if (o.history_path && write_history(&o, &h) < 0) {
        stress_history_free(&h);
        return 2;
    }
    if (o.no_check) {
        printf("result: not checked (--no-check: svipc stress --check %s)\n", o.history_path);
        sum.result = "not checked (--no-check)";
        stress_history_free(&h);
        munmap(rep, sizeof(*rep));
        return summarize(&o, &sum);
    }
    int status = check_and_report(&o, &h, rep->killed, early, &sum);
    stress_history_free(&h);
    munmap(rep, sizeof(*rep));
    return status;
}
