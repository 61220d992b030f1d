/* observe.c: the user side of observe.h with libbpf and the skeleton that
 * bpftool generated from observe.bpf.c (build/observe/observe.skel.h).
 * Linked into svipc-bench, and built alone as libsvipc-observe.so for
 * svipc run --observe (loaded only then).  A forked child of the process
 * that opened the observer uses it through the inherited map descriptors.
 * Must not: leave the programs attached after observer_close or exit
 * (libbpf's links end with the process), or print. */
#define _GNU_SOURCE
#include "observe.h"

#include <stdint.h>

/* as observe.bpf.c's; its read-only zeroes make the skeleton name them */
struct counts {
    uint64_t calls, errors, slept, total_ns, asleep_ns;
    uint64_t log2_ns[OBSERVE_BUCKETS];
};

struct sched_counts {
    uint64_t switches, preempted, sleeps, migrations, wakeups, asleep_ns;
    uint64_t wake_log2_ns[OBSERVE_BUCKETS];
};

#include "observe.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

struct scope_of {               /* as observe.bpf.c's */
    uint32_t scope, counted;
};

struct call_key {
    uint32_t scope, slot;
};

static const struct {
    const char *name;
    long nr;
} calls[] = {
    { "msgget", SYS_msgget }, { "msgsnd", SYS_msgsnd }, { "msgrcv", SYS_msgrcv }, { "msgctl", SYS_msgctl },
    { "semget", SYS_semget }, { "semop", SYS_semop }, { "semtimedop", SYS_semtimedop }, { "semctl", SYS_semctl },
    { "shmget", SYS_shmget }, { "shmat", SYS_shmat }, { "shmdt", SYS_shmdt }, { "shmctl", SYS_shmctl },
    { "futex", SYS_futex }, { "mq_timedsend", SYS_mq_timedsend }, { "mq_timedreceive", SYS_mq_timedreceive },
};
#define NCALLS ((int)(sizeof(calls) / sizeof(calls[0])))
_Static_assert(NCALLS <= OBSERVE_CALLS, "more calls than slots");

struct observer {
    struct observe *skel;
    int ncpus;
    struct counts *percpu;      /* one value per possible CPU */
    struct sched_counts *percpu_sched;
};

/* libbpf's messages go to a buffer: the first warning becomes the reason */
static char libbpf_said[256];

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
    if (level == LIBBPF_WARN && !libbpf_said[0])
        vsnprintf(libbpf_said, sizeof(libbpf_said), fmt, ap);
    return 0;
}

static struct observer *failed(struct observer *o, char *why, size_t size, const char *what, int err)
{
    size_t n = strlen(libbpf_said);
    while (n && libbpf_said[n - 1] == '\n')
        libbpf_said[--n] = 0;
    const char *said = strncmp(libbpf_said, "libbpf: ", 8) == 0 ? libbpf_said + 8 : libbpf_said;
    err = err < 0 ? -err : err;
    snprintf(why, size, "%s: %s%s%s%s", what, strerror(err),
             err == EPERM ? " (BPF needs root: CAP_BPF and CAP_PERFMON in the initial user namespace)" : "",
             said[0] ? "; libbpf: " : "", said);
    observer_close(o);
    return NULL;
}

EXPORT int observer_scope(struct observer *o)
{
    struct scope_of me = { (uint32_t)getpid(), 0 };
    uint32_t key = me.scope;
    return bpf_map__update_elem(o->skel->maps.tracked, &key, sizeof(key), &me, sizeof(me), BPF_ANY) < 0 ? -1 : 0;
}

EXPORT int observer_take(struct observer *o, struct observation *sum)
{
    uint32_t scope = (uint32_t)getpid();
    size_t all = (size_t)o->ncpus * sizeof(struct counts);
    sum->count = NCALLS;
    for (uint32_t slot = 0; slot < (uint32_t)NCALLS; slot++) {
        struct observed_call *c = &sum->call[slot];
        struct call_key key = { scope, slot };
        c->name = calls[slot].name;
        if (bpf_map__lookup_elem(o->skel->maps.histograms, &key, sizeof(key), o->percpu, all, 0) < 0) {
            if (errno == ENOENT)
                continue;       /* not called */
            return -1;
        }
        bpf_map__delete_elem(o->skel->maps.histograms, &key, sizeof(key), 0);
        for (int cpu = 0; cpu < o->ncpus; cpu++) {
            const struct counts *k = &o->percpu[cpu];
            c->calls += k->calls;
            c->errors += k->errors;
            c->slept += k->slept;
            c->total_ns += k->total_ns;
            c->asleep_ns += k->asleep_ns;
            for (int b = 0; b < OBSERVE_BUCKETS; b++)
                c->log2_ns[b] += k->log2_ns[b];
        }
    }
    if (bpf_map__lookup_elem(o->skel->maps.scheduling, &scope, sizeof(scope), o->percpu_sched,
                             (size_t)o->ncpus * sizeof(struct sched_counts), 0) < 0)
        return errno == ENOENT ? 0 : -1;
    bpf_map__delete_elem(o->skel->maps.scheduling, &scope, sizeof(scope), 0);
    struct observed_sched *s = &sum->sched;
    for (int cpu = 0; cpu < o->ncpus; cpu++) {
        const struct sched_counts *k = &o->percpu_sched[cpu];
        s->switches += k->switches;
        s->preempted += k->preempted;
        s->sleeps += k->sleeps;
        s->migrations += k->migrations;
        s->wakeups += k->wakeups;
        s->asleep_ns += k->asleep_ns;
        for (int b = 0; b < OBSERVE_BUCKETS; b++)
            s->wake_log2_ns[b] += k->wake_log2_ns[b];
    }
    return 0;
}

/* The observer sees a child of this process: its futex, which sleeps
 * until a timeout of a millisecond, counted as a call that slept, and its
 * sleep and wake-up by the scheduler.  0, or -1 with why. */
static int sees_a_child(struct observer *o, char *why, size_t size)
{
    struct observation seen;
    memset(&seen, 0, sizeof(seen));
    if (observer_scope(o) < 0) {
        snprintf(why, size, "making a scope: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        uint32_t word = 0;
        struct timespec ms = { 0, 1000000 };
        syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &ms, NULL, 0);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    uint32_t me = (uint32_t)getpid();
    int rc = observer_take(o, &seen);
    bpf_map__delete_elem(o->skel->maps.tracked, &me, sizeof(me), 0);
    const struct observed_call *futex = NULL;
    for (int i = 0; i < seen.count; i++)
        if (strcmp(seen.call[i].name, "futex") == 0)
            futex = &seen.call[i];
    if (rc < 0)
        snprintf(why, size, "reading the counts: %s", strerror(errno));
    else if (!futex || futex->calls < 1 || futex->slept < 1)
        snprintf(why, size, "a child's futex that slept was not seen (%s calls, %s slept): are process ids "
                 "those of the initial PID namespace here?", futex ? "some" : "no", futex && futex->slept ? "some" : "none");
    else if (seen.sched.sleeps < 1 || seen.sched.wakeups < 1)
        snprintf(why, size, "a child's sleep and wake-up were not seen by sched_switch and sched_wakeup");
    else
        return 0;
    return -1;
}

EXPORT struct observer *observer_open(char *why, size_t size)
{
    libbpf_said[0] = 0;
    libbpf_set_print(quiet);
    struct observer *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    o->ncpus = libbpf_num_possible_cpus();
    if (o->ncpus <= 0)
        return failed(o, why, size, "the number of CPUs", o->ncpus);
    o->percpu = calloc((size_t)o->ncpus, sizeof(struct counts));
    o->percpu_sched = calloc((size_t)o->ncpus, sizeof(struct sched_counts));
    o->skel = observe__open();
    if (!o->percpu || !o->percpu_sched || !o->skel)
        return failed(o, why, size, "opening the BPF object", errno ? errno : ENOMEM);
    int err = observe__load(o->skel);
    if (err)
        return failed(o, why, size, "loading the BPF programs", err);
    for (int i = 0; i < NCALLS; i++) {
        uint32_t nr = (uint32_t)calls[i].nr, slot = (uint32_t)i + 1;
        err = bpf_map__update_elem(o->skel->maps.watched, &nr, sizeof(nr), &slot, sizeof(slot), BPF_ANY);
        if (err)
            return failed(o, why, size, "filling the table of calls", err);
    }
    err = observe__attach(o->skel);
    if (err)
        return failed(o, why, size,
                      "attaching to sys_enter, sys_exit, sched_switch, sched_wakeup, sched_process_fork and _exit",
                      err);
    char test[200];
    if (sees_a_child(o, test, sizeof(test)) < 0) {
        snprintf(why, size, "the observer's own test: %s", test);
        observer_close(o);
        return NULL;
    }
    return o;
}

EXPORT void observer_close(struct observer *o)
{
    if (!o)
        return;
    observe__destroy(o->skel);
    free(o->percpu);
    free(o->percpu_sched);
    free(o);
}
