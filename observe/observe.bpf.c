/* observe.bpf.c: the BPF side of observe.h.  A scope is a process that
 * registered itself (its tgid is the scope's number; the user side writes
 * it into `tracked`, not counted itself); its descendants, followed through
 * sched_process_fork, are counted in it.  For a counted task:
 *   - sys_enter/sys_exit: a call of the watched table is stamped at entry
 *     and its duration goes into the call's log2 histogram at exit, with
 *     whether it slept and how long (sched_switch tells);
 *   - sched_switch and sched_wakeup: each switch out (asleep or
 *     preempted); for a task that went to sleep, the time asleep (switch
 *     out to wake-up) and the wake-up-to-run latency (wake-up to switch
 *     in); at each switch in, a migration when the CPU is not its last one.
 * Everything is counted per scope in per-CPU hashes the user side reads
 * and deletes.
 * Must not: count a process that is not a scope's descendant, or keep a
 * task's state past its exit (LRU maps drop those of tasks that died
 * inside a call or asleep). */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define BUCKETS 40
#define MAX_NR 512
#define TASK_DEAD 0x80          /* include/linux/sched.h */

struct scope_of {
    __u32 scope;
    __u32 counted;              /* 0: the scope's own process */
};

struct call_key {
    __u32 scope, slot;
};

struct counts {                 /* observe.c has the same */
    __u64 calls, errors, slept, total_ns, asleep_ns;
    __u64 log2_ns[BUCKETS];
};

struct sched_counts {           /* observe.c has the same */
    __u64 switches, preempted, sleeps, migrations, wakeups, asleep_ns;
    __u64 wake_log2_ns[BUCKETS];
};

/* a task's call in flight and its scheduling state */
struct task_state {
    __u64 call_start;           /* 0: in no watched call */
    __u64 asleep_at, woken_at;  /* 0: not asleep, not woken */
    __u64 call_asleep_ns;
    __u32 slot, scope;
    __s32 last_cpu;             /* -1: not yet seen on a CPU */
    __u32 call_slept;
};

/* system call number -> slot + 1 (0: not watched), filled before loading */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, MAX_NR);
    __type(key, __u32);
    __type(value, __u32);
} watched SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);         /* tgid */
    __type(value, struct scope_of);
} tracked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);         /* tid */
    __type(value, struct task_state);
} tasks SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 4096);
    __type(key, struct call_key);
    __type(value, struct counts);
} histograms SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);         /* scope */
    __type(value, struct sched_counts);
} scheduling SEC(".maps");

const struct counts zero_counts = {};
const struct sched_counts zero_sched = {};

/* The scope a counted process of TGID is in: its number, or 0. */
static __u32 counted_scope(__u32 tgid)
{
    struct scope_of *s = bpf_map_lookup_elem(&tracked, &tgid);
    return s && s->counted ? s->scope : 0;
}

static struct task_state *state_of(__u32 tid, __u32 scope)
{
    struct task_state *t = bpf_map_lookup_elem(&tasks, &tid);
    if (t)
        return t;
    struct task_state fresh = { .scope = scope, .last_cpu = -1 };
    bpf_map_update_elem(&tasks, &tid, &fresh, BPF_NOEXIST);
    return bpf_map_lookup_elem(&tasks, &tid);
}

static struct counts *counts_of(__u32 scope, __u32 slot)
{
    struct call_key k = { scope, slot };
    struct counts *c = bpf_map_lookup_elem(&histograms, &k);
    if (c)
        return c;
    bpf_map_update_elem(&histograms, &k, &zero_counts, BPF_NOEXIST);
    return bpf_map_lookup_elem(&histograms, &k);
}

static struct sched_counts *sched_of(__u32 scope)
{
    struct sched_counts *c = bpf_map_lookup_elem(&scheduling, &scope);
    if (c)
        return c;
    bpf_map_update_elem(&scheduling, &scope, &zero_sched, BPF_NOEXIST);
    return bpf_map_lookup_elem(&scheduling, &scope);
}

static __u32 log2_of(__u64 v)
{
    __u32 b = 0;
    for (int i = 0; i < BUCKETS - 1 && v > 1; i++) {
        v >>= 1;
        b++;
    }
    return b;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 ptgid = parent->tgid, ctgid = child->tgid;
    if (ptgid == ctgid)
        return 0;
    struct scope_of *p = bpf_map_lookup_elem(&tracked, &ptgid);
    if (!p)
        return 0;
    struct scope_of c = { p->scope, 1 };
    bpf_map_update_elem(&tracked, &ctgid, &c, BPF_ANY);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *task)
{
    __u32 tid = task->pid, tgid = task->tgid;
    bpf_map_delete_elem(&tasks, &tid);
    if (tid == tgid)
        bpf_map_delete_elem(&tracked, &tgid);
    return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid, nr = (__u32)id;
    if (nr >= MAX_NR)
        return 0;
    __u32 scope = counted_scope(tgid);
    if (!scope)
        return 0;
    __u32 *slot = bpf_map_lookup_elem(&watched, &nr);
    if (!slot || !*slot)
        return 0;
    struct task_state *t = state_of(tid, scope);
    if (!t)
        return 0;
    t->scope = scope;
    t->slot = *slot - 1;
    t->call_slept = 0;
    t->call_asleep_ns = 0;
    t->call_start = bpf_ktime_get_ns();
    return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(on_exit_call, struct pt_regs *regs, long ret)
{
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct task_state *t = bpf_map_lookup_elem(&tasks, &tid);
    if (!t || !t->call_start)
        return 0;
    __u64 took = bpf_ktime_get_ns() - t->call_start;
    t->call_start = 0;
    struct counts *c = counts_of(t->scope, t->slot);
    if (!c)
        return 0;
    __u32 b = log2_of(took);
    c->calls++;
    if (ret < 0)
        c->errors++;
    if (t->call_slept)
        c->slept++;
    c->total_ns += took;
    c->asleep_ns += t->call_asleep_ns;
    if (b < BUCKETS)
        c->log2_ns[b]++;
    return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(on_wakeup, struct task_struct *p)
{
    __u32 tid = p->pid;
    struct task_state *t = bpf_map_lookup_elem(&tasks, &tid);
    /* only a task seen going to sleep: its wake-up ends its sleep */
    if (t && t->asleep_at && !t->woken_at)
        t->woken_at = bpf_ktime_get_ns();
    return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(on_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
    __u64 now = bpf_ktime_get_ns();
    /* a task's last switch, on its way out, is neither a sleep nor a preemption */
    __u32 prev_scope = prev->__state & TASK_DEAD ? 0 : counted_scope(prev->tgid);
    if (prev_scope) {
        __u32 tid = prev->pid;
        struct task_state *t = state_of(tid, prev_scope);
        struct sched_counts *s = sched_of(prev_scope);
        /* asleep: it called schedule itself in a state other than running */
        int asleep = !preempt && prev->__state != 0;
        if (t && asleep)
            t->asleep_at = now;
        if (s) {
            s->switches++;
            if (asleep)
                s->sleeps++;
            else
                s->preempted++;
        }
    }
    __u32 next_scope = counted_scope(next->tgid);
    if (!next_scope)
        return 0;
    __u32 tid = next->pid;
    struct task_state *t = state_of(tid, next_scope);
    struct sched_counts *s = sched_of(next_scope);
    if (!t || !s)
        return 0;
    __s32 cpu = (__s32)bpf_get_smp_processor_id();
    if (t->last_cpu >= 0 && t->last_cpu != cpu)
        s->migrations++;
    t->last_cpu = cpu;
    if (!t->asleep_at)
        return 0;
    /* asleep from its switch out to its wake-up (or to now, when the
     * wake-up was not seen), then waiting for a CPU until now */
    __u64 woke = t->woken_at && t->woken_at >= t->asleep_at ? t->woken_at : now;
    __u64 slept = woke - t->asleep_at;
    s->asleep_ns += slept;
    if (t->call_start) {
        t->call_slept = 1;
        t->call_asleep_ns += slept;
    }
    if (t->woken_at) {
        __u32 b = log2_of(now - woke);
        s->wakeups++;
        if (b < BUCKETS)
            s->wake_log2_ns[b]++;
    }
    t->asleep_at = t->woken_at = 0;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
