/* observe.h: the kernel-side observer of svipc-bench --observe and svipc
 * run --observe: a BPF program (libbpf, CO-RE, the BTF tracepoints
 * sys_enter, sys_exit, sched_switch, sched_wakeup, sched_process_fork and
 * _exit) that watches the descendants of a process that made itself a
 * scope, and counts per scope:
 *   - every IPC call, futex and POSIX queue call: how many, how many failed,
 *     how many slept, their durations in log2 histograms, the time asleep
 *     inside them;
 *   - the scheduler: switches out (asleep or preempted), migrations (a
 *     task switched in on another CPU than last time), the time asleep, and
 *     the wake-up-to-run latency in a log2 histogram.
 * A scope's own process is not counted, only what it forks (and theirs).
 * svipc-bench links observe.c (or observe_none.c, in a build without
 * libbpf); svipc loads it as build/libsvipc-observe.so only when --observe
 * is given (harness/observe_load.h).
 * Must not: watch processes that are not a scope's descendants, or be
 * required: where BPF cannot load, observer_open says why and the caller
 * runs without it. */
#ifndef SVIPC_OBSERVE_H
#define SVIPC_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#define OBSERVE_BUCKETS 40      /* bucket B: durations of [2^B, 2^(B+1)) ns (B = 0: under 2 ns) */
#define OBSERVE_CALLS 16

struct observed_call {
    const char *name;           /* "msgsnd", "futex", ... */
    uint64_t calls, errors;     /* completed calls; of them, returned an error */
    uint64_t slept;             /* of them, went to sleep at least once */
    uint64_t total_ns;          /* their durations, summed */
    uint64_t asleep_ns;         /* of which asleep (switched out to woken) */
    uint64_t log2_ns[OBSERVE_BUCKETS];
};

struct observed_sched {
    uint64_t switches;          /* a counted task switched out */
    uint64_t preempted;         /* of them, while runnable (involuntary) */
    uint64_t sleeps;            /* of them, going to sleep */
    uint64_t migrations;        /* switched in on another CPU than last time */
    uint64_t wakeups;           /* sleeps ended by a wake-up that was seen */
    uint64_t asleep_ns;         /* switched out asleep to woken, summed */
    uint64_t wake_log2_ns[OBSERVE_BUCKETS];    /* wake-up to running again */
};

struct observation {
    int count;
    struct observed_call call[OBSERVE_CALLS];
    struct observed_sched sched;
};

struct observer;

/* Load and attach the observer, and check it sees a process of its own
 * (a child's futex that sleeps until its timeout): the observer, or NULL
 * with why (not root, no BTF, the verifier's refusal, a build without
 * libbpf ...). */
struct observer *observer_open(char *why, size_t size);
/* The calling process becomes a scope: what it forks from now on (and
 * theirs) is counted in it.  0, or -1 with errno. */
int observer_scope(struct observer *o);
/* Add the counts of the calling process's scope since its last take to
 * *SUM (the caller zeroes it first; names are filled in), and zero them.
 * 0, or -1 with errno. */
int observer_take(struct observer *o, struct observation *sum);
void observer_close(struct observer *o);

#endif
