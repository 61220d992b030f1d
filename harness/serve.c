/* serve.c: the runner's loop; see serve.h.
 * Must not: share mutable state with the pool other than the descriptors. */
#define _GNU_SOURCE
#include "serve.h"

#include "backend.h"
#include "engine.h"
#include "executor.h"
#include "names.h"
#include "runner.h"
#include "trace.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* All LEN bytes of BUF through FD, written or read, restarted after a
 * signal: 0, or -1 at an error or the end of the file. */
static int whole_transfer(int fd, char *p, size_t len, int writing)
{
    while (len) {
        ssize_t n = writing ? write(fd, p, len) : read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int serve_write_all(int fd, const void *buf, size_t len)
{
    return whole_transfer(fd, (char *)buf, len, 1);
}

int serve_read_all(int fd, void *buf, size_t len)
{
    return whole_transfer(fd, buf, len, 0);
}

static json_t *skipped(const struct scenario *s, const char *backend, const char *why)
{
    struct scenario_result res;
    memset(&res, 0, sizeof(res));
    res.status = SC_SKIP;
    res.step = -1;
    snprintf(res.reason, sizeof(res.reason), "%s", why);
    res.trace = json_array();
    json_t *r = result_json(s, backend, &res);
    json_decref(res.trace);
    return r;
}

_Noreturn void serve(const struct catalog *cat, const struct serve_settings *set, int jobs_fd, int results_fd)
{
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_DFL);           /* svipc ignores it; scenarios get the default */
    struct runner_env env;
    char env_why[256] = "";
    int env_ok = runner_env_init(&env, env_why, sizeof(env_why)) == 0;
    const struct target *t = set->target;
    if (env_ok) {
        long factor = t ? t->deadline_factor : 1;
        env.step_deadline_ms = set->step_deadline_ms * factor;
        env.scenario_deadline_ms = set->scenario_deadline_ms * factor;
        if (t && t->launch[0]) {
            env.launch = t->launch;
            env.observe = (int)t->observe;
        }
        if (set->processes_why && set->processes_why[0])
            snprintf(env.processes_why, sizeof(env.processes_why), "%s", set->processes_why);
    }
    /* --observe: this runner's scenarios are observed apart from the others' */
    struct observe_handle *observe = set->observe && observe_runner(set->observe) == 0 ? set->observe : NULL;
    struct job_msg job;
    while (serve_read_all(jobs_fd, &job, sizeof(job)) == 0) {
        job.backend[sizeof(job.backend) - 1] = '\0';
        if (job.scenario == -1)
            break;                         /* the end */
        if (job.scenario < 0 || job.scenario >= cat->count)
            _exit(4);                      /* not this catalog's job */
        const struct scenario *s = &cat->items[job.scenario];
        const struct backend *be = backend_by_name(job.backend);
        char why[512];
        json_t *r;
        if (!be) {
            snprintf(why, sizeof(why), "no backend %s here", job.backend);
            r = skipped(s, job.backend, why);
        } else if (s->only_backend && !list_has(s->only_backend, ',', be->name)) {
            snprintf(why, sizeof(why), "runs only on %s: %s", s->only_backend, s->only_reason);
            r = skipped(s, be->name, why);
        } else if (!env_ok) {
            r = skipped(s, be->name, env_why);
        } else if (s->needs_host_root && be == &backend_kernel && !id_maps_initial(&env.ids)) {
            snprintf(why, sizeof(why), "needs root of the initial user namespace, not of the run's own: %s",
                     s->needs_host_root);
            r = skipped(s, be->name, why);
        } else if (be->available(why, sizeof(why)) < 0) {
            r = skipped(s, be->name, why);
        } else {
            struct scenario_result res;
            /* the model runs no processes: nothing of it reaches the kernel */
            int observed = observe && be->executor == &executor_puppets;
            if (observed)
                observe_scenario_begin(observe);
            engine_run(s, be, &env, &res);
            json_t *seen = observed ? observe_scenario_end(observe) : NULL;
            r = result_json(s, be->name, &res);
            json_decref(res.trace);
            json_object_set_new(r, "observed", json_string(observe_name((enum observe)env.observe)));
            if (seen)
                json_object_set_new(r, "observed_kernel", seen);
        }
        json_object_set_new(r, "target", json_string(t ? t->name : "native"));
        char *text = json_dumps(r, JSON_COMPACT);
        json_decref(r);
        uint32_t len = (uint32_t)strlen(text);
        if (serve_write_all(results_fd, &len, sizeof(len)) < 0 || serve_write_all(results_fd, text, len) < 0)
            _exit(3);
        free(text);
    }
    _exit(0);
}
