/* observe.c: the user side of observe.h with libbpf and the skeleton that
 * bpftool generated from observe.bpf.c (build/bench/observe.skel.h).
 * Must not: leave the programs attached after observer_close or exit
 * (libbpf's links end with the process). */
#define _GNU_SOURCE
#include "observe.h"
#include "observe.skel.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct counts {                 /* as observe.bpf.c's */
    uint64_t calls, errors;
    uint64_t log2_ns[OBSERVE_BUCKETS];
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
};

/* libbpf's messages go to a buffer: the first error becomes the reason */
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
    snprintf(why, size, "%s: %s%s%s", what, strerror(err < 0 ? -err : err), libbpf_said[0] ? "; libbpf: " : "",
             libbpf_said);
    observer_close(o);
    return NULL;
}

struct observer *observer_open(char *why, size_t size)
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
    o->skel = observe__open();
    if (!o->percpu || !o->skel)
        return failed(o, why, size, "opening the BPF object", errno ? errno : ENOMEM);
    o->skel->rodata->root_tgid = getpid();
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
        return failed(o, why, size, "attaching to sys_enter, sys_exit, sched_process_fork and _exit", err);
    return o;
}

void observer_reset(struct observer *o)
{
    memset(o->percpu, 0, (size_t)o->ncpus * sizeof(struct counts));
    for (uint32_t slot = 0; slot < (uint32_t)NCALLS; slot++)
        bpf_map__update_elem(o->skel->maps.histograms, &slot, sizeof(slot), o->percpu,
                             (size_t)o->ncpus * sizeof(struct counts), BPF_ANY);
}

int observer_add(struct observer *o, struct observation *sum)
{
    sum->count = NCALLS;
    for (uint32_t slot = 0; slot < (uint32_t)NCALLS; slot++) {
        struct observed_call *c = &sum->call[slot];
        c->name = calls[slot].name;
        if (bpf_map__lookup_elem(o->skel->maps.histograms, &slot, sizeof(slot), o->percpu,
                                 (size_t)o->ncpus * sizeof(struct counts), 0) < 0)
            return -1;
        for (int cpu = 0; cpu < o->ncpus; cpu++) {
            c->calls += o->percpu[cpu].calls;
            c->errors += o->percpu[cpu].errors;
            for (int b = 0; b < OBSERVE_BUCKETS; b++)
                c->log2_ns[b] += o->percpu[cpu].log2_ns[b];
        }
    }
    return 0;
}

void observer_close(struct observer *o)
{
    if (!o)
        return;
    observe__destroy(o->skel);
    free(o->percpu);
    free(o);
}
