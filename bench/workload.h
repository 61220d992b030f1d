/* workload.h: svipc bench's workloads as data.  A workload is a kind (the
 * code of one pattern: a stream, a ping-pong, a mutex ...) and a row of
 * parameters (message size, blocking or not, SEM_UNDO ...), with the
 * one-sentence definition of what one operation is.  A round of a workload
 * is a fixed number of operations shared out among N processes, so that
 * its count can be checked exactly afterwards.
 * Must not: time anything or fork (round.c does), or print. */
#ifndef SVIPC_BENCH_WORKLOAD_H
#define SVIPC_BENCH_WORKLOAD_H

#include "calls.h"

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_PROCS 256
#define BENCH_MAX_IDS 4

/* Which implementations a workload runs on: System V IPC (the kernel, the
 * reference runtime, a target) or POSIX (the C library on this kernel). */
enum bench_api { API_SYSV, API_POSIX };

/* How N processes divide into roles, and which N a workload accepts. */
enum bench_roles {
    ROLES_ANY,          /* every process does the same; N >= 1 */
    ROLES_SPLIT,        /* producers (N+1)/2, consumers N/2; N = 1: one process does both */
    ROLES_PAIRS,        /* N/2 pairs; N even, >= 2 */
    ROLES_ONE_CONSUMER, /* N-1 producers and one consumer; N >= 2 */
};

struct bench_params {
    int size;           /* bytes of a message, a ring slot, or a segment (KiB for shm) */
    int nowait;         /* IPC_NOWAIT, retried on EAGAIN / ENOMSG */
    int undo;           /* SEM_UNDO */
    int types;          /* message types queued (typed selection), or sops per call (multi-sop) */
    int depth;          /* messages a full queue holds; slots of a ring */
    int stats_every;    /* a round of ctl calls every so many operations (0: none) */
    int timed;          /* semtimedop with a timeout instead of semop */
};

/* Shared memory of one round: what setup made, each worker's count, and
 * room for a workload's own data (POSIX objects, a mutex's guard). */
struct bench_worker {
    long ops;           /* operations this worker completed */
    long aux;           /* workload's own: messages received, retries ... */
    uint64_t sum;       /* checksum of data received */
    double cpu_user, cpu_sys;     /* seconds, between the start and its last operation */
    long vcsw, icsw;    /* voluntary and involuntary context switches, idem */
    double end;         /* CLOCK_MONOTONIC seconds at its last operation */
    int error;          /* errno of a failed call, 0 */
    char why[160];
};

struct bench_shared {
    uint32_t go, ready, done;      /* futex words of the start barrier and the end */
    int ids[BENCH_MAX_IDS];        /* objects made by setup */
    int inside;                    /* a mutex's holders (must stay <= 1) */
    int violations;                /* times a mutex was seen held twice */
    char name[64];                 /* a POSIX object's name */
    struct bench_worker w[BENCH_MAX_PROCS];
    unsigned char area[1 << 16];   /* a workload's own shared data */
};

struct workload_kind;

/* One round as a workload sees it. */
struct bench_round {
    const struct workload_kind *kind;
    const struct ipc_calls *calls; /* System V: the implementation's; NULL for POSIX */
    void *ctx;
    struct bench_shared *sh;
    const struct bench_params *p;
    int nprocs;
    long ops;                      /* operations in the round, all processes together */
    int me;                        /* this worker's index */
};

/* A pattern's code, shared by the rows that give it parameters. */
struct workload_kind {
    const char *name;
    enum bench_api api;
    enum bench_roles roles;
    /* in a process of its own before the workers start: the objects made
     * (ids in r->sh); 0 or -1 with why */
    int (*setup)(struct bench_round *r, char *why, size_t size);
    /* in a worker after the start: its share of r->ops; 0, or -1 with its
     * slot's error and why set (worker_failed) */
    int (*work)(struct bench_round *r);
    /* in the coordinator after every worker ended: the counts in the
     * workers' slots checked exactly; 0 or -1 with why */
    int (*check)(struct bench_round *r, char *why, size_t size);
    /* in a process of its own: the objects' final state checked, then every
     * object setup made removed (even after a failed check); 0 or -1 with why */
    int (*teardown)(struct bench_round *r, char *why, size_t size);
};

struct workload {
    const char *name;
    const struct workload_kind *kind;
    const char *compare;           /* POSIX: the System V workload it is a comparator of */
    const char *definition;        /* what one operation is, in one sentence */
    struct bench_params params;
};

/* The workloads, in the order reports list them. */
const struct workload *workload_at(int i);
const struct workload *workload_by_name(const char *name);

/* Whether W runs with N processes: 1, or 0 with why. */
int workload_fits(const struct workload *w, int nprocs, char *why, size_t size);

/* This worker's share of N items divided among K takers (index I < K). */
long share_of(long n, int k, int i);

/* For a workload's code: a failed call's errno and description in this
 * worker's slot; returns -1. */
int worker_failed(struct bench_round *r, const char *what);

#endif
