/* ring.c: the ring of ring.h.
 * Must not: call an IPC implementation but through its ring_signals. */
#include "ring.h"

#include "kinds.h"

#include <errno.h>
#include <string.h>

struct ring_header {
    uint64_t head, tail;           /* items put, items taken */
};

size_t ring_bytes(const struct bench_round *r)
{
    return sizeof(struct ring_header) + (size_t)r->p->depth * (size_t)r->p->size;
}

int ring_initial(const struct bench_round *r, enum ring_sem s)
{
    switch (s) {
    case RING_FREE:
        return r->p->depth;
    case RING_FULL:
        return 0;
    default:
        return 1;
    }
}

static unsigned char *slot(void *mem, const struct bench_round *r, uint64_t i)
{
    return (unsigned char *)mem + sizeof(struct ring_header) + (size_t)(i % (uint64_t)r->p->depth) * (size_t)r->p->size;
}

static int put(struct bench_round *r, void *mem, const struct ring_signals *s, uint64_t value)
{
    struct ring_header *h = mem;
    if (s->wait(r, RING_FREE) < 0 || s->wait(r, RING_PUT_LOCK) < 0)
        return worker_failed(r, "waiting for a free slot");
    unsigned char *at = slot(mem, r, h->head++);
    memset(at, 'r', (size_t)r->p->size);
    memcpy(at, &value, r->p->size < 8 ? (size_t)r->p->size : 8);
    if (s->post2(r, RING_PUT_LOCK, RING_FULL) < 0)
        return worker_failed(r, "posting a full slot");
    return 0;
}

static int take(struct bench_round *r, void *mem, const struct ring_signals *s, uint64_t *value)
{
    struct ring_header *h = mem;
    if (s->wait(r, RING_FULL) < 0 || s->wait(r, RING_TAKE_LOCK) < 0)
        return worker_failed(r, "waiting for a full slot");
    *value = 0;
    memcpy(value, slot(mem, r, h->tail++), r->p->size < 8 ? (size_t)r->p->size : 8);
    if (s->post2(r, RING_TAKE_LOCK, RING_FREE) < 0)
        return worker_failed(r, "posting a free slot");
    return 0;
}

int ring_work(struct bench_round *r, void *mem, const struct ring_signals *s)
{
    struct bench_worker *w = &r->sh->w[r->me];
    int producers = producers_of(r);
    if (r->nprocs == 1) {
        for (long k = 0; k < r->ops; k++) {
            uint64_t v;
            if (put(r, mem, s, (uint64_t)k + 1) < 0 || take(r, mem, s, &v) < 0)
                return -1;
            if (v != (uint64_t)k + 1) {
                errno = EBADMSG;
                return worker_failed(r, "the ring returned another item");
            }
            w->ops++;
        }
        return 0;
    }
    if (r->me < producers) {
        long quota = share_of(r->ops, producers, r->me);
        for (long k = 0; k < quota; k++) {
            uint64_t v = (uint64_t)(k * producers + r->me + 1);
            if (put(r, mem, s, v) < 0)
                return -1;
            w->ops++;
            w->sum += v;
        }
    } else {
        long quota = share_of(r->ops, r->nprocs - producers, r->me - producers);
        for (long k = 0; k < quota; k++) {
            uint64_t v;
            if (take(r, mem, s, &v) < 0)
                return -1;
            w->ops++;
            w->sum += v;
        }
    }
    return 0;
}
