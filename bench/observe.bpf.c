/* observe.bpf.c: the BPF side of observe.h.  The processes watched are the
 * descendants of root_tgid (followed through sched_process_fork); a watched
 * task's entry into a call of the watched table is stamped, and its exit
 * adds the call's duration to that call's log2 histogram.
 * Must not: count root_tgid's own calls, or keep a task's stamp past its
 * exit (an LRU map drops stamps of tasks that died inside a call). */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define BUCKETS 40
#define SLOTS 16
#define MAX_NR 512

const volatile int root_tgid;

struct counts {
    __u64 calls, errors;
    __u64 log2_ns[BUCKETS];
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
    __type(value, __u8);
} tracked SEC(".maps");

struct stamp {
    __u64 start;
    __u32 slot;
};

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 16384);
    __type(key, __u32);         /* tid */
    __type(value, struct stamp);
} inflight SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, SLOTS);
    __type(key, __u32);
    __type(value, struct counts);
} histograms SEC(".maps");

SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
    __u32 ptgid = parent->tgid, ctgid = child->tgid;
    __u8 yes = 1;
    if (ptgid == ctgid)
        return 0;
    if (ptgid == (__u32)root_tgid || bpf_map_lookup_elem(&tracked, &ptgid))
        bpf_map_update_elem(&tracked, &ctgid, &yes, BPF_ANY);
    return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_task_exit, struct task_struct *task)
{
    __u32 tid = task->pid, tgid = task->tgid;
    bpf_map_delete_elem(&inflight, &tid);
    if (tid == tgid)
        bpf_map_delete_elem(&tracked, &tgid);
    return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(on_enter, struct pt_regs *regs, long id)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u32 tgid = pid_tgid >> 32, tid = (__u32)pid_tgid, nr = (__u32)id;
    if (nr >= MAX_NR || !bpf_map_lookup_elem(&tracked, &tgid))
        return 0;
    __u32 *slot = bpf_map_lookup_elem(&watched, &nr);
    if (!slot || !*slot)
        return 0;
    struct stamp s = { bpf_ktime_get_ns(), *slot - 1 };
    bpf_map_update_elem(&inflight, &tid, &s, BPF_ANY);
    return 0;
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

SEC("tp_btf/sys_exit")
int BPF_PROG(on_exit_call, struct pt_regs *regs, long ret)
{
    __u32 tid = (__u32)bpf_get_current_pid_tgid();
    struct stamp *s = bpf_map_lookup_elem(&inflight, &tid);
    if (!s)
        return 0;
    __u64 took = bpf_ktime_get_ns() - s->start;
    __u32 slot = s->slot;
    bpf_map_delete_elem(&inflight, &tid);
    struct counts *c = bpf_map_lookup_elem(&histograms, &slot);
    if (!c)
        return 0;
    __u32 b = log2_of(took);
    c->calls++;
    if (ret < 0)
        c->errors++;
    if (b < BUCKETS)
        c->log2_ns[b]++;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
