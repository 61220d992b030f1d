/* heap.c: size classes of powers of two, each with a LIFO free list, carved
 * from a bump pointer.  A block is a 16-byte header (its class) followed by
 * the caller's bytes.  Simple on purpose: the memory is bounded by the
 * region, and every outcome depends only on the sequence of calls.
 * model_alloc and model_free, which every kind of object allocates with,
 * choose between this heap and the C heap.
 * Must not: touch memory above the high-water mark except to carve a new
 * block, so that copying [base, top) captures the whole heap. */
#include "heap.h"
#include "model_ns.h"

#include <stdlib.h>

#include <string.h>

#define HEADER 16u
#define MIN_SHIFT 5

struct block_header {
    uint64_t cls;
    uint64_t next_free;                /* while on a free list */
};

static int class_of(size_t size)
{
    size_t need = size + HEADER;
    int cls = 0;
    while (((size_t)1 << (cls + MIN_SHIFT)) < need) {
        cls++;
        if (cls >= MODEL_HEAP_CLASSES)
            return -1;
    }
    return cls;
}

void model_heap_init(struct model_heap *h, void *base, size_t size)
{
    memset(h, 0, sizeof(*h));
    h->base = ((uintptr_t)base + 15) & ~(uintptr_t)15;
    h->end = (uintptr_t)base + size;
    h->top = h->base;
}

void *model_heap_alloc(struct model_heap *h, size_t size)
{
    int cls = class_of(size);
    if (cls < 0)
        return NULL;
    size_t span = (size_t)1 << (cls + MIN_SHIFT);
    struct block_header *b;
    if (h->free_list[cls]) {
        b = (struct block_header *)h->free_list[cls];
        h->free_list[cls] = (uintptr_t)b->next_free;
    } else {
        if (h->end - h->top < span)
            return NULL;
        b = (struct block_header *)h->top;
        h->top += span;
    }
    b->cls = (uint64_t)cls;
    b->next_free = 0;
    h->bytes_in_use += span;
    /* the whole block, slack included: the heap's bytes depend on nothing
     * but the calls */
    memset((unsigned char *)b + HEADER, 0, span - HEADER);
    (void)size;
    return (unsigned char *)b + HEADER;
}

void model_heap_free(struct model_heap *h, void *p)
{
    if (!p)
        return;
    struct block_header *b = (struct block_header *)((unsigned char *)p - HEADER);
    int cls = (int)b->cls;
    b->next_free = (uint64_t)h->free_list[cls];
    h->free_list[cls] = (uintptr_t)b;
    h->bytes_in_use -= (size_t)1 << (cls + MIN_SHIFT);
}

/* The model's objects: from the namespace's heap when it has one (the
 * reference runtime's arena), else from the C heap. */
void *model_alloc(struct model_ns *ns, size_t size)
{
    return ns->heap ? model_heap_alloc(ns->heap, size) : calloc(1, size);
}

void model_free(struct model_ns *ns, void *p)
{
    if (ns->heap)
        model_heap_free(ns->heap, p);
    else
        free(p);
}
