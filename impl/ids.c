/* ids.c: the id tables of ipc/util.c.  An id is seq << 15 | index; new
 * indexes come from a cyclic allocator (idr_alloc_cyclic in ipc_idr_alloc)
 * over [0, max(in_use * 3/2, 64)), and the sequence counter advances when
 * the allocator wraps.  *_next_id, when set, picks the next id once.
 * Every object placed in a table starts with its struct model_perm.
 * Must not: know what the objects are. */
#include "model_ns.h"

#include <errno.h>

static int seq_max(void)
{
    return 0x7fffffff >> MODEL_SEQ_SHIFT;          /* ipcid_seq_max */
}

/* idr_alloc: the lowest free index in [start, end). */
static int alloc_from(const struct model_ids *ids, int start, int end)
{
    for (int i = start; i < end; i++)
        if (!ids->slot[i])
            return i;
    return -ENOSPC;
}

/* idr_alloc_cyclic: from the cursor up, then from START up to the cursor. */
static int alloc_cyclic(struct model_ids *ids, int start, int end)
{
    int cursor = ids->cursor < start ? start : ids->cursor;
    int idx = alloc_from(ids, cursor, end);
    if (idx < 0 && cursor > start)
        idx = alloc_from(ids, start, cursor < end ? cursor : end);
    if (idx >= 0)
        ids->cursor = idx + 1;
    return idx;
}

int model_ids_add(struct model_ids *ids, struct model_perm *perm, void *obj, long limit,
                  const struct model_caller *c)
{
    if (limit > MODEL_IPCMNI)
        limit = MODEL_IPCMNI;
    if (ids->in_use >= limit)
        return -ENOSPC;
    perm->uid = perm->cuid = c->euid;
    perm->gid = perm->cgid = c->egid;
    perm->deleted = 0;
    int idx;
    if (ids->next_id < 0) {
        int max_idx = ids->in_use * 3 / 2;
        if (max_idx < MODEL_MIN_CYCLE)
            max_idx = MODEL_MIN_CYCLE;
        if (max_idx > MODEL_IPCMNI)
            max_idx = MODEL_IPCMNI;
        idx = alloc_cyclic(ids, 0, max_idx);
        if (idx < 0)
            return -ENOSPC;
        if (idx <= ids->last_idx) {
            ids->seq++;
            if (ids->seq >= seq_max())
                ids->seq = 0;
        }
        ids->last_idx = idx;
        perm->seq = (unsigned)ids->seq;
    } else {
        perm->seq = (unsigned)(ids->next_id >> MODEL_SEQ_SHIFT);
        idx = alloc_from(ids, ids->next_id & (MODEL_IPCMNI - 1), MODEL_IPCMNI);
        ids->next_id = -1;
        if (idx < 0)
            return -ENOSPC;
    }
    ids->slot[idx] = obj;
    ids->in_use++;
    if (idx > ids->max_idx)
        ids->max_idx = idx;
    perm->id = (int)(perm->seq << MODEL_SEQ_SHIFT) + idx;
    return perm->id;
}

void *model_ids_at(const struct model_ids *ids, int idx)
{
    /* none above the highest in use (which bounds a check of the table) */
    if (idx < 0 || idx > ids->max_idx || idx >= MODEL_IPCMNI)
        return NULL;
    return ids->slot[idx];
}

void *model_ids_find(const struct model_ids *ids, int id)
{
    struct model_perm *p = model_ids_at(ids, id & (MODEL_IPCMNI - 1));
    if (!p || (unsigned)(id >> MODEL_SEQ_SHIFT) != p->seq)   /* ipc_checkid */
        return NULL;
    return p;
}

void *model_ids_find_key(const struct model_ids *ids, int32_t key)
{
    for (int i = 0; i <= ids->max_idx; i++) {
        struct model_perm *p = ids->slot[i];
        if (p && p->key == key)
            return p;
    }
    return NULL;
}

void model_ids_remove(struct model_ids *ids, struct model_perm *perm)
{
    int idx = perm->id & (MODEL_IPCMNI - 1);
    ids->slot[idx] = NULL;
    ids->in_use--;
    perm->deleted = 1;
    if (idx == ids->max_idx) {
        do
            idx--;
        while (idx >= 0 && !ids->slot[idx]);
        ids->max_idx = idx;
    }
}

int model_ids_max_index(const struct model_ids *ids)
{
    if (ids->in_use == 0)
        return -1;
    if (ids->in_use == MODEL_IPCMNI)
        return MODEL_IPCMNI - 1;
    return ids->max_idx;
}
