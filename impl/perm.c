/* perm.c: who may do what to an IPC object (ipc/util.c: ipcperms,
 * ipcctl_obtain_check, ipc_update_perm, and the look-up of the *_STAT
 * commands), shared by the three kinds of object.  The owner's bits apply to the owner and to the
 * creator; the group's to a process in the owner's or the creator's group
 * (effective or supplementary); CAP_IPC_OWNER overrides the bits.
 * Must not: look anything up; the caller passes the object. */
#include "model_ns.h"

#include <errno.h>
#include <sys/ipc.h>

int model_in_group(const struct model_caller *c, gid_t gid)
{
    if (c->egid == gid)
        return 1;
    for (int i = 0; i < c->ngroups; i++)
        if (c->groups[i] == gid)
            return 1;
    return 0;
}

int model_ipcperms(const struct model_caller *c, const struct model_perm *perm, int flag)
{
    int requested = (flag >> 6) | (flag >> 3) | flag;
    int granted = (int)perm->mode;
    if (c->euid == perm->cuid || c->euid == perm->uid)
        granted >>= 6;
    else if (model_in_group(c, perm->cgid) || model_in_group(c, perm->gid))
        granted >>= 3;
    if ((requested & ~granted & 0007) && !(c->caps & MODEL_CAP_IPC_OWNER))
        return -1;
    return 0;
}

int model_may_change(const struct model_caller *c, const struct model_perm *perm)
{
    return c->euid == perm->cuid || c->euid == perm->uid || (c->caps & MODEL_CAP_SYS_ADMIN);
}

/* kernel_to_ipc64_perm: the ipc_perm an IPC_STAT reports. */
void model_fill_perm(struct ipc_perm *out, const struct model_perm *p)
{
    out->__key = p->key;
    out->uid = p->uid;
    out->gid = p->gid;
    out->cuid = p->cuid;
    out->cgid = p->cgid;
    out->mode = (unsigned short)p->mode;
    out->__seq = (unsigned short)p->seq;
}

void *model_ctl_obtain(const struct model_ids *ids, const struct model_caller *c, int id, int *err)
{
    struct model_perm *perm = model_ids_find(ids, id);
    if (!perm) {
        *err = -EINVAL;
        return NULL;
    }
    if (!model_may_change(c, perm)) {
        *err = -EPERM;
        return NULL;
    }
    return perm;
}

void *model_stat_obtain(const struct model_ids *ids, const struct model_caller *c, int id, int by_index,
                        int any, int *err)
{
    struct model_perm *perm = by_index ? model_ids_at(ids, id & (MODEL_IPCMNI - 1)) : model_ids_find(ids, id);
    if (!perm) {
        *err = -EINVAL;
        return NULL;
    }
    if (!any && model_ipcperms(c, perm, MODEL_S_IRUGO)) {
        *err = -EACCES;
        return NULL;
    }
    return perm;
}

int model_update_perm(struct model_perm *perm, const struct ipc_perm *in)
{
    if (in->uid == (uid_t)-1 || in->gid == (gid_t)-1)
        return -EINVAL;                 /* not a valid id in the namespace */
    perm->uid = in->uid;
    perm->gid = in->gid;
    perm->mode = (perm->mode & ~MODEL_S_IRWXUGO) | (in->mode & MODEL_S_IRWXUGO);
    return 0;
}
