/* round.c: the round of round.h.  Workers wait on a futex word until all
 * are ready, so the start is one instant for all; each records its own end
 * and CPU time from its start, so process exits are not timed.
 * Must not: print, or wait without the coordinator's deadline above it
 * (svipc_bench.c kills a round that overruns). */
#define _GNU_SOURCE
#include "round.h"

#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double seconds_of(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

static void futex_wait(uint32_t *word, uint32_t value)
{
    syscall(SYS_futex, word, FUTEX_WAIT, value, NULL, NULL, 0);
}

static void futex_wake_all(uint32_t *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
}

/* In a child of the runner RUNNER: it dies with the runner (whom the
 * coordinator kills at a deadline, or who dies with the coordinator), so
 * no process of a round outlives it blocked in a call. */
static void die_with(pid_t runner)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != runner)
        _exit(9);
}

/* A function of R run in a forked process: 0 when it exited 0. */
static int in_own_process(struct bench_round *r, int (*fn)(struct bench_round *, char *, size_t), char *why,
                          size_t size)
{
    char *shared_why = r->sh->w[0].why;
    shared_why[0] = 0;
    pid_t runner = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, size, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        die_with(runner);
        _exit(fn(r, shared_why, sizeof(r->sh->w[0].why)) == 0 ? 0 : 1);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    snprintf(why, size, "%s", shared_why[0] ? shared_why : "the process ended without saying why");
    return -1;
}

static int setup_of(struct bench_round *r, char *why, size_t size)
{
    return r->kind->setup(r, why, size);
}

static int teardown_of(struct bench_round *r, char *why, size_t size)
{
    return r->kind->teardown(r, why, size);
}

static void worker(struct bench_round *r, pid_t runner)
{
    die_with(runner);
    struct bench_worker *w = &r->sh->w[r->me];
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    __atomic_add_fetch(&r->sh->ready, 1, __ATOMIC_ACQ_REL);
    futex_wake_all(&r->sh->ready);
    while (__atomic_load_n(&r->sh->go, __ATOMIC_ACQUIRE) == 0)
        futex_wait(&r->sh->go, 0);
    int rc = r->kind->work(r);
    w->end = now();
    getrusage(RUSAGE_SELF, &after);
    w->cpu_user = seconds_of(after.ru_utime) - seconds_of(before.ru_utime);
    w->cpu_sys = seconds_of(after.ru_stime) - seconds_of(before.ru_stime);
    w->vcsw = after.ru_nvcsw - before.ru_nvcsw;
    w->icsw = after.ru_nivcsw - before.ru_nivcsw;
    _exit(rc == 0 ? 0 : 1);
}

int round_run(const struct workload *w, const struct ipc_calls *calls, int nprocs, long ops, int miscount,
              struct round_result *out)
{
    memset(out, 0, sizeof(*out));
    out->ops = ops;
    if (!workload_fits(w, nprocs, out->why, sizeof(out->why)))
        return -1;
    struct bench_shared *sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        snprintf(out->why, sizeof(out->why), "mmap: %s", strerror(errno));
        return -1;
    }
    struct bench_round r = { w->kind, calls, NULL, sh, &w->params, nprocs, ops, 0 };
    char why[200];
    if (in_own_process(&r, setup_of, why, sizeof(why)) < 0) {
        snprintf(out->why, sizeof(out->why), "setup: %s", why);
        munmap(sh, sizeof(*sh));
        return -1;
    }
    pid_t pids[BENCH_MAX_PROCS], runner = getpid();
    int started = 0, failed = 0;
    for (; started < nprocs; started++) {
        r.me = started;
        pids[started] = fork();
        if (pids[started] == 0)
            worker(&r, runner);
        if (pids[started] < 0) {
            snprintf(out->why, sizeof(out->why), "fork of worker %d: %s", started, strerror(errno));
            failed = 1;
            break;
        }
    }
    uint32_t ready;
    while (!failed && (ready = __atomic_load_n(&sh->ready, __ATOMIC_ACQUIRE)) < (uint32_t)nprocs)
        futex_wait(&sh->ready, ready);
    double start = now();
    __atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
    futex_wake_all(&sh->go);
    for (int i = 0; i < started; i++) {
        int status;
        while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
            ;
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0) && !failed) {
            failed = 1;
            if (sh->w[i].why[0])
                snprintf(out->why, sizeof(out->why), "worker %d: %s", i, sh->w[i].why);
            else
                snprintf(out->why, sizeof(out->why), "worker %d ended without saying why (status %#x)", i, status);
        }
    }
    if (miscount)
        sh->w[0].ops++;
    double end = start;
    for (int i = 0; i < started; i++) {
        const struct bench_worker *wk = &sh->w[i];
        out->counted += wk->ops;
        out->aux += wk->aux;
        out->cpu_user += wk->cpu_user;
        out->cpu_sys += wk->cpu_sys;
        out->vcsw += wk->vcsw;
        out->icsw += wk->icsw;
        if (wk->end > end)
            end = wk->end;
    }
    out->seconds = end - start;
    if (!failed && w->kind->check(&r, out->why, sizeof(out->why)) < 0)
        failed = 1;
    if (in_own_process(&r, teardown_of, why, sizeof(why)) < 0 && !failed) {
        snprintf(out->why, sizeof(out->why), "teardown: %s", why);
        failed = 1;
    }
    munmap(sh, sizeof(*sh));
    out->ok = !failed;
    return failed ? -1 : 0;
}
