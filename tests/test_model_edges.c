/* test_model_edges.c: white-box tests of the model's internal state where
 * no call can show it: what an operation that runs out of memory leaves
 * behind.  The model's own heap (heap.h) is made small and filled, so the
 * next allocation fails where Linux's would not have to.
 * Must not: be the place for behaviour a scenario can show (suites/ is). */
#define _GNU_SOURCE
#include "heap.h"
#include "model_ns.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <sys/sem.h>

static unsigned char region[1 << 16] __attribute__((aligned(64)));

static long apply(struct model_ns *ns, enum model_op op, const long *args, int n, const void *in, void *out)
{
    struct model_request rq = { .op = op, .now = 1 };
    for (int i = 0; i < n; i++)
        rq.arg[i] = args[i];
    rq.caller.caps = MODEL_CAP_IPC_OWNER | MODEL_CAP_SYS_ADMIN;
    rq.caller.pid = 2;
    return model_apply(ns, &rq, in, out);
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
