/* region.h: memory handed out in pieces and given back all at once, within
 * a budget.  A parsed file's scenario instances live in one region, so a
 * file refused half-way frees everything it made and a catalog frees its
 * files in one call; the budget bounds what a hostile file can make.
 * Must not: free single pieces, or hand out a byte beyond its budget. */
#ifndef SVIPC_REGION_H
#define SVIPC_REGION_H

#include <stddef.h>

struct region_block;

/* A region: a runtime object owned by whoever declares it; zero it to start. */
struct region {
    struct region_block *head;   /* the newest block first */
    size_t used;                 /* bytes handed out (pieces, rounded up) */
    size_t budget;               /* at most this many (0: no limit) */
};

/* SIZE zeroed bytes, aligned for any object; NULL and errno: ENOMEM when
 * out of memory, E2BIG when the budget would be exceeded. */
void *region_alloc(struct region *r, size_t size);
/* A copy of S, or NULL as region_alloc. */
char *region_strdup(struct region *r, const char *s);
/* Every block of FROM moved to TO (its budget is not checked); FROM is empty after. */
void region_take(struct region *to, struct region *from);
/* Everything given back; R is empty and keeps its budget. */
void region_free(struct region *r);

#endif
