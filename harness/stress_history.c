/* stress_history.c: the shared recording space of a stress run, the
 * history collected from it, and its JSON Lines form (stress_history.h).
 * The events live in chunks of CHUNK_EVENTS, taken by the workers one at
 * a time (an atomic counter: one atomic operation per chunk, none per
 * event), so the space is the run's events however many workers are
 * killed and replaced.  A worker writes only its own chunks and counts,
 * with a release store after each event's invocation is complete, so a
 * worker killed at any instant leaves whole invocations behind (an event
 * without its response is pending).
 * Must not: perform IPC calls, or read a worker's array while it runs. */
#define _GNU_SOURCE
#include "stress_history.h"

#include "jsonl.h"
#include "names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_EVENTS 512              /* a worker's unit of space (a killed one's last is partly used) */

struct stress_shared {
    int nprocs;
    size_t nchunks;
    size_t next_chunk;             /* the next chunk to take */
    size_t map_size;
    int stop;                      /* enum stress_stop_reason, 0: running */
    int nobjects;
    int slot[STRESS_SLOTS_MAX];    /* the object each slot holds, or -1 */
    struct stress_object objects[STRESS_OBJECTS_MAX];
    size_t count[STRESS_IDS_MAX];  /* published events of each worker */
    int64_t chunk_of[STRESS_IDS_MAX];  /* each worker's chunk now (its own; -1: none) */
    uint64_t finished[STRESS_IDS_MAX]; /* when each finished its last call */
    int ndeaths;
    struct stress_event deaths[STRESS_IDS_MAX]; /* the session's */
    uint32_t *chunk_used;          /* published events of each chunk (after the events) */
    struct stress_event events[];  /* chunk c's at c * CHUNK_EVENTS */
};

struct stress_shared *stress_shared_new(int nprocs, size_t capacity, int partial, char *why, size_t size)
{
    if (nprocs < 1 || nprocs > STRESS_IDS_MAX || capacity < 1 || partial < 0) {
        snprintf(why, size, "bad recording size (%d workers, %zu events)", nprocs, capacity);
        return NULL;
    }
    size_t nchunks = (capacity + CHUNK_EVENTS - 1) / CHUNK_EVENTS + (size_t)partial;
    size_t events = sizeof(struct stress_shared) + nchunks * CHUNK_EVENTS * sizeof(struct stress_event);
    size_t bytes = events + nchunks * sizeof(uint32_t);
    /* MAP_NORESERVE: pages are only made as workers reach them */
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        snprintf(why, size, "cannot map %zu bytes for the history: %s", bytes, strerror(errno));
        return NULL;
    }
    struct stress_shared *sh = p;
    sh->nprocs = nprocs;
    sh->nchunks = nchunks;
    sh->map_size = bytes;
    sh->chunk_used = (uint32_t *)((char *)p + events);
    for (int i = 0; i < STRESS_SLOTS_MAX; i++)
        sh->slot[i] = -1;
    for (int i = 0; i < STRESS_IDS_MAX; i++)
        sh->chunk_of[i] = -1;
    return sh;
}

void stress_shared_free(struct stress_shared *sh)
{
    if (sh)
        munmap(sh, sh->map_size);
}

int stress_object_add(struct stress_shared *sh, const struct stress_object *o)
{
    int i = __atomic_fetch_add(&sh->nobjects, 1, __ATOMIC_ACQ_REL);
    if (i >= STRESS_OBJECTS_MAX) {
        __atomic_fetch_sub(&sh->nobjects, 1, __ATOMIC_ACQ_REL);
        stress_stop(sh, STRESS_STOP_OBJECTS_FULL);
        return -1;
    }
    sh->objects[i] = *o;
    return i;
}

int stress_slot_current(const struct stress_shared *sh, int slot)
{
    return __atomic_load_n(&sh->slot[slot], __ATOMIC_ACQUIRE);
}

void stress_slot_set(struct stress_shared *sh, int slot, int obj)
{
    __atomic_store_n(&sh->slot[slot], obj, __ATOMIC_RELEASE);
}

int stress_slot_replace(struct stress_shared *sh, int slot, int old, int obj)
{
    return __atomic_compare_exchange_n(&sh->slot[slot], &old, obj, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

const struct stress_object *stress_object_at(const struct stress_shared *sh, int obj)
{
    return &sh->objects[obj];
}

int stress_object_count(const struct stress_shared *sh)
{
    int n = __atomic_load_n(&sh->nobjects, __ATOMIC_ACQUIRE);
    return n < STRESS_OBJECTS_MAX ? n : STRESS_OBJECTS_MAX;
}

int stress_death_add(struct stress_shared *sh, int proc, uint64_t t_call, uint64_t t_return)
{
    if (sh->ndeaths >= STRESS_IDS_MAX)
        return -1;
    struct stress_event *ev = &sh->deaths[sh->ndeaths];
    memset(ev, 0, sizeof(*ev));
    ev->proc = (uint16_t)proc;
    ev->op = STRESS_DEATH;
    ev->obj = STRESS_OBJ_ALL;
    ev->t_call = t_call;
    ev->t_return = t_return;
    __atomic_store_n(&sh->ndeaths, sh->ndeaths + 1, __ATOMIC_RELEASE);
    return 0;
}

void stress_worker_finished(struct stress_shared *sh, int proc)
{
    __atomic_store_n(&sh->finished[proc], stress_now_ns(), __ATOMIC_RELEASE);
}

uint64_t stress_worker_finished_at(const struct stress_shared *sh, int proc)
{
    return __atomic_load_n(&sh->finished[proc], __ATOMIC_ACQUIRE);
}

size_t stress_worker_events(const struct stress_shared *sh, int proc)
{
    return __atomic_load_n(&sh->count[proc], __ATOMIC_ACQUIRE);
}

void stress_stop(struct stress_shared *sh, enum stress_stop_reason why)
{
    int running = 0;
    __atomic_compare_exchange_n(&sh->stop, &running, (int)why, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

int stress_stopped(const struct stress_shared *sh)
{
    return __atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE) != 0;
}

enum stress_stop_reason stress_stop_reason(const struct stress_shared *sh)
{
    return (enum stress_stop_reason)__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE);
}

uint64_t stress_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

struct stress_event *stress_event_begin(struct stress_shared *sh, int proc)
{
    int64_t c = sh->chunk_of[proc];
    if (c < 0 || sh->chunk_used[c] == CHUNK_EVENTS) {
        size_t next = __atomic_fetch_add(&sh->next_chunk, 1, __ATOMIC_ACQ_REL);
        if (next >= sh->nchunks) {
            stress_stop(sh, STRESS_STOP_HISTORY_FULL);
            return NULL;
        }
        sh->chunk_of[proc] = c = (int64_t)next;
    }
    struct stress_event *ev = &sh->events[(size_t)c * CHUNK_EVENTS + sh->chunk_used[c]];
    memset(ev, 0, sizeof(*ev));
    ev->proc = (uint16_t)proc;
    return ev;
}

void stress_event_invoke(struct stress_shared *sh, int proc, struct stress_event *ev)
{
    ev->t_call = stress_now_ns();
    int64_t c = sh->chunk_of[proc];
    __atomic_store_n(&sh->chunk_used[c], sh->chunk_used[c] + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&sh->count[proc], sh->count[proc] + 1, __ATOMIC_RELEASE);
}

void stress_event_respond(struct stress_event *ev)
{
    __atomic_store_n(&ev->t_return, stress_now_ns(), __ATOMIC_RELEASE);
}

void stress_event_count(struct stress_shared *sh, int proc)
{
    __atomic_store_n(&sh->count[proc], sh->count[proc] + 1, __ATOMIC_RELEASE);
}

/* A recorded run's events are what its chunks hold (a worker killed
 * between its two stores has a count one short of its chunk: the chunk is
 * the record); a run without a history has counts only. */
size_t stress_events_total(const struct stress_shared *sh)
{
    size_t total = 0, taken = __atomic_load_n(&sh->next_chunk, __ATOMIC_ACQUIRE);
    for (size_t c = 0; c < taken && c < sh->nchunks; c++)
        total += __atomic_load_n(&sh->chunk_used[c], __ATOMIC_ACQUIRE);
    if (taken)
        return total;
    for (int i = 0; i < sh->nprocs; i++)
        total += __atomic_load_n(&sh->count[i], __ATOMIC_ACQUIRE);
    return total;
}

static int by_call(const void *a, const void *b)
{
    const struct stress_event *x = a, *y = b;
    if (x->t_call != y->t_call)
        return x->t_call < y->t_call ? -1 : 1;
    return x->proc < y->proc ? -1 : x->proc > y->proc;
}

/* Give back the shared space's pages wholly inside [*FROM, TO): they are
 * copied (a shared anonymous mapping's pages are freed by MADV_REMOVE; if
 * that fails they stay until the mapping goes, as they did before). */
static void give_back(char **from, char *to)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = ((uintptr_t)*from + page - 1) & ~(page - 1), hi = (uintptr_t)to & ~(page - 1);
    if (hi > lo) {
        (void)madvise((void *)lo, hi - lo, MADV_REMOVE);
        *from = (char *)hi;
    }
}

int stress_collect(struct stress_shared *sh, struct stress_history *h)
{
    memset(h, 0, sizeof(*h));
    size_t total = stress_events_total(sh);
    h->nobjects = stress_object_count(sh);
    h->objects = calloc((size_t)h->nobjects + 1, sizeof(*h->objects));
    int ndeaths = __atomic_load_n(&sh->ndeaths, __ATOMIC_ACQUIRE);
    h->events = calloc(total + (size_t)ndeaths + 1, sizeof(*h->events));
    if (!h->objects || !h->events) {
        stress_history_free(h);
        return -1;
    }
    memcpy(h->objects, sh->objects, (size_t)h->nobjects * sizeof(*h->objects));
    size_t taken = __atomic_load_n(&sh->next_chunk, __ATOMIC_ACQUIRE);
    char *copied = (char *)sh->events;
    for (size_t c = 0; c < taken && c < sh->nchunks; c++) {
        size_t n = __atomic_load_n(&sh->chunk_used[c], __ATOMIC_ACQUIRE);
        if (h->nevents + n > total)    /* a worker still runs (a caller's error): what it adds is not ours */
            n = total - h->nevents;
        memcpy(h->events + h->nevents, &sh->events[c * CHUNK_EVENTS], n * sizeof(struct stress_event));
        h->nevents += n;
        give_back(&copied, (char *)&sh->events[(c + 1) * CHUNK_EVENTS]);
    }
    memcpy(h->events + h->nevents, sh->deaths, (size_t)ndeaths * sizeof(struct stress_event));
    h->nevents += (size_t)ndeaths;
    stress_history_sort(h);
    return 0;
}

void stress_history_sort(struct stress_history *h)
{
    qsort(h->events, h->nevents, sizeof(*h->events), by_call);
}

uint64_t stress_history_t0(const struct stress_history *h)
{
    return h->nevents ? h->events[0].t_call : 0;
}

void stress_history_free(struct stress_history *h)
{
    free(h->objects);
    free(h->events);
    memset(h, 0, sizeof(*h));
}

int stress_limit_of(int kind)
{
    return kind == STRESS_QUEUE ? STRESS_LIMIT_MSGMAX : kind == STRESS_SET ? STRESS_LIMIT_SEMOPM : 0;
}

int stress_limit_write(const struct stress_event *ev, int limit)
{
    return ev->op == STRESS_SYSCTL && ev->type >= 1 && ev->type <= STRESS_LIMITS && (!limit || ev->type == limit) &&
           ev->t_return && ev->ret == 0;
}

void stress_limit_window(const struct stress_history *h, int obj, struct stress_limit_window *w)
{
    memset(w, 0, sizeof(*w));
    w->limit = stress_limit_of(h->objects[obj].kind);
    w->first = UINT64_MAX;
    for (size_t i = 0; i < h->nevents; i++) {
        const struct stress_event *ev = &h->events[i];
        if (ev->obj != (uint32_t)obj)
            continue;
        if (ev->t_call < w->first)
            w->first = ev->t_call;
        uint64_t end = ev->t_return ? ev->t_return : UINT64_MAX;
        if (end > w->last)
            w->last = end;
    }
    for (size_t i = 0; i < h->nevents; i++)
        if (w->limit && stress_limit_write(&h->events[i], w->limit) && h->events[i].t_return < w->first)
            w->before = &h->events[i];
}

int stress_limit_write_in(const struct stress_limit_window *w, const struct stress_event *ev)
{
    return w->limit && stress_limit_write(ev, w->limit) &&
           (ev == w->before || (ev->t_return >= w->first && ev->t_call < w->last));
}

const char *stress_limit_name(int limit)
{
    return limit == STRESS_LIMIT_MSGMAX ? "msgmax" : limit == STRESS_LIMIT_SEMOPM ? "semopm" : "?";
}

const char *stress_op_name(int op)
{
    switch (op) {
    case STRESS_MSGSND: return "msgsnd";
    case STRESS_MSGRCV: return "msgrcv";
    case STRESS_SEMOP: return "semop";
    case STRESS_RMID: return "rmid";
    case STRESS_DEATH: return "death";
    case STRESS_SHMAT: return "shmat";
    case STRESS_SHMDT: return "shmdt";
    case STRESS_SHMSTAT: return "shmstat";
    case STRESS_STORE: return "store";
    case STRESS_LOAD: return "load";
    case STRESS_SYSCTL: return "sysctl";
    default: return "?";
    }
}

static void hex(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

void stress_event_json(FILE *f, const struct stress_history *h, const struct stress_event *ev, uint64_t t0)
{
    if (ev->obj == STRESS_OBJ_ALL)
        fprintf(f, "{\"proc\":%u,\"obj\":\"all\",\"op\":\"%s\"", ev->proc, stress_op_name(ev->op));
    else
        fprintf(f, "{\"proc\":%u,\"obj\":%u,\"id\":%d,\"op\":\"%s\"", ev->proc, ev->obj, h->objects[ev->obj].id,
                stress_op_name(ev->op));
    switch (ev->op) {
    case STRESS_MSGSND:
        fprintf(f, ",\"mtype\":%lld,\"size\":%d,\"flags\":%d,\"text\":\"", (long long)ev->type, ev->size, ev->flags);
        hex(f, ev->text, ev->size > 0 && ev->size <= STRESS_TEXT_MAX ? (size_t)ev->size : 0);
        fputc('"', f);
        break;
    case STRESS_MSGRCV:
        fprintf(f, ",\"msgtyp\":%lld,\"size\":%d,\"flags\":%d", (long long)ev->type, ev->size, ev->flags);
        break;
    case STRESS_SEMOP:
        fputs(",\"sops\":[", f);
        for (int i = 0; i < ev->nsops && i < STRESS_SOPS_MAX; i++)
            fprintf(f, "%s[%u,%d,%d]", i ? "," : "", ev->sops[i].num, ev->sops[i].op, ev->sops[i].flg);
        fputc(']', f);
        if (ev->type > 0)
            fprintf(f, ",\"timeout_ns\":%lld", (long long)ev->type);
        break;
    case STRESS_STORE:
        fprintf(f, ",\"word\":%lld,\"text\":\"", (long long)ev->type);
        hex(f, ev->text, 8);
        fputc('"', f);
        break;
    case STRESS_LOAD:
        fprintf(f, ",\"word\":%lld", (long long)ev->type);
        break;
    case STRESS_SYSCTL:
        fprintf(f, ",\"limit\":\"%s\",\"value\":%d", stress_limit_name((int)ev->type), ev->size);
        break;
    default:
        break;
    }
    fprintf(f, ",\"call\":%llu", (unsigned long long)(ev->t_call - t0));
    if (!ev->t_return) {
        fputs(",\"return\":null}", f);
        return;
    }
    fprintf(f, ",\"return\":%llu,\"ret\":%lld", (unsigned long long)(ev->t_return - t0), (long long)ev->ret);
    if (ev->ret < 0)
        fprintf(f, ",\"errno\":\"%s\"", errno_name(ev->err));
    if (ev->op == STRESS_MSGRCV && ev->ret >= 0) {
        fprintf(f, ",\"rtype\":%lld,\"text\":\"", (long long)ev->rtype);
        hex(f, ev->text, ev->ret <= STRESS_TEXT_MAX ? (size_t)ev->ret : 0);
        fputc('"', f);
    }
    if (ev->op == STRESS_LOAD && ev->ret >= 0) {
        fputs(",\"text\":\"", f);
        hex(f, ev->text, 8);
        fputc('"', f);
    }
    if (ev->op == STRESS_SHMSTAT && ev->ret >= 0)
        fprintf(f, ",\"dest\":%d", ev->rtype ? 1 : 0);
    fputc('}', f);
}

void stress_object_json(FILE *f, const struct stress_history *h, int i)
{
    const struct stress_object *o = &h->objects[i];
    fprintf(f, "{\"kind\":\"object\",\"obj\":%d,\"type\":\"%s\",\"id\":%d,\"slot\":%d", i,
            o->kind == STRESS_QUEUE ? "queue" : o->kind == STRESS_SET ? "set"
            : o->kind == STRESS_SEGMENT ? "segment" : "unwritten", o->id, o->slot);
    if (o->kind == STRESS_QUEUE) {
        fprintf(f, ",\"qbytes\":%d}", o->qbytes);
        return;
    }
    if (o->kind == STRESS_SEGMENT) {
        fprintf(f, ",\"size\":%d}", o->qbytes);
        return;
    }
    if (o->kind != STRESS_SET) {
        fputc('}', f);
        return;
    }
    fputs(",\"values\":[", f);
    for (int s = 0; s < o->nsems && s < STRESS_SEMS_MAX; s++)
        fprintf(f, "%s%u", s ? "," : "", o->init[s]);
    fputs("]}", f);
}

void stress_run_json(FILE *f, const struct stress_run *r)
{
    if (!r->known)
        return;
    fputs(",\"backend\":", f);
    jsonl_write_string(f, r->backend);
    if (r->target[0]) {
        fputs(",\"target\":", f);
        jsonl_write_string(f, r->target);
    }
    fprintf(f, ",\"procs\":%d,\"group\":%d,\"seed\":%llu,\"workload\":", r->procs, r->group,
            (unsigned long long)r->seed);
    jsonl_write_string(f, r->workload);
    fprintf(f, ",\"operations\":%ld,\"seconds\":%.3f,\"kills\":%d,\"killed_at_deadline\":%d,\"limit_changes\":%ld",
            r->operations, r->seconds, r->kills, r->killed_at_deadline, r->limit_changes);
    if (r->stopped_early[0]) {
        fputs(",\"stopped_early\":", f);
        jsonl_write_string(f, r->stopped_early);
    }
    if (r->limits_note[0]) {
        fputs(",\"limits_note\":", f);
        jsonl_write_string(f, r->limits_note);
    }
}

int stress_history_write(const struct stress_history *h, FILE *f)
{
    uint64_t t0 = stress_history_t0(h);
    fputs("{\"kind\":\"run\"", f);
    stress_run_json(f, &h->run);
    fprintf(f, ",\"objects\":%d,\"events\":%zu}\n", h->nobjects, h->nevents);
    for (int i = 0; i < h->nobjects; i++) {
        stress_object_json(f, h, i);
        fputc('\n', f);
    }
    for (size_t i = 0; i < h->nevents; i++) {
        stress_event_json(f, h, &h->events[i], t0);
        fputc('\n', f);
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
