/* args.c: resolving a step's arguments; see args.h.
 * Must not: depend on a backend. */
#define _GNU_SOURCE
#include "args.h"

#include "names.h"
#include "outcome.h"

#include <stdio.h>
#include <sys/ipc.h>
#include <string.h>

/* IPC_SET's fields: a mask (1 uid, 2 gid, 4 mode, 8 qbytes), then values. */
static void set_fields(const struct step *st, const long *vars, uintptr_t base, int64_t *a)
{
    static const char *const names[] = { "uid", "gid", "mode", "qbytes" };
    a[0] = 0;
    for (int i = 0; i < 4; i++) {
        const struct keyword *k = step_keyword(st, names[i]);
        if (k) {
            a[0] |= 1 << i;
            a[1 + i] = expr_eval(&k->value, vars, base);
        }
    }
}

void step_resolve_args(const struct step *st, const long *vars, uintptr_t base, pid_t target_pid,
                       int64_t a[STEP_ARGS])
{
    memset(a, 0, sizeof(int64_t) * STEP_ARGS);
    for (int i = 0; i < st->nargs && i < STEP_ARGS; i++)
        a[i] = expr_eval(&st->arg[i], vars, base);
    switch (st->op) {
    case OP_MSGSND: {
        /* the data is not a value argument: a[2] already holds the flags */
        const struct keyword *k = step_keyword(st, "size");
        a[3] = k ? expr_eval(&k->value, vars, base) : (long)st->data.len;
        break;
    }
    case OP_MSGCTL:
    case OP_SHMCTL:
        set_fields(st, vars, base, a + 2);
        break;
    case OP_SEMCTL:
        if (st->nlist)
            a[3] = st->list[0];
        set_fields(st, vars, base, a + 4);
        break;
    case OP_SEMOP:
    case OP_SEMTIMEDOP: {
        const struct keyword *n = step_keyword(st, "nsops");
        a[1] = n ? expr_eval(&n->value, vars, base) : st->nsops;
        const struct keyword *t = step_keyword(st, "timeout");
        if (t && !t->is_null) {
            a[2] = 1;
            a[3] = expr_eval(&t->value, vars, base);
            a[4] = t->value2;
        }
        break;
    }
    case OP_KILL:
    case OP_WAIT:
        a[1] = st->op == OP_KILL ? a[0] : 0;
        a[0] = target_pid;
        break;
    case OP_CAPDROP: {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", st->word);
        char *save = NULL;
        uint64_t mask = 0;
        for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
            mask |= strcmp(c, "all") == 0 ? ~0ULL : 1ULL << name_capability(c);
        a[0] = (int64_t)mask;
        break;
    }
    case OP_SYSCTL:
        a[0] = st->word_value != NULL;
        break;
    default:
        break;
    }
}

void step_apply_set(struct ipc_perm *perm, unsigned long *qbytes, const int64_t *set)
{
    if (set[0] & 1)
        perm->uid = (uid_t)set[1];
    if (set[0] & 2)
        perm->gid = (gid_t)set[2];
    if (set[0] & 4)
        perm->mode = (unsigned short)set[3];
    if ((set[0] & 8) && qbytes)
        *qbytes = (unsigned long)set[4];
}
