/* stress_fifo.c: the order of stress_fifo.h, kept as the search moves.
 * Each group (one type of one queue) lists its sends by their receives'
 * returns; the first member not yet linearized has the earliest such
 * return of those left, so one comparison decides whether a send may go.
 * Must not: change what the search explores but by removing orders the
 * history itself rules out. */
#define _GNU_SOURCE
#include "stress_fifo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct tagged { uint64_t tag; int send, receive; };

static int by_tag(const void *a, const void *b)
{
    const struct tagged *x = a, *y = b;
    return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static uint64_t tag_of(const struct stress_event *ev)
{
    uint64_t tag;
    memcpy(&tag, ev->text, sizeof(tag));
    return tag;
}

/* Pairs of (send, receive) whose tag is seen in exactly one send and one receive. */
static int pair_up(const struct stress_event *const *ev, int n, struct tagged *t)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        const struct stress_event *e = ev[i];
        int send = e->op == STRESS_MSGSND && e->t_return && e->ret == 0 && e->size >= 8;
        int receive = e->op == STRESS_MSGRCV && e->t_return && e->ret >= 8 && !(e->flags & MSG_COPY);
        if (send || receive)
            t[m++] = (struct tagged){ tag_of(e), send ? i : -1, receive ? i : -1 };
    }
    qsort(t, (size_t)m, sizeof(*t), by_tag);
    int pairs = 0;
    for (int i = 0; i < m;) {
        int j = i, s = -1, r = -1, sends = 0, receives = 0;
        for (; j < m && t[j].tag == t[i].tag; j++) {
            if (t[j].send >= 0)
                s = t[j].send, sends++;
            if (t[j].receive >= 0)
                r = t[j].receive, receives++;
        }
        if (sends == 1 && receives == 1 && ev[r]->rtype == ev[s]->type)
            t[pairs++] = (struct tagged){ (uint64_t)ev[s]->type, s, r };
        i = j;
    }
    return pairs;
}

static int by_type_then_return(const void *a, const void *b, void *arg)
{
    const struct stress_event *const *ev = arg;
    const struct tagged *x = a, *y = b;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    uint64_t rx = ev[x->receive]->t_return, ry = ev[y->receive]->t_return;
    return rx < ry ? -1 : rx > ry;
}

int stress_fifo_build(struct stress_fifo *f, const struct stress_event *const *ev, int n)
{
    memset(f, 0, sizeof(*f));
    f->n = n;
    struct tagged *t = calloc((size_t)n + 1, sizeof(*t));
    f->group_of = malloc(((size_t)n + 1) * sizeof(int));
    f->rank = calloc((size_t)n + 1, sizeof(int));
    f->received_call = calloc((size_t)n + 1, sizeof(uint64_t));
    f->received_return = calloc((size_t)n + 1, sizeof(uint64_t));
    f->linearized = calloc((size_t)n + 1, 1);
    f->members = calloc((size_t)n + 1, sizeof(int));
    f->group_start = calloc((size_t)n + 2, sizeof(int));
    f->first_open = calloc((size_t)n + 1, sizeof(int));
    if (!t || !f->group_of || !f->rank || !f->received_call || !f->received_return || !f->linearized || !f->members ||
        !f->group_start || !f->first_open) {
        free(t);
        stress_fifo_free(f);
        return -1;
    }
    for (int i = 0; i < n; i++)
        f->group_of[i] = -1;
    int pairs = pair_up(ev, n, t);
    qsort_r(t, (size_t)pairs, sizeof(*t), by_type_then_return, (void *)ev);
    for (int k = 0; k < pairs; k++) {
        if (k == 0 || t[k].tag != t[k - 1].tag)
            f->group_start[f->ngroups++] = k;
        int s = t[k].send;
        f->members[k] = s;
        f->group_of[s] = f->ngroups - 1;
        f->rank[s] = k - f->group_start[f->ngroups - 1];
        f->received_call[s] = ev[t[k].receive]->t_call;
        f->received_return[s] = ev[t[k].receive]->t_return;
    }
    f->group_start[f->ngroups] = pairs;
    free(t);
    return 0;
}

void stress_fifo_free(struct stress_fifo *f)
{
    free(f->group_of);
    free(f->rank);
    free(f->received_call);
    free(f->received_return);
    free(f->linearized);
    free(f->members);
    free(f->group_start);
    free(f->first_open);
    memset(f, 0, sizeof(*f));
}

int stress_fifo_allows(const struct stress_fifo *f, int op)
{
    int g = f->group_of ? f->group_of[op] : -1;
    if (g < 0)
        return 1;
    int k = f->group_start[g] + f->first_open[g];
    if (f->members[k] == op)
        return 1;
    /* the earliest receive left, of a message this one must follow if it
     * returned before this one's receive began */
    return f->received_return[f->members[k]] >= f->received_call[op];
}

void stress_fifo_mark(struct stress_fifo *f, int op, int on)
{
    int g = f->group_of ? f->group_of[op] : -1;
    if (g < 0)
        return;
    f->linearized[op] = (uint8_t)on;
    int size = f->group_start[g + 1] - f->group_start[g];
    const int *member = f->members + f->group_start[g];
    if (!on) {
        if (f->rank[op] < f->first_open[g])
            f->first_open[g] = f->rank[op];
        return;
    }
    while (f->first_open[g] < size && f->linearized[member[f->first_open[g]]])
        f->first_open[g]++;
}
