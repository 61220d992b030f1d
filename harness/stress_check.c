/* stress_check.c: the linearizability checker of stress_check.h.
 *
 * An object's state, as the search keeps it, is what its calls can
 * observe: a queue's messages in order (type and text), a set's values,
 * or a segment's words, whether it is marked SHM_DEST and which
 * processes have it attached; and whether the object is gone.  A step sets the model's object to that
 * state through the model's own calls (msgsnd, SETALL), performs the
 * event's call with model_apply, and reads the new state back (msgrcv,
 * GETALL); a call the model makes wait is interrupted (MODEL_INTERRUPT)
 * and its wait collected, so nothing of it stays.  Times, pids and other
 * fields no stress call reads are not part of the state.  A set's state
 * also holds each process's SEM_UNDO adjustments, kept here (a semop with
 * SEM_UNDO changes them as Linux does) and made the model's only to apply
 * a death (MODEL_EXIT).  A segment's words are kept here too (the model
 * has attachments, not memory): a store sets one, a load must read the
 * last one linearized before it, or 0 in a new segment.  A limit written
 * under the workers (kernel.msgmax, semopm) is checked by Linux when a
 * call begins, before it waits (do_msgsnd, do_semtimedop, prepare_copy
 * for MSG_COPY), not where it takes effect: so such a call meets, in the
 * model, a value the limit had at some instant of the call, the smallest
 * one for a call that failed with the limit's errno, the largest one
 * otherwise (limit_range); the writes are one process's, so the values
 * an interval may see are a run of consecutive ones.
 *
 * The search is Lowe's form of Wing and Gong's: the object's invocations
 * and responses in one list by instant (a call that never returned has
 * its response where its process was reaped); the calls invoked before
 * the first response not yet reached may go next, tried in the order
 * Linux makes them take effect (try_at), each possible outcome in turn;
 * when none can, undo the last choice.  Configurations (calls linearized,
 * state) already explored are remembered by 128-bit fingerprints, so none
 * is explored twice, and only the states on the search's path are kept.
 * Before it tries a msgsnd, the search asks stress_fifo.h whether the
 * history already rules it out (a message of its type received before its
 * own receive began, not yet sent): the order of same-type messages is
 * fixed by their receives, and without that the search tries each order
 * of overlapping sends until a receive far later refutes it.
 * The history is split by object in one pass (object_events), and the
 * objects are checked biggest first by one process per job, each taking
 * the next object left (a checker that dies loses only its object, which
 * is then undecided).
 * Must not: read the model's internals, or accept a history it did not
 * decide. */
#define _GNU_SOURCE
#include "stress_check.h"

#include "model.h"
#include "stress_fifo.h"
#include "names.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define FILLER_PID 0x3fff0000          /* the checker's own calls on the model */
#define NIL (-1)

/* ---------- states ---------- */

/* bytes: [0] gone; a queue: per message its type (8), size (1), text;
 * a set: each value (2), then the processes' SEM_UNDO adjustments that
 * are not 0, in order: process (2), semaphore (1), adjustment (2);
 * a segment: [1] SHM_DEST, its words (8 each), then the processes that
 * have it attached, in order (2 each). */
struct cstate {
    uint64_t hash, hash2;              /* two independent hashes of the bytes */
    uint32_t len;
    uint8_t bytes[];
};

/* Memory handed out in chunks, like a stack: what was taken after a mark
 * is given back at once by releasing to it (a state the search left), the
 * rest at the end of an object. */
struct chunk { struct chunk *next; size_t used, size; unsigned char data[]; };
struct pool { struct chunk *head; size_t bytes; };
struct pool_mark { struct chunk *head; size_t used; };

static struct pool_mark pool_mark(const struct pool *p)
{
    return (struct pool_mark){ .head = p->head, .used = p->head ? p->head->used : 0 };
}

static void pool_release(struct pool *p, struct pool_mark m)
{
    while (p->head && p->head != m.head) {
        struct chunk *c = p->head;
        p->head = c->next;
        p->bytes -= sizeof(*c) + c->size;
        free(c);
    }
    if (p->head)
        p->head->used = m.used;
}

static void *pool_get(struct pool *p, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!p->head || p->head->used + n > p->head->size) {
        size_t size = n > (1u << 20) ? n : (1u << 20);
        struct chunk *c = malloc(sizeof(*c) + size);
        if (!c)
            return NULL;
        c->next = p->head;
        c->used = 0;
        c->size = size;
        p->head = c;
        p->bytes += sizeof(*c) + size;
    }
    void *r = p->head->data + p->head->used;
    p->head->used += n;
    return r;
}

static void pool_free(struct pool *p)
{
    while (p->head) {
        struct chunk *c = p->head;
        p->head = c->next;
        free(c);
    }
    p->bytes = 0;
}

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* A second hash, of another construction (words multiplied and folded),
 * so that two states share both only by a 1 in 2^128 chance. */
static uint64_t hash_words(const uint8_t *b, size_t n)
{
    uint64_t h = 0x243F6A8885A308D3ULL ^ n;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        memcpy(&w, b + i, n - i < 8 ? n - i : 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    h ^= h >> 29;
    return h * 0xc4ceb9fe1a85ec53ULL;
}

static struct cstate *state_make(struct pool *p, const uint8_t *bytes, size_t len)
{
    struct cstate *s = pool_get(p, sizeof(*s) + len);
    if (!s)
        return NULL;
    s->len = (uint32_t)len;
    memcpy(s->bytes, bytes, len);
    s->hash = hash_bytes(bytes, len, 0xcbf29ce484222325ULL);
    s->hash2 = hash_words(bytes, len);
    return s;
}

/* ---------- the model, as one object ---------- */

/* One process's adjustment of one semaphore. */
struct adj { uint16_t proc; uint8_t num; int16_t v; };
#define ADJ_BYTES 5
#define ADJ_MAX (STRESS_PROCS_MAX * STRESS_SEMS_MAX)

struct object_model {
    struct model_ns *ns;
    const struct stress_object *o;
    int live;                          /* the model's id of the object, or -1 */
    int gone_id;                       /* an id the model no longer knows */
    struct model_caller root;          /* root's credentials, made once: every call is root's */
    struct adj adjs[ADJ_MAX];          /* a state's adjustments being changed */
    uint8_t scratch[65536];            /* a state being read back */
    int limit;                         /* the limit this object's calls meet (enum stress_limit), or 0 */
    long limit_have, limit_default;    /* the model's value now; the namespace's */
    int nattached;                     /* a segment: the processes attached to m->live */
    uint16_t attached[STRESS_IDS_MAX];
};

#define SEG_AT     0x10000000          /* where a process's attachment goes in the model */
#define SEG_WORDS  2                   /* a segment state's words start here */
#define SEG_PROCS  (SEG_WORDS + 8 * STRESS_WORDS)

long stress_model_call(struct model_ns *ns, uint32_t op, pid_t pid, int64_t a0, int64_t a1, int64_t a2, int64_t a3,
                       int64_t a4, const void *in, void *out)
{
    struct model_request rq = { .op = op, .arg = { a0, a1, a2, a3, a4, 0 } };
    struct model_creds cr;
    model_creds_root(&cr, ~0ULL);
    rq.caller = cr.caller;
    rq.caller.pid = pid;
    return model_apply(ns, &rq, in, out);
}

/* kernel.msgmax or kernel.sem of NS into BUF: its fields' count, or -1. */
static int limit_fields(struct model_ns *ns, int limit, long v[4])
{
    char buf[128] = "";
    const char *name = limit == STRESS_LIMIT_MSGMAX ? "msgmax" : "sem";
    if (stress_model_call(ns, MODEL_SYSCTL_READ, FILLER_PID, (int64_t)strlen(name) + 1, sizeof(buf) - 1, 0, 0, 0,
                          name, buf) < 0)
        return -1;
    return sscanf(buf, "%ld %ld %ld %ld", &v[0], &v[1], &v[2], &v[3]);
}

long stress_model_limit(struct model_ns *ns, int limit)
{
    long v[4];
    int n = limit_fields(ns, limit, v);
    return limit == STRESS_LIMIT_MSGMAX ? (n == 1 ? v[0] : -1) : (n == 4 ? v[2] : -1);
}

const char *stress_model_limit_text(struct model_ns *ns, int limit, long value, char *out, size_t size)
{
    long v[4];
    if (limit == STRESS_LIMIT_MSGMAX)
        snprintf(out, size, "%ld", value);
    else if (limit_fields(ns, limit, v) == 4)
        snprintf(out, size, "%ld %ld %ld %ld", v[0], v[1], value, v[3]);
    else
        return NULL;
    return out;
}

int stress_model_set_limit(struct model_ns *ns, int limit, long value)
{
    char text[96], req[128];
    if (!stress_model_limit_text(ns, limit, value, text, sizeof(text)))
        return -1;
    int n = snprintf(req, sizeof(req), "%s%c%s", limit == STRESS_LIMIT_MSGMAX ? "msgmax" : "sem", 0, text);
    return stress_model_call(ns, MODEL_SYSCTL_WRITE, FILLER_PID, n + 1, 0, 0, 0, 0, req, NULL) < 0 ? -1 : 0;
}

static long call(struct object_model *m, uint32_t op, pid_t pid, int64_t a0, int64_t a1, int64_t a2, int64_t a3,
                 int64_t a4, const void *in, void *out)
{
    struct model_request rq = { .op = op, .arg = { a0, a1, a2, a3, a4, 0 }, .caller = m->root };
    rq.caller.pid = pid;
    return model_apply(m->ns, &rq, in, out);
}

static int create(struct object_model *m)
{
    if (m->o->kind == STRESS_QUEUE) {
        long id = call(m, MODEL_MSGGET, FILLER_PID, IPC_PRIVATE, IPC_CREAT | 0600, 0, 0, 0, NULL, NULL);
        if (id < 0)
            return -1;
        struct msqid_ds ds;
        if (call(m, MODEL_MSGCTL, FILLER_PID, id, IPC_STAT, 0, 0, 0, NULL, &ds) < 0)
            return -1;
        ds.msg_qbytes = (msglen_t)m->o->qbytes;
        if (call(m, MODEL_MSGCTL, FILLER_PID, id, IPC_SET, 0, 0, 0, &ds, NULL) < 0)
            return -1;
        return (int)id;
    }
    long id = m->o->kind == STRESS_SET
                  ? call(m, MODEL_SEMGET, FILLER_PID, IPC_PRIVATE, m->o->nsems, IPC_CREAT | 0600, 0, 0, NULL, NULL)
                  : call(m, MODEL_SHMGET, FILLER_PID, IPC_PRIVATE, m->o->qbytes, IPC_CREAT | 0600, 0, 0, NULL, NULL);
    return id < 0 ? -1 : (int)id;
}

static long remove_id(struct object_model *m, int id)
{
    switch (m->o->kind) {
    case STRESS_QUEUE: return call(m, MODEL_MSGCTL, FILLER_PID, id, IPC_RMID, 0, 0, 0, NULL, NULL);
    case STRESS_SET: return call(m, MODEL_SEMCTL, FILLER_PID, id, 0, IPC_RMID, 0, 0, NULL, NULL);
    default: return call(m, MODEL_SHMCTL, FILLER_PID, id, IPC_RMID, 0, 0, 0, NULL, NULL);
    }
}

static int model_open(struct object_model *m, const struct stress_object *o)
{
    memset(m, 0, offsetof(struct object_model, adjs));
    m->nattached = 0;
    m->o = o;
    struct model_creds cr;
    model_creds_root(&cr, ~0ULL);
    m->root = cr.caller;
    m->ns = model_ns_new();
    if (!m->ns)
        return -1;
    m->gone_id = create(m);
    if (m->gone_id < 0 || remove_id(m, m->gone_id) < 0)
        return -1;
    m->live = create(m);
    if (m->live < 0)
        return -1;
    m->limit = stress_limit_of(o->kind);
    if (m->limit && (m->limit_have = m->limit_default = stress_model_limit(m->ns, m->limit)) <= 0)
        return -1;
    return 0;
}

/* Set the model's limit to VALUE: 0, or -1. */
static int limit_set(struct object_model *m, long value)
{
    if (!m->limit || value == m->limit_have)
        return 0;
    if (stress_model_set_limit(m->ns, m->limit, value) < 0)
        return -1;
    m->limit_have = value;
    return 0;
}

static void model_close(struct object_model *m)
{
    if (m->ns)
        model_ns_free(m->ns);
    m->ns = NULL;
}

struct queued { long mtype; uint8_t text[STRESS_TEXT_MAX]; };

/* A set's state: where its adjustments start. */
static size_t adj_offset(const struct object_model *m)
{
    return 1 + 2 * (size_t)m->o->nsems;
}

/* S's adjustments into m->adjs: their number. */
static int adj_decode(struct object_model *m, const struct cstate *s)
{
    int n = 0;
    for (size_t at = adj_offset(m); !s->bytes[0] && at + ADJ_BYTES <= s->len && n < ADJ_MAX; at += ADJ_BYTES) {
        struct adj *a = &m->adjs[n++];
        memcpy(&a->proc, s->bytes + at, 2);
        a->num = s->bytes[at + 2];
        memcpy(&a->v, s->bytes + at + 3, 2);
    }
    return n;
}

static int adj_order(const void *x, const void *y)
{
    const struct adj *a = x, *b = y;
    return a->proc != b->proc ? a->proc - b->proc : a->num - b->num;
}

/* Add DELTA to PROC's adjustment of NUM among the N of m->adjs: the new N. */
static int adj_add(struct object_model *m, int n, int proc, int num, int delta)
{
    for (int i = 0; i < n; i++)
        if (m->adjs[i].proc == proc && m->adjs[i].num == num) {
            m->adjs[i].v = (int16_t)(m->adjs[i].v + delta);
            return n;
        }
    if (n < ADJ_MAX)
        m->adjs[n++] = (struct adj){ .proc = (uint16_t)proc, .num = (uint8_t)num, .v = (int16_t)delta };
    return n;
}

/* Append the N adjustments to the state in scratch of length LEN, sorted,
 * without zeros: the new length. */
static long adj_encode(struct object_model *m, int n, long len)
{
    qsort(m->adjs, (size_t)n, sizeof(m->adjs[0]), adj_order);
    for (int i = 0; i < n; i++) {
        if (!m->adjs[i].v || (size_t)len + ADJ_BYTES > sizeof(m->scratch))
            continue;
        memcpy(m->scratch + len, &m->adjs[i].proc, 2);
        m->scratch[len + 2] = m->adjs[i].num;
        memcpy(m->scratch + len + 3, &m->adjs[i].v, 2);
        len += ADJ_BYTES;
    }
    return len;
}

/* Make the model's object hold S: the id to call, or -1 (the model refused). */
static int materialize(struct object_model *m, const struct cstate *s)
{
    if (s->bytes[0])
        return m->gone_id;
    if (m->live < 0 && (m->live = create(m)) < 0)
        return -1;
    if (m->o->kind == STRESS_SET) {
        unsigned short v[STRESS_SEMS_MAX];
        memcpy(v, s->bytes + 1, sizeof(v[0]) * (size_t)m->o->nsems);
        return call(m, MODEL_SEMCTL, FILLER_PID, m->live, 0, SETALL, 0, 0, v, NULL) < 0 ? -1 : m->live;
    }
    for (size_t at = 1; at < s->len;) {
        struct queued q;
        int64_t type;
        memcpy(&type, s->bytes + at, 8);
        size_t size = s->bytes[at + 8];
        q.mtype = (long)type;
        memcpy(q.text, s->bytes + at + 9, size);
        if (call(m, MODEL_MSGSND, FILLER_PID, m->live, 0, (int64_t)size, IPC_NOWAIT, 0, &q, NULL) < 0)
            return -1;
        at += 9 + size;
    }
    return m->live;
}

/* Read the object's state back (emptying a queue): its length in scratch. */
static long read_back(struct object_model *m)
{
    uint8_t *b = m->scratch;
    b[0] = m->live < 0;
    if (m->live < 0)
        return 1;
    if (m->o->kind == STRESS_SET) {
        unsigned short v[STRESS_SEMS_MAX];
        if (call(m, MODEL_SEMCTL, FILLER_PID, m->live, 0, GETALL, 0, 0, NULL, v) < 0)
            return -1;
        memcpy(b + 1, v, sizeof(v[0]) * (size_t)m->o->nsems);
        return 1 + 2 * m->o->nsems;
    }
    size_t len = 1;
    for (;;) {
        struct queued q;
        long n = call(m, MODEL_MSGRCV, FILLER_PID, m->live, 0, STRESS_TEXT_MAX, 0, IPC_NOWAIT | MSG_NOERROR, NULL, &q);
        if (n == -ENOMSG)
            return (long)len;
        if (n < 0 || len + 9 + (size_t)n > sizeof(m->scratch))
            return -1;
        int64_t type = q.mtype;
        memcpy(b + len, &type, 8);
        b[len + 8] = (uint8_t)n;
        memcpy(b + len + 9, q.text, (size_t)n);
        len += 9 + (size_t)n;
    }
}

/* ---------- a segment ---------- */

/* A segment state's attached processes: their number, into PROCS. */
static int seg_procs(const struct cstate *s, uint16_t *procs)
{
    int n = 0;
    for (size_t at = SEG_PROCS; !s->bytes[0] && at + 2 <= s->len; at += 2)
        memcpy(&procs[n++], s->bytes + at, 2);
    return n;
}

/* Make the model's segment S's: a new one with S's processes attached,
 * marked SHM_DEST if S is; the id to call, or -1.  The last one made is
 * taken down first (its processes detached, it removed). */
static int seg_materialize(struct object_model *m, const struct cstate *s)
{
    for (int i = 0; i < m->nattached; i++)
        call(m, MODEL_SHMDT, 1 + m->attached[i], SEG_AT, 0, 0, 0, 0, NULL, NULL);
    m->nattached = 0;
    if (m->live >= 0)
        remove_id(m, m->live);         /* no one is attached: it goes */
    m->live = -1;
    if (s->bytes[0])
        return m->gone_id;
    if ((m->live = create(m)) < 0)
        return -1;
    m->nattached = seg_procs(s, m->attached);
    for (int i = 0; i < m->nattached; i++)
        if (call(m, MODEL_SHMAT, 1 + m->attached[i], m->live, 0, 0, SEG_AT, 0, NULL, NULL) != SEG_AT)
            return -1;
    if (s->bytes[1] && remove_id(m, m->live) < 0)
        return -1;
    return m->live;
}

static int seg_attached(const uint16_t *procs, int n, int proc)
{
    for (int i = 0; i < n; i++)
        if (procs[i] == proc)
            return i;
    return -1;
}

static int u16_order(const void *x, const void *y)
{
    return *(const uint16_t *)x - *(const uint16_t *)y;
}

struct outcome {
    int blocked;                       /* the model made the call wait */
    long ret;                          /* else its result: >= 0 or -ERRNO */
    long rtype;
    uint8_t text[STRESS_TEXT_MAX];
};

/* EV on segment state S (a call of the model, or a word stored or
 * loaded by a process that has it attached): its outcome, and the state
 * after it in scratch (its length), or -1. */
static long seg_perform(struct object_model *m, const struct cstate *s, const struct stress_event *ev,
                        struct outcome *out)
{
    int id = seg_materialize(m, s);
    if (id < 0)
        return -1;
    pid_t pid = 1 + ev->proc;
    uint16_t procs[STRESS_IDS_MAX];
    int n = seg_procs(s, procs), mine = seg_attached(procs, n, ev->proc);
    uint8_t words[8 * STRESS_WORDS];
    memcpy(words, s->bytes + SEG_WORDS, sizeof(words));
    switch (ev->op) {
    case STRESS_SHMAT:
        if (mine >= 0) {               /* a worker holds one attachment of an object: */
            out->ret = -EEXIST;        /* not this order (no shmat answers EEXIST) */
            break;
        }
        out->ret = call(m, MODEL_SHMAT, pid, id, 0, 0, SEG_AT, 0, NULL, NULL);
        if (out->ret >= 0) {
            procs[n++] = ev->proc;
            out->ret = 0;
        }
        break;
    case STRESS_SHMDT:
        out->ret = call(m, MODEL_SHMDT, pid, SEG_AT, 0, 0, 0, 0, NULL, NULL);
        if (out->ret == 0 && mine >= 0)
            procs[mine] = procs[--n];
        break;
    case STRESS_SHMSTAT: {
        struct shmid_ds ds;
        out->ret = call(m, MODEL_SHMCTL, pid, id, IPC_STAT, 0, 0, 0, NULL, &ds);
        if (out->ret >= 0) {
            out->ret = (long)ds.shm_nattch;
            out->rtype = (ds.shm_perm.mode & SHM_DEST) != 0;
        }
        break;
    }
    case STRESS_STORE:
    case STRESS_LOAD:
        if (mine < 0 || ev->type < 0 || ev->type >= STRESS_WORDS) {
            out->ret = -EFAULT;        /* no attachment to go through: no such history */
            break;
        }
        if (ev->op == STRESS_STORE)
            memcpy(words + 8 * ev->type, ev->text, 8);
        else
            memcpy(out->text, words + 8 * ev->type, 8);
        out->ret = 0;
        break;
    case STRESS_RMID:
        out->ret = remove_id(m, id);
        break;
    case STRESS_DEATH:
        out->ret = 0;
        call(m, MODEL_EXIT, FILLER_PID, pid, 0, 0, 0, 0, NULL, NULL);
        if (mine >= 0)
            procs[mine] = procs[--n];
        break;
    default:
        return -1;
    }
    /* the model's attachments are now procs */
    memcpy(m->attached, procs, (size_t)n * sizeof(procs[0]));
    m->nattached = n;
    if (s->bytes[0]) {
        memcpy(m->scratch, s->bytes, s->len);
        return s->len;
    }
    struct shmid_ds ds;
    if (call(m, MODEL_SHMCTL, FILLER_PID, m->live, IPC_STAT, 0, 0, 0, NULL, &ds) < 0) {
        m->live = -1;                  /* destroyed: its last attachment went after IPC_RMID */
        m->nattached = 0;
        m->scratch[0] = 1;
        return 1;
    }
    if ((int)ds.shm_nattch != n)
        return -1;                     /* the model and this state disagree on who is attached */
    m->scratch[0] = 0;
    m->scratch[1] = (ds.shm_perm.mode & SHM_DEST) != 0;
    memcpy(m->scratch + SEG_WORDS, words, sizeof(words));
    qsort(procs, (size_t)n, sizeof(procs[0]), u16_order);
    memcpy(m->scratch + SEG_PROCS, procs, (size_t)n * 2);
    return SEG_PROCS + 2 * n;
}

/* PROC (model pid PID) ends on state S, whose object is ID in the model:
 * its adjustments are made the model's (SETALL cleared every one; a
 * semop with SEM_UNDO makes each, the value put back without one), then
 * its exit applies them.  The state after it in scratch (its length). */
static long perform_death(struct object_model *m, const struct cstate *s, int id, pid_t pid, int proc,
                          struct outcome *out)
{
    out->ret = 0;
    int n = m->o->kind == STRESS_SET ? adj_decode(m, s) : 0;
    int mine = 0;
    for (int i = 0; i < n; i++)
        mine += m->adjs[i].proc == proc;
    if (!mine) {                       /* nothing of it here */
        memcpy(m->scratch, s->bytes, s->len);
        return s->len;
    }
    for (int i = 0; i < n; i++) {
        const struct adj *a = &m->adjs[i];
        if (a->proc != proc)
            continue;
        struct sembuf up = { .sem_num = a->num, .sem_op = (short)(a->v > 0 ? a->v : 0), .sem_flg = IPC_NOWAIT };
        struct sembuf mk = { .sem_num = a->num, .sem_op = (short)-a->v, .sem_flg = SEM_UNDO | IPC_NOWAIT };
        struct sembuf back = { .sem_num = a->num, .sem_op = (short)(a->v < 0 ? a->v : 0), .sem_flg = IPC_NOWAIT };
        if ((up.sem_op && call(m, MODEL_SEMTIMEDOP, FILLER_PID, id, 0, 1, 0, 0, &up, NULL) != 0) ||
            call(m, MODEL_SEMTIMEDOP, pid, id, 0, 1, 0, 0, &mk, NULL) != 0 ||
            (back.sem_op && call(m, MODEL_SEMTIMEDOP, FILLER_PID, id, 0, 1, 0, 0, &back, NULL) != 0))
            return -1;
    }
    call(m, MODEL_EXIT, FILLER_PID, pid, 0, 0, 0, 0, NULL, NULL);
    long len = read_back(m);
    if (len < 0)
        return -1;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (m->adjs[i].proc != proc)
            m->adjs[k++] = m->adjs[i];
    return adj_encode(m, k, len);
}

/* Perform EV's call on state S, meeting LIMIT (0: the default): its
 * outcome, and the state after it in scratch (its length), or -1 when the
 * model could not be set up. */
static long perform(struct object_model *m, const struct cstate *s, const struct stress_event *ev, long limit,
                    struct outcome *out)
{
    memset(out, 0, sizeof(*out));
    if (m->o->kind == STRESS_SEGMENT)
        return seg_perform(m, s, ev, out);
    /* the state's messages are sent under the default limit, the call
     * meets a value of its own time */
    int id;
    if (limit_set(m, m->limit_default) < 0 || (id = materialize(m, s)) < 0 ||
        limit_set(m, limit ? limit : m->limit_default) < 0)
        return -1;
    pid_t pid = 1 + ev->proc;
    if (ev->op == STRESS_DEATH)
        return perform_death(m, s, id, pid, ev->proc, out);
    struct queued q = { .mtype = (long)ev->type };
    struct sembuf sops[STRESS_SOPS_MAX];
    uint32_t resume = 0;
    switch (ev->op) {
    case STRESS_MSGSND:
        memcpy(q.text, ev->text, sizeof(q.text));
        out->ret = call(m, MODEL_MSGSND, pid, id, 0, ev->size, ev->flags, 0, &q, NULL);
        resume = MODEL_MSGSND_RESUME;
        break;
    case STRESS_MSGRCV:
        out->ret = call(m, MODEL_MSGRCV, pid, id, 0, ev->size, ev->type, ev->flags, NULL, &q);
        if (out->ret >= 0) {
            out->rtype = q.mtype;
            memcpy(out->text, q.text, (size_t)out->ret <= sizeof(q.text) ? (size_t)out->ret : 0);
        }
        resume = MODEL_MSGRCV_RESUME;
        break;
    case STRESS_SEMOP:
        for (int i = 0; i < ev->nsops && i < STRESS_SOPS_MAX; i++)
            sops[i] = (struct sembuf){ .sem_num = ev->sops[i].num, .sem_op = ev->sops[i].op,
                                       .sem_flg = ev->sops[i].flg };
        out->ret = call(m, MODEL_SEMTIMEDOP, pid, id, 0, ev->nsops, 0, 0, sops, NULL);
        resume = MODEL_SEM_RESUME;
        break;
    case STRESS_RMID:
        out->ret = remove_id(m, id);
        if (out->ret == 0 && id == m->live)
            m->live = -1;
        break;
    default:
        return -1;
    }
    if (out->ret == MODEL_BLOCKED) {
        /* not here: take the waiter back out of the model */
        out->blocked = 1;
        call(m, MODEL_INTERRUPT, pid, pid, 0, 0, 0, 0, NULL, NULL);
        struct queued drop;
        long r = ev->op == STRESS_MSGSND ? call(m, resume, pid, id, 0, ev->size, ev->flags, 0, &q, NULL)
               : ev->op == STRESS_MSGRCV ? call(m, resume, pid, id, 0, ev->size, ev->type, ev->flags, NULL, &drop)
                                         : call(m, resume, pid, 0, 0, 0, 0, 0, NULL, NULL);
        if (r != -EINTR)
            return -1;
    }
    if (s->bytes[0]) {
        memcpy(m->scratch, s->bytes, s->len);
        return s->len;
    }
    long len = read_back(m);
    if (len < 0 || m->o->kind != STRESS_SET || m->scratch[0])
        return len;
    /* the adjustments: as before, and a completed semop's own */
    int n = adj_decode(m, s);
    for (int i = 0; ev->op == STRESS_SEMOP && !out->blocked && out->ret == 0 && i < ev->nsops && i < STRESS_SOPS_MAX; i++)
        if (ev->sops[i].flg & SEM_UNDO)
            n = adj_add(m, n, ev->proc, ev->sops[i].num, -ev->sops[i].op);
    return adj_encode(m, n, len);
}

/* ---------- limits written under the calls ---------- */

/* The successful writes of each limit (enum stress_limit), in their order
 * (one process made them, one after another). */
struct limit_writes {
    const struct stress_event **of[STRESS_LIMITS + 1];
    size_t n[STRESS_LIMITS + 1];
};

/* The value of LIMIT (DEFAULT before any write) that EV, ending at END,
 * meets in its entry check: the values in force at some instant of
 * [t_call, END] are those of the writes from the last one that returned
 * before t_call to the last one invoked by END (the first value in force
 * when none returned before); of those, the smallest for a call that
 * failed with the limit's errno (msgsnd EINVAL, semop E2BIG; a msgrcv
 * with MSG_COPY, whose copy holds at most msgmax bytes: EINVAL), else the
 * largest.  0 for a call no limit concerns. */
static long limit_range(const struct limit_writes *w, int limit, const struct stress_event *ev, uint64_t end,
                        long dflt)
{
    int copy = ev->op == STRESS_MSGRCV && (ev->flags & MSG_COPY);   /* its buffer: min(size, msgmax) */
    if (!limit || !((limit == STRESS_LIMIT_MSGMAX && (ev->op == STRESS_MSGSND || copy)) ||
                    (limit == STRESS_LIMIT_SEMOPM && ev->op == STRESS_SEMOP)))
        return 0;
    const struct stress_event *const *of = w->of[limit];
    size_t n = w->n[limit], lo = 0, hi = n;
    while (lo < hi) {                  /* the writes done before it began: the first lo */
        size_t mid = lo + (hi - lo) / 2;
        if (of[mid]->t_return < ev->t_call)
            lo = mid + 1;
        else
            hi = mid;
    }
    hi = lo;
    while (hi < n && of[hi]->t_call <= end)           /* writes begun before it ended: a few */
        hi++;
    /* values possible: after write lo - 1 (or the default), ..., after write hi - 1 */
    int failed = ev->ret < 0 && ((limit == STRESS_LIMIT_MSGMAX && ev->err == EINVAL) ||
                                 (limit == STRESS_LIMIT_SEMOPM && ev->err == E2BIG));
    long pick = lo ? of[lo - 1]->size : dflt;
    for (size_t k = lo; k < hi; k++)
        if (failed ? of[k]->size < pick : of[k]->size > pick)
            pick = of[k]->size;
    return pick;
}

/* ---------- one object's search ---------- */

struct entry {
    int op;                            /* index among the object's events */
    int is_call;
    int prev, next;
    int match;                         /* the other entry of the same event */
};

/* A configuration remembered by its fingerprint: 128 bits from the calls
 * linearized (two Zobrist hashes) and the state (two hashes).  Only the
 * fingerprint is kept, so memory does not grow with the states' size and
 * the states themselves can be given back; a collision (about n^2 / 2^129
 * for n configurations) could only make the search skip a configuration,
 * so at worst report a violation that a re-check (--check) would not,
 * never pass a history it did not decide. */
struct memo_item { uint64_t a, b; };

struct search {
    const struct stress_event **ev;
    int n;
    int nwords;
    struct entry *e;                   /* 2n entries and the head at 2n */
    uint64_t *bits;                    /* calls linearized */
    uint64_t *zobrist, *zobrist2;      /* two random words per call, for the memo's fingerprint */
    uint64_t bits_hash, bits_hash2;
    struct memo_item *memo;
    size_t memo_cap, memo_n;
    struct pool pool;
    uint8_t dead[STRESS_IDS_MAX];      /* a process whose death is linearized (a function of bits) */
    uint64_t *end;                     /* each call's response entry's instant (see pending_ends) */
    int *attaching;                    /* a shmstat: the shmats in flight while it was (attach_slack) */
    long *limit;                       /* the value each call meets (limit_range; 0: the default) */
    struct object_model model;
};

/* A death linearized (ON) or taken back: its process can no longer act. */
static void mark_death(struct search *s, const struct stress_event *ev, int on)
{
    if (ev->op == STRESS_DEATH && ev->proc < STRESS_IDS_MAX)
        s->dead[ev->proc] = (uint8_t)on;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static int entry_order(const void *a, const void *b, void *arg)
{
    const struct search *s = arg;
    const struct entry *x = a, *y = b;
    const struct stress_event *ex = s->ev[x->op], *ey = s->ev[y->op];
    uint64_t tx = x->is_call ? ex->t_call : s->end[x->op];
    uint64_t ty = y->is_call ? ey->t_call : s->end[y->op];
    if (tx != ty)
        return tx < ty ? -1 : 1;
    if (x->is_call != y->is_call)
        return x->is_call ? -1 : 1;    /* at one instant: concurrent */
    return x->op - y->op;
}

static void lift(struct search *s, int i)
{
    struct entry *c = &s->e[i], *r = &s->e[c->match];
    s->e[c->prev].next = c->next;
    if (c->next != NIL)
        s->e[c->next].prev = c->prev;
    s->e[r->prev].next = r->next;
    if (r->next != NIL)
        s->e[r->next].prev = r->prev;
}

static void unlift(struct search *s, int i)
{
    struct entry *c = &s->e[i], *r = &s->e[c->match];
    s->e[r->prev].next = c->match;
    if (r->next != NIL)
        s->e[r->next].prev = c->match;
    s->e[c->prev].next = i;
    if (c->next != NIL)
        s->e[c->next].prev = i;
}

static void set_bit(struct search *s, int op, int on)
{
    uint64_t m = 1ULL << (op & 63);
    if (on)
        s->bits[op >> 6] |= m;
    else
        s->bits[op >> 6] &= ~m;
    s->bits_hash ^= s->zobrist[op];
    s->bits_hash2 ^= s->zobrist2[op];
}

/* Remember (bits, state): 1 when new, 0 when seen, -1 out of memory. */
static int memo_add(struct search *s, const struct cstate *st)
{
    struct memo_item key = { .a = s->bits_hash ^ (st->hash * 0x9E3779B97F4A7C15ULL),
                             .b = (s->bits_hash2 ^ (st->hash2 * 0xD1B54A32D192ED03ULL)) | 1 };  /* never empty */
    if (s->memo_n * 2 >= s->memo_cap) {
        size_t cap = s->memo_cap ? s->memo_cap * 2 : 4096;
        struct memo_item *t = calloc(cap, sizeof(*t));
        if (!t)
            return -1;
        for (size_t i = 0; i < s->memo_cap; i++)
            if (s->memo[i].b) {
                size_t j = s->memo[i].a & (cap - 1);
                while (t[j].b)
                    j = (j + 1) & (cap - 1);
                t[j] = s->memo[i];
            }
        free(s->memo);
        s->memo = t;
        s->memo_cap = cap;
    }
    size_t j = key.a & (s->memo_cap - 1);
    for (; s->memo[j].b; j = (j + 1) & (s->memo_cap - 1))
        if (s->memo[j].a == key.a && s->memo[j].b == key.b)
            return 0;
    s->memo[j] = key;
    s->memo_n++;
    return 1;
}

/* The states EV may leave after S (at most 2): their number, or -1. */
static int successors(struct search *s, const struct cstate *st, int op, const struct cstate *next[2])
{
    const struct stress_event *ev = s->ev[op];
    struct outcome o;
    long len = perform(&s->model, st, ev, s->limit[op], &o);
    if (len < 0)
        return -1;
    int n = 0;
    if (!ev->t_return) {               /* pending: no effect, or its effect while its process lived */
        next[n++] = st;
        if (!o.blocked && !(ev->proc < STRESS_IDS_MAX && s->dead[ev->proc]) && !(len == st->len && memcmp(s->model.scratch, st->bytes, (size_t)len) == 0))
            if (!(next[n++] = state_make(&s->pool, s->model.scratch, (size_t)len)))
                return -1;
        return n;
    }
    if (ev->ret < 0 && ev->err == EINTR)
        return o.blocked ? (next[0] = st, 1) : 0;
    if (ev->ret < 0 && ev->err == EIDRM)
        return st->bytes[0] && o.ret == -EINVAL ? (next[0] = st, 1) : 0;
    if (ev->op == STRESS_SEMOP && ev->type > 0 && ev->ret < 0 && ev->err == EAGAIN && o.blocked)
        return next[0] = st, 1;        /* semtimedop's timeout ended a wait */
    if (o.blocked)
        return 0;
    if (ev->op == STRESS_SHMSTAT && ev->ret >= 0 && o.ret >= 0) {
        if (ev->ret < o.ret || ev->ret > o.ret + s->attaching[op])
            return 0;                  /* shm_nattch: the attachments, and the shmats in flight */
    } else if (ev->ret < 0 ? o.ret != -ev->err : o.ret != ev->ret) {
        return 0;
    }
    if (ev->op == STRESS_MSGRCV && ev->ret >= 0 &&
        (o.rtype != ev->rtype || memcmp(o.text, ev->text, (size_t)ev->ret <= STRESS_TEXT_MAX ? (size_t)ev->ret : 0)))
        return 0;
    if ((ev->op == STRESS_LOAD && memcmp(o.text, ev->text, 8)) || (ev->op == STRESS_SHMSTAT && o.rtype != ev->rtype))
        return 0;
    if (len == st->len && memcmp(s->model.scratch, st->bytes, (size_t)len) == 0)
        next[0] = st;
    else if (!(next[0] = state_make(&s->pool, s->model.scratch, (size_t)len)))
        return -1;
    return 1;
}

/* forced: the call returned, and its only outcome left the state as it
 * was; then any linearization of the rest can be made to start with it,
 * so nothing else is tried at its place (undoing it undoes the choice
 * before).  Not a pending call: "no effect" here is always one of its
 * outcomes, but an effect later may be the one that explains the rest.
 * Not a death: it changes nothing only while its process has no
 * adjustment, and its process's pending call may still make one (a
 * SIGKILLed waiter's semop completed by another process before the
 * waiter ran again: then its exit undoes it). */
struct frame {
    int entry, cand, choice, forced;
    const struct cstate *before;
    struct pool_mark mark;             /* the pool before this step's states */
};

/* When the search tries a call: a call that waited took effect when
 * whoever woke it let it, and that is early for a semop and a msgrcv
 * (Linux completes them in the waker's own call: update_queue in sem.c,
 * pipelined_send in msg.c) but late for a msgsnd (its sender is only
 * woken to try again, and races with new senders: ss_wakeup in msg.c).
 * So a semop, a msgrcv, an IPC_RMID or a death is tried by its
 * invocation, a msgsnd by its response, a call that never returned last.
 * The order changes only how soon an order is found, never whether. */
static uint64_t try_at(const struct stress_event *ev)
{
    if (!ev->t_return)
        return UINT64_MAX;
    return ev->op == STRESS_MSGSND ? ev->t_return : ev->t_call;
}

/* The calls that may be linearized next: the call entries before the
 * first response entry still in the list (that response's entry in
 * *FIRST_RETURN, or NIL), into CAND in try_at's order. */
static int candidates(const struct search *s, int head, int *cand, int *first_return)
{
    int w = 0;
    *first_return = NIL;
    for (int i = s->e[head].next; i != NIL; i = s->e[i].next) {
        if (!s->e[i].is_call) {
            *first_return = i;
            break;
        }
        uint64_t t = try_at(s->ev[s->e[i].op]);
        int j = w++;
        for (; j > 0; j--) {           /* insertion: the window is small and nearly sorted */
            uint64_t tp = try_at(s->ev[s->e[cand[j - 1]].op]);
            if (tp < t || (tp == t && s->e[cand[j - 1]].op < s->e[i].op))
                break;
            cand[j] = cand[j - 1];
        }
        cand[j] = i;
    }
    return w;
}

static const struct cstate *initial_state(struct search *s, const struct stress_object *o)
{
    uint8_t b[SEG_PROCS + 2 * STRESS_SEMS_MAX] = { 0 };
    size_t len = o->kind == STRESS_SEGMENT ? SEG_PROCS : 1;   /* a new segment: zeros, no one attached */
    if (o->kind == STRESS_SET) {
        for (int i = 0; i < o->nsems && i < STRESS_SEMS_MAX; i++) {
            unsigned short v = o->init[i];
            memcpy(b + 1 + 2 * i, &v, 2);
        }
        len += 2 * (size_t)o->nsems;
    }
    return state_make(&s->pool, b, len);
}

/* State S as text: "values 1 0 2; adjustments proc 3 sem 0 -1" or
 * "queue: 2 messages (types 5 1)" or "gone". */
static void describe_state(struct object_model *m, const struct cstate *s, char *out, size_t size)
{
    size_t used = 0;
#define PUT(...) (used += (size_t)snprintf(out + used, used < size ? size - used : 0, __VA_ARGS__))
    out[0] = 0;
    if (s->bytes[0]) {
        PUT("the object is gone");
        return;
    }
    if (m->o->kind == STRESS_SEGMENT) {
        PUT("words");
        for (int i = 0; i < STRESS_WORDS; i++) {
            uint64_t w;
            memcpy(&w, s->bytes + SEG_WORDS + 8 * i, 8);
            PUT(" %#llx", (unsigned long long)w);
        }
        PUT("%s; attached:", s->bytes[1] ? "; SHM_DEST" : "");
        for (size_t at = SEG_PROCS; at + 2 <= s->len; at += 2) {
            uint16_t p;
            memcpy(&p, s->bytes + at, 2);
            PUT(" proc %u", p);
        }
    } else if (m->o->kind == STRESS_SET) {
        PUT("values");
        for (int i = 0; i < m->o->nsems; i++) {
            unsigned short v;
            memcpy(&v, s->bytes + 1 + 2 * i, 2);
            PUT(" %u", v);
        }
        int n = adj_decode(m, s);
        PUT(n ? "; SEM_UNDO adjustments:" : "; no SEM_UNDO adjustments");
        for (int i = 0; i < n; i++)
            PUT(" proc %u sem %u %+d%s", m->adjs[i].proc, m->adjs[i].num, m->adjs[i].v, i + 1 < n ? "," : "");
    } else {
        int count = 0;
        for (size_t at = 1; at < s->len; at += 9 + s->bytes[at + 8])
            count++;
        PUT(count ? "%d messages queued, their types:" : "no message queued", count);
        for (size_t at = 1; at < s->len && used < size; at += 9 + s->bytes[at + 8]) {
            int64_t type;
            memcpy(&type, s->bytes + at, 8);
            PUT(" %lld", (long long)type);
        }
    }
#undef PUT
    if (used >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
}

/* Where each call's response entry goes: its response; for a call that
 * never returned, its process's end (the death's response: a call takes
 * effect, if ever, before its process is reaped; REAPED: each process's,
 * 0 if none), else the history's end.  So the search decides a killed
 * process's pending call before it passes that process's end, and does
 * not carry it to the end of the history. */
static void pending_ends(const uint64_t *reaped, struct search *s)
{
    for (int i = 0; i < s->n; i++) {
        const struct stress_event *ev = s->ev[i];
        s->end[i] = ev->t_return ? ev->t_return
                  : ev->proc < STRESS_IDS_MAX && reaped[ev->proc] > ev->t_call ? reaped[ev->proc] : UINT64_MAX;
    }
}

/* For each shmstat, the shmat calls in flight at some instant while it
 * was (either may have been invoked first; a pending one lasts until its
 * end): do_shmat counts itself in shm_nattch before it maps the segment
 * and takes that count back after (ipc/shm.c: shp->shm_nattch++ ...
 * out_nattch), so an IPC_STAT beside a shmat may see one more than the
 * attachments, and more beside more of them.  A sweep in invocation order
 * keeps the shmats not yet ended. */
static int attach_slack(struct search *s)
{
    s->attaching = calloc((size_t)s->n + 1, sizeof(int));
    int *open = calloc((size_t)s->n + 1, sizeof(int)), nopen = 0;
    if (!s->attaching || !open) {
        free(open);
        return -1;
    }
    for (int i = 0; i < s->n; i++) {
        const struct stress_event *ev = s->ev[i];
        int k = 0;
        for (int j = 0; j < nopen; j++)
            if (s->end[open[j]] > ev->t_call)
                open[k++] = open[j];
        nopen = k;
        if (ev->op == STRESS_SHMSTAT) {
            int n = nopen;
            for (int j = i + 1; j < s->n && s->ev[j]->t_call < s->end[i]; j++)
                n += s->ev[j]->op == STRESS_SHMAT;
            s->attaching[i] = n;
        } else if (ev->op == STRESS_SHMAT) {
            open[nopen++] = i;
        }
    }
    free(open);
    return 0;
}

/* Object OBJ's search over its events (LIST: COUNT indices into H's
 * events, in the history's order; REAPED: when each process was reaped;
 * object_events). */
static void check_object(const struct stress_history *h, int obj, const uint32_t *list, size_t count,
                         const uint64_t *reaped, const struct limit_writes *writes,
                         const struct stress_check_limits *lim,
                         struct stress_object_verdict *v)
{
    struct search s;
    memset(&s, 0, offsetof(struct search, model));
    struct stress_fifo fifo;
    memset(&fifo, 0, sizeof(fifo));
    struct frame *stack = NULL;
    int *cand = NULL;
    v->verdict = STRESS_UNDECIDED;
    v->stuck_event = -1;
    int stuck_depth = -1;
    struct cstate *stuck = NULL;       /* a copy of the state at the deepest dead end */
    size_t stuck_cap = 0;
    s.n = (int)count;
    v->nevents = count;
    if (!count) {                      /* the empty history is every object's; and an unwritten record has no model */
        v->verdict = STRESS_LINEARIZABLE;
        return;
    }
    s.nwords = (s.n + 63) / 64 + 1;
    s.ev = calloc((size_t)s.n + 1, sizeof(*s.ev));
    s.e = calloc(2 * (size_t)s.n + 1, sizeof(*s.e));
    s.bits = calloc((size_t)s.nwords, sizeof(uint64_t));
    s.zobrist = calloc((size_t)s.n + 1, sizeof(uint64_t));
    s.zobrist2 = calloc((size_t)s.n + 1, sizeof(uint64_t));
    stack = calloc((size_t)s.n + 1, sizeof(*stack));
    if (!s.ev || !s.e || !s.bits || !s.zobrist || !s.zobrist2 || !stack || model_open(&s.model, &h->objects[obj]) < 0) {
        snprintf(v->why, sizeof(v->why), "out of memory, or the model refused the object");
        goto done;
    }
    int n = 0;
    for (size_t i = 0; i < count; i++) {
        s.ev[n++] = &h->events[list[i]];
        v->npending += !h->events[list[i]].t_return;
    }
    uint64_t seed = 0x5eed + (uint64_t)obj;
    for (int i = 0; i < n; i++) {
        s.zobrist[i] = splitmix(&seed);
        s.zobrist2[i] = splitmix(&seed);
        s.e[2 * i] = (struct entry){ .op = i, .is_call = 1 };
        s.e[2 * i + 1] = (struct entry){ .op = i, .is_call = 0 };
    }
    s.end = calloc((size_t)n + 1, sizeof(uint64_t));
    if (!s.end || stress_fifo_build(&fifo, s.ev, n) < 0) {
        snprintf(v->why, sizeof(v->why), "out of memory");
        goto done;
    }
    pending_ends(reaped, &s);
    s.limit = calloc((size_t)n + 1, sizeof(long));
    if (attach_slack(&s) < 0 || !s.limit) {
        snprintf(v->why, sizeof(v->why), "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++)
        s.limit[i] = limit_range(writes, s.model.limit, s.ev[i], s.end[i], s.model.limit_default);
    qsort_r(s.e, 2 * (size_t)n, sizeof(*s.e), entry_order, &s);
    int *where = calloc(2 * (size_t)n + 1, sizeof(int));  /* an event's call entry */
    if (!where) {
        snprintf(v->why, sizeof(v->why), "out of memory");
        goto done;
    }
    for (int i = 0; i < 2 * n; i++)
        if (s.e[i].is_call)
            where[s.e[i].op] = i;
    for (int i = 0; i < 2 * n; i++)
        if (!s.e[i].is_call)
            s.e[i].match = where[s.e[i].op], s.e[where[s.e[i].op]].match = i;
    free(where);
    int head = 2 * n;
    s.e[head] = (struct entry){ .op = -1, .prev = NIL, .next = n ? 0 : NIL };
    for (int i = 0; i < 2 * n; i++) {
        s.e[i].prev = i ? i - 1 : head;
        s.e[i].next = i + 1 < 2 * n ? i + 1 : NIL;
    }
    const struct cstate *cur = initial_state(&s, &h->objects[obj]);
    if (!cur) {
        snprintf(v->why, sizeof(v->why), "out of memory");
        goto done;
    }
    cand = calloc((size_t)n + 1, sizeof(int));
    if (!cand) {
        snprintf(v->why, sizeof(v->why), "out of memory");
        goto done;
    }
    unsigned long max_steps = lim->max_steps ? lim->max_steps
                            : (unsigned long)n * STRESS_STEPS_PER_CALL > STRESS_STEPS_MIN
                                ? (unsigned long)n * STRESS_STEPS_PER_CALL : STRESS_STEPS_MIN;
    int depth = 0, deepest = 0, from_cand = 0, from_choice = 0;
    while (s.e[head].next != NIL) {
        int first_return;
        int w = candidates(&s, head, cand, &first_return);
        int taken = 0;
        for (int k = from_cand; k < w && !taken; k++) {
            if (!stress_fifo_allows(&fifo, s.e[cand[k]].op))
                continue;
            if (++v->steps > max_steps) {
                snprintf(v->why, sizeof(v->why), "search bound reached: %lu steps (%d of %d calls linearized at most)",
                         max_steps, deepest, n);
                goto done;
            }
            if (s.pool.bytes + s.memo_cap * sizeof(struct memo_item) > lim->max_bytes) {
                snprintf(v->why, sizeof(v->why), "memory bound reached: %zu MiB (%d of %d calls linearized at most)",
                         lim->max_bytes >> 20, deepest, n);
                goto done;
            }
            int entry = cand[k];
            const struct stress_event *ev = s.ev[s.e[entry].op];
            const struct cstate *next[2];
            struct pool_mark mark = pool_mark(&s.pool);   /* the successors' states, given back if not taken */
            int nsucc = successors(&s, cur, s.e[entry].op, next);
            if (nsucc < 0) {
                snprintf(v->why, sizeof(v->why), "the model could not be set to a state (out of memory?)");
                goto done;
            }
            for (int c = k == from_cand ? from_choice : 0; c < nsucc && !taken; c++) {
                set_bit(&s, s.e[entry].op, 1);
                int fresh = memo_add(&s, next[c]);
                if (fresh < 0) {
                    snprintf(v->why, sizeof(v->why), "out of memory");
                    goto done;
                }
                if (!fresh) {
                    set_bit(&s, s.e[entry].op, 0);
                    continue;
                }
                stack[depth++] = (struct frame){ .entry = entry, .cand = k, .choice = c, .before = cur, .mark = mark,
                                                 .forced = nsucc == 1 && next[c] == cur && ev->t_return &&
                                                           ev->op != STRESS_DEATH };
                mark_death(&s, ev, 1);
                stress_fifo_mark(&fifo, s.e[entry].op, 1);
                if (depth > deepest)
                    deepest = depth;
                cur = next[c];
                lift(&s, entry);
                taken = 1;
            }
            if (!taken)
                pool_release(&s.pool, mark);
        }
        if (taken) {
            from_cand = from_choice = 0;
            continue;
        }
        /* a dead end: the call of the first response cannot be placed */
        if (depth > stuck_depth && first_return != NIL) {
            size_t bytes = sizeof(*cur) + cur->len;
            if (bytes > stuck_cap) {
                free(stuck);
                stuck_cap = 2 * bytes;
                if (!(stuck = malloc(stuck_cap))) {
                    snprintf(v->why, sizeof(v->why), "out of memory");
                    goto done;
                }
            }
            memcpy(stuck, cur, bytes);
            stuck_depth = depth;
            v->stuck_event = s.ev[s.e[first_return].op] - h->events;
        }
        struct frame f;
        do {
            if (depth == 0) {
                v->verdict = STRESS_VIOLATION;
                snprintf(v->why, sizeof(v->why), "no order of its calls agrees with the model "
                         "(at most %d of %d calls linearized)", deepest, n);
                goto done;
            }
            f = stack[--depth];
            cur = f.before;
            pool_release(&s.pool, f.mark);
            set_bit(&s, s.e[f.entry].op, 0);
            mark_death(&s, s.ev[s.e[f.entry].op], 0);
            stress_fifo_mark(&fifo, s.e[f.entry].op, 0);
            unlift(&s, f.entry);
        } while (f.forced);
        from_cand = f.cand;
        from_choice = f.choice + 1;
    }
    v->verdict = STRESS_LINEARIZABLE;
done:
    v->memo = s.memo_n;
    if (stuck && v->stuck_event >= 0 && v->verdict != STRESS_LINEARIZABLE)
        describe_state(&s.model, stuck, v->stuck_state, sizeof(v->stuck_state));
    free(stuck);
    model_close(&s.model);
    free(stack);
    free(cand);
    free(s.ev);
    free(s.e);
    free(s.bits);
    free(s.zobrist);
    free(s.zobrist2);
    free(s.end);
    free(s.attaching);
    free(s.limit);
    free(s.memo);
    pool_free(&s.pool);
    stress_fifo_free(&fifo);
}

/* Each object's events in the history's order: its own calls, and on a
 * set the deaths of the processes that made a semop with SEM_UNDO on it
 * (the others' deaths change nothing there).  Built in one pass over the
 * history, not one per object: object o's are list[start[o]] up to
 * list[start[o + 1]] (indices of 4 bytes: a history has fewer than 2^32
 * events, stress_check says so otherwise); reaped[p]: when process p's
 * death was observed (0: never). */
struct object_events {
    size_t *start;
    uint32_t *list;
    uint64_t *reaped;
    struct limit_writes writes;
};

static void object_events_free(struct object_events *ix)
{
    free(ix->start);
    free(ix->list);
    free(ix->reaped);
    for (int k = 0; k <= STRESS_LIMITS; k++)
        free(ix->writes.of[k]);
}

static int object_events_build(const struct stress_history *h, struct object_events *ix)
{
    if (h->nevents >= UINT32_MAX) {
        errno = EFBIG;                 /* --max-events keeps a run's below */
        return -1;
    }
    int nobj = h->nobjects, words = 1;
    for (size_t i = 0; i < h->nevents; i++)         /* the processes the history has, in words */
        if (h->events[i].proc < STRESS_IDS_MAX && h->events[i].proc / 64 + 1 > words)
            words = h->events[i].proc / 64 + 1;
    uint64_t *undo = calloc((size_t)nobj * (size_t)words + 1, sizeof(uint64_t));   /* (object, process) */
    size_t *nundo = calloc(STRESS_IDS_MAX + 1, sizeof(size_t));      /* objects a process undoes on */
    int **undone = calloc(STRESS_IDS_MAX, sizeof(int *));
    ix->start = calloc((size_t)nobj + 2, sizeof(size_t));
    ix->reaped = calloc(STRESS_IDS_MAX, sizeof(uint64_t));
    ix->list = NULL;
    memset(&ix->writes, 0, sizeof(ix->writes));
    int rc = -1;
    if (!undo || !nundo || !undone || !ix->start || !ix->reaped)
        goto out;
    for (size_t i = 0; i < h->nevents; i++)
        if (h->events[i].op == STRESS_DEATH && h->events[i].proc < STRESS_IDS_MAX && h->events[i].t_return)
            ix->reaped[h->events[i].proc] = h->events[i].t_return;
    /* the limit writes that succeeded, each limit's in their order */
    for (size_t i = 0; i < h->nevents; i++) {
        const struct stress_event *ev = &h->events[i];
        if (!stress_limit_write(ev, 0))
            continue;                  /* not a write, or one that failed: it changed nothing */
        struct limit_writes *w = &ix->writes;
        if (w->n[ev->type] % 64 == 0) {
            const struct stress_event **more = realloc(w->of[ev->type], (w->n[ev->type] + 64) * sizeof(*more));
            if (!more)
                goto out;
            w->of[ev->type] = more;
        }
        w->of[ev->type][w->n[ev->type]++] = ev;
    }
    for (size_t i = 0; i < h->nevents; i++) {
        const struct stress_event *ev = &h->events[i];
        if (ev->obj >= (uint32_t)nobj || ev->proc >= STRESS_IDS_MAX)
            continue;
        /* a death concerns the sets its process has SEM_UNDO on and the
         * segments it attached (or tried to) */
        uint64_t *w = &undo[(size_t)ev->obj * (size_t)words + ev->proc / 64], bit = 1ULL << (ev->proc % 64);
        int concerned = ev->op == STRESS_SHMAT;
        for (int k = 0; ev->op == STRESS_SEMOP && k < ev->nsops && k < STRESS_SOPS_MAX; k++)
            concerned |= (ev->sops[k].flg & SEM_UNDO) != 0;
        if (concerned && !(*w & bit)) {
            *w |= bit;
            nundo[ev->proc]++;
        }
    }
    for (int p = 0; p < STRESS_IDS_MAX; p++) {
        if (!nundo[p])
            continue;
        if (!(undone[p] = malloc(nundo[p] * sizeof(int))))
            goto out;
        size_t k = 0;
        for (int o = 0; o < nobj; o++)
            if (undo[(size_t)o * (size_t)words + p / 64] >> (p % 64) & 1)
                undone[p][k++] = o;
    }
    /* counts, then each object's place, then the events in order */
    for (int pass = 0; pass < 2; pass++) {
        size_t *at = pass ? calloc((size_t)nobj + 1, sizeof(size_t)) : NULL;
        if (pass && !at)
            goto out;
        if (pass)
            memcpy(at, ix->start, (size_t)nobj * sizeof(size_t));
        for (size_t i = 0; i < h->nevents; i++) {
            const struct stress_event *ev = &h->events[i];
            if (ev->op == STRESS_SYSCTL) {
                continue;              /* not an object's event: its calls meet it (limit_range) */
            } else if (ev->obj == STRESS_OBJ_ALL) {
                for (size_t k = 0; ev->proc < STRESS_IDS_MAX && k < nundo[ev->proc]; k++) {
                    int o = undone[ev->proc][k];
                    if (pass)
                        ix->list[at[o]++] = (uint32_t)i;
                    else
                        ix->start[o + 1]++;
                }
            } else if (ev->obj < (uint32_t)nobj) {
                if (pass)
                    ix->list[at[ev->obj]++] = (uint32_t)i;
                else
                    ix->start[ev->obj + 1]++;
            }
        }
        free(at);
        if (!pass) {
            for (int o = 0; o < nobj; o++)
                ix->start[o + 1] += ix->start[o];
            if (!(ix->list = malloc((ix->start[nobj] + 1) * sizeof(*ix->list))))
                goto out;
        }
    }
    rc = 0;
out:
    for (int p = 0; undone && p < STRESS_IDS_MAX; p++)
        free(undone[p]);
    free(undone);
    free(nundo);
    free(undo);
    if (rc < 0)
        object_events_free(ix);
    return rc;
}

/* The checking processes' shared table: the next object to take, and
 * each object's verdict with whether it was written. */
struct shared_verdicts {
    int next;
    int order_n;
    struct { int done; struct stress_object_verdict v; } slot[];
};

/* Take objects from SV (biggest first: ORDER) and check them, until none
 * is left. */
static void check_objects(const struct stress_history *h, const struct object_events *ix, const int *order,
                          const struct stress_check_limits *lim, struct shared_verdicts *sv)
{
    for (;;) {
        int k = __atomic_fetch_add(&sv->next, 1, __ATOMIC_ACQ_REL);
        if (k >= sv->order_n)
            return;
        int i = order[k];
        struct stress_object_verdict v;
        memset(&v, 0, sizeof(v));
        check_object(h, i, ix->list + ix->start[i], ix->start[i + 1] - ix->start[i], ix->reaped, &ix->writes, lim,
                     &v);
        sv->slot[i].v = v;
        __atomic_store_n(&sv->slot[i].done, 1, __ATOMIC_RELEASE);
    }
}

/* qsort_r: objects with more events first (ARG: object_events.start). */
static int bigger_first(const void *a, const void *b, void *arg)
{
    const size_t *start = arg;
    int i = *(const int *)a, j = *(const int *)b;
    size_t x = start[i + 1] - start[i], y = start[j + 1] - start[j];
    return x != y ? (x > y ? -1 : 1) : i - j;
}

int stress_check(const struct stress_history *h, const struct stress_check_limits *lim,
                 struct stress_check_result *out)
{
    memset(out, 0, sizeof(*out));
    out->smallest_violation = -1;
    out->nobjects = h->nobjects;
    out->objects = calloc((size_t)h->nobjects + 1, sizeof(*out->objects));
    struct object_events ix;
    int *order = calloc((size_t)h->nobjects + 1, sizeof(int));
    if (!out->objects || !order || object_events_build(h, &ix) < 0) {
        free(order);
        free(out->objects);
        out->objects = NULL;
        return -1;
    }
    for (int i = 0; i < h->nobjects; i++)
        order[i] = i;
    qsort_r(order, (size_t)h->nobjects, sizeof(int), bigger_first, ix.start);
    size_t bytes = sizeof(struct shared_verdicts) + ((size_t)h->nobjects + 1) * sizeof(((struct shared_verdicts *)0)->slot[0]);
    struct shared_verdicts *sv = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sv == MAP_FAILED) {
        free(order);
        object_events_free(&ix);
        free(out->objects);
        out->objects = NULL;
        return -1;
    }
    sv->order_n = h->nobjects;
    int jobs = lim->jobs > 0 ? lim->jobs : 1;
    if (jobs > h->nobjects)
        jobs = h->nobjects > 0 ? h->nobjects : 1;
    if (jobs == 1) {
        check_objects(h, &ix, order, lim, sv);
    } else {
        /* each checker a process of its own: the objects are independent,
         * and a checker that runs out of memory loses only its object */
        pid_t pids[STRESS_CHECK_JOBS_MAX];
        int started = 0;
        for (; started < jobs && started < STRESS_CHECK_JOBS_MAX; started++) {
            pid_t parent = getpid(), pid = fork();
            if (pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);      /* no checker outlives svipc */
                if (getppid() != parent)
                    _exit(1);
                check_objects(h, &ix, order, lim, sv);
                _exit(0);
            }
            if (pid < 0)
                break;
            pids[started] = pid;
        }
        if (!started)
            check_objects(h, &ix, order, lim, sv);
        for (int j = 0; j < started; j++)
            while (waitpid(pids[j], NULL, 0) < 0 && errno == EINTR)
                ;
    }
    for (int i = 0; i < h->nobjects; i++) {
        struct stress_object_verdict *v = &out->objects[i];
        if (sv->slot[i].done) {
            *v = sv->slot[i].v;
        } else {
            v->verdict = STRESS_UNDECIDED;
            v->stuck_event = -1;
            v->nevents = ix.start[i + 1] - ix.start[i];
            snprintf(v->why, sizeof(v->why), "the process checking it ended before its verdict (out of memory?)");
        }
        out->steps += v->steps;
        switch (v->verdict) {
        case STRESS_LINEARIZABLE: out->linearizable++; break;
        case STRESS_UNDECIDED: out->undecided++; break;
        case STRESS_VIOLATION:
            out->violations++;
            if (out->smallest_violation < 0 || v->nevents < out->objects[out->smallest_violation].nevents)
                out->smallest_violation = i;
            break;
        }
    }
    munmap(sv, bytes);
    free(order);
    object_events_free(&ix);
    return 0;
}

void stress_check_result_free(struct stress_check_result *r)
{
    free(r->objects);
    memset(r, 0, sizeof(*r));
}

enum stress_verdict stress_check_verdict(const struct stress_check_result *r)
{
    return r->violations ? STRESS_VIOLATION : r->undecided ? STRESS_UNDECIDED : STRESS_LINEARIZABLE;
}

void stress_check_print_object(FILE *f, const struct stress_history *h, int obj)
{
    uint64_t t0 = stress_history_t0(h);
    const struct stress_object *o = &h->objects[obj];
    fprintf(f, "object %d: %s id %d; its history follows (svipc stress --check FILE reads these lines)\n  ", obj,
            o->kind == STRESS_QUEUE ? "queue" : o->kind == STRESS_SET ? "semaphore set" : "segment", o->id);
    stress_object_json(f, h, obj);
    fputc('\n', f);
    struct object_events ix;           /* the events the check gave the object */
    if (object_events_build(h, &ix) < 0) {
        fputs("  (out of memory: its events cannot be listed)\n", f);
        return;
    }
    for (size_t k = ix.start[obj]; k < ix.start[obj + 1]; k++) {
        fputs("  ", f);
        stress_event_json(f, h, &h->events[ix.list[k]], t0);
        fputc('\n', f);
    }
    object_events_free(&ix);
    /* and the limit writes its calls met (limit_range), for a check again */
    struct stress_limit_window w;
    stress_limit_window(h, obj, &w);
    for (size_t i = 0; w.limit && i < h->nevents; i++)
        if (stress_limit_write_in(&w, &h->events[i])) {
            fputs("  ", f);
            stress_event_json(f, h, &h->events[i], t0);
            fputc('\n', f);
        }
}
