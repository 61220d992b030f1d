/* stress_shrink.c: a violating history made a small scenario
 * (stress_shrink.h).
 *
 * Rendering: the object's calls, in the order they were invoked, become
 * steps of one process each (worker i is the scenario's process named by
 * a letter; S creates the object); the model, driven the way the engine
 * drives it, gives every step its expectation: a call the model makes wait
 * is "=> blocks"; before its process's next step the call is resumed with
 * the outcome the model decided, or, when the model still has it waiting,
 * ended by SIGUSR1 (EINTR), as the workers' timer ended it; a death is a
 * SIGKILL and its wait.  At the end, calls still waiting are resumed or
 * asserted blocked, and the object's final state is checked.  Messages
 * get texts of their own, of the sizes they had ("m0......", "m1..",
 * ...: a size meets msg_qbytes and msgmax); a semtimedop is a semop (the
 * model's expectations are for what is written).  A segment's steps
 * are shmat (each attachment a variable of its own), shmdt, shmctl
 * IPC_STAT (shm_nattch and SHM_DEST) and IPC_RMID, and the words as
 * writes and reads through the process's attachment, with texts of their
 * own ("w0000000", ...) whose expectation this file keeps (the model has
 * no memory).
 * Shrinking: candidates are sets of the history's calls; each is rendered
 * and run by `svipc run --backend model,BACKEND` (many at once, one
 * scenario each); one that passes on the model and fails on the backend
 * reproduces the violation.  First the shortest failing prefix, then every
 * process's calls at once, then halves, quarters, ... down to single
 * calls (ddmin), then the initial values made 0, then the final check.
 * $SVIPC_SHRINK_KEEP=1 keeps the last candidates' directory (printed), to
 * see why a history did not become a failing scenario.
 * Must not: write a scenario that was not run, or leave files behind
 * (but for SVIPC_SHRINK_KEEP). */
#define _GNU_SOURCE
#include "stress_shrink.h"

#include "model.h"
#include "model_ns.h"                  /* model_wait_resolved: whom the model decided */
#include "names.h"
#include "stress_check.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILLER_PID 0x3fff0000
#define MAX_PROCS 25                   /* A..Z without S */
#define BATCH_MAX 64

/* ---------- text ---------- */

struct buf { char *p; size_t len, cap; int failed; };

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = (b->cap + (size_t)n + 1) * 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

static void put_data(struct buf *b, const uint8_t *p, size_t n)
{
    put(b, "\"");
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
            put(b, "%c", p[i]);
        else
            put(b, "\\x%02x", p[i]);
    }
    put(b, "\"");
}

/* ---------- the model, as the engine drives it ---------- */

struct queued { long mtype; uint8_t text[STRESS_TEXT_MAX + 1]; };   /* text: a string */

struct sim {
    struct model_ns *ns;
    const struct stress_object *o;
    int id;                            /* the model's */
};

static long mcall(struct sim *m, uint32_t op, pid_t pid, int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4,
                  const void *in, void *out)
{
    return stress_model_call(m->ns, op, pid, a0, a1, a2, a3, a4, in, out);
}

/* The outcome of a call, as a step's expectation. */
struct result {
    int blocked;
    long ret;                          /* >= 0, or -errno */
    long mtype;
    uint8_t text[STRESS_TEXT_MAX];
};

static void put_result(struct buf *b, const struct stress_event *ev, const struct result *r)
{
    if (r->blocked)
        put(b, " => blocks");
    else if (r->ret < 0)
        put(b, " => %s", errno_name((int)-r->ret));
    else if (ev->op == STRESS_MSGRCV) {
        put(b, " => %ld mtype=%ld text=", r->ret, r->mtype);
        put_data(b, r->text, (size_t)r->ret <= sizeof(r->text) ? (size_t)r->ret : 0);
    } else
        put(b, " => %ld", r->ret);
    put(b, "\n");
}

/* A process of the scenario: its call the model has waiting. */
struct sproc {
    int used, gone;
    const struct stress_event *waiting;
    struct queued sent;                /* a waiting msgsnd's message */
};

static const char *msg_flags(int flags, char *out, size_t size)
{
    out[0] = '\0';
    if (flags & IPC_NOWAIT)
        strcat(out, "IPC_NOWAIT");
    if (flags & MSG_NOERROR)
        strcat(strcat(out, out[0] ? "|" : ""), "MSG_NOERROR");
    if (flags & MSG_EXCEPT)
        strcat(strcat(out, out[0] ? "|" : ""), "MSG_EXCEPT");
    if (flags & MSG_COPY)
        strcat(strcat(out, out[0] ? "|" : ""), "MSG_COPY");
    if (!out[0])
        snprintf(out, size, "0");
    return out;
}

/* Collect PROC's waiting call (resolved, or interrupted first): its outcome. */
static void collect(struct sim *m, struct sproc *p, int proc, int interrupt, struct result *r)
{
    const struct stress_event *ev = p->waiting;
    pid_t pid = 1 + proc;
    memset(r, 0, sizeof(*r));
    if (interrupt)
        mcall(m, MODEL_INTERRUPT, pid, pid, 0, 0, 0, 0, NULL, NULL);
    struct queued q;
    memset(&q, 0, sizeof(q));
    if (ev->op == STRESS_MSGSND)
        r->ret = mcall(m, MODEL_MSGSND_RESUME, pid, m->id, 0, p->sent.text[0] ? (int64_t)strlen((char *)p->sent.text) : 0,
                       ev->flags, 0, &p->sent, NULL);
    else if (ev->op == STRESS_MSGRCV)
        r->ret = mcall(m, MODEL_MSGRCV_RESUME, pid, m->id, 0, ev->size, ev->type, ev->flags, NULL, &q);
    else
        r->ret = mcall(m, MODEL_SEM_RESUME, pid, 0, 0, 0, 0, 0, NULL, NULL);
    r->mtype = q.mtype;
    memcpy(r->text, q.text, sizeof(r->text));
    p->waiting = NULL;
}

static char proc_name(int k)
{
    return (char)('A' + k + (k >= 'S' - 'A'));
}

/* A limit written (EV) as S's sysctl step, and in the model: 0, or -1. */
static int render_limit(struct sim *m, const struct stress_event *ev, struct buf *b)
{
    char text[96];
    if (!stress_model_limit_text(m->ns, (int)ev->type, ev->size, text, sizeof(text)))
        return -1;
    put(b, "  S: sysctl %s %s\n", ev->type == STRESS_LIMIT_MSGMAX ? "msgmax" : "sem", text);
    return stress_model_set_limit(m->ns, (int)ev->type, ev->size);
}

/* A letter for each process with a call kept (deaths and limit writes
 * are not calls of their own) into LETTERS (-1: none): their number, or
 * -1 when there are more than MAX_PROCS. */
static int assign_letters(const struct stress_event *const *ev, int n, const unsigned char *keep, int *letters)
{
    int nletters = 0;
    for (int i = 0; i < STRESS_IDS_MAX; i++)
        letters[i] = -1;
    for (int i = 0; i < n; i++)
        if (keep[i] && ev[i]->op != STRESS_DEATH && ev[i]->op != STRESS_SYSCTL && letters[ev[i]->proc] < 0) {
            if (nletters == MAX_PROCS)
                return -1;
            letters[ev[i]->proc] = nletters++;
        }
    return nletters;
}

/* The scenario's first lines: its name, doc and processes (S and NLETTERS). */
static void put_head(struct buf *b, const char *name, const char *doc, int nletters)
{
    put(b, "scenario %s\n", name);
    if (doc)
        put(b, "  doc %s\n", doc);
    put(b, "  procs S");
    for (int k = 0; k < nletters; k++)
        put(b, " %c", proc_name(k));
    put(b, "\n");
}

/* WHO's shmctl IPC_STAT of the segment, with the model's outcome. */
static void put_shmstat(struct buf *b, struct sim *m, char who, pid_t pid)
{
    struct shmid_ds ds;
    long r = mcall(m, MODEL_SHMCTL, pid, m->id, IPC_STAT, 0, 0, 0, NULL, &ds);
    if (r < 0)
        put(b, "  %c: shmctl $m IPC_STAT => %s\n", who, errno_name((int)-r));
    else
        put(b, "  %c: shmctl $m IPC_STAT => 0 shm_nattch=%lu mode=%s0600\n", who, (unsigned long)ds.shm_nattch,
            ds.shm_perm.mode & SHM_DEST ? "SHM_DEST|" : "");
}

/* A segment's scenario (render's, for a segment): its steps, or -1. */
static int render_segment(const struct stress_event *const *ev, int n, const unsigned char *keep,
                          const struct stress_object *o, const char *name, const char *doc, struct buf *b)
{
    enum { SEG_AT = 0x10000000, SEG_STRIDE = 0x100000 };
    struct sim m = { .ns = model_ns_new(), .o = o };
    if (!m.ns)
        return -1;
    int rc = -1, steps = 0, letters[STRESS_IDS_MAX], nattach = 0, nstored = 0;
    int var[MAX_PROCS], gone[MAX_PROCS] = { 0 };   /* each process's attachment variable (-1: none) */
    uint8_t words[8 * STRESS_WORDS] = { 0 };
    int nletters = assign_letters(ev, n, keep, letters);
    if (nletters < 0)
        goto out;
    for (int k = 0; k < nletters; k++)
        var[k] = -1;
    put_head(b, name, doc, nletters);
    put(b, "  S: shmget IPC_PRIVATE %d IPC_CREAT|0600 -> $m\n", o->qbytes);
    steps++;
    m.id = (int)mcall(&m, MODEL_SHMGET, FILLER_PID, IPC_PRIVATE, o->qbytes, IPC_CREAT | 0600, 0, 0, NULL, NULL);
    if (m.id < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        const struct stress_event *e = ev[i];
        if (!keep[i] || letters[e->proc] < 0)
            continue;                  /* a death of a process with no call here */
        int k = letters[e->proc];
        char c = proc_name(k);
        pid_t pid = 1 + e->proc;
        if (gone[k])
            goto out;
        long r;
        switch (e->op) {
        case STRESS_DEATH:
            put(b, "  signal %c SIGKILL\n  wait %c => signal=SIGKILL\n", c, c);
            steps += 2;
            mcall(&m, MODEL_EXIT, FILLER_PID, pid, 0, 0, 0, 0, NULL, NULL);
            gone[k] = 1;
            continue;
        case STRESS_SHMAT:
            r = mcall(&m, MODEL_SHMAT, pid, m.id, 0, 0, SEG_AT + (int64_t)nattach * SEG_STRIDE, 0, NULL, NULL);
            if (r >= 0) {
                var[k] = nattach++;
                put(b, "  %c: shmat $m 0 0 -> $a%d\n", c, var[k]);
            } else {
                put(b, "  %c: shmat $m 0 0 => %s\n", c, errno_name((int)-r));
            }
            break;
        case STRESS_SHMDT:
            if (var[k] < 0)
                goto out;              /* its attachment was shrunk away */
            r = mcall(&m, MODEL_SHMDT, pid, SEG_AT + (int64_t)var[k] * SEG_STRIDE, 0, 0, 0, 0, NULL, NULL);
            put(b, "  %c: shmdt $a%d => %s\n", c, var[k], r == 0 ? "0" : errno_name((int)-r));
            var[k] = -1;
            break;
        case STRESS_STORE:
        case STRESS_LOAD: {
            if (var[k] < 0 || e->type < 0 || e->type >= STRESS_WORDS)
                goto out;
            uint8_t *w = words + 8 * e->type;
            char at[32];
            if (e->type)
                snprintf(at, sizeof(at), "$a%d+%d", var[k], (int)(8 * e->type));
            else
                snprintf(at, sizeof(at), "$a%d", var[k]);
            if (e->op == STRESS_STORE) {
                char text[9];
                snprintf(text, sizeof(text), "w%07d", nstored++ % 10000000);
                memcpy(w, text, 8);
                put(b, "  %c: write %s \"%s\"\n", c, at, text);
            } else {
                put(b, "  %c: read %s 8 => 0 data=", c, at);
                put_data(b, w, 8);
                put(b, "\n");
            }
            break;
        }
        case STRESS_SHMSTAT:
            put_shmstat(b, &m, c, pid);
            break;
        case STRESS_RMID:
            r = mcall(&m, MODEL_SHMCTL, pid, m.id, IPC_RMID, 0, 0, 0, NULL, NULL);
            put(b, "  %c: shmctl $m IPC_RMID => %s\n", c, r == 0 ? "0" : errno_name((int)-r));
            break;
        default:
            goto out;
        }
        steps++;
    }
    if (keep[n]) {                     /* the final check: what is left attached */
        put_shmstat(b, &m, 'S', FILLER_PID);
        steps++;
    }
    put(b, "end\n\n");
    rc = b->failed ? -1 : steps;
out:
    model_ns_free(m.ns);
    return rc;
}

/* The scenario NAME for the events of EV kept by KEEP (N of them; KEEP[N]:
 * the final check), with INIT as a set's initial values: its steps, or -1
 * (the model refused something: not a candidate). */
static int render(const struct stress_event *const *ev, int n, const unsigned char *keep, const struct stress_object *o,
                  const uint16_t *init, int qbytes, const char *name, const char *doc, struct buf *b)
{
    if (o->kind == STRESS_SEGMENT)
        return render_segment(ev, n, keep, o, name, doc, b);
    struct sim m = { .ns = model_ns_new(), .o = o };
    if (!m.ns)
        return -1;
    int rc = -1, steps = 0, letters[STRESS_IDS_MAX], nsent = 0;
    struct sproc procs[MAX_PROCS];
    memset(procs, 0, sizeof(procs));
    int nletters = assign_letters(ev, n, keep, letters);
    if (nletters < 0)
        goto out;
    int set = o->kind == STRESS_SET;
    const char *v = set ? "$s" : "$q";
    put_head(b, name, doc, nletters);
    if (set) {
        m.id = (int)mcall(&m, MODEL_SEMGET, FILLER_PID, IPC_PRIVATE, o->nsems, IPC_CREAT | 0600, 0, 0, NULL, NULL);
        put(b, "  S: semget IPC_PRIVATE %d IPC_CREAT|0600 -> $s\n", o->nsems);
        steps++;
        int any = 0;
        unsigned short vals[STRESS_SEMS_MAX];
        for (int i = 0; i < o->nsems; i++)
            any |= (vals[i] = init[i]) != 0;
        if (any) {
            put(b, "  S: semctl $s 0 SETALL ");
            for (int i = 0; i < o->nsems; i++)
                put(b, "%s%u", i ? "," : "", vals[i]);
            put(b, "\n");
            steps++;
            if (mcall(&m, MODEL_SEMCTL, FILLER_PID, m.id, 0, SETALL, 0, 0, vals, NULL) < 0)
                goto out;
        }
    } else {
        m.id = (int)mcall(&m, MODEL_MSGGET, FILLER_PID, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0, 0, NULL, NULL);
        put(b, "  S: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n");
        steps++;
        struct msqid_ds ds;
        if (m.id < 0 || mcall(&m, MODEL_MSGCTL, FILLER_PID, m.id, IPC_STAT, 0, 0, 0, NULL, &ds) < 0)
            goto out;
        if (qbytes) {
            ds.msg_qbytes = (msglen_t)qbytes;
            if (mcall(&m, MODEL_MSGCTL, FILLER_PID, m.id, IPC_SET, 0, 0, 0, &ds, NULL) < 0)
                goto out;
            put(b, "  S: msgctl $q IPC_SET qbytes=%d\n", qbytes);
            steps++;
        }
    }
    if (m.id < 0)
        goto out;
    int removed = 0;
    struct result r;
    for (int i = 0; i < n; i++) {
        const struct stress_event *e = ev[i];
        if (keep[i] && e->op == STRESS_SYSCTL) {   /* the limit writer's: S's step */
            if (render_limit(&m, e, b) < 0)
                goto out;
            steps++;
            continue;
        }
        if (!keep[i] || letters[e->proc] < 0)
            continue;                  /* a death of a process with no call here */
        int k = letters[e->proc];
        struct sproc *p = &procs[k];
        char c = proc_name(k);
        pid_t pid = 1 + e->proc;
        if (p->gone)
            goto out;
        if (p->waiting && e->op == STRESS_DEATH && !model_wait_resolved(m.ns, pid)) {
            p->waiting = NULL;         /* killed asleep in its call */
        } else if (p->waiting) {
            int resolved = model_wait_resolved(m.ns, pid);
            if (!resolved) {
                put(b, "  signal %c SIGUSR1\n", c);
                steps++;
            }
            const struct stress_event *w = p->waiting;
            collect(&m, p, e->proc, !resolved, &r);
            put(b, "  %c: resumes", c);
            put_result(b, w, &r);
            steps++;
        }
        if (e->op == STRESS_DEATH) {
            put(b, "  signal %c SIGKILL\n  wait %c => signal=SIGKILL\n", c, c);
            steps += 2;
            mcall(&m, MODEL_EXIT, FILLER_PID, pid, 0, 0, 0, 0, NULL, NULL);
            p->gone = 1;
            continue;
        }
        memset(&r, 0, sizeof(r));
        char flags[64];
        struct queued q;
        memset(&q, 0, sizeof(q));
        switch (e->op) {
        case STRESS_MSGSND:
            q.mtype = (long)e->type;
            snprintf((char *)q.text, sizeof(q.text), "m%d", nsent++);
            for (size_t k = strlen((char *)q.text); (int)k < e->size && k < STRESS_TEXT_MAX; k++)
                q.text[k] = '.';
            put(b, "  %c: msgsnd $q %lld \"%s\" %s", c, (long long)e->type, (char *)q.text,
                msg_flags(e->flags, flags, sizeof(flags)));
            r.ret = mcall(&m, MODEL_MSGSND, pid, m.id, 0, (int64_t)strlen((char *)q.text), e->flags, 0, &q, NULL);
            p->sent = q;
            break;
        case STRESS_MSGRCV:
            put(b, "  %c: msgrcv $q %d %lld %s", c, e->size, (long long)e->type,
                msg_flags(e->flags, flags, sizeof(flags)));
            r.ret = mcall(&m, MODEL_MSGRCV, pid, m.id, 0, e->size, e->type, e->flags, NULL, &q);
            r.mtype = q.mtype;
            memcpy(r.text, q.text, sizeof(r.text));
            break;
        case STRESS_SEMOP: {
            struct sembuf sops[STRESS_SOPS_MAX];
            put(b, "  %c: semop $s", c);
            for (int j = 0; j < e->nsops && j < STRESS_SOPS_MAX; j++) {
                sops[j] = (struct sembuf){ .sem_num = e->sops[j].num, .sem_op = e->sops[j].op, .sem_flg = e->sops[j].flg };
                put(b, " %u:%+d", e->sops[j].num, e->sops[j].op);
                int f = e->sops[j].flg;
                if (f)
                    put(b, ":%s%s%s", f & SEM_UNDO ? "SEM_UNDO" : "", (f & SEM_UNDO) && (f & IPC_NOWAIT) ? "|" : "",
                        f & IPC_NOWAIT ? "IPC_NOWAIT" : "");
            }
            r.ret = mcall(&m, MODEL_SEMTIMEDOP, pid, m.id, 0, e->nsops, 0, 0, sops, NULL);
            break;
        }
        case STRESS_RMID:
            put(b, set ? "  %c: semctl $s 0 IPC_RMID" : "  %c: msgctl $q IPC_RMID", c);
            r.ret = set ? mcall(&m, MODEL_SEMCTL, pid, m.id, 0, IPC_RMID, 0, 0, NULL, NULL)
                        : mcall(&m, MODEL_MSGCTL, pid, m.id, IPC_RMID, 0, 0, 0, NULL, NULL);
            removed |= r.ret == 0;
            break;
        default:
            goto out;
        }
        if (r.ret == MODEL_BLOCKED) {
            r.blocked = 1;
            p->waiting = e;
        }
        put_result(b, e, &r);
        steps++;
    }
    /* what is still waiting: resumed when the model decided it, else
     * asserted asleep (with the final check) */
    for (int k = 0; k < nletters; k++) {
        struct sproc *p = &procs[k];
        int proc = -1;
        for (int i = 0; i < STRESS_IDS_MAX && proc < 0; i++)
            if (letters[i] == k)
                proc = i;
        if (!p->waiting)
            continue;
        if (model_wait_resolved(m.ns, 1 + proc)) {
            const struct stress_event *w = p->waiting;
            collect(&m, p, proc, 0, &r);
            put(b, "  %c: resumes", proc_name(k));
            put_result(b, w, &r);
            steps++;
        } else if (keep[n]) {
            put(b, "  %c: blocked\n", proc_name(k));
            steps++;
        }
    }
    if (keep[n] && !removed) {
        if (set) {
            unsigned short vals[STRESS_SEMS_MAX];
            if (mcall(&m, MODEL_SEMCTL, FILLER_PID, m.id, 0, GETALL, 0, 0, NULL, vals) < 0)
                goto out;
            put(b, "  S: semctl %s 0 GETALL => 0 vals=", v);
            for (int i = 0; i < o->nsems; i++)
                put(b, "%s%u", i ? "," : "", vals[i]);
            put(b, "\n");
        } else {
            struct msqid_ds ds;
            if (mcall(&m, MODEL_MSGCTL, FILLER_PID, m.id, IPC_STAT, 0, 0, 0, NULL, &ds) < 0)
                goto out;
            put(b, "  S: msgctl %s IPC_STAT => 0 msg_qnum=%lu\n", v, (unsigned long)ds.msg_qnum);
        }
        steps++;
    }
    put(b, "end\n\n");
    rc = b->failed ? -1 : steps;
out:
    model_ns_free(m.ns);
    return rc;
}

/* ---------- running candidates ---------- */

struct shrinker {
    const struct stress_shrink_request *req;
    const struct stress_event **ev;
    int n;
    uint16_t init[STRESS_SEMS_MAX];
    int qbytes;                        /* a queue's msg_qbytes (0: the default, no IPC_SET) */
    char dir[64];                      /* the temporary files' */
    char self[4096];
    struct timespec until;
    int tests;
    int model_failed;                  /* the last batch's first candidate failed on the model */
};

static int out_of_time(const struct shrinker *sk)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > sk->until.tv_sec || (now.tv_sec == sk->until.tv_sec && now.tv_nsec > sk->until.tv_nsec);
}

/* Run `svipc run FILE --backend BACKENDS --json JSON [--target TARGET]`
 * with the fault (or without: CLEAN): its exit status, or -1. */
static int run_svipc(const struct shrinker *sk, const char *file, const char *backends, const char *json,
                     const char *target, int clean)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 1);
            dup2(null, 2);
        }
        if (clean)
            unsetenv("SVIPC_REF_FAULT");
        char *argv[] = { (char *)sk->self, "run", (char *)file, "--backend", (char *)backends, "--json",
                         (char *)json, "-j", "1", NULL, NULL, NULL, NULL, NULL };
        if (target) {
            /* judged by the model's outcomes it holds: Linux has no trace of it */
            argv[9] = "--target";
            argv[10] = (char *)target;
            argv[11] = "--golden";
            argv[12] = "none";
        }
        execv(sk->self, argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Whether each of the NC candidates reproduces: OK[i] 1 when it passes on
 * the model and fails on the backend.  0, or -1. */
static int try_batch(struct shrinker *sk, unsigned char *const *cands, const uint16_t *const *inits, int nc, int *ok)
{
    char file[128], json[128];
    snprintf(file, sizeof(file), "%s/candidates.svipc", sk->dir);
    snprintf(json, sizeof(json), "%s/results.jsonl", sk->dir);
    struct buf b = { 0 };
    int any = 0;
    for (int i = 0; i < nc; i++) {
        char name[32];
        snprintf(name, sizeof(name), "cand-%d", i);
        size_t mark = b.len;
        ok[i] = -1;
        if (render(sk->ev, sk->n, cands[i], &sk->req->h->objects[sk->req->obj], inits[i], sk->qbytes, name, NULL,
                   &b) < 0) {
            b.len = mark;
            ok[i] = 0;
            continue;
        }
        any = 1;
    }
    if (!any || b.failed) {
        free(b.p);
        for (int i = 0; i < nc; i++)
            ok[i] = ok[i] < 0 ? 0 : ok[i];
        return b.failed ? -1 : 0;
    }
    FILE *f = fopen(file, "w");
    if (!f || fwrite(b.p, 1, b.len, f) != b.len || fclose(f) != 0) {
        free(b.p);
        return -1;
    }
    free(b.p);
    /* the model here; the backend here too, or on the target */
    char target_json[160];
    snprintf(target_json, sizeof(target_json), "%s/results-target.jsonl", sk->dir);
    unlink(json);
    unlink(target_json);
    char backends[64];
    snprintf(backends, sizeof(backends), "model,%s", sk->req->backend);
    sk->tests++;
    if (sk->req->target) {
        run_svipc(sk, file, "model", json, NULL, 0);
        run_svipc(sk, file, sk->req->backend, target_json, sk->req->target, 0);
    } else {
        run_svipc(sk, file, backends, json, NULL, 0);
    }
    int model_ok[BATCH_MAX] = { 0 }, be_failed[BATCH_MAX] = { 0 };
    char *line = NULL;                 /* a long scenario's line holds its whole trace: no bound here */
    size_t cap = 0;
    for (int k = 0; k < 2; k++) {
        FILE *r = fopen(k ? target_json : json, "r");
        while (r && getline(&line, &cap, r) > 0) {
            json_t *j = json_loads(line, 0, NULL);
            const char *name = j ? json_string_value(json_object_get(j, "name")) : NULL;
            const char *backend = j ? json_string_value(json_object_get(j, "backend")) : NULL;
            const char *status = j ? json_string_value(json_object_get(j, "status")) : NULL;
            int i;
            if (name && backend && status && sscanf(name, "cand-%d", &i) == 1 && i >= 0 && i < nc && i < BATCH_MAX) {
                if (strcmp(backend, "model") == 0)
                    model_ok[i] = strcmp(status, "pass") == 0;
                else if (strcmp(backend, sk->req->backend) == 0)
                    be_failed[i] = strcmp(status, "fail") == 0;
            }
            json_decref(j);
        }
        if (r)
            fclose(r);
    }
    free(line);
    for (int i = 0; i < nc; i++)
        if (ok[i] < 0)
            ok[i] = model_ok[i] && be_failed[i];
    sk->model_failed = !model_ok[0];
    return 0;
}

static int try_one(struct shrinker *sk, unsigned char *keep, const uint16_t *init)
{
    int ok = 0;
    return try_batch(sk, &keep, &init, 1, &ok) < 0 ? 0 : ok;
}

/* ddmin's step at granularity CHUNK: drop the first chunk whose removal
 * still reproduces; 1 when one was dropped. */
static int drop_chunks(struct shrinker *sk, unsigned char *keep, int chunk)
{
    int idx[4096], m = 0;
    for (int i = 0; i < sk->n && m < 4096; i++)
        if (keep[i])
            idx[m++] = i;
    int nchunks = (m + chunk - 1) / chunk;
    /* small chunks mostly go: a few at a time, not all tried again after each */
    int batch = chunk <= 2 ? 8 : BATCH_MAX;
    for (int first = 0; first < nchunks && !out_of_time(sk); first += batch) {
        int nc = nchunks - first < batch ? nchunks - first : batch;
        unsigned char *cands[BATCH_MAX];
        const uint16_t *inits[BATCH_MAX];
        int ok[BATCH_MAX];
        for (int c = 0; c < nc; c++) {
            cands[c] = malloc((size_t)sk->n + 1);
            if (!cands[c])
                return 0;
            memcpy(cands[c], keep, (size_t)sk->n + 1);
            for (int j = (first + c) * chunk; j < (first + c + 1) * chunk && j < m; j++)
                cands[c][idx[j]] = 0;
            inits[c] = sk->init;
        }
        int dropped = 0;
        if (try_batch(sk, cands, inits, nc, ok) == 0)
            for (int c = 0; c < nc && !dropped; c++)
                if (ok[c]) {
                    memcpy(keep, cands[c], (size_t)sk->n + 1);
                    dropped = 1;
                }
        for (int c = 0; c < nc; c++)
            free(cands[c]);
        if (dropped)
            return 1;
    }
    return 0;
}

/* FROM copied to TO (another file system than rename's): 1, or 0. */
static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "r"), *out = in ? fopen(to, "w") : NULL;
    char chunk[4096];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        ok = fwrite(chunk, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok;
}

int stress_shrink(const struct stress_shrink_request *req, const char *path, struct stress_shrink_result *res)
{
    memset(res, 0, sizeof(*res));
    struct shrinker sk = { .req = req };
    const struct stress_history *h = req->h;
    const struct stress_object *o = &h->objects[req->obj];
    ssize_t len = readlink("/proc/self/exe", sk.self, sizeof(sk.self) - 1);
    if (len <= 0) {
        snprintf(res->why, sizeof(res->why), "cannot find this program: %s", strerror(errno));
        return -1;
    }
    sk.self[len] = '\0';
    /* a stress run left its children's PID namespace behind (its init is
     * gone): new processes go to this process's own again */
    int pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (pidns >= 0) {
        setns(pidns, CLONE_NEWPID);
        close(pidns);
    }
    snprintf(sk.dir, sizeof(sk.dir), "/tmp/svipc-shrink-XXXXXX");
    if (!mkdtemp(sk.dir)) {
        snprintf(res->why, sizeof(res->why), "mkdtemp: %s", strerror(errno));
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &sk.until);
    sk.until.tv_sec += (time_t)(req->seconds > 0 ? req->seconds : 60);
    sk.ev = calloc(h->nevents + 1, sizeof(*sk.ev));
    unsigned char *keep = calloc(h->nevents + 2, 1);
    int rc = -1;
    if (!sk.ev || !keep) {
        snprintf(res->why, sizeof(res->why), "out of memory");
        goto done;
    }
    /* the object's calls, every death (one of a process without calls
     * here is left out), and the limit writes its calls may meet */
    struct stress_limit_window window;
    stress_limit_window(h, req->obj, &window);
    for (size_t i = 0; i < h->nevents; i++) {
        const struct stress_event *e = &h->events[i];
        if (e->obj == (uint32_t)req->obj || (e->obj == STRESS_OBJ_ALL && e->op == STRESS_DEATH && o->kind != STRESS_QUEUE) ||
            stress_limit_write_in(&window, e))
            sk.ev[sk.n++] = e;
    }
    for (int i = 0; i < STRESS_SEMS_MAX; i++)
        sk.init[i] = o->init[i];
    sk.qbytes = o->kind == STRESS_QUEUE ? o->qbytes : 0;
    memset(keep, 1, (size_t)sk.n + 1);
    rc = 0;
    if (!try_one(&sk, keep, sk.init)) {
        if (sk.model_failed)
            snprintf(res->why, sizeof(res->why), "the object's %d calls in invocation order, one at a time, do not "
                     "pass on the model itself (a woken call's retry meets the others in another order than the "
                     "history's): this history is not shrunk", sk.n);
        else
            snprintf(res->why, sizeof(res->why), "the object's %d calls in invocation order, one at a time, do not "
                     "fail on %s%s%s", sk.n, req->backend, req->target ? " on target " : "",
                     req->target ? req->target : "");
        goto done;
    }
    /* the shortest failing prefix */
    int lo = 1, hi = sk.n;
    while (lo < hi && !out_of_time(&sk)) {
        int mid = (lo + hi) / 2;
        for (int i = 0; i < sk.n; i++)
            keep[i] = i < mid;
        if (try_one(&sk, keep, sk.init))
            hi = mid;
        else
            lo = mid + 1;
    }
    for (int i = 0; i < sk.n; i++)
        keep[i] = i < hi;
    /* each process's calls, then ddmin */
    for (int proc = 0; proc < STRESS_IDS_MAX && !out_of_time(&sk); proc++) {
        int has = 0;
        for (int i = 0; i < sk.n; i++)
            has |= keep[i] && sk.ev[i]->proc == proc;
        if (!has)
            continue;
        unsigned char *c = malloc((size_t)sk.n + 1);
        if (!c)
            break;
        memcpy(c, keep, (size_t)sk.n + 1);
        for (int i = 0; i < sk.n; i++)
            if (sk.ev[i]->proc == proc)
                c[i] = 0;
        if (try_one(&sk, c, sk.init))
            memcpy(keep, c, (size_t)sk.n + 1);
        free(c);
    }
    int m = 0;
    for (int i = 0; i < sk.n; i++)
        m += keep[i];
    for (int chunk = m / 2 > 0 ? m / 2 : 1; !out_of_time(&sk);) {
        if (drop_chunks(&sk, keep, chunk))
            continue;
        if (chunk == 1)
            break;
        chunk /= 2;
    }
    /* smaller values: each initial value down to 0, else one less */
    for (int i = 0; o->kind == STRESS_SET && i < o->nsems && !out_of_time(&sk); i++)
        while (sk.init[i] > 0) {
            uint16_t v = sk.init[i];
            sk.init[i] = 0;
            if (try_one(&sk, keep, sk.init))
                break;
            sk.init[i] = (uint16_t)(v - 1);
            if (!try_one(&sk, keep, sk.init)) {
                sk.init[i] = v;
                break;
            }
        }
    if (sk.qbytes) {                   /* the default msg_qbytes */
        sk.qbytes = 0;
        if (!try_one(&sk, keep, sk.init))
            sk.qbytes = o->qbytes;
    }
    /* the final check, when the steps show it without */
    keep[sk.n] = 0;
    if (!try_one(&sk, keep, sk.init))
        keep[sk.n] = 1;
    /* the scenario, run once more: it fails with what was found, and
     * passes on the backend without the fault (a test-only build's) */
    struct buf b = { 0 };
    res->steps = render(sk.ev, sk.n, keep, o, sk.init, sk.qbytes, req->name, req->doc, &b);
    char draft[128];
    snprintf(draft, sizeof(draft), "%s/shrunk.svipc", sk.dir);
    FILE *f = res->steps >= 0 && !b.failed ? fopen(draft, "w") : NULL;
    if (!f || fwrite(b.p, 1, b.len - 1, f) != b.len - 1 || fclose(f) != 0) {
        snprintf(res->why, sizeof(res->why), "%s: cannot write: %s", draft, strerror(errno));
        free(b.p);
        rc = -1;
        goto done;
    }
    free(b.p);
    char json[128];
    snprintf(json, sizeof(json), "%s/final.jsonl", sk.dir);
    sk.tests += 2;
    int with = run_svipc(&sk, draft, req->backend, json, req->target, 0);
    unlink(json);
    int without = getenv("SVIPC_REF_FAULT") ? run_svipc(&sk, draft, req->backend, json, req->target, 1) : 0;
    unlink(json);
    res->reproduced = with == 1;
    if (!res->reproduced)
        snprintf(res->why, sizeof(res->why), "the scenario written does not fail on %s%s%s (exit status %d)",
                 req->backend, req->target ? " on target " : "", req->target ? req->target : "", with);
    else if (without != 0)
        snprintf(res->why, sizeof(res->why), "the scenario fails on %s without SVIPC_REF_FAULT too (exit status %d)",
                 req->backend, without);
    else if (rename(draft, path) < 0 && !copy_file(draft, path)) {
        snprintf(res->why, sizeof(res->why), "%s: cannot write: %s", path, strerror(errno));
        res->reproduced = 0;
    }
    unlink(draft);
done:
    res->tests = sk.tests;
    free(keep);
    free(sk.ev);
    if (getenv("SVIPC_SHRINK_KEEP")) {      /* to look at the last candidates */
        fprintf(stderr, "shrink: candidates kept in %s\n", sk.dir);
        return rc;
    }
    char file[128];
    snprintf(file, sizeof(file), "%s/candidates.svipc", sk.dir);
    unlink(file);
    snprintf(file, sizeof(file), "%s/results.jsonl", sk.dir);
    unlink(file);
    snprintf(file, sizeof(file), "%s/results-target.jsonl", sk.dir);
    unlink(file);
    rmdir(sk.dir);
    return rc;
}
