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
    ns->limits.commit_pages = ~0UL;    /* not told: nothing is charged */
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

/* ---------- the sysctls' text, as kernel/sysctl.c reads a write ---------- */

/* proc_skip_spaces passes over what the kernel's isspace() calls a space:
 * \t \n \v \f \r, ' ', and 0xa0 (its ctype is Latin-1's) */
static int sysctl_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static unsigned digit_of(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10u : 99u;
}

#define SYSCTL_NUMBER_MAX 21           /* proc_get_long's TMPBUFLEN - 1 */

/* proc_get_long: an optional '-', a digit, then the number as
 * strtoul_lenient reads it with base 0 (0x and a hex digit: hex; a leading
 * 0: octal), no overflow, fewer than TMPBUFLEN - 1 characters in all, and
 * after it the end or one of proc_wspace_sep (' ', '\t', '\n'): else EINVAL. */
static int sysctl_number(const char **text, unsigned long *value, int *neg)
{
    const char *p = *text;
    unsigned base = 10, d;
    unsigned long v = 0;
    *neg = *p == '-';
    p += *neg;
    if (digit_of((unsigned char)*p) > 9)
        return -EINVAL;
    if (p[0] == '0' && (p[1] | 0x20) == 'x' && digit_of((unsigned char)p[2]) < 16) {
        base = 16;
        p += 2;
    } else if (p[0] == '0') {
        base = 8;
    }
    for (; (d = digit_of((unsigned char)*p)) < base; p++) {
        if (v > (ULONG_MAX - d) / base)
            return -EINVAL;             /* strtoul_lenient: -ERANGE, proc_get_long: -EINVAL */
        v = v * base + d;
    }
    if (p - *text >= SYSCTL_NUMBER_MAX)
        return -EINVAL;
    if (*p && *p != ' ' && *p != '\t' && *p != '\n')
        return -EINVAL;
    *text = p;
    *value = v;
    return 0;
}

/* A sysctl's values: N ints in LO..HI (proc_dointvec_minmax; proc_dointvec
 * is INT_MIN..INT_MAX), or one unsigned long (proc_doulongvec_minmax, no
 * bounds in ipc_sysctl.c) when ULONG is set. */
struct sysctl_values {
    int n;
    long *ints[4];
    long lo, hi;
    unsigned long *ulong;
};

/* The conversion of one value, then its store: do_proc_dointvec_conv (an
 * int, -2^31 included) and the range of do_proc_dointvec_minmax_conv; the
 * ulong refuses any sign, "-0" too. */
static int sysctl_store(const struct sysctl_values *v, int i, unsigned long value, int neg)
{
    if (v->ulong) {
        if (neg)
            return -EINVAL;
        *v->ulong = value;
        return 0;
    }
    if (neg ? value > (unsigned long)INT_MAX + 1 : value > INT_MAX)
        return -EINVAL;
    long x = neg ? -(long)value : (long)value;
    if (x < v->lo || x > v->hi)
        return -EINVAL;
    *v->ints[i] = x;
    return 0;
}

/* __do_proc_dointvec's (and __do_proc_doulongvec_minmax's) write: spaces
 * skipped before each value; each value stored as soon as it is read, so a
 * bad one ends the write with EINVAL and those before it stay; what follows
 * the vector's last value is not read (the write returns fewer bytes, no
 * error); no value at all is EINVAL. */
static int sysctl_write_values(const struct sysctl_values *v, const char *text)
{
    int i;
    for (i = 0; i < v->n; i++) {
        unsigned long value;
        int neg;
        while (sysctl_space((unsigned char)*text))
            text++;
        if (!*text)
            break;
        if (sysctl_number(&text, &value, &neg) < 0 || sysctl_store(v, i, value, neg) < 0)
            return -EINVAL;
    }
    return i == 0 ? -EINVAL : 0;
}

/* proc_ipc_sem_dointvec: the four ints as proc_dointvec writes them, then
 * semmni checked against 0..IPCMNI (sem_check_semmni: ERANGE); after any
 * error semmni is set back to what it was, while the values stored before
 * the error stay. */
static int write_sem(struct model_ns *ns, const char *text)
{
    long semmni = ns->limits.semmni;
    struct sysctl_values v = { 4, { &ns->limits.semmsl, &ns->limits.semmns, &ns->limits.semopm,
                                    &ns->limits.semmni }, INT_MIN, INT_MAX, NULL };
    int r = sysctl_write_values(&v, text);
    if (r == 0 && (ns->limits.semmni < 0 || ns->limits.semmni > MODEL_IPCMNI))
        r = -ERANGE;
    if (r < 0)
        ns->limits.semmni = semmni;
    return r;
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

/* ipc_sysctl.c's table: each name's handler and bounds. */
int model_sysctl_write(struct model_ns *ns, const char *name, const char *value)
{
    long v = 0, *slot, lo, hi;
    int *next_id = next_id_of(ns, name);
    struct sysctl_values one = { 1, { &v }, 0, INT_MAX, NULL };
    int r;
    if (next_id) {
        /* reads -1 when unset, but a write takes 0..INT_MAX */
        v = *next_id;
        if ((r = sysctl_write_values(&one, value)) < 0)
            return r;
        *next_id = (int)v;
        return 0;
    }
    if (strcmp(name, "sem") == 0)
        return write_sem(ns, value);
    if (strcmp(name, "shmmax") == 0 || strcmp(name, "shmall") == 0) {
        one.ulong = strcmp(name, "shmmax") == 0 ? &ns->limits.shmmax : &ns->limits.shmall;
        return sysctl_write_values(&one, value);
    }
    if (strcmp(name, "shmmni") == 0) {
        one.ints[0] = &ns->limits.shmmni;
        one.hi = MODEL_IPCMNI;
        return sysctl_write_values(&one, value);
    }
    if (strcmp(name, "shm_rmid_forced") == 0) {
        /* proc_ipc_dointvec_minmax_orphans: 0..1, then the orphans go */
        one.ints[0] = &ns->limits.shm_rmid_forced;
        one.hi = 1;
        if ((r = sysctl_write_values(&one, value)) < 0)
            return r;
        if (ns->limits.shm_rmid_forced)
            model_shm_destroy_orphans(ns);
        return 0;
    }
    if (strcmp(name, "auto_msgmni") == 0) {
        /* proc_ipc_auto_msgmni: 0..1 into a dummy, no effect */
        one.hi = 1;
        return sysctl_write_values(&one, value);
    }
    if (model_msg_sysctl(ns, name, &slot, &lo, &hi) < 0)
        return -EINVAL;
    one.ints[0] = slot;
    one.lo = lo;
    one.hi = hi;
    return sysctl_write_values(&one, value);
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
    else if (strcmp(name, "auto_msgmni") == 0)
        snprintf(buf, size, "0");      /* proc_ipc_auto_msgmni reads its dummy */
    else
        return -EINVAL;
    return 0;
}

void model_interrupt(struct model_ns *ns, pid_t pid)
{
    model_msg_abandon(ns, pid, EINTR);
    model_sem_abandon(ns, pid, -EINTR);
}

struct model_wait_ref model_wait_ref(const struct model_ns *ns, pid_t pid)
{
    struct model_wait_ref ref = { model_msg_waiter_of(ns, pid), model_sem_waiter_of(ns, pid) };
    return ref;
}

long model_wait_outcome(struct model_wait_ref ref, void *buf, size_t size)
{
    if (ref.msg)
        return model_msg_outcome(ref.msg, buf, size);
    return ref.sem ? model_sem_outcome(ref.sem) : MODEL_BLOCKED;
}

void model_collect(struct model_ns *ns, pid_t pid)
{
    model_msg_collect(ns, pid);
    model_sem_collect(ns, pid);
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
