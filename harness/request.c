/* request.c: resolving a step into a request; see request.h.
 * Must not: depend on an executor or a backend. */
#define _GNU_SOURCE
#include "request.h"

#include "calls.h"
#include "names.h"
#include "outcome.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sem.h>

#define SEM_VALUES 32768       /* SETALL: values for the largest set (SEMMSL) */
#define MAX_NSOPS_ROOM 4096    /* nsops= beyond the sembufs written: room up to this */

static long eval(const struct expr *e, const long *vars, uintptr_t base)
{
    return expr_eval(e, vars, base);
}

/* IPC_SET's fields: a mask (1 uid, 2 gid, 4 mode, 8 qbytes), then values,
 * as many as ROOM holds (semctl has no qbytes, and no room for it). */
static void set_fields(const struct step *st, const long *vars, uintptr_t base, int64_t *a, int room)
{
    static const char *const names[] = { "uid", "gid", "mode", "qbytes" };
    a[0] = 0;
    for (int i = 0; i < 4 && i + 1 < room; i++) {
        const struct keyword *k = step_keyword(st, names[i]);
        if (k) {
            a[0] |= 1 << i;
            a[1 + i] = eval(&k->value, vars, base);
        }
    }
}

/* capdrop's names (comma-separated, checked by the parser) as a mask. */
static uint64_t capability_mask(const char *names)
{
    uint64_t mask = 0;
    for (const char *c = names; *c;) {
        size_t n = strcspn(c, ",");
        char name[64];
        if (n && n < sizeof(name)) {
            memcpy(name, c, n);
            name[n] = '\0';
            int cap = name_capability(name);
            mask |= strcmp(name, "all") == 0 ? ~0ULL : cap >= 0 && cap < 64 ? 1ULL << cap : 0;
        }
        c += n + (c[n] == ',');
    }
    return mask;
}

/* Fill the values of ST's slots into A. */
static void resolve_slots(const struct op_desc *d, const struct step *st, const long *vars, uintptr_t base,
                          pid_t target_pid, int64_t *a)
{
    for (int i = 0; i < STEP_ARGS; i++) {
        const struct keyword *k;
        switch (d->slot[i]) {
        case SLOT_NONE:
            break;
        case SLOT_ARG0: case SLOT_ARG1: case SLOT_ARG2: case SLOT_ARG3: {
            int n = (int)(d->slot[i] - SLOT_ARG0);
            if (n < st->nargs)
                a[i] = eval(&st->arg[n], vars, base);
            break;
        }
        case SLOT_SIZE:
            k = step_keyword(st, "size");
            a[i] = k ? eval(&k->value, vars, base) : (long)st->data.len;
            break;
        case SLOT_NSOPS:
            k = step_keyword(st, "nsops");
            a[i] = k ? eval(&k->value, vars, base) : st->nsops;
            break;
        case SLOT_TIMEOUT:
            k = step_keyword(st, "timeout");
            if (k && !k->is_null && i + 2 < STEP_ARGS) {
                a[i] = 1;
                a[i + 1] = eval(&k->value, vars, base);
                a[i + 2] = k->value2;
            }
            break;
        case SLOT_SET:
            set_fields(st, vars, base, a + i, STEP_ARGS - i);
            break;
        case SLOT_VALUE:
            if (st->nlist)
                a[i] = st->list[0];
            break;
        case SLOT_TARGET_PID:
            a[i] = target_pid;
            break;
        case SLOT_CAPS:
            a[i] = (int64_t)capability_mask(st->word);
            break;
        case SLOT_WRITES:
            a[i] = st->word_value != NULL;
            break;
        case SLOT_DEADLINE:
            break;                     /* the executor's to fill */
        }
    }
}

static int own(struct request *rq, size_t len)
{
    rq->owned = calloc(1, len ? len : 1);
    rq->data = rq->owned;
    rq->len = len;
    return rq->owned ? 0 : -1;
}

/* The bytes that go with the call. */
static int build_data(struct request *rq, const struct op_desc *d, const struct step *st, const long *vars,
                      uintptr_t base, char *const *files)
{
    const int64_t *a = rq->head.arg;
    switch (d->data) {
    case DATA_NONE:
        return 0;
    case DATA_BYTES:
        rq->data = st->data.ptr;
        rq->len = st->data.len;
        return 0;
    case DATA_PATH:
        if (st->data_var >= 0 && files && files[st->data_var]) {
            rq->data = (const unsigned char *)files[st->data_var];
            rq->len = strlen(files[st->data_var]) + 1;
        } else {
            rq->data = st->data.ptr;
            rq->len = st->data.len + 1;     /* the parser leaves a NUL after the bytes */
        }
        return 0;
    case DATA_SOPS: {
        /* room for nsops= when it says more than the sembufs written */
        size_t room = (size_t)st->nsops;
        long nsops = a[op_slot(d, SLOT_NSOPS)];
        if (nsops > (long)room && nsops <= MAX_NSOPS_ROOM)
            room = (size_t)nsops;
        if (own(rq, (room ? room : 1) * sizeof(struct sembuf)) < 0)
            return -1;
        struct sembuf *sops = (struct sembuf *)rq->owned;
        for (int i = 0; i < st->nsops; i++) {
            sops[i].sem_num = (unsigned short)eval(&st->sop[i].num, vars, base);
            sops[i].sem_op = (short)eval(&st->sop[i].op, vars, base);
            sops[i].sem_flg = (short)(st->sop[i].flg.nterms ? eval(&st->sop[i].flg, vars, base) : 0);
        }
        rq->len = room * sizeof(struct sembuf);
        return 0;
    }
    case DATA_SEMVALS:
        if (!st->nlist || a[d->cmd_slot] != SETALL)
            return 0;
        if (own(rq, SEM_VALUES * sizeof(unsigned short)) < 0)
            return -1;
        for (int i = 0; i < st->nlist && i < SEM_VALUES; i++)
            ((unsigned short *)rq->owned)[i] = (unsigned short)st->list[i];
        return 0;
    case DATA_GIDS:
        if (own(rq, (size_t)st->nlist * sizeof(gid_t)) < 0)
            return -1;
        for (int i = 0; i < st->nlist; i++)
            ((gid_t *)rq->owned)[i] = (gid_t)st->list[i];
        rq->len = (size_t)st->nlist * sizeof(gid_t);
        return 0;
    case DATA_SYSCTL: {
        size_t nl = strlen(st->word), vl = st->word_value ? strlen(st->word_value) : 0;
        if (own(rq, nl + vl + 2) < 0)
            return -1;
        memcpy(rq->owned, st->word, nl);
        if (vl)
            memcpy(rq->owned + nl + 1, st->word_value, vl);
        return 0;
    }
    case DATA_WORD:
        rq->data = (const unsigned char *)st->word;
        rq->len = strlen(st->word) + 1;
        return 0;
    case DATA_ARGV: {
        /* each word as written, a $value in decimal */
        size_t room = 0;
        for (int i = 0; i < st->nargv; i++)
            room += strlen(st->argv[i]) + 24;
        if (own(rq, room) < 0)
            return -1;
        size_t used = 0;
        for (int i = 0; i < st->nargv; i++) {
            int w = st->argv_value[i].nterms
                        ? snprintf((char *)rq->owned + used, room - used, "%ld", eval(&st->argv_value[i], vars, base))
                        : snprintf((char *)rq->owned + used, room - used, "%s", st->argv[i]);
            used += (size_t)w + 1;
        }
        rq->len = used;
        return 0;
    }
    }
    return 0;
}

int request_build(struct request *rq, const struct step *st, const long *vars, uintptr_t base,
                  pid_t target_pid, char *const *files, char *why, size_t size)
{
    const struct op_desc *d = op_desc(st->op);
    memset(rq, 0, sizeof(*rq));
    rq->head.op = st->op;
    rq->head.flags = step_keyword(st, "buf") ? WIRE_NULL_BUFFER : 0;
    const struct keyword *via = step_keyword(st, "via");
    if (via)
        rq->head.flags |= (uint32_t)via->value2;   /* WIRE_VIA_IPC ... (parse.c) */
    resolve_slots(d, st, vars, base, target_pid, rq->head.arg);
    if (st->op == OP_READ && (rq->head.arg[1] < 0 || rq->head.arg[1] > WIRE_MAX_DATA)) {
        snprintf(why, size, "read length %lld outside 0..%d", (long long)rq->head.arg[1], WIRE_MAX_DATA);
        return -1;
    }
    /* msgsnd reads size= bytes (when the namespace's msgmax allows): the
     * caller's buffer is that large, within what a step may carry */
    if (st->op == OP_MSGSND && rq->head.arg[op_slot(d, SLOT_SIZE)] > CALLS_MSGSND_MAX) {
        snprintf(why, size, "msgsnd size=%lld: the call may read that many bytes, beyond the harness's limit of %d",
                 (long long)rq->head.arg[op_slot(d, SLOT_SIZE)], CALLS_MSGSND_MAX);
        return -1;
    }
    if (build_data(rq, d, st, vars, base, files) < 0) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    if (rq->len > WIRE_MAX_DATA) {
        snprintf(why, size, "the step's data (%zu bytes) exceeds the harness limit of %d", rq->len, WIRE_MAX_DATA);
        request_free(rq);
        return -1;
    }
    rq->head.data_len = (uint32_t)rq->len;
    return 0;
}

void request_free(struct request *rq)
{
    free(rq->owned);
    rq->owned = NULL;
    rq->data = NULL;
    rq->len = 0;
}
