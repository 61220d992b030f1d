/* verdict.c: trace entries, expectation checks, failures; see verdict.h.
 * Must not: run steps. */
#define _GNU_SOURCE
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *scenario_status_name(enum scenario_status status)
{
    static const char *const names[] = {
        [SC_PASS] = "pass", [SC_FAIL] = "fail", [SC_TIMEOUT] = "timeout",
        [SC_SKIP] = "skip", [SC_ERROR] = "error",
    };
    return names[status];
}

void verdict_trace(struct scenario_result *res, const struct scenario *s, int index, const char *event,
                   int proc, const struct outcome *o, long us)
{
    json_t *fields = json_object();
    for (int i = 0; i < o->nfields; i++)
        json_object_set_new(fields, o->field[i].name, json_string(o->field[i].norm));
    json_t *raw = json_object();
    json_object_set_new(raw, "ret", json_integer(o->ret));
    if (o->status == OUT_DONE && o->ret == -1)
        json_object_set_new(raw, "errno", json_integer(o->err));
    for (int i = 0; i < o->nfields; i++)
        if (o->field[i].type != F_WORD && o->field[i].type != F_BYTES)
            json_object_set_new(raw, o->field[i].name, json_integer(o->field[i].raw));
    json_t *e = json_pack("{s:s, s:s, s:o, s:o}", "status", outcome_status_name(o->status), "ret", o->ret_norm,
                          "fields", fields, "raw", raw);
    if (us >= 0)
        json_object_set_new(e, "us", json_integer(us));
    json_object_set_new(e, "step", json_integer(index));
    json_object_set_new(e, "line", json_integer(s->steps[index].line));
    json_object_set_new(e, "proc", proc >= 0 ? json_string(s->proc_name[proc]) : json_null());
    json_object_set_new(e, "op", json_string(event));
    if (o->status != OUT_DONE && *o->detail)
        json_object_set_new(e, "detail", json_string(o->detail));
    json_array_append_new(res->trace, e);
}

void verdict_fail(struct scenario_result *res, int *failed, enum scenario_status status, int step,
                  const char *fmt, ...)
{
    if (*failed)
        return;
    *failed = 1;
    res->status = status;
    res->step = step;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
    va_end(ap);
}

void verdict_check(struct scenario_result *res, int *failed, const struct scenario *s, int index,
                   const struct outcome *o, const long *vars, uintptr_t base)
{
    const struct step *st = &s->steps[index];
    char why[512], actual[1024];
    if (expect_holds(st, o, vars, base, why, sizeof(why)))
        return;
    outcome_format(o, actual, sizeof(actual));
    enum scenario_status status = o->status == OUT_TIMEOUT || o->status == OUT_HANG ? SC_TIMEOUT : SC_FAIL;
    verdict_fail(res, failed, status, index, "%s:%d: step %d: %s\n    expected: %s\n    actual:   %s\n    (%s)",
                 s->file, st->line, index + 1, st->source, st->expect.text ? st->expect.text : "success", actual,
                 why);
}

void scratch_init(struct scratch_files *sf)
{
    for (int i = 0; i < MAX_VARS; i++) {
        sf->fd[i] = -1;
        sf->path[i] = NULL;
        sf->named[i] = 0;
    }
}

void scratch_file_step(struct scratch_files *sf, struct scenario_result *res, int *failed,
                       const struct scenario *s, int index)
{
    int var = s->steps[index].bind;
    int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (fd < 0)
        fd = open("/dev/shm", O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), fd);
    if (fd < 0) {
        /* no unnamed files (gVisor): a named one, removed with the run */
        snprintf(path, sizeof(path), "/tmp/svipc-scratch-XXXXXX");
        fd = mkostemp(path, O_CLOEXEC);
        if (fd < 0) {
            verdict_fail(res, failed, SC_SKIP, index, "cannot create a scratch file: %s", strerror(errno));
            return;
        }
        sf->named[var] = 1;
    }
    sf->fd[var] = fd;
    sf->path[var] = strdup(path);
}

void scratch_free(struct scratch_files *sf)
{
    for (int i = 0; i < MAX_VARS; i++) {
        if (sf->fd[i] >= 0)
            close(sf->fd[i]);
        if (sf->named[i] && sf->path[i])
            unlink(sf->path[i]);
        free(sf->path[i]);
    }
    scratch_init(sf);
}
