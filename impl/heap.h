/* heap.h: a bounded, deterministic allocator inside one region of memory,
 * for the model's objects when the model's state lives in a shared arena.
 * All of its bookkeeping lives in the region it manages, so copying the
 * region copies the heap, and the same calls from the same state give the
 * same addresses (the reference runtime replays its log on that fact).
 * Must not: call malloc, keep state outside struct model_heap, or lock:
 * its user serialises the calls. */
#ifndef SVIPC_HEAP_H
#define SVIPC_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define MODEL_HEAP_CLASSES 40          /* block sizes 2^5 .. 2^44 */

struct model_heap {
    uintptr_t base;                    /* first byte the heap may hand out */
    uintptr_t end;                     /* one past the last */
    uintptr_t top;                     /* the high-water mark: never used above */
    uintptr_t free_list[MODEL_HEAP_CLASSES];
    size_t bytes_in_use;               /* of blocks handed out, headers included */
};

/* Manage [BASE, BASE + SIZE) with H (which may live anywhere). */
void model_heap_init(struct model_heap *h, void *base, size_t size);
/* SIZE zeroed bytes aligned to 16, or NULL when the region is full. */
void *model_heap_alloc(struct model_heap *h, size_t size);
/* Give back a block from model_heap_alloc (NULL is ignored). */
void model_heap_free(struct model_heap *h, void *p);

#endif
