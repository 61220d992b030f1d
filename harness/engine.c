/* engine.c: the one step engine: a scenario's state machine, the same on
 * every implementation.
 *
 * Each process is absent, idle, blocked in a step, woken (its blocked step
 * completed, the outcome kept for its 'resumes'), or gone.  A step is
 * resolved into a request (request.c) and handed to the executor
 * (executor.h), which says what became of it: it completed, it is asleep
 * inside the call, the process ended, or nothing came before the deadline.
 * After every step every blocked process is settled the same way, so "B's
 * send woke A" is decided before the next step.  No sleep decides an
 * outcome; every wait is bounded by the step's and the scenario's deadline.
 * Each outcome is normalised, traced and checked against the step's
 * expectation (verdict.c).
 * Must not: print, know how a process is made or observed (the executor
 * does), or leave anything behind. */
#define _GNU_SOURCE
#include "engine.h"

#include "abi.h"
#include "executor.h"
#include "names.h"
#include "outcome.h"
#include "request.h"
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum proc_state { P_ABSENT, P_IDLE, P_BLOCKED, P_WOKEN, P_GONE };

struct proc {
    enum proc_state state;
    int parent;              /* -1: started with the scenario */
    int step;                /* the step it is blocked in, or woke from */
    struct request rq;       /* that step's request, while blocked */
    int may_time_out;        /* the blocked call has a timeout of its own */
    struct outcome *woke;    /* P_WOKEN: the outcome for 'resumes' (owned) */
};

/* The per-scenario runtime object. */
struct run {
    const struct scenario *s;
    const struct backend *be;
    const struct runner_env *env;
    struct scenario_result *res;
    struct executor *x;
    struct proc proc[MAX_PROCS];
    long vars[MAX_VARS];
    long *written_keys;                /* the keys the get steps write (the normaliser's) */
    struct scratch_files files;        /* 'file NAME' steps */
    struct normaliser norm;
    uintptr_t base;                    /* the processes' shmat window: 'base' */
    double scenario_deadline;
    long step_ms;
    int failed;                        /* stop after the first failure */
    double step_start;                 /* when the current step began, for its latency */
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double step_deadline(const struct run *r)
{
    double d = now() + (double)r->step_ms / 1000.0;
    return d < r->scenario_deadline ? d : r->scenario_deadline;
}

/* The deadline of a step of OP: a step's, or, for a step that starts a
 * program, PROGRAM_START_DEADLINES of them. */
static double deadline_of(const struct run *r, enum op op)
{
    if (op != OP_TOOL && op != OP_EXEC)
        return step_deadline(r);
    double d = now() + (double)r->step_ms * PROGRAM_START_DEADLINES / 1000.0;
    return d < r->scenario_deadline ? d : r->scenario_deadline;
}

#define fail(r, status, step, ...) verdict_fail((r)->res, &(r)->failed, status, step, __VA_ARGS__)

static const char *name_of(const struct run *r, int proc)
{
    return r->s->proc_name[proc];
}

static void normalise(struct run *r, struct outcome *o, enum op op)
{
    r->norm.nprocs = r->s->nprocs;
    for (int i = 0; i < r->s->nprocs; i++)
        r->norm.pid[i] = r->proc[i].state == P_ABSENT ? 0 : r->x->ops->pid(r->x, i);
    outcome_normalise(o, op, &r->norm);
}

static void trace(struct run *r, int index, const char *event, int proc, const struct outcome *o)
{
    verdict_trace(r->res, r->s, index, event, proc, o, (long)((now() - r->step_start) * 1e6));
}

static void check(struct run *r, int index, const struct outcome *o)
{
    verdict_check(r->res, &r->failed, r->s, index, o, r->vars, r->base);
}

/* P woke with outcome O, which it keeps for its 'resumes' step (O is left
 * empty).  Out of memory, the run fails there. */
static void keep_woken(struct run *r, struct proc *p, struct outcome *o)
{
    p->woke = malloc(sizeof(*p->woke));
    if (!p->woke) {
        outcome_clear(o);
        fail(r, SC_ERROR, p->step, "out of memory");
        return;
    }
    outcome_init(p->woke);
    outcome_move(p->woke, o);
    p->state = P_WOKEN;
}

/* The outcome of what the executor said of RQ by process PROC (completed
 * calls decoded in that process's layouts). */
static void outcome_of(struct run *r, int proc, const struct x_reply *rep, const struct request *rq,
                       struct outcome *o)
{
    outcome_init(o);
    switch (rep->status) {
    case X_DONE: {
        struct returned got = { r->x->ops->abi(r->x, proc), rep->data, rep->len, rep->wrote, rep->beyond,
                                rq->head.flags };
        o->status = OUT_DONE;
        o->ret = rep->ret;
        o->err = rep->err;
        outcome_decode(o, (enum op)rq->head.op, rq->head.arg, &got);
        return;
    }
    case X_FAULT:
        o->status = OUT_FAULT;
        o->sig = rep->sig;
        o->ret = -1;
        return;
    case X_BLOCKED:
        o->status = OUT_BLOCKED;
        return;
    case X_GONE:
        o->status = rq->head.op == OP_EXIT ? OUT_EXITED : OUT_DIED;
        o->sig = rep->sig;
        break;
    case X_NO_ANSWER:
        o->status = OUT_TIMEOUT;
        break;
    case X_ERROR:
        o->status = OUT_ERROR;
        break;
    }
    snprintf(o->detail, sizeof(o->detail), "%s", rep->detail);
}

/* Step INDEX's -> $var: the return value, or the raw value of the field
 * it names (-> $q=msqid); a field the outcome lacks fails the step. */
static void bind(struct run *r, int index, const struct outcome *o)
{
    const struct step *st = &r->s->steps[index];
    if (st->bind < 0 || o->status != OUT_DONE)
        return;
    if (!st->bind_field) {
        r->vars[st->bind] = o->ret;
        return;
    }
    for (int i = 0; i < o->nfields; i++)
        if (strcmp(o->field[i].name, st->bind_field) == 0 && o->field[i].type != F_WORD &&
            o->field[i].type != F_BYTES) {
            r->vars[st->bind] = o->field[i].raw;
            return;
        }
    fail(r, SC_FAIL, index, "%s:%d: step %d: %s\n    the outcome has no number field '%s' to bind to $%s",
         r->s->file, st->line, index + 1, st->source, st->bind_field, r->s->var_name[st->bind]);
}

/* A tool step's program is a process of the scenario too: named for the
 * normalised forms (its pid in ipcs -p, in shm_cpid) as PROC/PROGRAM. */
static void name_program(struct run *r, int proc, const struct outcome *o)
{
    if (!o->tool_pid)
        return;
    char name[64];
    snprintf(name, sizeof(name), "%s/%s", name_of(r, proc), o->tool_name);
    normaliser_name_pid(&r->norm, o->tool_pid, name);
}

/* The keys the scenario writes as constants in its get steps: shown as
 * written in every trace; the others (ipcmk's, ftok's) by order. */
static void collect_written_keys(struct run *r)
{
    r->written_keys = calloc((size_t)r->s->nsteps + 1, sizeof(long));
    if (!r->written_keys)
        return;                        /* every key by order: still deterministic */
    for (int i = 0; i < r->s->nsteps; i++) {
        const struct step *st = &r->s->steps[i];
        int is_get = st->op == OP_MSGGET || st->op == OP_SEMGET || st->op == OP_SHMGET;
        int constant = st->nargs > 0 && st->arg[0].nterms > 0;
        for (int t = 0; constant && t < st->arg[0].nterms; t++)
            constant = st->arg[0].term[t].kind == TERM_LITERAL;
        if (is_get && constant)
            r->written_keys[r->norm.nwritten_keys++] = expr_eval(&st->arg[0], r->vars, 0);
    }
    r->norm.written_keys = r->written_keys;
}

/* P has ended: nothing of a blocked step is left. */
static void gone(struct proc *p)
{
    p->state = P_GONE;
    request_free(&p->rq);
}

/* ---------- settling ---------- */

/* Bring the blocked process INDEX to a known state: still asleep in its
 * call, or completed (its outcome kept for 'resumes'), or gone; the change
 * is traced after step AFTER_STEP. */
static void settle_blocked(struct run *r, int index, int after_step)
{
    struct proc *p = &r->proc[index];
    if (p->state != P_BLOCKED)
        return;
    struct x_reply rep;
    struct outcome o;
    r->x->ops->settle(r->x, index, &p->rq, X_LOOK, step_deadline(r), &rep);
    switch (rep.status) {
    case X_BLOCKED:
        return;
    case X_DONE:
    case X_FAULT:
        outcome_of(r, index, &rep, &p->rq, &o);
        normalise(r, &o, (enum op)p->rq.head.op);
        trace(r, after_step, "woke", index, &o);
        keep_woken(r, p, &o);
        request_free(&p->rq);
        return;
    case X_GONE:
        outcome_of(r, index, &rep, &p->rq, &o);
        o.status = OUT_DIED;
        normalise(r, &o, (enum op)p->rq.head.op);
        trace(r, after_step, "died", index, &o);
        gone(p);
        return;
    case X_NO_ANSWER:
    case X_ERROR:
        fail(r, SC_TIMEOUT, after_step,
             "process %s, blocked in step %d, neither stayed asleep in its call nor answered within the deadline",
             name_of(r, index), p->step);
        return;
    }
}

static void settle_all(struct run *r, int after_step)
{
    for (int i = 0; i < r->s->nprocs && !r->failed; i++)
        settle_blocked(r, i, after_step);
}

/* After SIG was sent to TARGET: delivered, and when fatal the process is
 * gone (its SEM_UNDO and detaches done). */
static void settle_signal(struct run *r, int target, int sig, int after_step)
{
    struct proc *p = &r->proc[target];
    if (p->state == P_GONE || p->state == P_ABSENT)
        return;
    struct x_reply rep;
    r->x->ops->await_signal(r->x, target, sig, step_deadline(r), &rep);
    if (rep.status == X_NO_ANSWER) {
        fail(r, SC_TIMEOUT, after_step, "process %s did not end after %s", name_of(r, target), signal_name(sig));
    } else if (rep.status == X_GONE) {
        struct outcome o;
        outcome_init(&o);
        o.status = OUT_DIED;
        o.sig = rep.sig;
        snprintf(o.detail, sizeof(o.detail), "%s", rep.detail);
        normalise(r, &o, p->state == P_BLOCKED ? (enum op)p->rq.head.op : OP_KILL);
        trace(r, after_step, "died", target, &o);
        gone(p);
    }
}

/* ---------- steps ---------- */

/* A step of one process. */
static void run_proc_step(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    const struct op_desc *d = op_desc(st->op);
    struct proc *p = &r->proc[st->proc];
    const char *who = name_of(r, st->proc);
    if (p->state == P_ABSENT || p->state == P_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s %s", r->s->file, st->line, index + 1, who,
             p->state == P_GONE ? "has already ended" : "does not exist yet");
        return;
    }
    if (p->state != P_IDLE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is %s in step %d; write '%s: resumes' first",
             r->s->file, st->line, index + 1, who, p->state == P_BLOCKED ? "blocked" : "done", p->step + 1, who);
        return;
    }
    pid_t target_pid = 0;
    if (st->op == OP_KILL || st->op == OP_WAIT) {
        if (r->proc[st->target].state == P_ABSENT) {
            fail(r, SC_ERROR, index, "%s:%d: step %d: process %s does not exist yet", r->s->file, st->line,
                 index + 1, name_of(r, st->target));
            return;
        }
        target_pid = r->x->ops->pid(r->x, st->target);
    }
    struct request rq;
    char why[256];
    if (request_build(&rq, st, r->vars, r->base, target_pid, r->files.path, why, sizeof(why)) < 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s", r->s->file, st->line, index + 1, why);
        return;
    }

    const struct keyword *timeout = step_keyword(st, "timeout");
    int may_time_out = st->op == OP_SEMTIMEDOP && timeout && !timeout->is_null;
    int expects_block = st->expect.kind == EXPECT_BLOCKS || st->expect.kind == EXPECT_ANY;
    double deadline = deadline_of(r, st->op);
    struct x_reply rep;
    r->x->ops->perform(r->x, st->proc, st->target, &rq, (d->flags & OPF_BLOCKS) != 0, deadline, &rep);
    if (rep.status == X_BLOCKED && may_time_out && !expects_block)
        r->x->ops->settle(r->x, st->proc, &rq, X_FINISH, deadline, &rep);   /* its own timeout ends it */

    struct outcome o;
    outcome_of(r, st->proc, &rep, &rq, &o);
    if (rep.status == X_BLOCKED) {
        if (!expects_block) {
            o.status = OUT_HANG;
            snprintf(o.detail, sizeof(o.detail), "%s is asleep inside %s; the step was expected to complete", who,
                     d->name);
        }
        p->state = P_BLOCKED;
        p->step = index;
        p->may_time_out = may_time_out;
        p->rq = rq;                    /* kept for settling; freed when it ends */
        memset(&rq, 0, sizeof(rq));
    } else if (rep.status == X_GONE) {
        gone(p);
    } else if (rep.status == X_NO_ANSWER) {
        snprintf(o.detail, sizeof(o.detail), "no answer from %s within %.0f ms", who, (double)r->step_ms);
    }
    if (st->op == OP_FORK && o.status == OUT_DONE && o.ret > 0) {
        r->proc[st->target].state = P_IDLE;
        r->proc[st->target].parent = st->proc;
    }
    name_program(r, st->proc, &o);
    normalise(r, &o, st->op);
    trace(r, index, d->name, st->proc, &o);
    check(r, index, &o);
    bind(r, index, &o);
    if (st->op == OP_KILL && o.status == OUT_DONE && o.ret == 0)
        settle_signal(r, st->target, (int)expr_eval(&st->arg[0], r->vars, r->base), index);
    outcome_clear(&o);
    request_free(&rq);
}

static void run_resumes(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    struct outcome o;
    outcome_init(&o);
    if (p->state == P_BLOCKED && p->may_time_out) {
        /* its own timeout ends the wait: take the outcome when it comes */
        struct x_reply rep;
        r->x->ops->settle(r->x, st->proc, &p->rq, X_FINISH, step_deadline(r), &rep);
        outcome_of(r, index, &rep, &p->rq, &o);
        switch (rep.status) {
        case X_DONE:
        case X_FAULT:
            normalise(r, &o, (enum op)p->rq.head.op);
            keep_woken(r, p, &o);
            request_free(&p->rq);
            break;
        case X_GONE:
            o.status = OUT_DIED;
            gone(p);
            break;
        default:
            o.status = OUT_TIMEOUT;
            snprintf(o.detail, sizeof(o.detail), "the call's own timeout did not end it");
            break;
        }
    } else if (p->state == P_BLOCKED) {
        settle_blocked(r, st->proc, index);
    }
    if (p->state == P_WOKEN) {
        outcome_move(&o, p->woke);
        free(p->woke);
        p->woke = NULL;
        p->state = P_IDLE;
        bind(r, p->step, &o);
    } else if (p->state == P_BLOCKED) {
        o.status = OUT_BLOCKED;
        snprintf(o.detail, sizeof(o.detail), "%s is still asleep inside %s (step %d)", name_of(r, st->proc),
                 op_desc(r->s->steps[p->step].op)->name, p->step + 1);
    } else if (p->state == P_GONE && o.status == 0) {
        o.status = OUT_DIED;
        snprintf(o.detail, sizeof(o.detail), "the process is gone");
    } else if (o.status == 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s has no blocked step to resume", r->s->file, st->line,
             index + 1, name_of(r, st->proc));
        return;
    }
    trace(r, index, "resumes", st->proc, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

static void run_blocked(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    settle_blocked(r, st->proc, index);
    struct outcome o;
    outcome_init(&o);
    o.status = p->state == P_BLOCKED ? OUT_BLOCKED : OUT_DONE;
    normalise(r, &o, st->op);
    trace(r, index, "blocked", st->proc, &o);
    if (p->state != P_BLOCKED)
        fail(r, SC_FAIL, index, "%s:%d: step %d: %s\n    expected: %s still blocked\n    actual:   %s",
             r->s->file, st->line, index + 1, st->source, name_of(r, st->proc),
             p->state == P_WOKEN ? "it completed" : p->state == P_GONE ? "it is gone" : "it is not blocked");
}

/* 'signal PROC SIG': the coordinator sends it. */
static void run_signal(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->target];
    int sig = (int)expr_eval(&st->arg[0], r->vars, r->base);
    if (p->state == P_ABSENT || p->state == P_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is not running", r->s->file, st->line, index + 1,
             name_of(r, st->target));
        return;
    }
    struct outcome o;
    outcome_init(&o);
    o.status = OUT_DONE;
    o.ret = r->x->ops->send_signal(r->x, st->target, sig);
    o.err = o.ret < 0 ? errno : 0;
    normalise(r, &o, st->op);
    trace(r, index, "signal", -1, &o);
    check(r, index, &o);
    if (o.ret == 0)
        settle_signal(r, st->target, sig, index);
}

/* 'wait PROC': the coordinator reaps a process it started. */
static void run_reap(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->target];
    if (p->parent >= 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s was forked by %s: write '%s: wait %s'", r->s->file, st->line,
             index + 1, name_of(r, st->target), name_of(r, p->parent), name_of(r, p->parent),
             name_of(r, st->target));
        return;
    }
    struct outcome o;
    outcome_init(&o);
    struct x_reply rep;
    r->x->ops->reap(r->x, st->target, step_deadline(r), &rep);
    if (rep.status == X_DONE) {
        if (p->state != P_GONE)
            gone(p);
        int status = (int)rep.ret;
        o.status = OUT_DONE;
        struct returned got = { (int)abi_native(), (const unsigned char *)&status, sizeof(int), 0, 0, 0 };
        outcome_decode(&o, OP_REAP, NULL, &got);
    } else {
        o.status = OUT_TIMEOUT;
        snprintf(o.detail, sizeof(o.detail), "%s is still running", name_of(r, st->target));
    }
    normalise(r, &o, OP_REAP);
    trace(r, index, "wait", -1, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

void engine_run(const struct scenario *s, const struct backend *be, const struct runner_env *env,
                struct scenario_result *res)
{
    double start = now();
    struct run r;
    memset(&r, 0, sizeof(r));
    memset(res, 0, sizeof(*res));
    res->status = SC_PASS;
    res->step = -1;
    res->trace = json_array();
    r.s = s;
    r.be = be;
    r.env = env;
    r.res = res;
    r.step_ms = s->step_deadline_ms ? s->step_deadline_ms : env->step_deadline_ms;
    long scenario_ms = s->scenario_deadline_ms ? s->scenario_deadline_ms : env->scenario_deadline_ms;
    r.scenario_deadline = start + (double)scenario_ms / 1000.0;
    r.norm.name = (const char *const *)s->proc_name;
    r.norm.base_span = env->base_span;
    collect_written_keys(&r);
    scratch_init(&r.files);

    enum scenario_status status;
    char why[512];
    r.x = be->executor->begin(s, be, env, &status, why, sizeof(why));
    double steps_start = now();
    res->setup_ms = (steps_start - start) * 1000.0;
    if (!r.x) {
        fail(&r, status, -1, "%s", why);
    } else {
        r.base = r.norm.base = r.x->ops->base(r.x);
        for (int i = 0; i < s->ninitial; i++) {
            r.proc[i].state = P_IDLE;
            r.proc[i].parent = -1;
        }
        for (int i = 0; i < s->nsteps && !r.failed; i++) {
            if (now() >= r.scenario_deadline) {
                fail(&r, SC_TIMEOUT, i, "%s:%d: the scenario's deadline (%ld ms) passed before step %d", s->file,
                     s->steps[i].line, scenario_ms, i + 1);
                break;
            }
            r.step_start = now();
            switch (s->steps[i].op) {
            case OP_RESUMES: run_resumes(&r, i); break;
            case OP_BLOCKED: run_blocked(&r, i); break;
            case OP_SIGNAL: run_signal(&r, i); break;
            case OP_REAP: run_reap(&r, i); break;
            case OP_FILE: scratch_file_step(&r.files, r.res, &r.failed, s, i); break;
            default: run_proc_step(&r, i); break;
            }
            if (!r.failed)
                settle_all(&r, i);
        }
    }
    double teardown_start = now();
    res->steps_ms = (teardown_start - steps_start) * 1000.0;
    if (r.x)
        r.x->ops->end(r.x);
    for (int i = 0; i < MAX_PROCS; i++) {
        request_free(&r.proc[i].rq);
        if (r.proc[i].woke)
            outcome_clear(r.proc[i].woke);
        free(r.proc[i].woke);
    }
    scratch_free(&r.files);
    free(r.written_keys);
    double finish = now();
    res->teardown_ms = (finish - teardown_start) * 1000.0;
    res->ms = (finish - start) * 1000.0;
}
