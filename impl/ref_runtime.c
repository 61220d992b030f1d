/* ref_runtime.c: the reference runtime's calls.  Each call takes the
 * arena's lock, runs the model through a logged transaction (ref_txn), and
 * when the model says "blocked" sleeps on its own futex word (after a
 * bounded look for the outcome, ref_spin.h) until an operation by another
 * process resolves its wait; every operation ends by
 * waking the processes whose waits it resolved.  A woken waiter whose wait
 * the model decided takes the outcome from its own record without the lock
 * (the record's removal, MODEL_COLLECT, is logged when it next takes it).
 * Shared memory is real: a segment's memory is a range of the arena file,
 * mapped by shmat.
 * Test-only: built with REF_TEST_FAULTS (build/svipc-faults, never svipc
 * or the preload library), $SVIPC_REF_FAULT switches on one of four
 * injected concurrency bugs, each marked "FAULT(...)" where it lives.
 * Must not: sleep anywhere but in futex_wait on its slot (and the lock),
 * or decide an outcome itself: the model decides, in Linux's order. */
#define _GNU_SOURCE
#include "ref.h"
#include "ref_fmt.h"
#include "ref_sys.h"
#include "ref_runtime.h"
#include "ref_signals.h"
#include "ref_spin.h"
#include "wait_hint.h"
#include "ctl_cmd.h"
#include "host_facts.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE_BYTES 4096UL
#define MAX_WAKE 64
#define DETACH_PIECES 8                /* a detach's mappings unmapped once the lock is dropped */
#define WAIT_SPIN_NS 10000             /* a wait looks for its outcome this long before it sleeps */
#define LOCK_LOST (-2000)              /* a wait that could not take the lock again (errno set) */

#ifdef REF_TEST_FAULTS
enum ref_fault { REF_FAULT_NONE, REF_FAULT_LOST_WAKEUP, REF_FAULT_SEMOP_SPLIT, REF_FAULT_DOUBLE_DELIVERY,
                 REF_FAULT_UNDO_TWICE };

/* The fault this process runs with, and what its current call did. */
struct ref_fault_state {
    int read, which;                   /* enum ref_fault, from $SVIPC_REF_FAULT */
    int nsops;                         /* the current call's sembufs (0: not a semop) */
    int resolved;                      /* waiters the current call's operations decided */
};
#endif

/* The process's runtime object: its arena, identity and credentials. */
struct ref_runtime {
    int attached;
    int registered;
    pid_t pid;
    int slot;                          /* its index in the process table */
    uint64_t start_time;
    struct model_caller caller;
    int caller_valid;
    /* made by ref_fork: the fork is put in the model by the parent or by
     * this child's first call, whichever comes first (fork_once) */
    int forked;
    pid_t fork_parent;
    uint64_t fork_parent_start;
    /* made by ref_fork of a parent without attachments: nothing it
     * inherited is in the model, and its first call registers it as a new
     * process (no slot of its own can be there: no exec to look for) */
    int fork_child;
    /* it has asked for an attachment (shmat), or inherited one: its forks
     * are put in the model, which counts the child's copies (never
     * cleared: a detach or a failed shmat leaves it) */
    int may_be_attached;
    /* processes to wake once the lock is dropped */
    int nwake;
    uint32_t *wake[MAX_WAKE];
    int wake_all;
    /* fault injection for tests (ref_inject_signal): raise SIGNAL once,
     * at POINT of the next blocking call */
    int inject_point, inject_signal;
    /* how long a wait looks for its outcome before it sleeps */
    struct ref_spin wait_spin;
    /* it woke sleepers in this call (1) or the one before (2), since it
     * last waited: a ping-pong's wake-up is made by the call before the
     * one that waits, a stream's long before (sleep_for_outcome) */
    int woke_sleepers;
    /* whether /proc is another PID namespace's, as process PROC_VIEW_OF saw */
    pid_t proc_view_of;
    int proc_foreign;
#ifdef REF_TEST_FAULTS
    struct ref_fault_state fault;
#endif
    /* last, the large members: what a fork child writes above is in one
     * or two pages, each a copy it faults for */
    char name[4096];                   /* the arena's, for messages */
    struct ref_arena arena;
};

static struct ref_runtime ref_process = { .slot = -1 };

/* ---------- test-only concurrency bugs ---------- */

#ifdef REF_TEST_FAULTS
/* Compiled only into build/svipc-faults (make faults): svipc and the
 * preload library have no such switch.  $SVIPC_REF_FAULT names one bug,
 * read once per process; each hides in a path that only concurrency, or a
 * shape of calls the catalog does not make, takes (tests/test_stress_faults.c). */
static const char *const fault_names[] = {
    [REF_FAULT_LOST_WAKEUP] = "lost-wakeup",
    [REF_FAULT_SEMOP_SPLIT] = "semop-split",
    [REF_FAULT_DOUBLE_DELIVERY] = "double-delivery",
    [REF_FAULT_UNDO_TWICE] = "undo-twice",
};

static int fault_is(int which)
{
    struct ref_fault_state *f = &ref_process.fault;
    if (!f->read) {
        const char *name = getenv("SVIPC_REF_FAULT");
        f->read = 1;
        for (int i = 1; name && i < (int)(sizeof(fault_names) / sizeof(fault_names[0])); i++)
            if (strcmp(name, fault_names[i]) == 0)
                f->which = i;
        if (name && *name && !f->which)
            fprintf(stderr, "svipc-ref: SVIPC_REF_FAULT=%s: no such fault\n", name);
    }
    return f->which == which;
}
#define FAULT(which) fault_is(REF_FAULT_##which)
#else
#define FAULT(which) 0
#endif

/* ---------- identity ---------- */

/* The first LEN - 1 bytes of PATH, NUL-terminated; their number, or -1. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = ref_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    ref_sys_close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* Process PID of this PID namespace as the mounted /proc numbers it.  A
 * process in a new PID namespace that kept its parent's /proc (the
 * harness's puppets do) finds someone else at /proc/PID: then it asks a
 * pidfd, whose fdinfo gives the pid as that /proc's namespace sees it.
 * 0 when the process is gone. */
static pid_t proc_pid(pid_t pid)
{
    struct ref_runtime *rt = &ref_process;
    char path[64], buf[1024];
    if (rt->proc_view_of != getpid()) {         /* looked at once per process */
        rt->proc_view_of = getpid();
        rt->proc_foreign = read_small("/proc/self/stat", buf, sizeof(buf)) > 0 && atoi(buf) != getpid();
    }
    if (!rt->proc_foreign)
        return pid;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0)
        return 0;
    snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
    ssize_t n = read_small(path, buf, sizeof(buf));
    ref_sys_close(fd);
    const char *line = n > 0 ? strstr(buf, "\nPid:") : NULL;
    return line ? (pid_t)atoi(line + 6) : 0;
}

uint64_t ref_start_time(pid_t pid)
{
    char path[64], buf[1024];
    if (pid) {
        pid_t seen = proc_pid(pid);
        if (seen <= 0)
            return 0;
        ref_put_str(ref_put_dec(ref_put_str(path, "/proc/"), (uint64_t)seen), "/stat");
    } else {
        ref_put_str(path, "/proc/self/stat");
    }
    ssize_t n = read_small(path, buf, sizeof(buf));
    /* after the name (its last ')': a name may hold any character), the
     * state is field 3, the start time field 22 */
    ssize_t at = n;
    while (at > 0 && buf[at - 1] != ')')
        at--;
    if (at <= 0)
        return 0;
    for (int field = 2; at < n; at++)
        if (buf[at] == ' ' && ++field == 22)
            return ref_get_dec(buf + at + 1);
    return 0;
}

static unsigned read_caps(void)
{
    struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) < 0)
        return 0;
    return model_caps_from_linux(data[0].effective | (uint64_t)data[1].effective << 32);
}

static const struct model_caller *caller_of(struct ref_runtime *rt)
{
    if (!rt->caller_valid) {
        struct model_caller *c = &rt->caller;
        c->euid = geteuid();
        c->egid = getegid();
        int n = getgroups(MODEL_MAX_GROUPS, c->groups);
        c->ngroups = n < 0 ? 0 : n;
        c->caps = read_caps();
        rt->caller_valid = 1;
    }
    rt->caller.pid = rt->pid;
    return &rt->caller;
}

void ref_credentials_changed(void)
{
    ref_process.caller_valid = 0;
}

/* ---------- the process table ---------- */

/* PID's slot, or -1: where its hint says (the slot last given to a pid of
 * its hint's index), else looked for in the table (a pid whose hint another
 * took). */
static int slot_of(const struct ref_header *h, pid_t pid)
{
    int hinted = (int)h->slot_hint[(unsigned)pid % REF_MAX_PROCS] - 1;
    if (hinted >= 0 && hinted <= h->proc_high && h->procs[hinted].pid == pid)
        return hinted;
    for (int i = 0; i <= h->proc_high; i++)
        if (h->procs[i].pid == pid)
            return i;
    return -1;
}

static int new_slot(struct ref_header *h, pid_t pid, uint64_t start)
{
    for (int i = 0; i < REF_MAX_PROCS; i++)
        if (h->procs[i].pid == 0) {
            struct ref_proc_slot *s = &h->procs[i];
            s->waiting = 0;
            s->notified = 0;
            s->decided = 0;
            s->collected = 0;
            s->first_in_line = 0;
            s->fork_applied_for = 0;
            s->fork_applied_start = 0;
            s->tells_pending = 0;
            s->start_time = start;
            __atomic_store_n(&s->pid, pid, __ATOMIC_RELEASE);
            if (i > h->proc_high)
                h->proc_high = i;
            h->slot_hint[(unsigned)pid % REF_MAX_PROCS] = (uint16_t)(i + 1);
            return i;
        }
    return -1;
}

static void free_slot(struct ref_arena *a, int i)
{
    struct ref_header *h = a->hdr;
    struct ref_proc_slot *s = &h->procs[i];
    ref_forget_contender(a, &s->contending);
    ref_space_orphaned(a, s->pid, s->start_time);   /* memory it was giving back when it died */
    /* it died before it told the keeper of a fork child it put here: the
     * keeper looks over the table (whoever freed the slot tells it to) */
    if (__atomic_load_n(&s->tells_pending, __ATOMIC_ACQUIRE))
        __atomic_store_n(&h->keeper_scan, 1, __ATOMIC_RELEASE);
    s->waiting = 0;
    s->decided = 0;
    s->collected = 0;
    __atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
    /* counted again: a process killed between marking its slot waiting and
     * counting it (or the reverse, at the wait's end) left the count off
     * by one; deaths are rare beside waits */
    uint32_t n = 0;
    for (int k = 0; k <= h->proc_high; k++)
        n += h->procs[k].pid && h->procs[k].waiting;
    h->nwaiting = n;
}

/* Whether PID has a slot that is this very process (started at START):
 * the same process after an exec, not a dead one whose pid came back. */
static int slot_is_mine(const struct ref_header *h, pid_t pid, uint64_t start)
{
    int i = slot_of(h, pid);
    return i >= 0 && h->procs[i].start_time == start;
}

/* ---------- waking ---------- */

static void queue_wake(struct ref_runtime *rt, struct ref_proc_slot *s)
{
    s->notified = 1;
    __atomic_add_fetch(&s->wake, 1, __ATOMIC_SEQ_CST);
    /* a waiter not yet asleep sees the new value and does not sleep (it
     * announces itself before looking): no system call needed */
    if (!__atomic_load_n(&s->sleeping, __ATOMIC_SEQ_CST))
        return;
    if (rt->nwake < MAX_WAKE)
        rt->wake[rt->nwake++] = &s->wake;
    else
        rt->wake_all = 1;
}

/* Under the lock: the one first in line on the semaphore queue this
 * process is about to sleep on behind it, if it sleeps, is woken to look
 * for its outcome before it sleeps again, on the CPU this process leaves:
 * the operation that completes it then finds it awake and need not wake
 * it (a wake-up costs the whole hand-off its latency, as Linux's semop
 * pays it at each turn).  Notified: a decision made before it looks needs
 * no wake-up of its own; one made after it went back to sleep does (it
 * clears the flag first, woken_to_look). */
static void wake_first_to_look(struct ref_runtime *rt, struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    pid_t first = model_sem_first_in_line(&a->state->ns, rt->pid);
    int j = first ? slot_of(h, first) : -1;
    struct ref_proc_slot *s = j >= 0 ? &h->procs[j] : NULL;
    if (!s || !s->waiting || s->decided || !s->sleeping)
        return;
    __atomic_store_n(&s->first_in_line, 1, __ATOMIC_RELAXED);
    queue_wake(rt, s);
}

/* The model decided the wait of S's process: its record holds the outcome
 * (seen once the wake-up is) and it is woken, unless it was already. */
static void mark_decided(struct ref_runtime *rt, struct ref_proc_slot *s)
{
    /* against woken_to_look's clearing of the flag: one sees the other */
    __atomic_store_n(&s->decided, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_load_n(&s->notified, __ATOMIC_SEQ_CST))
        queue_wake(rt, s);
}

/* Under the lock: mark the waiters whose wait the model has decided since
 * the last look (the model lists them; when its list overflowed, or a
 * recovery replayed operations, every waiter is asked). */
static void collect_wakes(struct ref_runtime *rt, struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    pid_t decided[MODEL_RESOLVED_MAX];
    int n = model_take_resolved(&a->state->ns, decided);
#ifdef REF_TEST_FAULTS
    rt->fault.resolved += n != 0;
#endif
    if (!h->nwaiting)
        return;
    for (int k = 0; k < n; k++) {
        int i = slot_of(h, decided[k]);
        struct ref_proc_slot *s = i >= 0 ? &h->procs[i] : NULL;
#ifdef REF_TEST_FAULTS
        /* lost-wakeup: a semop of several sembufs forgets to wake a
         * waiter whose own semop has several (its waiting word is 2) */
        if (s && s->waiting == 2 && !s->notified && rt->fault.nsops >= 2 && FAULT(LOST_WAKEUP)) {
            s->notified = 1;
            continue;
        }
#endif
        if (s && s->waiting)
            mark_decided(rt, s);
    }
    for (int i = 0; n < 0 && i <= h->proc_high; i++) {
        struct ref_proc_slot *s = &h->procs[i];
        if (s->pid && s->waiting && model_wait_resolved(&a->state->ns, s->pid))
            mark_decided(rt, s);
    }
}

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, word, op, val, ts, NULL, FUTEX_BITSET_MATCH_ANY);
}

static void release_dead_segments(struct ref_arena *a, pid_t pid, uint64_t start);
static int lock(struct ref_runtime *rt, struct ref_arena *a);
static void injection_point(struct ref_runtime *rt, int point);

/* Who gives back destroyed segments' memory (unlock_wake_release): nobody
 * (it waits for the next operation), the calling process (one with a slot,
 * whose death is applied, so that memory it held half-way is freed), or
 * the keeper (which has no slot: what it held half-way is swept when it
 * next goes idle, ref_space_sweep_dead). */
enum release_by { RELEASE_NONE, RELEASE_MINE, RELEASE_KEEPER };

/* Whether segments were destroyed since their memory was last given back
 * (or a recovery may have undone one's creation). */
static int segments_to_release(const struct ref_arena *a)
{
    return a->hdr->seg_live &&
           (a->state->ns.shm_destroyed != a->hdr->shm_destroyed_seen || a->hdr->seg_live > a->state->ns.shm_ids.in_use);
}

/* Drop the lock, then wake whom the operation resolved.  Every operation
 * ends here, so here too the memory of segments it destroyed (shmdt,
 * IPC_RMID, an exit, an exec, shm_rmid_forced, a failed shmat, a recovery
 * undoing a creation) is given back, by RELEASE.  That memory is released
 * without the lock (a punch of megabytes would stop every other process),
 * and its extents return to the free list under the lock again.  A process
 * without a slot leaves it to the next operation; the keeper, which has
 * processes to serve first, gives it back once it is idle
 * (ref_release_dead). */
static void unlock_wake_release(struct ref_runtime *rt, struct ref_arena *a, enum release_by release)
{
    if (release == RELEASE_MINE && !rt->registered)
        release = RELEASE_NONE;
    for (;;) {
        if (release != RELEASE_NONE && segments_to_release(a)) {
            if (release == RELEASE_MINE)
                release_dead_segments(a, rt->pid, rt->start_time);
            else
                release_dead_segments(a, getpid(), ref_start_time(0));
        }
        collect_wakes(rt, a);
        int n = rt->nwake, all = rt->wake_all;
        uint32_t *words[MAX_WAKE];
        memcpy(words, rt->wake, sizeof(uint32_t *) * (size_t)n);
        rt->nwake = 0;
        rt->wake_all = 0;
        int high = a->hdr->proc_high;
        ref_unlock(a);
        if (n || all)
            injection_point(rt, REF_AT_WAKING);
        for (int i = 0; i < n; i++)
            futex(words[i], FUTEX_WAKE, INT_MAX, NULL);
        if (n || all)
            rt->woke_sleepers |= 1;
        if (all)
            for (int i = 0; i <= high; i++)
                futex(&a->hdr->procs[i].wake, FUTEX_WAKE, INT_MAX, NULL);
        ref_arena_prefault(a);         /* for this process's next records */
        if (!a->releasing)
            return;
        ref_space_punch_released(a);
        /* a lock that cannot be taken leaves the extents to be freed when
         * this process's end is applied */
        if (lock(rt, a) < 0) {
            a->releasing = 0;
            return;
        }
        ref_space_reuse_released(a);
    }
}

static void unlock_and_wake(struct ref_runtime *rt, struct ref_arena *a)
{
    unlock_wake_release(rt, a, RELEASE_MINE);
}

void ref_release_dead(struct ref_arena *a)
{
    struct ref_runtime *rt = &ref_process;
    if (lock(rt, a) < 0)
        return;
    ref_space_sweep_dead(a);           /* what a process without a slot held when it died */
    unlock_wake_release(rt, a, RELEASE_KEEPER);
}

/* Waiters look again (a spurious wake-up costs a look): every one, after
 * a recovery; or (OWED_SLEEPERS) those owed a wake-up who may still sleep
 * (their wait decided, or their turn to look come), after an exit: a
 * process that died between deciding their wake-up (under the lock) and
 * making it (after) woke them only in part, and a decision made since
 * took the flag it left for a wake-up on its way.  Waking every waiter at
 * each exit cost hundreds of processes a look each time one of them
 * ended. */
static void wake_waiters(struct ref_runtime *rt, struct ref_arena *a, int owed_sleepers)
{
    for (int i = 0; i <= a->hdr->proc_high; i++) {
        struct ref_proc_slot *s = &a->hdr->procs[i];
        int owed = __atomic_load_n(&s->decided, __ATOMIC_ACQUIRE) || __atomic_load_n(&s->notified, __ATOMIC_ACQUIRE);
        if (s->waiting && (!owed_sleepers || (owed && __atomic_load_n(&s->sleeping, __ATOMIC_SEQ_CST))))
            queue_wake(rt, s);
    }
}

/* Under the lock: an outcome this process took without it (take_outcome)
 * is logged, its record removed, before anything else it does (in this
 * image or, after an exec, the next: the flag is in its slot). */
static long txn_event(struct ref_arena *a, enum model_op op, long arg0, long arg1);

/* Under the lock: S's wait is over (resumed, or its outcome collected). */
static void end_wait(struct ref_header *h, struct ref_proc_slot *s)
{
    if (s->waiting) {
        s->waiting = 0;
        h->nwaiting--;
    }
}

/* This process's slot when it holds an outcome taken without the lock
 * whose record is not logged yet, or NULL. */
static struct ref_proc_slot *uncollected(struct ref_runtime *rt, struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    if (rt->slot < 0 || rt->slot > h->proc_high)
        return NULL;
    struct ref_proc_slot *s = &h->procs[rt->slot];
    return s->collected && s->pid == rt->pid ? s : NULL;
}

/* Under the lock: the record of S's outcome is logged. */
static void collected(struct ref_arena *a, struct ref_proc_slot *s)
{
    s->collected = 0;
    s->decided = 0;
    end_wait(a->hdr, s);
}

/* Under the lock: the record of an outcome taken without it, logged on
 * its own; left for the next lock if the log had no room for it. */
static void log_collected(struct ref_runtime *rt, struct ref_arena *a)
{
    struct ref_proc_slot *s = uncollected(rt, a);
    if (!s)
        return;
    uint64_t before = a->committed;
    txn_event(a, MODEL_COLLECT, rt->pid, 0);
    if (a->committed != before)
        collected(a, s);
}

/* Under the lock, this process's own record RQ, into which an outcome it
 * took without the lock and has not logged yet (lock_as with FOLD) is
 * folded (MODEL_COLLECT_FIRST): one record less per blocking round trip.
 * TICKET: the record stage() built before the lock, or 0.  A record that
 * was not committed leaves the collect to a record of its own. */
static long own_txn(struct ref_runtime *rt, struct ref_arena *a, struct model_request *rq, const void *in, void *out,
                    uint64_t ticket)
{
    struct ref_proc_slot *s = uncollected(rt, a);
    if (!s)
        return ref_txn_staged(a, ticket, rq, in, out);
    uint64_t before = a->committed;
    rq->flags |= MODEL_COLLECT_FIRST;
    long r = ref_txn_staged(a, ticket, rq, in, out);
    rq->flags &= ~MODEL_COLLECT_FIRST;
    if (a->committed != before)
        collected(a, s);
    else
        log_collected(rt, a);
    return r;
}

/* Before the lock: RQ's record built (ref_stage) as own_txn will ask for
 * it, with the outcome this process took without the lock folded in
 * (only this process sets its flag, and clears it under the lock).  Its
 * ticket, or 0. */
static uint64_t stage(struct ref_runtime *rt, struct ref_arena *a, struct model_request *rq, const void *in)
{
    if (uncollected(rt, a))
        rq->flags |= MODEL_COLLECT_FIRST;
    uint64_t ticket = ref_stage(a, rq, in);
    rq->flags &= ~MODEL_COLLECT_FIRST;
    return ticket;
}

/* After a recovery nobody knows whom the lost operation would have woken.
 * FOLD: an outcome taken without the lock is logged with the caller's next
 * record (own_txn), not on its own.  0, or -1 with errno (a damaged lock,
 * reported by ref_lock). */
static int lock_as(struct ref_runtime *rt, struct ref_arena *a, int fold)
{
    if (!a->prefault_window)           /* this process's first: where it writes, read without the lock */
        ref_arena_prefault(a);
    uint64_t before = __atomic_load_n(&a->hdr->recoveries, __ATOMIC_RELAXED);
    if (ref_lock(a) < 0)
        return -1;
    if (a->hdr->recoveries != before) {
        wake_waiters(rt, a, 0);
        a->hdr->shm_destroyed_seen = ~0UL;   /* a creation may have been undone */
    }
    if (!fold)
        log_collected(rt, a);
    return 0;
}

static int lock(struct ref_runtime *rt, struct ref_arena *a)
{
    return lock_as(rt, a, 0);
}

/* ---------- attaching and registering ---------- */

static long now_seconds(void)
{
    return (long)time(NULL);
}

static void fill_request(struct ref_runtime *rt, struct model_request *rq, enum model_op op)
{
    memset(rq, 0, sizeof(*rq));
    rq->op = op;
    rq->now = now_seconds();
    rq->caller = *caller_of(rt);
}

/* An event with no caller (fork, exec, exit, interrupt, timeout, the
 * host's huge pages): ARG0 and ARG1 are its arguments. */
static long txn_event(struct ref_arena *a, enum model_op op, long arg0, long arg1)
{
    struct model_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.op = op;
    rq.now = now_seconds();
    rq.arg[0] = arg0;
    rq.arg[1] = arg1;
    return ref_txn(a, &rq, NULL, NULL);
}

/* The keeper told to watch PID (started at START) without waiting for its
 * answer: 1, the keeper still held when HOLD (by a process telling of
 * itself before its slot is made, which lets go once it is).  Or, when it
 * could not be told, asked, and started if need be: 0, or -1 when no
 * keeper could be reached. */
static int tell_keeper(struct ref_arena *a, pid_t pid, uint64_t start, int hold)
{
    ref_keeper_hold(a, 1);
    if (ref_keeper_tell(a, pid, start) == 0) {
        if (!hold)
            ref_keeper_hold(a, 0);
        return 1;
    }
    ref_keeper_hold(a, 0);
    return ref_keeper_watch(a, pid, start);
}

/* A slot freed of a process that died before it told the keeper of a fork
 * child: the keeper told to look over the table. */
static void nudge_keeper(struct ref_arena *a)
{
    if (__atomic_load_n(&a->hdr->keeper_scan, __ATOMIC_ACQUIRE))
        ref_keeper_tell(a, 0, 0);
}

/* Under the lock: the fork of CHILD (started at START) by PARENT (started
 * at PARENT_START) is in the model, and CHILD has its slot, put there by
 * the first of the two to ask (ref_fork's parent after the fork, or the
 * child at its first call).  The attachments the model copies are the
 * parent's at the fork: only the parent's own calls change them, and it
 * makes none in between (a thread's shmat racing a fork aside, which the
 * lock held across the fork did not order either: its mapping is made
 * after the unlock).  The parent's slot names the fork last put in the
 * model, so that a child that put it there and has ended since is not put
 * back.  (A full table leaves the child without a slot: its first call
 * fails with EAGAIN.)  Whether this call put it there. */
static int fork_once(struct ref_arena *a, pid_t parent, uint64_t parent_start, pid_t child, uint64_t start)
{
    struct ref_header *h = a->hdr;
    int p = slot_of(h, parent);
    struct ref_proc_slot *ps = p >= 0 && h->procs[p].start_time == parent_start ? &h->procs[p] : NULL;
    if (slot_is_mine(h, child, start))
        return 0;
    /* put in the model, and ended since (START 0: the child was reaped
     * before the parent read it) */
    if (ps && ps->fork_applied_for == child && (ps->fork_applied_start == start || !start))
        return 0;
    txn_event(a, MODEL_FORK, parent, child);
    if (ps) {
        ps->fork_applied_for = child;
        ps->fork_applied_start = start;
    }
    new_slot(h, child, start);
    return 1;
}

static void on_fork_child(void)
{
    ref_process.arena.contending = NULL;
    ref_process.arena.releasing = 0;
    ref_arena_forget_pages(&ref_process.arena);
    /* a child made by a plain fork(2) starts as a new process; ref_fork
     * sets up its children itself */
    ref_process.registered = 0;
    ref_process.forked = 0;
    ref_process.fork_child = 0;
    ref_process.slot = -1;
    ref_process.nwake = 0;
}

static pthread_once_t fork_handler_once = PTHREAD_ONCE_INIT;

static void install_fork_handler(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

/* The default arena's directory, this user's own: $XDG_RUNTIME_DIR/svipc,
 * else /dev/shm/svipc-<euid>; made 0700 when CREATE.  It must be a
 * directory (not a link), this user's, closed to others: a directory made
 * by someone else is refused, so nobody can plant the arena.  0, or -1. */
static int private_dir(char *dir, size_t size, int create, char *why, size_t why_size)
{
    const char *run = getenv("XDG_RUNTIME_DIR");
    if (run && *run == '/')
        snprintf(dir, size, "%s/svipc", run);
    else
        snprintf(dir, size, "/dev/shm/svipc-%u", (unsigned)geteuid());
    if (create && mkdir(dir, 0700) < 0 && errno != EEXIST) {
        snprintf(why, why_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(dir, &st) < 0) {
        snprintf(why, why_size, "%s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
        snprintf(why, why_size, "%s: not a private directory of this user (it must be a directory owned by uid %u "
                 "with mode 0700); refused", dir, (unsigned)geteuid());
        return -1;
    }
    return 0;
}

/* $SVIPC_REF_ARENA, else the default, written into BUF; NULL with WHY. */
static const char *arena_path(char *buf, size_t size, int create, char *why, size_t why_size)
{
    const char *path = getenv("SVIPC_REF_ARENA");
    if (path && *path)
        return path;
    char dir[4000];
    if (private_dir(dir, sizeof(dir), create, why, why_size) < 0)
        return NULL;
    snprintf(buf, size, "%s/arena", dir);
    return buf;
}

/* The host's huge page pools and overcommit accounting, told once to the
 * model of an arena a program opens by its path (the drop-in's): shmget
 * then fails as the host's would, e.g. ENOMEM, not EINVAL, for a huge page
 * size the host has no free page of.  A scenario's arena is told by the
 * harness, which may tell it other pools. */
struct host_pool { unsigned long free_pages; int log; };
struct host_pools { int n; struct host_pool pool[16]; };

static void note_pool(void *ctx, unsigned long free_pages, int log)
{
    struct host_pools *p = ctx;
    if (p->n < 16)
        p->pool[p->n++] = (struct host_pool){ free_pages, log };
}

static void tell_host_facts(struct ref_runtime *rt)
{
    struct ref_arena *a = &rt->arena;
    if (__atomic_load_n(&a->hdr->host_told, __ATOMIC_RELAXED))
        return;
    struct host_pools pools = { 0 };
    unsigned long commit;
    int noreserve_ignored;
    host_huge_pools(note_pool, &pools);
    host_commit(&commit, &noreserve_ignored);
    if (lock(rt, a) < 0)
        return;
    if (!a->hdr->host_told) {
        for (int i = 0; i < pools.n; i++)
            txn_event(a, MODEL_SET_HUGEPAGES, (long)pools.pool[i].free_pages, pools.pool[i].log);
        txn_event(a, MODEL_SET_COMMIT, (long)commit, noreserve_ignored);
        a->hdr->host_told = 1;
    }
    unlock_and_wake(rt, a);
}

/* $SVIPC_REF_SHARED=1: the arena's owner is trusted by whoever may write it. */
static int shared_arena(void)
{
    const char *s = getenv("SVIPC_REF_SHARED");
    return s && strcmp(s, "1") == 0;
}

int ref_attach(const char *path, char *why, size_t size)
{
    struct ref_runtime *rt = &ref_process;
    if (rt->attached && !(path && strncmp(path, "fd:", 3) == 0))
        return 0;
    /* "fd:N" again after a fork: the same mapping, seen through N */
    char fallback[4096];
    *why = '\0';
    if (!path && !(path = arena_path(fallback, sizeof(fallback), 1, why, size)))
        return -1;
    snprintf(rt->name, sizeof(rt->name), "%s", path);
    int rc;
    if (strncmp(path, "fd:", 3) == 0)
        rc = ref_arena_map(&rt->arena, atoi(path + 3), rt->name, why, size);
    else
        rc = ref_arena_open_path(&rt->arena, path, shared_arena(), why, size);
    if (rc < 0)
        return -1;
    rt->arena.name = rt->name;
    pthread_once(&fork_handler_once, install_fork_handler);
    ref_signals_guard_faults();          /* a bad pointer is EFAULT, as on Linux */
    const char *crash = getenv("SVIPC_REF_CRASH_AT");
    rt->arena.crash_countdown = crash ? strtoul(crash, NULL, 10) : 0;
    rt->attached = 1;
    if (strncmp(path, "fd:", 3) != 0)
        tell_host_facts(rt);
    return 0;
}

/* Register this process: a new one, or the same one after an exec (its
 * slot is there with its start time), whose attachments the exec drops.
 * A new process tells the keeper of itself before it has a slot, so that a
 * death at any instant of the registration leaves no slot unwatched (the
 * keeper checks a request against the process's start time: one that died
 * before it is read has its end applied). */
static int register_new(struct ref_runtime *rt, int exec);

static int register_self(struct ref_runtime *rt)
{
    struct ref_arena *a = &rt->arena;
    rt->pid = getpid();
    rt->start_time = ref_start_time(0);
    rt->caller_valid = 0;
    int fork_child = rt->fork_child;
    rt->fork_child = 0;
    if (fork_child)
        return register_new(rt, 0);
    if (lock(rt, a) < 0)
        return -1;
    /* our slot: made by our fork (ref_fork's parent, or us now while the
     * parent is alive), or ours before an exec */
    int forked = rt->forked, made = 0;
    rt->forked = 0;
    if (forked && slot_is_mine(a->hdr, rt->fork_parent, rt->fork_parent_start))
        made = fork_once(a, rt->fork_parent, rt->fork_parent_start, rt->pid, rt->start_time);
    int mine = slot_is_mine(a->hdr, rt->pid, rt->start_time);
    if (forked && mine) {
        rt->slot = slot_of(a->hdr, rt->pid);
        a->contending = &a->hdr->procs[rt->slot].contending;
        ref_arena_write_to(a, rt->slot);
        unlock_and_wake(rt, a);
        rt->registered = 1;
        /* a slot the parent made, the parent tells the keeper of (or,
         * dying first, has it look over the table); one we made, we do:
         * the parent may have died before its fork_once */
        if (made)
            tell_keeper(a, rt->pid, rt->start_time, 0);
        return 0;
    }
    int exec = mine;
    unlock_and_wake(rt, a);
    return register_new(rt, exec);
}

/* register_self's end for a new process, the keeper watching it before
 * it has a slot; or (EXEC) for one whose slot is there from before its
 * exec. */
static int register_new(struct ref_runtime *rt, int exec)
{
    struct ref_arena *a = &rt->arena;
    /* told before the slot is made, the keeper held until it is (an
     * unread request cannot be lost to a keeper leaving); with no keeper
     * to tell, one is started and its answer awaited */
    int held = 0;
    if (!exec) {
        int told = tell_keeper(a, rt->pid, rt->start_time, 1);
        if (told < 0) {
            fprintf(stderr, "svipc-ref: %s: the arena's keeper did not answer\n", a->name);
            errno = ENOLCK;
            return -1;
        }
        held = told == 1;
    }
    if (lock(rt, a) < 0) {
        if (held)
            ref_keeper_hold(a, 0);
        return -1;
    }
    int i = slot_of(a->hdr, rt->pid);
    if (exec && i >= 0) {
        txn_event(a, MODEL_EXEC, rt->pid, 0);
    } else {
        if (i >= 0) {
            /* a dead process with our pid whose end is not applied yet */
            txn_event(a, MODEL_EXIT, rt->pid, 0);
            free_slot(a, i);
        }
        i = new_slot(a->hdr, rt->pid, rt->start_time);
    }
    unlock_and_wake(rt, a);
    if (held)
        ref_keeper_hold(a, 0);
    nudge_keeper(a);
    if (i < 0) {
        errno = EAGAIN;
        return -1;
    }
    rt->slot = i;
    rt->arena.contending = &a->hdr->procs[i].contending;
    ref_arena_write_to(a, i);
    rt->registered = 1;
    return 0;
}

/* The runtime, attached and registered; NULL with errno set if it cannot be. */
static struct ref_runtime *self(void)
{
    struct ref_runtime *rt = &ref_process;
    if (!rt->attached) {
        char why[256];
        if (ref_attach(NULL, why, sizeof(why)) < 0) {
            fprintf(stderr, "svipc-ref: %s\n", why);
            errno = ENOSYS;
            return NULL;
        }
    }
    if (!rt->registered && register_self(rt) < 0)
        return NULL;
    return rt;
}

void ref_credentials_changing(void)
{
    /* a child that drops its privileges before its first call (a server's
     * worker) would be refused by the keeper once they are gone, where its
     * parent, registering it, was not */
    struct ref_runtime *rt = &ref_process;
    if (rt->fork_child && rt->attached && !rt->registered)
        register_self(rt);             /* a failure is its next call's to report */
}

static long result(long r)
{
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

/* ---------- blocking ---------- */

/* Tests: the signal injected at POINT, once. */
static void injection_point(struct ref_runtime *rt, int point)
{
    if (rt->inject_signal && rt->inject_point == point) {
        int sig = rt->inject_signal;
        rt->inject_signal = 0;
        raise(sig);
    }
}

void ref_inject_signal(int point, int sig)
{
    ref_process.inject_point = point;
    ref_process.inject_signal = sig;
}

/* What a waiter looks at while it spins: its wake word moved past SEEN,
 * or a signal handler ran since the call began. */
struct wake_watch {
    const uint32_t *word;
    uint32_t seen;
    unsigned long signals;
};

static int woken(const void *arg)
{
    const struct wake_watch *w = arg;
    return __atomic_load_n(w->word, __ATOMIC_ACQUIRE) != w->seen || ref_signals_seen() != w->signals;
}

/* What a waiter knows of its wait, for taking its outcome without the lock. */
struct own_wait {
    struct model_wait_ref ref;         /* its record */
    size_t out_len;                    /* the room the resume's output needs */
};

/* Once woken: the outcome the model decided, taken from the waiter's own
 * record without the lock and copied out (as the resume would, which
 * MODEL_COLLECT stands for once the lock is next taken); or MODEL_BLOCKED
 * when only the resume under the lock can finish the call (undecided, a
 * loop to run again, or a rebuild of the state under way meanwhile). */
static long take_outcome(struct ref_runtime *rt, struct ref_arena *a, const struct own_wait *own,
                         const struct model_request *resume, void *out)
{
    struct ref_header *h = a->hdr;
    struct ref_proc_slot *s = &h->procs[rt->slot];
    if (!__atomic_load_n(&s->decided, __ATOMIC_ACQUIRE))
        return MODEL_BLOCKED;
    uint32_t seq = __atomic_load_n(&h->rebuild_seq, __ATOMIC_ACQUIRE);
    void *result = out && own->out_len ? ref_arena_bounce(a, own->out_len) : NULL;
    if ((seq & 1) || (out && own->out_len && !result))
        return MODEL_BLOCKED;
    long r = model_wait_outcome(own->ref, result, own->out_len ? own->out_len - sizeof(long) : 0);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (r == MODEL_BLOCKED || __atomic_load_n(&h->rebuild_seq, __ATOMIC_RELAXED) != seq)
        return MODEL_BLOCKED;
    if (result && r >= 0 && ref_copy_guarded(out, result, model_output_size(resume, r, own->out_len)) < 0)
        r = -EFAULT;
    __atomic_store_n(&s->collected, 1, __ATOMIC_RELEASE);
    return r;
}

/* Without the lock: look for the outcome first when LOOK (a bounded
 * spin), then sleep until the wake word moves past SEEN, a signal handler
 * runs, or UNTIL.  0, or the sleep's errno (ETIMEDOUT, EINTR). */
static int sleep_for_outcome(struct ref_runtime *rt, struct ref_proc_slot *s, uint32_t seen, unsigned long signals,
                             const struct timespec *until, int look)
{
    /* a partner on another CPU often answers within microseconds:
     * looked for first, neither this sleep nor its wake-up is needed.  One
     * this process has just woken may be waiting for this CPU (more
     * processes than CPUs): it is given the CPU first, or the spin would
     * only put off the answer it looks for */
    struct wake_watch watch = { &s->wake, seen, signals };
    int woke = rt->woke_sleepers;
    rt->woke_sleepers = 0;
    if (look && woke)
        sched_yield();
    if (look)
        ref_spin_until(&rt->wait_spin, WAIT_SPIN_NS, woken, &watch);
    __atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
    int err = 0;
    if (__atomic_load_n(&s->wake, __ATOMIC_SEQ_CST) == seen && ref_signals_seen() == signals) {
        long w = futex(&s->wake, FUTEX_WAIT_BITSET, seen, until);
        err = w < 0 && errno != EAGAIN ? errno : 0;
    }
    __atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
    return err;
}

/* Woken undecided: whether only to look, as the first in line now
 * (wake_first_to_look), so that it may look and sleep again without the lock;
 * then *SEEN is the wake word to sleep on.  Anything else that woke it (a
 * recovery of the arena, whose waiters must each ask the model again) is
 * for the resume under the lock.  The word is read before the flags: a
 * recovery's count is raised before its wake-up, a decision before its
 * wake-up, and a wake-up not seen here ends the next sleep at once. */
static int woken_to_look(struct ref_header *h, struct ref_proc_slot *s, uint64_t recoveries, uint32_t *seen)
{
    *seen = __atomic_load_n(&s->wake, __ATOMIC_SEQ_CST);
    if (!__atomic_exchange_n(&s->first_in_line, 0, __ATOMIC_SEQ_CST) ||
        __atomic_load_n(&h->recoveries, __ATOMIC_SEQ_CST) != recoveries)
        return 0;
    /* the wake-up that brought it here is spent: a decision from now on
     * must wake it again (mark_decided) */
    __atomic_store_n(&s->notified, 0, __ATOMIC_SEQ_CST);
    return !__atomic_load_n(&s->decided, __ATOMIC_SEQ_CST);
}

/* Sleep until the model resolves this process's wait; RESUME is the
 * record that collects the outcome (the call's arguments again).  DEADLINE
 * (CLOCK_MONOTONIC) ends a semtimedop's wait.  SIGNALS is what
 * ref_signals_seen said when the call began: a handler run since then, at
 * any instant before the sleep, interrupts it (Linux's sleep returns at
 * once with a signal pending).  Lock held on entry; held on return unless
 * *UNLOCKED says the outcome was taken without it. */
static long wait_outcome(struct ref_runtime *rt, struct ref_arena *a, struct model_request *resume, const void *in,
                         void *out, const struct timespec *deadline, unsigned long signals, int *unlocked)
{
    struct ref_header *h = a->hdr;
    /* with a deadline a signal handler makes the futex wait return EINTR
     * even under SA_RESTART, as semop and msgrcv do */
    static const struct timespec forever = { .tv_sec = 1L << 40 };
    const struct timespec *until = deadline ? deadline : &forever;
    struct ref_proc_slot *s = &h->procs[rt->slot];
    struct own_wait own = { model_wait_ref(&a->state->ns, rt->pid), 0 };
    model_input_size(&a->state->ns, resume, &own.out_len);
    s->notified = 0;
    s->decided = 0;
    s->waiting = 1;
    int lost = 0;
#ifdef REF_TEST_FAULTS
    if (rt->fault.nsops >= 2 && FAULT(LOST_WAKEUP))
        s->waiting = 2;
#endif
    h->nwaiting++;
    injection_point(rt, REF_AT_DECIDED);
    long r;
    for (;;) {
        uint32_t seen = __atomic_load_n(&s->wake, __ATOMIC_ACQUIRE);
        int resolved = model_wait_resolved(&a->state->ns, rt->pid);
        int err = 0;
        if (!resolved && ref_signals_seen() != signals) {
            err = EINTR;               /* a handler ran before the sleep */
        } else if (!resolved) {
            /* only the first in line looks before it sleeps: the others'
             * turn is further off, and the CPU they would spin on is the
             * one the processes ahead of them need.  One queued behind a
             * sleeping first hands it the CPU it leaves */
            int look = model_wait_first_in_line(&a->state->ns, rt->pid);
            if (!look)
                wake_first_to_look(rt, a);
            uint64_t recoveries = h->recoveries;
            s->first_in_line = 0;
            /* from here a handler bumps the word: the futex cannot sleep past it */
            ref_signals_watch(&s->wake);
            unlock_and_wake(rt, a);
            injection_point(rt, REF_AT_UNLOCKED);
            for (;;) {
                err = sleep_for_outcome(rt, s, seen, signals, until, look);
                /* decided: the outcome stands, whatever else woke it (as
                 * Linux's woken task finds its result before it looks for
                 * signals) */
                r = take_outcome(rt, a, &own, resume, out);
                if (r != MODEL_BLOCKED) {
                    ref_signals_watch(NULL);
                    *unlocked = 1;
                    return r;
                }
                if (err || ref_signals_seen() != signals || !woken_to_look(h, s, recoveries, &seen))
                    break;
                look = 1;
            }
            ref_signals_watch(NULL);
            if (err != ETIMEDOUT && ref_signals_seen() != signals)
                err = EINTR;
            if (lock(rt, a) < 0)
                return LOCK_LOST;      /* the waiter record stays: the arena is unusable */
#ifdef REF_TEST_FAULTS
            /* lost-wakeup: ended by a signal and no wake-up seen, it takes
             * itself for interrupted, though the model decided its wait */
            if (err == EINTR && s->waiting == 2 && __atomic_load_n(&s->wake, __ATOMIC_ACQUIRE) == seen &&
                model_wait_resolved(&a->state->ns, rt->pid))
                lost = 1;
#endif
        }
        if (err == EINTR)
            txn_event(a, MODEL_INTERRUPT, rt->pid, 0);
        else if (err == ETIMEDOUT && deadline)
            txn_event(a, MODEL_TIMEOUT, rt->pid, 0);
        resume->now = now_seconds();
        r = ref_txn(a, resume, in, out);
        if (r != MODEL_BLOCKED)
            break;
        s->notified = 0;
        s->decided = 0;
        own.ref = model_wait_ref(&a->state->ns, rt->pid);
    }
    if (lost)
        r = -EINTR;
    end_wait(h, s);
    return r;
}

/* ---------- the calls that need no memory of their own ---------- */

/* One call: REC applied and, when the model says blocked and RESUME names
 * the record that collects the outcome, the wait for it (until DEADLINE,
 * for semtimedop).  The call's result, errno style. */
static long call(struct ref_runtime *rt, struct model_request *rq, const void *in, void *out, enum model_op resume,
                 const struct timespec *deadline)
{
    struct ref_arena *a = &rt->arena;
    unsigned long signals = ref_signals_seen();
    uint64_t ticket = stage(rt, a, rq, in);
    if (resume)
        injection_point(rt, REF_AT_START);
    if (lock_as(rt, a, 1) < 0)
        return -1;
    long r = own_txn(rt, a, rq, in, out, ticket);
    if (r == MODEL_BLOCKED && resume) {
        /* msgsnd and msgrcv resume with their own arguments; semop's
         * waiter record holds its operations */
        if (resume == MODEL_SEM_RESUME)
            fill_request(rt, rq, resume);
        rq->op = resume;
        int unlocked = 0;
        r = wait_outcome(rt, a, rq, in, out, deadline, signals, &unlocked);
        if (r == LOCK_LOST)
            return -1;
        if (unlocked)
            return result(r);
    }
    unlock_and_wake(rt, a);
    return result(r);
}

/* The runtime and a record for OP, or NULL (errno set). */
static struct ref_runtime *begin(struct model_request *rq, enum model_op op)
{
    struct ref_runtime *rt = self();
    if (rt) {
        fill_request(rt, rq, op);
        rt->woke_sleepers = (rt->woke_sleepers << 1) & 3;
    }
#ifdef REF_TEST_FAULTS
    if (rt)
        rt->fault.nsops = rt->fault.resolved = 0;
#endif
    return rt;
}

int ref_msgget(key_t key, int flags)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_MSGGET);
    if (!rt)
        return -1;
    rq.arg[0] = key;
    rq.arg[1] = flags;
    return (int)call(rt, &rq, NULL, NULL, 0, NULL);
}

int ref_msgsnd(int id, const void *msgp, size_t size, int flags)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_MSGSND);
    if (!rt)
        return -1;
    rq.arg[0] = id;
    rq.arg[2] = (long)size;
    rq.arg[3] = flags;
    rq.flags = msgp ? 0 : MODEL_NULL_BUFFER;
    int r = (int)call(rt, &rq, msgp, NULL, MODEL_MSGSND_RESUME, NULL);
#ifdef REF_TEST_FAULTS
    /* double-delivery: a send with IPC_NOWAIT that went straight to a
     * waiting receiver is queued as well, for the next receiver */
    if (r == 0 && msgp && (flags & IPC_NOWAIT) && rt->fault.resolved && FAULT(DOUBLE_DELIVERY)) {
        int saved = errno;
        begin(&rq, MODEL_MSGSND);
        rq.arg[0] = id;
        rq.arg[2] = (long)size;
        rq.arg[3] = flags;
        call(rt, &rq, msgp, NULL, 0, NULL);
        errno = saved;
    }
#endif
    return r;
}

ssize_t ref_msgrcv(int id, void *msgp, size_t size, long type, int flags)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_MSGRCV);
    if (!rt)
        return -1;
    rq.arg[0] = id;
    rq.arg[2] = (long)size;
    rq.arg[3] = type;
    rq.arg[4] = flags;
    rq.flags = msgp ? 0 : MODEL_NULL_BUFFER;
    return call(rt, &rq, NULL, msgp, MODEL_MSGRCV_RESUME, NULL);
}

/* msgctl and shmctl: the structure BUF is read (IPC_SET) or filled. */
static int ctl_call(enum model_op op, int id, int cmd, void *buf)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, op);
    if (!rt)
        return -1;
    rq.arg[0] = id;
    rq.arg[1] = cmd;
    rq.flags = buf ? 0 : MODEL_NULL_BUFFER;
    return (int)call(rt, &rq, buf, buf, 0, NULL);
}

int ref_msgctl(int id, int cmd, void *buf)
{
    return ctl_call(MODEL_MSGCTL, id, cmd, buf);
}

int ref_semget(key_t key, int nsems, int flags)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_SEMGET);
    if (!rt)
        return -1;
    rq.arg[0] = key;
    rq.arg[1] = nsems;
    rq.arg[2] = flags;
    return (int)call(rt, &rq, NULL, NULL, 0, NULL);
}

static int semop_call(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout);

#ifdef REF_TEST_FAULTS
/* semop-split: look whether every sembuf can proceed (IPC_STAT and GETALL,
 * each a call of its own), then apply them one by one, each under the lock
 * alone: between two, other processes run, and a waiter the first one
 * resolved takes what it gave.  1 when the look says no (the real call
 * decides), else the result. */
static int split_semop(int id, const struct sembuf *user, size_t nsops)
{
    struct sembuf sops[8];
    struct semid_ds ds;
    unsigned short vals[64];
    int v[64];
    if (ref_copy_guarded(sops, user, nsops * sizeof(sops[0])) < 0 ||
        ref_semctl(id, 0, IPC_STAT, (unsigned long)(uintptr_t)&ds) < 0 || ds.sem_nsems > 64 ||
        ref_semctl(id, 0, GETALL, (unsigned long)(uintptr_t)vals) < 0)
        return 1;
    if (nsops > (size_t)ref_process.arena.state->ns.limits.semopm)
        return 1;                      /* E2BIG: the real call says so (attached by now) */
    for (size_t i = 0; i < ds.sem_nsems; i++)
        v[i] = vals[i];
    for (size_t i = 0; i < nsops; i++) {
        const struct sembuf *b = &sops[i];
        if (b->sem_num >= ds.sem_nsems || (b->sem_op < 0 && v[b->sem_num] < -b->sem_op) ||
            (b->sem_op == 0 && v[b->sem_num] != 0) || v[b->sem_num] + b->sem_op > 32767)
            return 1;
        v[b->sem_num] += b->sem_op;
    }
    for (size_t i = 0; i < nsops; i++)
        if (semop_call(id, &sops[i], 1, NULL) < 0)
            return -1;
    return 0;
}
#endif

int ref_semtimedop(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
#ifdef REF_TEST_FAULTS
    if (sops && nsops >= 2 && nsops <= 8 && !timeout && FAULT(SEMOP_SPLIT)) {
        int r = split_semop(id, sops, nsops);
        if (r != 1)
            return r;
    }
#endif
    return semop_call(id, sops, nsops, timeout);
}

static int semop_call(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_SEMTIMEDOP);
    if (!rt)
        return -1;
#ifdef REF_TEST_FAULTS
    rt->fault.nsops = (int)nsops;
#endif
    /* the timeout is read first (ksys_semtimedop), without dying of a bad pointer */
    struct timespec limit;
    if (timeout && ref_copy_guarded(&limit, timeout, sizeof(limit)) < 0) {
        errno = EFAULT;
        return -1;
    }
    if (timeout)
        timeout = &limit;
    /* the wait ends at a fixed instant, however often it is woken */
    struct timespec deadline;
    if (timeout) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        if (timeout->tv_sec >= 0 && timeout->tv_nsec >= 0 && timeout->tv_nsec < 1000000000L) {
            deadline.tv_sec += timeout->tv_sec;
            deadline.tv_nsec += timeout->tv_nsec;
            if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
            }
        }
    }
    rq.arg[0] = id;
    rq.arg[2] = (long)nsops;
    rq.arg[3] = timeout != NULL;
    rq.arg[4] = timeout ? timeout->tv_sec : 0;
    rq.arg[5] = timeout ? timeout->tv_nsec : 0;
    rq.flags = sops ? 0 : MODEL_NULL_BUFFER;
    return (int)call(rt, &rq, sops, NULL, MODEL_SEM_RESUME, timeout ? &deadline : NULL);
}

int ref_semctl(int id, int num, int cmd, unsigned long arg)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_SEMCTL);
    if (!rt)
        return -1;
    rq.arg[0] = id;
    rq.arg[1] = num;
    rq.arg[2] = cmd;
    rq.arg[3] = (long)arg;
    void *ptr = (void *)(uintptr_t)arg;
    /* every command but the value ones takes a pointer */
    const struct ctl_cmd *c = ctl_cmd_find(CTL_SEM, cmd);
    rq.flags = ptr || (c && c->buffer == CTL_BUF_NONE) ? 0 : MODEL_NULL_BUFFER;
    return (int)call(rt, &rq, ptr, ptr, 0, NULL);
}

/* ---------- shared memory ---------- */

/* Under the lock: the memory of segments the model destroyed leaves use,
 * given back by the process PID started at START once it has dropped the
 * lock.  Each extent leaves the table before it is handed on: a death in
 * between loses it (a hole the file keeps), never gives it out twice. */
static void release_dead_segments(struct ref_arena *a, pid_t pid, uint64_t start)
{
    struct ref_header *h = a->hdr;
    int high = -1;
    for (int i = 0; i <= h->seg_high; i++) {
        int id = h->seg_id[i];
        if (!id)
            continue;
        if (!model_ids_find(&a->state->ns.shm_ids, id - 1)) {
            struct ref_extent e = h->seg[i];
            h->seg_id[i] = 0;
            h->seg[i] = (struct ref_extent){ 0, 0 };
            h->seg_live--;
            ref_space_release(a, e, pid, start);
        } else {
            high = i;
        }
    }
    h->seg_high = high;
    h->shm_destroyed_seen = a->state->ns.shm_destroyed;
}

/* Under the lock: where segment ID's memory (SIZE bytes) is in the file,
 * made zero at its first attachment; 0 when the file cannot grow. */
static uint64_t segment_memory(struct ref_arena *a, int id, size_t size)
{
    struct ref_header *h = a->hdr;
    int idx = id & (MODEL_IPCMNI - 1);
    if (h->seg_id[idx] == id + 1 && h->seg[idx].len >= size)
        return h->seg[idx].off;
    if (h->seg_id[idx]) {                      /* a destroyed segment's, not given back yet */
        struct ref_extent old = h->seg[idx];
        h->seg_id[idx] = 0;
        h->seg_live--;
        ref_space_free(a, old);
    }
    struct ref_extent e = ref_space_alloc(a, size, PAGE_BYTES);
    if (!e.len)
        return 0;
    h->seg[idx] = e;
    h->seg_id[idx] = id + 1;
    h->seg_live++;
    if (idx > h->seg_high)
        h->seg_high = idx;
    return e.off;
}

int ref_shmget(key_t key, size_t size, int flags)
{
    struct model_request rq;
    struct ref_runtime *rt = begin(&rq, MODEL_SHMGET);
    if (!rt)
        return -1;
    rq.arg[0] = key;
    rq.arg[1] = (long)size;
    rq.arg[2] = flags;
    return (int)call(rt, &rq, NULL, NULL, 0, NULL);
}

/* Under the lock: an attachment at ADDR that could not be mapped is
 * taken back, as a detach would. */
static void take_back_attach(struct ref_runtime *rt, struct ref_arena *a, long addr)
{
    struct model_request dt;
    fill_request(rt, &dt, MODEL_SHMDT);
    dt.arg[0] = addr;
    ref_txn(a, &dt, NULL, NULL);
}

void *ref_shmat(int id, const void *addr, int flags)
{
    struct ref_runtime *rt = self();
    if (!rt)
        return (void *)-1;
    /* before the attachment exists: a fork from now on is put in the model */
    __atomic_store_n(&rt->may_be_attached, 1, __ATOMIC_SEQ_CST);
    struct ref_arena *a = &rt->arena;
    if (lock(rt, a) < 0)
        return (void *)-1;
    const struct model_shm *shp = id >= 0 ? model_ids_find(&a->state->ns.shm_ids, id) : NULL;
    size_t size = shp ? shp->map_size : 0;
    void *reserve = NULL;
    /* an address that SHM_RND rounds down to 0 lets the kernel choose too */
    uintptr_t wanted = (flags & SHM_RND) ? (uintptr_t)addr & ~(uintptr_t)(SHMLBA - 1) : (uintptr_t)addr;
    if (!wanted && size) {
        /* where an attachment at 0 lands: a hole the kernel picks for us */
        size_t align = shp->huge ? shp->huge_page : 0;
        unsigned char *p = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            unsigned char *at = align ? (unsigned char *)(((uintptr_t)p + align - 1) & ~(align - 1)) : p;
            if (at > p)
                munmap(p, (size_t)(at - p));
            if (align)
                munmap(at + size, (size_t)(p + size + align - (at + size)));
            reserve = at;
        }
    }
    /* the segment's memory is found before the model counts the
     * attachment (and, with SHM_REMAP, takes the range's away): a file
     * that cannot grow fails the call with nothing changed.  Finding it
     * costs no memory (the file grows sparse), also for a shmat the model
     * then refuses */
    uint64_t off = 0;
    if (size && !(off = segment_memory(a, id, size))) {
        if (reserve)
            munmap(reserve, size);
        unlock_and_wake(rt, a);
        errno = ENOMEM;
        return (void *)-1;
    }
    int remap = (flags & SHM_REMAP) && wanted;
    struct model_request rq;
    fill_request(rt, &rq, MODEL_SHMAT);
    rq.arg[0] = id;
    rq.arg[1] = (long)(uintptr_t)addr;
    rq.arg[2] = flags;
    rq.arg[3] = (long)(uintptr_t)reserve;
    long r = ref_txn(a, &rq, NULL, NULL);
    int attached = r >= 0 || r < -4095;
    unlock_and_wake(rt, a);
    /* mapped without the lock (a system call that can take long): the
     * attachment the model counts keeps the memory where it is, and only
     * this process maps into its own address space */
    if (attached) {
        int prot = PROT_READ | ((flags & SHM_RDONLY) ? 0 : PROT_WRITE) | ((flags & SHM_EXEC) ? PROT_EXEC : 0);
        int fixed = (reserve || (flags & SHM_REMAP)) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
        void *at = mmap((void *)(uintptr_t)r, size, prot, MAP_SHARED | fixed, a->fd, (off_t)off);
        if (at != MAP_FAILED && at == (void *)(uintptr_t)r) {
            reserve = NULL;            /* replaced by the segment */
        } else {
            /* the range holds another mapping: shmat's EINVAL, the
             * attachment taken back as a detach would; after a remap, the
             * attachments the model took away go from the range too (a
             * failed MAP_FIXED may have left them), never mapped to memory
             * that another segment may be given */
            if (at != MAP_FAILED)
                munmap(at, size);
            if (remap)
                munmap((void *)(uintptr_t)r, size);
            if (lock(rt, a) == 0) {
                take_back_attach(rt, a, r);
                unlock_and_wake(rt, a);
            }
            r = -EINVAL;
        }
    }
    if (reserve)
        munmap(reserve, size);
    if (r < 0 && r >= -4095) {
        errno = (int)-r;
        return (void *)-1;
    }
    return (void *)(uintptr_t)r;
}

int ref_shmdt(const void *addr)
{
    struct ref_runtime *rt = self();
    if (!rt)
        return -1;
    struct ref_arena *a = &rt->arena;
    if (lock(rt, a) < 0)
        return -1;
    /* the mappings the detach takes: one, unless a later attachment with
     * SHM_REMAP split it (more than a few: listed in the bounce buffer,
     * which a detach's record does not use) */
    struct model_piece few[DETACH_PIECES], *pieces = few;
    int n = model_shmdt_pieces(&a->state->ns, rt->pid, (uintptr_t)addr, 0, few, DETACH_PIECES);
    if (n > DETACH_PIECES) {
        pieces = ref_arena_bounce(a, (size_t)n * sizeof(*pieces));
        if (!pieces) {
            unlock_and_wake(rt, a);
            errno = ENOMEM;
            return -1;
        }
        model_shmdt_pieces(&a->state->ns, rt->pid, (uintptr_t)addr, 0, pieces, n);
    }
    struct model_request rq;
    fill_request(rt, &rq, MODEL_SHMDT);
    rq.arg[0] = (long)(uintptr_t)addr;
    long r = ref_txn(a, &rq, NULL, NULL);
    unlock_and_wake(rt, a);
    /* unmapped without the lock (tearing down a large mapping takes long):
     * the model counts the detach already, and the range's memory, even
     * if another process destroys the segment and its memory is given to
     * a new one meanwhile, is not touched by this call */
    for (int i = 0; r == 0 && i < n; i++)
        munmap((void *)pieces[i].addr, pieces[i].size);
    return (int)result(r);
}

int ref_shmctl(int id, int cmd, void *buf)
{
    return ctl_call(MODEL_SHMCTL, id, cmd, buf);
}

/* ---------- processes ---------- */

static pid_t (*libc_fork)(void);

pid_t ref_real_fork(void)
{
    if (!libc_fork) {
        libc_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
        if (!libc_fork)
            libc_fork = fork;
    }
    return libc_fork();
}

pid_t ref_fork(void)
{
    /* a process that has not used IPC has nothing a child inherits: no
     * attachments, no arena to make (sh -c 'echo | cat' makes none) */
    struct ref_runtime *rt = &ref_process;
    if (!rt->registered || !rt->attached)
        return ref_real_fork();
    /* nor, for the model, does one without attachments: its child's
     * first call registers it as a new process, watched by the keeper
     * from before its slot, and a child that makes none costs nothing.
     * (The parent's part of putting each fork in the model, its start
     * time, the lock and the keeper's answer, took the parent of 400
     * short-lived children 340 ms of CPU where the kernel's took 200.) */
    if (!__atomic_load_n(&rt->may_be_attached, __ATOMIC_RELAXED)) {
        pid_t child = ref_real_fork();
        if (child == 0)
            rt->fork_child = 1;
        return child;
    }
    struct ref_arena *a = &rt->arena;
    pid_t parent = rt->pid;
    uint64_t parent_start = rt->start_time;
    /* without the lock: a fork takes long (hundreds of microseconds, and
     * more to read the child's start time), and every other process waited
     * that long when the lock was held across it (with 400 processes made,
     * a tenth of msg_pairs's time at 200 pairs) */
    pid_t child = ref_real_fork();
    if (child == 0) {
        /* on_fork_child has cleared what was the parent's; our fork is
         * put in the model and our slot made by the parent or by our
         * first call, and the parent has the keeper watch us: a fork child
         * runs on at once, never asleep in a registration before the
         * program's next step */
        rt->forked = 1;
        rt->fork_parent = parent;
        rt->fork_parent_start = parent_start;
        return 0;
    }
    if (child < 0)
        return child;
    injection_point(rt, REF_AT_FORKED);
    uint64_t start = ref_start_time(child);
    if (lock(rt, a) < 0)
        return child;
    fork_once(a, parent, parent_start, child, start);
    /* the child we tell the keeper of: if we die before we do, our slot
     * says so, and the keeper looks for it */
    struct ref_proc_slot *me = &a->hdr->procs[rt->slot];
    __atomic_add_fetch(&me->tells_pending, 1, __ATOMIC_RELEASE);
    unlock_and_wake(rt, a);
    injection_point(rt, REF_AT_TELLING);
    if (start)
        tell_keeper(a, child, start, 0);
    else
        ref_keeper_watch(a, child, start);   /* reaped already: the keeper applies its end */
    __atomic_sub_fetch(&me->tells_pending, 1, __ATOMIC_RELEASE);
    return child;
}

int ref_apply_exit(struct ref_arena *a, pid_t pid, uint64_t start, int release)
{
    struct ref_runtime *rt = &ref_process;
    if (lock(rt, a) < 0)
        return 0;
    int i = slot_of(a->hdr, pid);
    if (i >= 0 && (!start || slot_is_mine(a->hdr, pid, start))) {
#ifdef REF_TEST_FAULTS
        /* undo-twice: a process that dies asleep in a call has its
         * adjustments applied at its exit, and then once more */
        struct { int semid, num, adj; } again[16];
        int nagain = 0;
        if (a->hdr->procs[i].waiting && FAULT(UNDO_TWICE))
            for (const struct model_undo *un = a->state->ns.undos[model_pid_bucket(pid)]; un; un = un->next)
                for (int k = 0; un->pid == pid && un->semid >= 0 && k < un->nsems && nagain < 16; k++)
                    if (un->semadj[k])
                        again[nagain++] = (typeof(again[0])){ un->semid, k, un->semadj[k] };
#endif
        txn_event(a, MODEL_EXIT, pid, 0);
#ifdef REF_TEST_FAULTS
        for (int k = 0; k < nagain; k++) {
            struct model_request rq;
            struct sembuf sb = { .sem_num = (unsigned short)again[k].num, .sem_op = (short)again[k].adj,
                                 .sem_flg = IPC_NOWAIT };
            fill_request(rt, &rq, MODEL_SEMTIMEDOP);
            rq.caller.pid = pid;
            rq.arg[0] = again[k].semid;
            rq.arg[2] = 1;
            ref_txn(a, &rq, &sb, NULL);
        }
#endif
        free_slot(a, i);
        /* it may have died between deciding a wake-up and making it */
        wake_waiters(rt, a, 1);
    }
    int left = !release && (segments_to_release(a) || a->hdr->releasing_high);   /* or entries to sweep */
    unlock_wake_release(rt, a, release ? RELEASE_MINE : RELEASE_NONE);
    return left;
}

void ref_process_gone(pid_t pid)
{
    if (ref_process.attached) {
        ref_apply_exit(&ref_process.arena, pid, 0, 1);
        nudge_keeper(&ref_process.arena);
    }
}

/* ---------- the namespace's files ---------- */

/* The runtime attached to the arena if there is one, without making one
 * or registering: a reader of the namespace's files.  NULL when there is
 * no arena (errno ENOENT) or it cannot be mapped. */
static struct ref_runtime *peek(void)
{
    struct ref_runtime *rt = &ref_process;
    if (rt->attached)
        return rt;
    char fallback[4096], why[512];
    const char *path = arena_path(fallback, sizeof(fallback), 0, why, sizeof(why));
    if (!path || (strncmp(path, "fd:", 3) != 0 && ref_sys_access(path, F_OK) < 0)) {
        errno = ENOENT;
        return NULL;
    }
    if (ref_attach(path, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc-ref: %s\n", why);
        errno = EIO;
        return NULL;
    }
    return rt;
}

/* A reader's view without an arena: a fresh namespace's. */
static struct model_ns *fresh_namespace(void)
{
    struct model_ns *ns = model_ns_new();
    if (!ns)
        errno = ENOMEM;
    return ns;
}

char *ref_sysvipc_text(const char *table, size_t *len)
{
    struct ref_runtime *rt = peek();
    struct model_ns *fresh = NULL;
    if (!rt && (errno != ENOENT || !(fresh = fresh_namespace())))
        return NULL;
    if (rt && lock(rt, &rt->arena) < 0)
        return NULL;
    const struct model_ns *ns = rt ? &rt->arena.state->ns : fresh;
    size_t need = model_sysvipc_text(ns, table, NULL, 0) + 1;
    char *text = malloc(need);
    if (text)
        *len = model_sysvipc_text(ns, table, text, need);
    if (rt)
        unlock_and_wake(rt, &rt->arena);
    if (fresh)
        model_ns_free(fresh);
    if (!text)
        errno = ENOMEM;
    return text;
}

int ref_sysctl(const char *name, const char *value, char *buf, size_t size)
{
    if (!value) {
        /* a read makes no arena: without one, the fresh namespace's limits */
        struct ref_runtime *rt = peek();
        struct model_ns *fresh = NULL;
        if (!rt && (errno != ENOENT || !(fresh = fresh_namespace())))
            return -1;
        if (rt && lock(rt, &rt->arena) < 0)
            return -1;
        long r = model_sysctl_read(rt ? &rt->arena.state->ns : fresh, name, buf, size);
        if (rt)
            unlock_and_wake(rt, &rt->arena);
        if (fresh)
            model_ns_free(fresh);
        return (int)result(r);
    }
    struct ref_runtime *rt = self();
    if (!rt)
        return -1;
    struct ref_arena *a = &rt->arena;
    long r;
    if (lock(rt, a) < 0)
        return -1;
    {
        size_t n = strlen(name) + 1, m = strlen(value) + 1;
        char *in = malloc(n + m);
        if (!in) {
            r = -ENOMEM;
        } else {
            memcpy(in, name, n);
            memcpy(in + n, value, m);
            struct model_request rq;
            fill_request(rt, &rq, MODEL_SYSCTL_WRITE);
            rq.arg[0] = (long)(n + m);
            r = ref_txn(a, &rq, in, NULL);
            free(in);
        }
    }
    unlock_and_wake(rt, a);
    return (int)result(r);
}

int ref_sysvipc_line(const char *table, int id, char *out, size_t size)
{
    struct ref_runtime *rt = self();
    if (!rt)
        return -1;
    if (lock(rt, &rt->arena) < 0)
        return -1;
    int r = model_sysvipc_line(&rt->arena.state->ns, table, id, (unsigned char *)out, size);
    unlock_and_wake(rt, &rt->arena);
    return r;
}

/* ---------- harness and tests ---------- */

int ref_join(const char *path, char *why, size_t size)
{
    struct ref_runtime *rt = &ref_process;
    if (ref_attach(path, why, size) < 0)
        return -1;
    if (register_self(rt) < 0) {
        snprintf(why, size, "cannot register with the arena's keeper: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void ref_after_exec(void)
{
    struct ref_runtime *rt = &ref_process;
    char fallback[4096], why[512];
    const char *path = arena_path(fallback, sizeof(fallback), 0, why, sizeof(why));
    if (!path || (strncmp(path, "fd:", 3) != 0 && ref_sys_access(path, F_OK) < 0))
        return;                        /* no arena yet: nobody to tell */
    if (ref_attach(path, why, sizeof(why)) < 0 || ref_lock(&rt->arena) < 0)
        return;
    int mine = slot_is_mine(rt->arena.hdr, getpid(), ref_start_time(0));
    ref_unlock(&rt->arena);
    if (mine)
        register_self(rt);
}

void ref_set_huge_pool(unsigned long free_pages, int log)
{
    struct ref_runtime *rt = &ref_process;
    if (!rt->attached || ref_lock(&rt->arena) < 0)
        return;
    txn_event(&rt->arena, MODEL_SET_HUGEPAGES, (long)free_pages, log);
    ref_unlock(&rt->arena);
}

void ref_set_commit(unsigned long pages, int noreserve_ignored)
{
    struct ref_runtime *rt = &ref_process;
    if (!rt->attached || ref_lock(&rt->arena) < 0)
        return;
    txn_event(&rt->arena, MODEL_SET_COMMIT, (long)pages, noreserve_ignored);
    ref_unlock(&rt->arena);
}

int ref_arena_new_fd(char *why, size_t size)
{
    struct ref_runtime *rt = &ref_process;
    if (rt->attached) {
        ref_arena_unmap(&rt->arena);
        rt->attached = 0;
    }
    int fd = memfd_create("svipc-ref", MFD_CLOEXEC);
    if (fd < 0) {
        snprintf(why, size, "memfd_create: %s", strerror(errno));
        return -1;
    }
    snprintf(rt->name, sizeof(rt->name), "the scenario's arena");
    if (ref_arena_format(&rt->arena, fd, rt->name, why, size) < 0) {
        ref_sys_close(fd);
        return -1;
    }
    pthread_once(&fork_handler_once, install_fork_handler);
    rt->attached = 1;
    rt->registered = 1;                /* the coordinator only looks */
    return fd;
}

int ref_blocked(const char *line)
{
    struct ref_runtime *rt = &ref_process;
    if (!rt->attached)
        return 0;
    unsigned long nr, uaddr, op, val;
    if (sscanf(line, "%lu 0x%lx 0x%lx 0x%lx", &nr, &uaddr, &op, &val) != 4 || nr != SYS_futex)
        return 0;
    const struct ref_header *h = rt->arena.hdr;
    uintptr_t first = (uintptr_t)&h->procs[0].wake;
    if (uaddr < first || uaddr >= first + sizeof(h->procs))
        return 0;
    size_t i = (uaddr - first) / sizeof(struct ref_proc_slot);
    const struct ref_proc_slot *s = &h->procs[i];
    if ((uintptr_t)&s->wake != uaddr)
        return 0;
    /* asleep on its word, and nobody has woken it since it looked */
    return __atomic_load_n(&s->waiting, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&s->wake, __ATOMIC_ACQUIRE) == (uint32_t)val;
}

long ref_verify_replay(void)
{
    struct ref_runtime *rt = self();
    if (!rt)
        return -1;
    if (ref_lock(&rt->arena) < 0)
        return -1;
    long r = ref_arena_verify_replay(&rt->arena);
    ref_unlock(&rt->arena);
    return r;
}

void ref_inject_crash(unsigned long n)
{
    ref_process.arena.crash_countdown = n;
}

void ref_stats(struct ref_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct ref_runtime *rt = &ref_process;
    if (!rt->attached)
        return;
    const struct ref_header *h = rt->arena.hdr;
    out->transactions = h->transactions;
    out->checkpoints = h->checkpoints;
    out->recoveries = h->recoveries;
    out->nwaiting = h->nwaiting;
    out->keeper_pid = h->keeper_pid;
    for (int i = 0; i <= h->proc_high; i++)
        out->nprocs += h->procs[i].pid != 0;
    out->segments = (unsigned)rt->arena.state->ns.shm_ids.in_use;
    out->segment_memory = (unsigned)h->seg_live;
    for (uint32_t i = 0; i < h->releasing_high && i < REF_MAX_RELEASING; i++)
        out->releasing += h->releasing[i].pid != 0;
}
