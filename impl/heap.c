/* heap.c: size classes of powers of two, each with a LIFO free list, carved
 * from a bump pointer.  A block is a 16-byte header (its class) followed by
 * the caller's bytes.  Bins keep one owner's small blocks together: the
 * same classes and lists, carved from chunks the bin takes from the heap.
 * Simple on purpose: the memory is bounded by the region, and every
 * outcome depends only on the sequence of calls.
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
#define CHUNK_LINK 16u                 /* a chunk's first bytes: the previous chunk */
#define CHUNK_FIRST 1024u
#define CHUNK_MOST (16u << 10)
#define IN_BIN (1ULL << 63)            /* in a block's class: a bin's block, whose header's
                                        * second word names its bin while it is in use */

struct block_header {
    uint64_t cls;
    uint64_t next_free;                /* while on a free list */
};

/* A block of class CLS holds this many bytes, its header included. */
static size_t span_of(int cls)
{
    return (size_t)1 << (cls + MIN_SHIFT);
}

static int class_of(size_t size)
{
    size_t need = size + HEADER;
    int cls = 0;
    while (span_of(cls) < need) {
        cls++;
        if (cls >= MODEL_HEAP_CLASSES)
            return -1;
    }
    return cls;
}

/* The first block of the free list *LIST, taken off it, or NULL. */
static struct block_header *pop(uintptr_t *list)
{
    struct block_header *b = (struct block_header *)*list;
    if (b)
        *list = (uintptr_t)b->next_free;
    return b;
}

static void push(uintptr_t *list, struct block_header *b)
{
    b->next_free = (uint64_t)*list;
    *list = (uintptr_t)b;
}

/* B, of SPAN bytes, handed out: its header's words CLS and SECOND, the
 * whole block zeroed, slack included (the heap's bytes depend on nothing
 * but the calls); its caller's bytes. */
static void *hand_out(struct block_header *b, uint64_t cls, uint64_t second, size_t span)
{
    b->cls = cls;
    b->next_free = second;
    memset((unsigned char *)b + HEADER, 0, span - HEADER);
    return (unsigned char *)b + HEADER;
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
    size_t span = span_of(cls);
    struct block_header *b = pop(&h->free_list[cls]);
    if (!b) {
        if (h->end - h->top < span)
            return NULL;
        b = (struct block_header *)h->top;
        h->top += span;
    }
    h->bytes_in_use += span;
    return hand_out(b, (uint64_t)cls, 0, span);
}

static void bin_release(struct model_heap *h, struct model_heap_bin *bin);

void model_heap_free(struct model_heap *h, void *p)
{
    if (!p)
        return;
    struct block_header *b = (struct block_header *)((unsigned char *)p - HEADER);
    if (b->cls & IN_BIN) {
        struct model_heap_bin *bin = (struct model_heap_bin *)(uintptr_t)b->next_free;
        b->cls &= ~IN_BIN;
        push(&bin->free_list[b->cls], b);
        if (!--bin->live && bin->dropped)
            bin_release(h, bin);
        return;
    }
    push(&h->free_list[b->cls], b);
    h->bytes_in_use -= span_of((int)b->cls);
}

static void bin_release(struct model_heap *h, struct model_heap_bin *bin)
{
    for (uintptr_t c = bin->chunks; c;) {
        uintptr_t before = *(const uintptr_t *)c;
        model_heap_free(h, (void *)c);
        c = before;
    }
    model_heap_free(h, bin);
}

void *model_heap_bin_alloc(struct model_heap *h, struct model_heap_bin **binp, size_t size)
{
    int cls = class_of(size);
    if (cls < 0 || cls >= MODEL_HEAP_BIN_CLASSES)
        return model_heap_alloc(h, size);
    if (!*binp && !(*binp = model_heap_alloc(h, sizeof(**binp))))
        return NULL;
    struct model_heap_bin *bin = *binp;
    size_t span = span_of(cls);
    struct block_header *b = pop(&bin->free_list[cls]);
    if (!b) {
        if (bin->carve_end - bin->carve < span) {
            /* a new chunk, a block of the heap's (what the last one has
             * left is not used) */
            size_t chunk = bin->next_chunk ? (size_t)bin->next_chunk : CHUNK_FIRST;
            while (chunk < HEADER + CHUNK_LINK + span)
                chunk *= 2;
            unsigned char *c = model_heap_alloc(h, chunk - HEADER);
            if (!c)
                return NULL;
            *(uintptr_t *)c = bin->chunks;
            bin->chunks = (uintptr_t)c;
            bin->carve = ((uintptr_t)c + CHUNK_LINK + 63) & ~(uintptr_t)63;   /* blocks on lines of their own: no false sharing */
            bin->carve_end = (uintptr_t)c + chunk - HEADER;
            bin->next_chunk = chunk * 2 < CHUNK_MOST ? chunk * 2 : CHUNK_MOST;
        }
        b = (struct block_header *)bin->carve;
        bin->carve += span;
    }
    bin->live++;
    return hand_out(b, (uint64_t)cls | IN_BIN, (uint64_t)(uintptr_t)bin, span);
}

void model_heap_bin_drop(struct model_heap *h, struct model_heap_bin **binp)
{
    struct model_heap_bin *bin = *binp;
    *binp = NULL;
    if (!bin)
        return;
    bin->dropped = 1;
    if (!bin->live)
        bin_release(h, bin);
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

void *model_alloc_in(struct model_ns *ns, struct model_heap_bin **bin, size_t size)
{
    return ns->heap ? model_heap_bin_alloc(ns->heap, bin, size) : calloc(1, size);
}

void model_drop_bin(struct model_ns *ns, struct model_heap_bin **bin)
{
    if (ns->heap)
        model_heap_bin_drop(ns->heap, bin);
}
