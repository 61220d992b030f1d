/* observe.h: svipc bench's kernel-side observer: a BPF program (libbpf,
 * CO-RE, BTF tracepoints sys_enter and sys_exit) that times every IPC call
 * and futex made by the processes this program forks (and theirs), in
 * log2 histograms per call.  The caller resets it before a round and reads
 * it after, so what it shows belongs to that round (its setup and teardown
 * processes included).
 * Must not: watch processes that are not this program's descendants, or
 * be required: where BPF cannot load, observer_open says why and the
 * benchmark runs without it. */
#ifndef SVIPC_BENCH_OBSERVE_H
#define SVIPC_BENCH_OBSERVE_H

#include <stddef.h>
#include <stdint.h>

#define OBSERVE_BUCKETS 40      /* bucket B: calls of [2^B, 2^(B+1)) ns */
#define OBSERVE_CALLS 16

struct observed_call {
    const char *name;           /* "msgsnd", "futex", ... */
    uint64_t calls, errors;     /* completed calls; of them, returned an error */
    uint64_t log2_ns[OBSERVE_BUCKETS];
};

struct observation {
    int count;
    struct observed_call call[OBSERVE_CALLS];
};

struct observer;

/* Load and attach the observer for this process's future descendants:
 * the observer, or NULL with why (no libbpf in this build, not root, no
 * BTF, the verifier's refusal ...). */
struct observer *observer_open(char *why, size_t size);
/* Zero the counts. */
void observer_reset(struct observer *o);
/* Add the counts since the last reset to *SUM (zeroed by the caller first). */
int observer_add(struct observer *o, struct observation *sum);
void observer_close(struct observer *o);

#endif
