/* region.c: blocks of memory handed out in pieces; see region.h.
 * Must not: hand out a piece that is not aligned for any object, or count
 * less than it hands out. */
#include "region.h"

#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE (64 * 1024)       /* a block holds many small pieces */
#define ALIGN alignof(max_align_t)

struct region_block {
    struct region_block *next;
    size_t size, used;               /* of data[] */
    alignas(max_align_t) unsigned char data[];
};

static size_t round_up(size_t n)
{
    return (n + ALIGN - 1) & ~(ALIGN - 1);
}

void *region_alloc(struct region *r, size_t size)
{
    if (size > SIZE_MAX / 2) {
        errno = ENOMEM;
        return NULL;
    }
    size_t need = round_up(size ? size : 1);
    if (r->budget && (need > r->budget || r->used > r->budget - need)) {
        errno = E2BIG;
        return NULL;
    }
    struct region_block *b = r->head;
    if (!b || b->size - b->used < need) {
        /* a large piece gets a block of its own, behind the current one */
        size_t data = need > BLOCK_SIZE / 4 ? need : BLOCK_SIZE - sizeof(*b);
        struct region_block *nb = malloc(sizeof(*nb) + data);
        if (!nb) {
            errno = ENOMEM;
            return NULL;
        }
        nb->size = data;
        nb->used = 0;
        if (b && need > BLOCK_SIZE / 4) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            r->head = nb;
        }
        b = nb;
    }
    void *piece = b->data + b->used;
    b->used += need;
    r->used += need;
    memset(piece, 0, size);
    return piece;
}

char *region_strdup(struct region *r, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = region_alloc(r, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void region_take(struct region *to, struct region *from)
{
    struct region_block *last = from->head;
    if (!last)
        return;
    while (last->next)
        last = last->next;
    /* FROM's blocks go behind TO's current block, which keeps filling */
    if (to->head) {
        last->next = to->head->next;
        to->head->next = from->head;
    } else {
        to->head = from->head;
    }
    to->used += from->used;
    from->head = NULL;
    from->used = 0;
}

void region_free(struct region *r)
{
    for (struct region_block *b = r->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    r->head = NULL;
    r->used = 0;
}
