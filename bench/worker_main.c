/* worker_main.c: svipc-bench-worker, the round's runner that svipc-bench
 * starts inside a target (bench_target.h): `svipc-bench-worker WORKLOAD
 * NPROCS OPS [--inject-miscount]` runs one round of a System V workload
 * (round.c: setup, N workers forked, counts and final state checked) on
 * the kernel the target shows it, and prints the result with what it saw
 * of that system (uname) on its standard output (round_text.h), so the
 * time inside is what is reported, never the target's start-up.  Built
 * static for each architecture (make bench-workers), like the puppets.
 * Must not: print anything else on its standard output, run a POSIX
 * workload (the targets benchmark System V), or link more than the
 * workloads need (no jansson, no BPF). */
#define _GNU_SOURCE
#include "libc_calls.h"
#include "round_text.h"
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__)
#define BUILT_FOR "x86_64"
#elif defined(__aarch64__)
#define BUILT_FOR "aarch64"
#elif defined(__arm__)
#define BUILT_FOR "armhf"
#elif defined(__i386__)
#define BUILT_FOR "i386"
#else
#define BUILT_FOR "unknown"
#endif

int main(int argc, char **argv)
{
    struct round_result res;
    memset(&res, 0, sizeof(res));
    const struct workload *w = argc >= 4 ? workload_by_name(argv[1]) : NULL;
    if (!w) {
        fprintf(stderr, "usage: svipc-bench-worker WORKLOAD NPROCS OPS [--inject-miscount] (started by svipc-bench "
                        "--target)\n");
        return 2;
    }
    int nprocs = atoi(argv[2]);
    long ops = atol(argv[3]);
    int miscount = argc > 4 && strcmp(argv[4], "--inject-miscount") == 0;
    res.ops = ops;
    struct utsname u;
    char inside[256];
    if (uname(&u) == 0)
        snprintf(inside, sizeof(inside), "%s %s %s (worker built for %s)", u.sysname, u.release, u.machine, BUILT_FOR);
    else
        snprintf(inside, sizeof(inside), "uname failed (worker built for %s)", BUILT_FOR);
    if (w->kind->api != API_SYSV)
        snprintf(res.why, sizeof(res.why), "%s is a POSIX workload: targets run the System V workloads", w->name);
    else if (ops < 1)
        snprintf(res.why, sizeof(res.why), "OPS %s: at least 1", argv[3]);
    else
        round_run(w, &libc_calls, nprocs, ops, miscount, &res);
    char text[1024];
    int n = round_text_encode(&res, inside, text, sizeof(text));
    if (n < 0)
        return 3;
    fflush(stdout);
    for (int done = 0; done < n;) {
        ssize_t k = write(1, text + done, (size_t)(n - done));
        if (k <= 0)
            return 3;
        done += (int)k;
    }
    return 0;
}
