/* perm.c: who may do what to an IPC object (ipc/util.c: ipcperms and
 * ipcctl_obtain_check).  The owner's bits apply to the owner and to the
 * creator; the group's to a process in the owner's or the creator's group
 * (effective or supplementary); CAP_IPC_OWNER overrides the bits.
 * Must not: look anything up; the caller passes the object. */
#include "model.h"

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
