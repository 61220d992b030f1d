/* ns.c: one IPC namespace of the model: its creation with Linux's default
 * limits, its sysctls, and the events that concern every kind of object:
 * a signal or a timeout ending a wait, a process ending.
 * Must not: implement an operation of one kind (msg.c, sem.c do). */
#define _GNU_SOURCE
#include "model_ns.h"
#include "heap.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void init_ids(struct model_ids *ids)
{
    ids->last_idx = -1;
    ids->max_idx = -1;
    ids->next_id = -1;
}

struct model_ns *model_ns_new(void)
{
    struct model_ns *ns = calloc(1, sizeof(*ns));
    if (ns)
        model_ns_init(ns, NULL);
    return ns;
}

void model_ns_init(struct model_ns *ns, struct model_heap *heap)
{
    ns->heap = heap;
    ns->limits.msgmax = 8192;          /* MSGMAX */
    ns->limits.msgmnb = 16384;         /* MSGMNB */
    ns->limits.msgmni = 32000;         /* MSGMNI */
    ns->limits.semmsl = 32000;         /* SEMMSL */
    ns->limits.semmns = 32000L * 32000; /* SEMMNS */
    ns->limits.semopm = 500;           /* SEMOPM */
    ns->limits.semmni = 32000;         /* SEMMNI */
    ns->limits.shmmax = ~0UL - (1UL << 24);   /* SHMMAX */
    ns->limits.shmall = ~0UL - (1UL << 24);   /* SHMALL */
    ns->limits.shmmni = 4096;          /* SHMMNI */
    init_ids(&ns->msg_ids);
    init_ids(&ns->sem_ids);
    init_ids(&ns->shm_ids);
}

void model_ns_free(struct model_ns *ns)
{
    model_msg_free_all(ns);
    model_sem_free_all(ns);
    model_shm_free_all(ns);
    free(ns);
}

static int parse_long(const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\t')
        end++;
    if (end == text || *end || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int *next_id_of(struct model_ns *ns, const char *name)
{
    if (strcmp(name, "msg_next_id") == 0)
        return &ns->msg_ids.next_id;
    if (strcmp(name, "sem_next_id") == 0)
        return &ns->sem_ids.next_id;
    if (strcmp(name, "shm_next_id") == 0)
        return &ns->shm_ids.next_id;
    return NULL;
}

int model_sysctl_write(struct model_ns *ns, const char *name, const char *value)
{
    long v, *slot, lo, hi;
    int *next_id = next_id_of(ns, name);
    if (next_id) {
        /* reads -1 when unset, but a write takes 0..INT_MAX (ipc_sysctl.c) */
        if (parse_long(value, 0, INT_MAX, &v) < 0)
            return -EINVAL;
        *next_id = (int)v;
        return 0;
    }
    if (strcmp(name, "sem") == 0) {
        /* semmsl semmns semopm semmni; semmni beyond IPCMNI is refused */
        long vals[4];
        char *end;
        const char *p = value;
        for (int i = 0; i < 4; i++) {
            vals[i] = strtol(p, &end, 10);
            if (end == p || vals[i] < INT_MIN || vals[i] > INT_MAX)
                return -EINVAL;
            p = end;
        }
        if (vals[3] < 0 || vals[3] > MODEL_IPCMNI)
            return -ERANGE;
        ns->limits.semmsl = vals[0];
        ns->limits.semmns = vals[1];
        ns->limits.semopm = vals[2];
        ns->limits.semmni = vals[3];
        return 0;
    }
    if (strcmp(name, "shmmax") == 0 || strcmp(name, "shmall") == 0) {
        char *end;
        unsigned long u = strtoul(value, &end, 10);
        while (*end == ' ' || *end == '\n')
            end++;
        if (end == value || *end || strchr(value, '-'))   /* proc_doulongvec_minmax */
            return -EINVAL;
        *(strcmp(name, "shmmax") == 0 ? &ns->limits.shmmax : &ns->limits.shmall) = u;
        return 0;
    }
    if (strcmp(name, "shmmni") == 0) {
        if (parse_long(value, 0, MODEL_IPCMNI, &v) < 0)
            return -EINVAL;
        ns->limits.shmmni = v;
        return 0;
    }
    if (strcmp(name, "shm_rmid_forced") == 0) {
        if (parse_long(value, 0, 1, &v) < 0)
            return -EINVAL;
        ns->limits.shm_rmid_forced = v;
        if (v)
            model_shm_destroy_orphans(ns);
        return 0;
    }
    if (model_msg_sysctl(ns, name, &slot, &lo, &hi) < 0 || parse_long(value, lo, hi, &v) < 0)
        return -EINVAL;
    *slot = v;
    return 0;
}

int model_sysctl_read(struct model_ns *ns, const char *name, char *buf, size_t size)
{
    long *slot, lo, hi;
    int *next_id = next_id_of(ns, name);
    if (next_id)
        snprintf(buf, size, "%d", *next_id);
    else if (strcmp(name, "sem") == 0)
        snprintf(buf, size, "%ld\t%ld\t%ld\t%ld", ns->limits.semmsl, ns->limits.semmns,
                 ns->limits.semopm, ns->limits.semmni);
    else if (strcmp(name, "shmmax") == 0 || strcmp(name, "shmall") == 0)
        snprintf(buf, size, "%lu", strcmp(name, "shmmax") == 0 ? ns->limits.shmmax : ns->limits.shmall);
    else if (strcmp(name, "shmmni") == 0 || strcmp(name, "shm_rmid_forced") == 0)
        snprintf(buf, size, "%ld", strcmp(name, "shmmni") == 0 ? ns->limits.shmmni : ns->limits.shm_rmid_forced);
    else if (model_msg_sysctl(ns, name, &slot, &lo, &hi) == 0)
        snprintf(buf, size, "%ld", *slot);
    else
        return -EINVAL;
    return 0;
}

void model_interrupt(struct model_ns *ns, pid_t pid)
{
    model_msg_abandon(ns, pid, EINTR);
    model_sem_abandon(ns, pid, -EINTR);
}

int model_wait_resolved(const struct model_ns *ns, pid_t pid)
{
    return model_msg_wait_resolved(ns, pid) || model_sem_wait_resolved(ns, pid);
}

void model_note_resolved(struct model_ns *ns, pid_t pid)
{
    if (ns->nresolved < MODEL_RESOLVED_MAX)
        ns->resolved[ns->nresolved++] = pid;
    else
        ns->resolved_lost = 1;
}

int model_take_resolved(struct model_ns *ns, pid_t *out)
{
    int n = ns->resolved_lost ? -1 : ns->nresolved;
    if (n > 0)
        memcpy(out, ns->resolved, sizeof(pid_t) * (size_t)n);
    ns->nresolved = 0;
    ns->resolved_lost = 0;
    return n;
}

void model_forget_resolved(struct model_ns *ns)
{
    memset(ns->resolved, 0, sizeof(ns->resolved));
    ns->nresolved = 0;
    ns->resolved_lost = 1;
}

void model_timeout(struct model_ns *ns, pid_t pid)
{
    model_sem_abandon(ns, pid, -EAGAIN);
}

/* do_exit's order: the address space goes (detaches), then SEM_UNDO, then
 * the segments the process created. */
void model_exit(struct model_ns *ns, pid_t pid, long now)
{
    model_msg_abandon(ns, pid, 0);
    model_shm_detach_all(ns, pid, now);
    model_sem_exit(ns, pid, now);
    model_shm_exit(ns, pid);
}

void model_exec(struct model_ns *ns, pid_t pid, long now)
{
    model_shm_detach_all(ns, pid, now);
}
