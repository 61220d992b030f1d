/* pool.c: parallel runners; see pool.h.
 * A runner is a child with PR_SET_PDEATHSIG: if svipc is killed, runners
 * die, their scenarios' namespace inits die with them, and the kernel
 * removes every scenario process and IPC object.
 * Must not: share mutable state with runners other than through pipes. */
#define _GNU_SOURCE
#include "pool.h"

#include "names.h"
#include "serve.h"
#include "trace.h"
#include "userns.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_RUNNERS 64

#define IN_FLIGHT 2             /* jobs queued per runner: it starts the next
                                 * scenario while the parent reads a result */

struct runner {
    pid_t pid;
    int jobs_fd;                  /* parent writes job indexes */
    int results_fd;               /* parent reads results, in job order */
    int job[IN_FLIGHT];           /* queued jobs, oldest first */
    int queued;
    double started;               /* when the oldest job could have started */
};

/* The pool's runtime object. */
struct pool {
    const struct catalog *cat;
    const struct job *jobs;
    int njobs;
    const struct pool_options *opt;
    struct runner runner[MAX_RUNNERS];
    int nrunners;
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A result the runner could not produce itself: a skip, or a lost runner. */
static json_t *synthetic_result(const struct scenario *s, const struct backend *be, enum scenario_status st,
                       const char *why)
{
    struct scenario_result res;
    memset(&res, 0, sizeof(res));
    res.status = st;
    res.step = -1;
    snprintf(res.reason, sizeof(res.reason), "%s", why);
    res.trace = json_array();
    json_t *r = result_json(s, be->name, &res);
    json_decref(res.trace);
    return r;
}

/* Pin the calling runner, one of RUNNERS, to the SLOT-th CPU it may use
 * (round robin).  A scenario's processes then share that CPU: wake-ups
 * across CPUs cost more than the steps themselves in a VM, and outcomes
 * never depend on timing.  Only when the runners fill the CPUs: fewer
 * runners are left where the kernel puts them, since whatever uses the
 * other CPUs may be another run pinned the same way (two runs at -j 1 on
 * one CPU made its tool steps miss their deadlines). */
static void pin_to_cpu(int slot, int runners)
{
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
        return;
    int count = CPU_COUNT(&allowed), want = slot % (count ? count : 1);
    if (runners < count)
        return;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &allowed) && want-- == 0) {
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            sched_setaffinity(0, sizeof(one), &one);
            return;
        }
}

/* In a forked runner: serve the pool's jobs here.  PARENT 0: the parent is
 * outside the runner's PID namespace, where getppid tells nothing (if it
 * died, the jobs' pipe ends and so does the runner).  PROCESSES_WHY: why
 * scenario processes cannot be started here, or "". */
static _Noreturn void runner_main(struct pool *pool, int slot, pid_t parent, int jobs_fd, int results_fd,
                                  const char *processes_why)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent && getppid() != parent)
        _exit(0);                      /* the pool died before the line above */
    if (pool->opt->pin)
        pin_to_cpu(slot, pool->nrunners);
    struct serve_settings set = {
        .step_deadline_ms = pool->opt->step_deadline_ms,
        .scenario_deadline_ms = pool->opt->scenario_deadline_ms,
        .target = pool->opt->target,
        .processes_why = processes_why,
        .observe = pool->opt->observe,
    };
    serve(pool->cat, &set, jobs_fd, results_fd);
}

/* In a forked runner of a run in svipc's user namespace (userns.h): the
 * runner becomes init of new PID and mount namespaces, with their own
 * /proc, so it can give each scenario a PID namespace and read its
 * processes' /proc.  This process stays outside, waits for it and ends as
 * it ended; if this process is killed, so is the runner. */
static _Noreturn void runner_in_namespaces(struct pool *pool, int slot, pid_t parent, int jobs_fd, int results_fd)
{
    char why[512] = "";
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) < 0) {
        snprintf(why, sizeof(why), "the runner cannot make its PID and mount namespaces: %s", strerror(errno));
        runner_main(pool, slot, parent, jobs_fd, results_fd, why);
    }
    pid_t init = fork();
    if (init == 0) {
        if (userns_runner_init(why, sizeof(why)) < 0)
            fprintf(stderr, "svipc: %s\n", why);
        runner_main(pool, slot, 0, jobs_fd, results_fd, why);
    }
    close(jobs_fd);                    /* the pool sees the runner's end, not ours */
    close(results_fd);
    if (init < 0)
        _exit(126);
    int status = 0;
    while (waitpid(init, &status, 0) < 0 && errno == EINTR)
        ;
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

/* In a runner started elsewhere: the target's command, then the --runner
 * entry's arguments, with the jobs on its standard input and the results
 * on its standard output. */
static _Noreturn void runner_command(struct pool *pool, int jobs_fd, int results_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int count = 0, n = 0;
    for (int i = 0; pool->opt->target->runner[i]; i++)
        count++;
    for (int i = 0; pool->opt->runner_args[i]; i++)
        count++;
    char **argv = calloc((size_t)count + 1, sizeof(char *));
    if (!argv)
        _exit(126);
    for (int i = 0; pool->opt->target->runner[i]; i++)
        argv[n++] = pool->opt->target->runner[i];
    for (int i = 0; pool->opt->runner_args[i]; i++)
        argv[n++] = pool->opt->runner_args[i];
    argv[n] = NULL;
    /* The command gets a pipe for its standard error, relayed here: runsc
     * chowns its standard streams to its sandbox's user, and a user's
     * terminal or log file must not change owner. */
    int err[2];
    if (pipe2(err, O_CLOEXEC) < 0)
        _exit(126);
    pid_t parent = getpid(), pid = fork();
    if (pid < 0)
        _exit(126);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(0);
        signal(SIGXFSZ, SIG_DFL);       /* an ignored signal would stay ignored across exec */
        if (dup2(jobs_fd, 0) < 0 || dup2(results_fd, 1) < 0 || dup2(err[1], 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        fprintf(stderr, "svipc: cannot start the runner (%s): %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(jobs_fd);
    close(results_fd);
    close(err[1]);
    char buf[4096];
    ssize_t got;
    while ((got = read(err[0], buf, sizeof(buf))) != 0) {
        if (got < 0 && errno != EINTR)
            break;
        if (got > 0 && serve_write_all(2, buf, (size_t)got) < 0)
            break;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int start_runner(struct pool *pool, struct runner *r)
{
    int jobs[2], results[2];
    if (pipe2(jobs, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(results, O_CLOEXEC) < 0) {
        close(jobs[0]);
        close(jobs[1]);
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        for (int i = 0; i < pool->nrunners; i++) {
            if (pool->runner[i].pid > 0 && &pool->runner[i] != r) {
                close(pool->runner[i].jobs_fd);
                close(pool->runner[i].results_fd);
            }
        }
        close(jobs[1]);
        close(results[0]);
        if (pool->opt->target && pool->opt->target->runner[0])
            runner_command(pool, jobs[0], results[1]);
        if (pool->opt->own_namespaces)
            runner_in_namespaces(pool, (int)(r - pool->runner), parent, jobs[0], results[1]);
        runner_main(pool, (int)(r - pool->runner), parent, jobs[0], results[1], "");
    }
    close(jobs[0]);
    close(results[1]);
    r->pid = pid;
    r->jobs_fd = jobs[1];
    r->results_fd = results[0];
    r->queued = 0;
    return 0;
}

static void stop_runner(struct runner *r, int kill_it)
{
    /* the end, said: a runner elsewhere (a VM's serial line) sees no end of file */
    struct job_msg end = { .scenario = -1 };
    if (!kill_it)
        serve_write_all(r->jobs_fd, &end, sizeof(end));
    close(r->jobs_fd);
    close(r->results_fd);
    if (kill_it)
        kill(r->pid, SIGKILL);
    while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    r->pid = 0;
}

static long job_budget_ms(const struct pool *pool, int job)
{
    const struct scenario *s = &pool->cat->items[pool->jobs[job].scenario];
    const struct target *t = pool->opt->target;
    long ms = s->scenario_deadline_ms ? s->scenario_deadline_ms : pool->opt->scenario_deadline_ms;
    ms *= t ? t->deadline_factor : 1;
    /* the runner enforces the deadline; this catches a runner that cannot
     * (and gives one started elsewhere, a sandbox or a VM, time to start) */
    return ms + 10000 + (t && t->runner[0] ? 120000 : 0);
}

/* Take the oldest job off R's queue. */
static int dequeue(struct runner *r)
{
    int job = r->job[0];
    for (int k = 1; k < r->queued; k++)
        r->job[k - 1] = r->job[k];
    r->queued--;
    r->started = now();
    return job;
}

int pool_run(const struct catalog *cat, const struct job *jobs, int njobs,
             const struct pool_options *opt, pool_result_fn done, void *ctx)
{
    struct pool pool = { .cat = cat, .jobs = jobs, .njobs = njobs, .opt = opt };
    pool.nrunners = opt->parallel < 1 ? 1 : opt->parallel > MAX_RUNNERS ? MAX_RUNNERS : opt->parallel;
    if (pool.nrunners > njobs)
        pool.nrunners = njobs > 0 ? njobs : 1;
    for (int i = 0; i < pool.nrunners; i++)
        if (start_runner(&pool, &pool.runner[i]) < 0) {
            perror("svipc: cannot start a runner");
            return -1;
        }
    if (opt->started && opt->started(ctx) < 0) {
        for (int i = 0; i < pool.nrunners; i++)
            stop_runner(&pool.runner[i], 1);
        return -1;
    }
    int next = 0, finished = 0;
    int *requeue = calloc((size_t)njobs + 1, sizeof(int));   /* jobs of replaced runners */
    int nrequeue = 0;
    while (finished < njobs) {
        struct pollfd pfd[MAX_RUNNERS];
        for (int i = 0; i < pool.nrunners; i++) {
            struct runner *r = &pool.runner[i];
            while (r->queued < IN_FLIGHT && (nrequeue || next < njobs)) {
                int32_t job = nrequeue ? requeue[--nrequeue] : next++;
                struct job_msg msg = { .scenario = jobs[job].scenario };
                snprintf(msg.backend, sizeof(msg.backend), "%s", jobs[job].backend->name);
                if (serve_write_all(r->jobs_fd, &msg, sizeof(msg)) < 0) {
                    requeue[nrequeue++] = job;
                    break;
                }
                if (r->queued == 0)
                    r->started = now();
                r->job[r->queued++] = job;
            }
            pfd[i].fd = r->queued ? r->results_fd : -1;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        int n = poll(pfd, (nfds_t)pool.nrunners, 1000);
        if (n < 0 && errno != EINTR) {
            free(requeue);
            return -1;
        }
        for (int i = 0; i < pool.nrunners; i++) {
            struct runner *r = &pool.runner[i];
            if (!r->queued)
                continue;
            const struct job *j = &jobs[r->job[0]];
            const struct scenario *s = &cat->items[j->scenario];
            json_t *result = NULL;
            int restart = 0;
            if (pfd[i].revents) {
                uint32_t len;
                char *text = NULL;
                if (serve_read_all(r->results_fd, &len, sizeof(len)) == 0 && (text = malloc(len + 1)) &&
                    serve_read_all(r->results_fd, text, len) == 0) {
                    text[len] = '\0';
                    result = json_loads(text, 0, NULL);
                }
                free(text);
                if (!result) {
                    result = synthetic_result(s, j->backend, SC_ERROR, "the runner died during this scenario");
                    restart = 1;
                }
            } else if ((now() - r->started) * 1000.0 > (double)job_budget_ms(&pool, r->job[0])) {
                result = synthetic_result(s, j->backend, SC_TIMEOUT,
                                 "the runner stopped answering past the scenario's deadline; it was killed");
                restart = 1;
            }
            if (!result)
                continue;
            int job = dequeue(r);
            finished++;
            done(ctx, job, result);
            if (restart) {
                /* the jobs queued behind the lost one go to the replacement */
                while (r->queued)
                    requeue[nrequeue++] = dequeue(r);
                stop_runner(r, 1);
                if (start_runner(&pool, r) < 0) {
                    free(requeue);
                    return -1;
                }
            }
        }
    }
    free(requeue);
    for (int i = 0; i < pool.nrunners; i++)
        stop_runner(&pool.runner[i], 0);
    return 0;
}
