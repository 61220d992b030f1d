/* test_model_edges.c: white-box tests of the model's internal state where
 * no call can show it: what an operation that runs out of memory leaves
 * behind (the model's own heap, heap.h, is made small and filled, so the
 * next allocation fails where Linux's would not have to), waiters kept
 * by pid beside many more processes than the scenarios have, and where a
 * queue's messages lie in the heap.
 * Must not: be the place for behaviour a scenario can show (suites/ is). */
#define _GNU_SOURCE
#include "heap.h"
#include "model_ns.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/sem.h>

static unsigned char region[1 << 16] __attribute__((aligned(64)));

static long apply_as(struct model_ns *ns, pid_t pid, enum model_op op, const long *args, int n, const void *in,
                     void *out)
{
    struct model_request rq = { .op = op, .now = 1 };
    for (int i = 0; i < n; i++)
        rq.arg[i] = args[i];
    rq.caller.caps = MODEL_CAP_IPC_OWNER | MODEL_CAP_SYS_ADMIN;
    rq.caller.pid = pid;
    return model_apply(ns, &rq, in, out);
}

static long apply(struct model_ns *ns, enum model_op op, const long *args, int n, const void *in, void *out)
{
    return apply_as(ns, 2, op, args, n, in, out);
}

/* A namespace on a heap of its own, and a set of two semaphores in it. */
static int namespace_with_a_set(struct model_ns *ns, struct model_heap *heap)
{
    memset(ns, 0, sizeof(*ns));
    model_heap_init(heap, region, sizeof(region));
    model_ns_init(ns, heap);
    long id = apply(ns, MODEL_SEMGET, (long[]){ 0, 2, IPC_CREAT | 0600 }, 3, NULL, NULL);
    cr_assert_geq(id, 0, "semget: %ld", id);
    return (int)id;
}

static void exhaust(struct model_heap *heap)
{
    while (model_heap_alloc(heap, 16))
        ;
    cr_assert_null(model_heap_alloc(heap, 16));
}

Test(model_edges, semop_out_of_memory_leaves_the_set_as_it_was)
{
    static struct model_ns ns;
    static struct model_heap heap;
    int id = namespace_with_a_set(&ns, &heap);
    const struct model_sem_array *sma = model_ids_find(&ns.sem_ids, id);
    cr_assert(sma);
    unsigned char before[sizeof(*sma) + 2 * sizeof(struct model_sem)];
    memcpy(before, sma, sizeof(before));
    exhaust(&heap);
    /* two operations: a complex one, which would take the global lock */
    struct sembuf sops[2] = { { 0, -1, 0 }, { 1, -1, 0 } };
    long r = apply(&ns, MODEL_SEMTIMEDOP, (long[]){ id, 0, 2, 0, 0, 0 }, 6, sops, NULL);
    cr_assert_eq(r, -ENOMEM, "semop with no memory left: %ld", r);
    cr_expect_eq(sma->use_global_lock, ((const struct model_sem_array *)(void *)before)->use_global_lock,
                 "complex mode's hysteresis changed: %d", sma->use_global_lock);
    cr_expect_arr_eq(sma, before, sizeof(before), "the set changed");
}

/* Waiters are kept in lists hashed on their pid (found as Linux finds a
 * task's own): with three times more waiting processes than lists, each
 * one's wait is its own (decided, collected, the message of its type), and
 * a waiter listed under another pid's list is damage the check reports. */
Test(model_edges, waiters_of_many_more_pids_than_lists_are_each_their_own)
{
    static unsigned char big[1 << 22] __attribute__((aligned(64)));
    static struct model_ns ns;
    static struct model_heap heap;
    enum { PIDS = 3 * MODEL_PID_BUCKETS + 7, FIRST = 100 };
    memset(&ns, 0, sizeof(ns));
    model_heap_init(&heap, big, sizeof(big));
    model_ns_init(&ns, &heap);
    long set = apply(&ns, MODEL_SEMGET, (long[]){ 0, PIDS, IPC_CREAT | 0600 }, 3, NULL, NULL);
    long queue = apply(&ns, MODEL_MSGGET, (long[]){ 0, IPC_CREAT | 0600 }, 2, NULL, NULL);
    cr_assert(set >= 0 && queue >= 0, "semget %ld, msgget %ld", set, queue);
    /* even pids wait for their own semaphore, odd ones for a message of their type */
    for (pid_t pid = FIRST; pid < FIRST + PIDS; pid++) {
        struct sembuf take = { (unsigned short)(pid - FIRST), -1, 0 };
        long r = pid % 2 ? apply_as(&ns, pid, MODEL_MSGRCV, (long[]){ queue, 0, 8, pid, 0 }, 5, NULL, NULL)
                         : apply_as(&ns, pid, MODEL_SEMTIMEDOP, (long[]){ set, 0, 1, 0, 0, 0 }, 6, &take, NULL);
        cr_assert_eq(r, MODEL_BLOCKED, "pid %d: %ld", (int)pid, r);
    }
    char why[256];
    cr_assert_eq(model_ns_check(&ns, (uintptr_t)big, (uintptr_t)big + sizeof(big), why, sizeof(why)), 0, "%s", why);
    /* every third one's wait decided, by a process that does not wait */
    for (pid_t pid = FIRST; pid < FIRST + PIDS; pid += 3) {
        struct sembuf give = { (unsigned short)(pid - FIRST), 1, 0 };
        struct { long type; char text[8]; } m = { pid, "message" };
        long r = pid % 2 ? apply_as(&ns, 1, MODEL_MSGSND, (long[]){ queue, 0, 8, 0 }, 4, &m, NULL)
                         : apply_as(&ns, 1, MODEL_SEMTIMEDOP, (long[]){ set, 0, 1, 0, 0, 0 }, 6, &give, NULL);
        cr_assert_eq(r, 0, "for pid %d: %ld", (int)pid, r);
    }
    for (pid_t pid = FIRST; pid < FIRST + PIDS; pid++)
        cr_expect_eq(model_wait_resolved(&ns, pid), (pid - FIRST) % 3 == 0, "pid %d", (int)pid);
    for (pid_t pid = FIRST; pid < FIRST + PIDS; pid += 3) {
        struct { long type; char text[8]; } got = { 0, "" };
        long r = pid % 2 ? apply_as(&ns, pid, MODEL_MSGRCV_RESUME, (long[]){ queue, 0, 8, pid, 0 }, 5, NULL, &got)
                         : apply_as(&ns, pid, MODEL_SEM_RESUME, NULL, 0, NULL, NULL);
        cr_expect_eq(r, pid % 2 ? 8 : 0, "pid %d resumed: %ld", (int)pid, r);
        cr_expect_eq(got.type, pid % 2 ? pid : 0, "pid %d got type %ld", (int)pid, got.type);
        cr_expect_eq(model_wait_resolved(&ns, pid), 0, "pid %d still has its outcome", (int)pid);
    }
    cr_assert_eq(model_ns_check(&ns, (uintptr_t)big, (uintptr_t)big + sizeof(big), why, sizeof(why)), 0, "%s", why);
    /* the first waiter of a list moved to the next list */
    unsigned b = model_pid_bucket(FIRST + 1);
    struct model_msg_waiter *moved = ns.waiting[b];
    cr_assert(moved);
    ns.waiting[b] = moved->next;
    moved->next = ns.waiting[(b + 1) % MODEL_PID_BUCKETS];
    ns.waiting[(b + 1) % MODEL_PID_BUCKETS] = moved;
    cr_expect_eq(model_ns_check(&ns, (uintptr_t)big, (uintptr_t)big + sizeof(big), why, sizeof(why)), -1);
    cr_expect(strstr(why, "listed under another pid"), "%s", why);
}

/* The pages of the heap QUEUE's messages lie on: each message's block,
 * header included, counted once per page it touches. */
static int pages_of_messages(const struct model_ns *ns, int queue)
{
    uintptr_t seen[64];
    int n = 0;
    const struct model_msq *q = model_ids_find(&ns->msg_ids, queue);
    cr_assert(q);
    for (const struct model_msg *m = q->messages; m; m = m->next)
        for (uintptr_t page = ((uintptr_t)m - 16) / 4096; page <= ((uintptr_t)m->text + m->size - 1) / 4096; page++) {
            int known = 0;
            for (int i = 0; i < n; i++)
                known |= seen[i] == page;
            if (!known && n < 64)
                seen[n++] = page;
        }
    return n;
}

/* Sixteen queues sent to in turn: each queue's messages lie on pages of
 * its own (its bin's chunks), not spread over every queue's pages, also
 * when they are sent again after being received (their blocks reused, the
 * heap not grown); removing the queues gives their memory back.  (Each
 * process of the reference runtime faults in each page of the arena it
 * first touches, under the arena's lock.) */
Test(model_edges, a_queues_messages_lie_on_pages_of_its_own)
{
    static unsigned char big[1 << 20] __attribute__((aligned(4096)));
    static struct model_ns ns;
    static struct model_heap heap;
    enum { QUEUES = 16, MESSAGES = 32 };
    memset(&ns, 0, sizeof(ns));
    model_heap_init(&heap, big, sizeof(big));
    model_ns_init(&ns, &heap);
    size_t in_use = heap.bytes_in_use;
    int queue[QUEUES];
    for (int k = 0; k < QUEUES; k++) {
        queue[k] = (int)apply(&ns, MODEL_MSGGET, (long[]){ 0, IPC_CREAT | 0600 }, 2, NULL, NULL);
        cr_assert_geq(queue[k], 0);
    }
    struct { long type; char text[64]; } m = { 1, "forty bytes of text in every message..." };
    uintptr_t top = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < MESSAGES; i++)
            for (int k = 0; k < QUEUES; k++)
                cr_assert_eq(apply(&ns, MODEL_MSGSND, (long[]){ queue[k], 0, 40, IPC_NOWAIT }, 4, &m, NULL), 0);
        /* 32 blocks of 128 bytes: 4 KiB, on chunks of 1, 2 and 4 KiB */
        for (int k = 0; k < QUEUES; k++) {
            int pages = pages_of_messages(&ns, queue[k]);
            cr_expect_leq(pages, 4, "round %d: queue %d's messages lie on %d pages", round, k, pages);
        }
        if (round == 0)
            top = heap.top;
        else
            cr_expect_eq(heap.top, top, "the heap grew by %lu bytes for messages sent again",
                         (unsigned long)(heap.top - top));
        char why[256];
        cr_assert_eq(model_ns_check(&ns, (uintptr_t)big, (uintptr_t)big + sizeof(big), why, sizeof(why)), 0, "%s",
                     why);
        struct { long type; char text[64]; } got;
        for (int k = 0; round == 0 && k < QUEUES; k++)
            for (int i = 0; i < MESSAGES; i++)
                cr_assert_eq(apply(&ns, MODEL_MSGRCV, (long[]){ queue[k], 0, 64, 0, IPC_NOWAIT }, 5, NULL, &got), 40);
    }
    /* a receiver handed a message (its waiter and the message are the
     * queue's blocks) outlives its queue: the message is whole when it
     * resumes, and the queue's memory goes back only then */
    enum { RECEIVER = 77 };
    cr_assert_eq(apply_as(&ns, RECEIVER, MODEL_MSGRCV, (long[]){ queue[0], 0, 64, 5, 0 }, 5, NULL, NULL), MODEL_BLOCKED);
    struct { long type; char text[64]; } five = { 5, "for the receiver" };
    cr_assert_eq(apply(&ns, MODEL_MSGSND, (long[]){ queue[0], 0, 17, IPC_NOWAIT }, 4, &five, NULL), 0);
    for (int k = 0; k < QUEUES; k++)
        cr_assert_eq(apply(&ns, MODEL_MSGCTL, (long[]){ queue[k], IPC_RMID }, 2, NULL, NULL), 0);
    cr_expect_gt(heap.bytes_in_use, in_use, "the memory of a message not yet received was given back");
    struct { long type; char text[64]; } got = { 0, "" };
    cr_assert_eq(apply_as(&ns, RECEIVER, MODEL_MSGRCV_RESUME, (long[]){ queue[0], 0, 64, 5, 0 }, 5, NULL, &got), 17);
    cr_expect_str_eq(got.text, "for the receiver");
    cr_expect_eq(heap.bytes_in_use, in_use, "%ld bytes of the queues' memory were not given back",
                 (long)(heap.bytes_in_use - in_use));
}
