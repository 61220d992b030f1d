/* stress_history_read.c: a recorded history (stress_history_write's JSON
 * Lines, `svipc stress --history FILE`) read back for the checker, so a
 * history recorded here or elsewhere is checked again without running it.
 * Every line is checked: an unknown member value, a missing field or an
 * event naming an object that was not declared is an error naming the
 * file and line; the events are ordered by invocation as the checker needs.
 * Must not: decide whether the history is correct (stress_check.h does). */
#define _GNU_SOURCE
#include "stress_history.h"

#include "jsonl.h"
#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...) do { snprintf(why, size, __VA_ARGS__); return -1; } while (0)

static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
    json_t *j = json_object_get(o, key);
    if (!json_is_integer(j))
        return -1;
    *v = json_integer_value(j);
    return *v >= lo && *v <= hi ? 0 : -1;
}

static int unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = strlen(s);
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (int)(n / 2);
}

/* A history's objects keep the numbers the file gives them ("obj"), so an
 * object printed alone (a violation) is read as it was printed: NUMBERED
 * maps the file's number to the object's index here, -1 when undeclared. */
static int read_object(json_t *v, struct stress_history *h, int *numbered, char *why, size_t size)
{
    int64_t obj, id, slot, q;
    const char *type = json_string_value(json_object_get(v, "type"));
    if (get_int(v, "obj", 0, STRESS_OBJECTS_MAX - 1, &obj))
        FAIL("an object's \"obj\" is its number, 0 to %d", STRESS_OBJECTS_MAX - 1);
    if (numbered[obj] >= 0)
        FAIL("object %d is declared twice", (int)obj);
    if (!type || get_int(v, "id", 0, INT32_MAX, &id) || get_int(v, "slot", 0, STRESS_SLOTS_MAX - 1, &slot))
        FAIL("an object needs \"type\", \"id\" and \"slot\"");
    struct stress_object *o = &h->objects[h->nobjects];
    memset(o, 0, sizeof(*o));
    o->id = (int32_t)id;
    o->slot = (int32_t)slot;
    if (strcmp(type, "queue") == 0) {
        if (get_int(v, "qbytes", 0, INT32_MAX, &q))
            FAIL("a queue needs \"qbytes\"");
        o->kind = STRESS_QUEUE;
        o->qbytes = (int32_t)q;
    } else if (strcmp(type, "set") == 0) {
        json_t *vals = json_object_get(v, "values");
        if (!json_is_array(vals) || json_array_size(vals) < 1 || json_array_size(vals) > STRESS_SEMS_MAX)
            FAIL("a set needs \"values\": 1 to %d semaphore values", STRESS_SEMS_MAX);
        o->kind = STRESS_SET;
        o->nsems = (int32_t)json_array_size(vals);
        for (int i = 0; i < o->nsems; i++) {
            json_t *x = json_array_get(vals, (size_t)i);
            if (!json_is_integer(x) || json_integer_value(x) < 0 || json_integer_value(x) > 32767)
                FAIL("a semaphore value must be 0 to 32767");
            o->init[i] = (uint16_t)json_integer_value(x);
        }
    } else if (strcmp(type, "segment") == 0) {
        if (get_int(v, "size", 1, INT32_MAX, &q))
            FAIL("a segment needs \"size\"");
        o->kind = STRESS_SEGMENT;
        o->qbytes = (int32_t)q;
    } else if (strcmp(type, "unwritten") != 0) {   /* kind 0: no event may name it */
        FAIL("an object's type is \"queue\", \"set\", \"segment\" or \"unwritten\", not \"%s\"", type);
    }
    numbered[obj] = h->nobjects++;
    return 0;
}

static int read_event(json_t *v, const struct stress_history *h, const int *numbered, struct stress_event *ev,
                      char *why, size_t size)
{
    memset(ev, 0, sizeof(*ev));
    int64_t x;
    const char *op = json_string_value(json_object_get(v, "op"));
    if (!op)
        FAIL("an event needs \"op\"");
    for (int k = STRESS_MSGSND; k <= STRESS_OP_LAST; k++)
        if (strcmp(op, stress_op_name(k)) == 0)
            ev->op = (uint8_t)k;
    if (!ev->op)
        FAIL("unknown op \"%s\"", op);
    if (get_int(v, "proc", 0, STRESS_IDS_MAX - 1, &x))
        FAIL("an event needs \"proc\" (0 to %d)", STRESS_IDS_MAX - 1);
    ev->proc = (uint16_t)x;
    json_t *obj = json_object_get(v, "obj");
    if (ev->op == STRESS_DEATH || ev->op == STRESS_SYSCTL) {
        if (!json_is_string(obj) || strcmp(json_string_value(obj), "all"))
            FAIL("a %s's \"obj\" is \"all\"", op);
        ev->obj = STRESS_OBJ_ALL;
    } else {
        if (get_int(v, "obj", 0, STRESS_OBJECTS_MAX - 1, &x) || numbered[x] < 0)
            FAIL("an event's \"obj\" must name an object declared before it");
        if (!h->objects[numbered[x]].kind)
            FAIL("an event's \"obj\" must not name an unwritten object");
        ev->obj = (uint32_t)numbered[x];
    }
    const char *text;
    int n;
    if ((ev->op == STRESS_MSGSND || ev->op == STRESS_MSGRCV)) {
        if (get_int(v, "flags", INT32_MIN, INT32_MAX, &x))
            FAIL("a %s needs \"flags\"", op);
        ev->flags = (int32_t)x;
    }
    switch (ev->op) {
    case STRESS_MSGSND:
        if (get_int(v, "mtype", INT64_MIN, INT64_MAX, &ev->type) || get_int(v, "size", 0, STRESS_TEXT_MAX, &x) ||
            !(text = json_string_value(json_object_get(v, "text"))))
            FAIL("a msgsnd needs \"mtype\", \"size\" (0 to %d) and \"text\"", STRESS_TEXT_MAX);
        ev->size = (int32_t)x;
        if (unhex(text, ev->text, STRESS_TEXT_MAX) != ev->size)
            FAIL("a msgsnd's \"text\" must be %d bytes in hex", ev->size);
        break;
    case STRESS_MSGRCV:
        if (get_int(v, "msgtyp", INT64_MIN, INT64_MAX, &ev->type) || get_int(v, "size", 0, INT32_MAX, &x))
            FAIL("a msgrcv needs \"msgtyp\" and \"size\"");
        ev->size = (int32_t)x;
        break;
    case STRESS_SEMOP: {
        json_t *sops = json_object_get(v, "sops");
        if (!json_is_array(sops) || json_array_size(sops) < 1 || json_array_size(sops) > STRESS_SOPS_MAX)
            FAIL("a semop needs \"sops\": 1 to %d [num, op, flags]", STRESS_SOPS_MAX);
        ev->nsops = (uint8_t)json_array_size(sops);
        for (size_t i = 0; i < ev->nsops; i++) {
            json_t *s = json_array_get(sops, i);
            if (!json_is_array(s) || json_array_size(s) != 3 || !json_is_integer(json_array_get(s, 0)) ||
                !json_is_integer(json_array_get(s, 1)) || !json_is_integer(json_array_get(s, 2)))
                FAIL("each of a semop's \"sops\" is [num, op, flags]");
            ev->sops[i] = (struct stress_sop){ .num = (uint16_t)json_integer_value(json_array_get(s, 0)),
                                               .op = (int16_t)json_integer_value(json_array_get(s, 1)),
                                               .flg = (int16_t)json_integer_value(json_array_get(s, 2)) };
        }
        if (json_object_get(v, "timeout_ns") && get_int(v, "timeout_ns", 1, INT64_MAX, &ev->type))
            FAIL("a semop's \"timeout_ns\" is a positive number of nanoseconds");
        break;
    }
    case STRESS_SYSCTL: {
        const char *limit = json_string_value(json_object_get(v, "limit"));
        for (int k = 1; limit && k <= STRESS_LIMITS; k++)
            if (strcmp(limit, stress_limit_name(k)) == 0)
                ev->type = k;
        if (!ev->type || get_int(v, "value", 1, INT32_MAX, &x))
            FAIL("a sysctl needs \"limit\" (msgmax or semopm) and \"value\" (1 or more)");
        ev->size = (int32_t)x;
        break;
    }
    case STRESS_STORE:
    case STRESS_LOAD:
        if (get_int(v, "word", 0, STRESS_WORDS - 1, &ev->type))
            FAIL("a %s needs \"word\" (0 to %d)", op, STRESS_WORDS - 1);
        if (ev->op == STRESS_STORE &&
            (!(text = json_string_value(json_object_get(v, "text"))) || unhex(text, ev->text, STRESS_TEXT_MAX) != 8))
            FAIL("a store needs \"text\": the word's 8 bytes in hex");
        break;
    default:
        break;
    }
    if (get_int(v, "call", 0, INT64_MAX, &x))
        FAIL("an event needs \"call\" (nanoseconds)");
    ev->t_call = (uint64_t)x + 1;      /* 0 is reserved: "never returned" */
    json_t *ret = json_object_get(v, "return");
    if (json_is_null(ret))
        return 0;                      /* pending */
    if (get_int(v, "return", x, INT64_MAX, &x))
        FAIL("an event's \"return\" is null (pending) or an instant not before its \"call\"");
    ev->t_return = (uint64_t)x + 1;
    if (get_int(v, "ret", -1, INT32_MAX, &x))
        FAIL("an event that returned needs \"ret\" (-1 to %d)", INT32_MAX);
    ev->ret = (int32_t)x;
    if (ev->ret < 0) {
        const char *e = json_string_value(json_object_get(v, "errno"));
        if (!e || !(ev->err = name_errno(e)))
            FAIL("an event that failed needs a known \"errno\"");
    }
    if (ev->op == STRESS_MSGRCV && ev->ret >= 0) {
        if (get_int(v, "rtype", INT64_MIN, INT64_MAX, &ev->rtype) ||
            !(text = json_string_value(json_object_get(v, "text"))))
            FAIL("a msgrcv that returned needs \"rtype\" and \"text\"");
        if ((n = unhex(text, ev->text, STRESS_TEXT_MAX)) < 0 || n != (ev->ret < STRESS_TEXT_MAX ? ev->ret : STRESS_TEXT_MAX))
            FAIL("a msgrcv's \"text\" must be its \"ret\" bytes in hex");
    }
    if (ev->op == STRESS_LOAD && ev->ret >= 0 &&
        (!(text = json_string_value(json_object_get(v, "text"))) || unhex(text, ev->text, STRESS_TEXT_MAX) != 8))
        FAIL("a load that returned needs \"text\": the word's 8 bytes in hex");
    if (ev->op == STRESS_SHMSTAT && ev->ret >= 0) {
        if (get_int(v, "dest", 0, 1, &x))
            FAIL("a shmstat that returned needs \"dest\" (0 or 1)");
        ev->rtype = x;
    }
    return 0;
}

static void copy_string(json_t *v, const char *key, char *out, size_t size)
{
    const char *text = json_string_value(json_object_get(v, key));
    snprintf(out, size, "%s", text ? text : "");
}

/* The run line: what recorded the history (its figures are reported, not
 * checked: one missing leaves the run unknown), and how many events follow. */
static void read_run(json_t *v, struct stress_run *run, int64_t *events)
{
    int64_t x;
    if (get_int(v, "events", 0, INT64_MAX, &x) == 0)
        *events = x;
    memset(run, 0, sizeof(*run));
    copy_string(v, "backend", run->backend, sizeof(run->backend));
    copy_string(v, "workload", run->workload, sizeof(run->workload));
    copy_string(v, "target", run->target, sizeof(run->target));
    copy_string(v, "stopped_early", run->stopped_early, sizeof(run->stopped_early));
    copy_string(v, "limits_note", run->limits_note, sizeof(run->limits_note));
    json_t *seed = json_object_get(v, "seed"), *secs = json_object_get(v, "seconds");
    int64_t procs, group, ops, changes, kills, killed;
    if (get_int(v, "procs", 1, STRESS_PROCS_MAX, &procs) || get_int(v, "group", 0, STRESS_PROCS_MAX, &group) ||
        get_int(v, "operations", 0, INT64_MAX, &ops) || get_int(v, "limit_changes", 0, INT64_MAX, &changes) ||
        get_int(v, "kills", 0, INT32_MAX, &kills) || get_int(v, "killed_at_deadline", 0, INT32_MAX, &killed) ||
        !json_is_integer(seed) || !json_is_number(secs))
        return;
    run->procs = (int)procs;
    run->group = (int)group;
    run->operations = (long)ops;
    run->limit_changes = (long)changes;
    run->kills = (int)kills;
    run->killed_at_deadline = (int)killed;
    run->seed = (uint64_t)json_integer_value(seed);
    run->seconds = json_number_value(secs);
    run->known = 1;
}

int stress_history_read(FILE *f, const char *label, struct stress_history *h, char *why, size_t size)
{
    memset(h, 0, sizeof(*h));
    h->objects = calloc(STRESS_OBJECTS_MAX, sizeof(*h->objects));
    size_t cap = 0;
    if (!h->objects) {
        snprintf(why, size, "%s: out of memory", label);
        return -1;
    }
    int *numbered = malloc(STRESS_OBJECTS_MAX * sizeof(int));   /* a file's object number: ours */
    if (!numbered) {
        free(h->objects);
        h->objects = NULL;
        snprintf(why, size, "%s: out of memory", label);
        return -1;
    }
    for (int i = 0; i < STRESS_OBJECTS_MAX; i++)
        numbered[i] = -1;
    int64_t expected = -1;             /* the events the run line counts */
    struct jsonl_reader r;
    jsonl_open(&r, f, label);
    char line_why[256];
    int rc = -1;
    for (;;) {
        json_t *v = NULL;
        enum jsonl_status st = jsonl_next(&r, &v, why, size);
        if (st == JSONL_END) {
            rc = 0;
            break;
        }
        if (st == JSONL_ERROR)
            break;
        if (st == JSONL_CUT) {
            snprintf(why, size, "%s:%d: the last line is cut short", label, r.line);
            break;
        }
        const char *kind = json_string_value(json_object_get(v, "kind"));
        int bad = 0;
        if (kind && strcmp(kind, "run") == 0) {
            read_run(v, &h->run, &expected);
        } else if (kind && strcmp(kind, "object") == 0) {
            bad = read_object(v, h, numbered, line_why, sizeof(line_why));
        } else if (kind) {
            snprintf(line_why, sizeof(line_why), "unknown \"kind\": \"%s\"", kind);
            bad = -1;
        } else {
            if (h->nevents == cap) {
                size_t ncap = cap ? 2 * cap : 4096;
                struct stress_event *t = realloc(h->events, ncap * sizeof(*t));
                if (!t) {
                    json_decref(v);
                    snprintf(why, size, "%s: out of memory", label);
                    break;
                }
                h->events = t;
                cap = ncap;
            }
            bad = read_event(v, h, numbered, &h->events[h->nevents], line_why, sizeof(line_why));
            h->nevents += !bad;
        }
        json_decref(v);
        if (bad) {
            snprintf(why, size, "%s:%d: %s", label, r.line, line_why);
            break;
        }
    }
    jsonl_close(&r);
    free(numbered);
    if (rc == 0 && expected >= 0 && h->nevents < (size_t)expected) {
        snprintf(why, size, "%s: cut short: %zu events of the %lld its run line counts", label, h->nevents,
                 (long long)expected);
        rc = -1;
    }
    if (rc == 0 && !h->nobjects) {
        snprintf(why, size, "%s: no objects: not a history of svipc stress --history", label);
        rc = -1;
    }
    if (rc < 0) {
        stress_history_free(h);
        return -1;
    }
    stress_history_sort(h);
    return 0;
}
