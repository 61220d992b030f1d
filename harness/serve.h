/* serve.h: a runner's loop: jobs in, results out, over two descriptors.
 * The pool forks runners that serve in place; a target that runs the
 * system under test elsewhere (inside gVisor, inside a VM) starts svipc's
 * --runner entry there, which serves the same messages over its standard
 * input and output.
 * Must not: print, or decide pass/fail across scenarios (the pool's caller does). */
#ifndef SVIPC_SERVE_H
#define SVIPC_SERVE_H

#include "scenario.h"
#include "observe_load.h"
#include "target.h"

#include <stdint.h>

/* One job: a scenario of the catalog on a backend, named; scenario -1 is
 * the end (a serial line has no end of file). */
struct job_msg {
    int32_t scenario;
    char backend[28];
};

struct serve_settings {
    long step_deadline_ms;             /* defaults for scenarios that set none */
    long scenario_deadline_ms;
    const struct target *target;       /* its launch and observation; NULL: the host's */
    const char *processes_why;         /* NULL or "", or why scenario processes cannot be
                                        * started in this runner (their scenarios skip with it) */
    struct observe_handle *observe;    /* --observe: the kernel-side observer, or NULL */
};

/* Serve jobs from JOBS_FD, each result (a length, then JSON) to RESULTS_FD,
 * until JOBS_FD ends.  Exits the process. */
_Noreturn void serve(const struct catalog *cat, const struct serve_settings *set, int jobs_fd, int results_fd);

/* One message each way: 0, or -1 (the other end is gone). */
int serve_write_all(int fd, const void *buf, size_t len);
int serve_read_all(int fd, void *buf, size_t len);

#endif
