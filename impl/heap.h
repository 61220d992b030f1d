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

/* A bin: the blocks of one owner (a queue's messages and waiters), carved
 * from chunks of its own, so that they lie on the owner's few pages, not
 * on pages shared with every other owner's blocks.  (Each process of the
 * reference runtime faults in each page of the arena it first touches,
 * under the arena's lock: with one list of free blocks for everyone, the
 * messages of 200 busy queues wandered over megabytes of pages, and every
 * reader and writer came to fault in most of them.)  A bin is a block of
 * the heap; a block of a bin knows it, so model_heap_free gives it back
 * there; the bin and its chunks go back to the heap once its owner has
 * dropped it and its last block is free (a waiter outlives its queue).
 * Blocks over 2 KiB, headers included, come from the heap itself. */
#define MODEL_HEAP_BIN_CLASSES 7       /* block sizes 2^5 .. 2^11 */
struct model_heap_bin {
    uintptr_t free_list[MODEL_HEAP_BIN_CLASSES];
    uintptr_t chunks;                  /* the newest chunk; each begins with a link to the one before */
    uintptr_t carve, carve_end;        /* what is left of the newest */
    uint64_t next_chunk;               /* the next chunk's size: doubling from 1 KiB up to 16 KiB */
    uint64_t live;                     /* its blocks in use */
    uint64_t dropped;                  /* its owner is gone: it goes with its last block */
};

/* Manage [BASE, BASE + SIZE) with H (which may live anywhere). */
void model_heap_init(struct model_heap *h, void *base, size_t size);
/* SIZE zeroed bytes aligned to 16, or NULL when the region is full. */
void *model_heap_alloc(struct model_heap *h, size_t size);
/* Give back a block from model_heap_alloc or model_heap_bin_alloc (NULL
 * is ignored). */
void model_heap_free(struct model_heap *h, void *p);
/* SIZE zeroed bytes aligned to 16 from the bin *BIN (made first when it
 * is NULL), or NULL when the region is full. */
void *model_heap_bin_alloc(struct model_heap *h, struct model_heap_bin **bin, size_t size);
/* The owner of *BIN lets it go (NULL is ignored); *BIN becomes NULL. */
void model_heap_bin_drop(struct model_heap *h, struct model_heap_bin **bin);

#endif
