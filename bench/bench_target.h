/* bench_target.h: svipc-bench's targets, the kernel as seen through a
 * sandbox or an emulator (the names of svipc's targets, harness/target.h):
 * gvisor (`runsc --network=none do`), qemu-x86_64, qemu-aarch64, qemu-arm,
 * qemu-i386 (Debian's qemu-user running a worker cross-built statically
 * for that architecture: make bench-workers) and exec:CMD (any wrapper).
 * Each round of a target runs svipc-bench-worker (worker_main.c) under the
 * target's command; resolving a name finds what that needs on this machine
 * or says what is missing.
 * Must not: install anything, or start a round (spawn.c does). */
#ifndef SVIPC_BENCH_TARGET_H
#define SVIPC_BENCH_TARGET_H

#include <stddef.h>

#define BENCH_TARGET_WORDS 16

struct bench_target {
    char name[128];                       /* as given: gvisor, qemu-arm, exec:CMD */
    char *launch[BENCH_TARGET_WORDS];     /* the command the worker runs under, NULL-terminated */
    char worker[4096];                    /* svipc-bench-worker for the target's architecture */
    const char *machine;                  /* what uname's machine must start with inside, or NULL */
    double deadline_factor;               /* a round's deadline, times this */
    char storage[4096];                   /* launch's words */
};

/* The names, for messages. */
const char *bench_target_names(void);

/* Resolve SPEC for this program SELF (the workers are looked for beside
 * it): 0 when the target can run here; 1 when it
 * cannot (not installed, not built, not supported for benchmarks), with
 * why; -1 when SPEC names no target, with why. */
int bench_target_resolve(const char *spec, const char *self, struct bench_target *t, char *why, size_t size);

#endif
