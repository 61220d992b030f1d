/* cred.c: a process's credentials and how the calls of credentials(7) and
 * capabilities(7) change them, for callers the model simulates (the model
 * executor's processes), so that their permission checks follow the same
 * rules as a real process's.
 * Must not: read or change the credentials of the calling process. */
#include "model.h"

#include <errno.h>
#include <string.h>

/* include/uapi/linux/capability.h */
#define LINUX_CAP_IPC_LOCK      14
#define LINUX_CAP_IPC_OWNER     15
#define LINUX_CAP_SYS_ADMIN     21
#define LINUX_CAP_SYS_RESOURCE  24

unsigned model_caps_from_linux(uint64_t linux_caps)
{
    unsigned caps = 0;
    if (linux_caps & (1ULL << LINUX_CAP_IPC_OWNER))
        caps |= MODEL_CAP_IPC_OWNER;
    if (linux_caps & (1ULL << LINUX_CAP_SYS_ADMIN))
        caps |= MODEL_CAP_SYS_ADMIN;
    if (linux_caps & (1ULL << LINUX_CAP_SYS_RESOURCE))
        caps |= MODEL_CAP_SYS_RESOURCE;
    if (linux_caps & (1ULL << LINUX_CAP_IPC_LOCK))
        caps |= MODEL_CAP_IPC_LOCK;
    return caps;
}

void model_creds_root(struct model_creds *cr, uint64_t linux_caps)
{
    memset(cr, 0, sizeof(*cr));
    cr->permitted = cr->caller.caps = model_caps_from_linux(linux_caps);
}

/* setuid(2) as root sets every uid and, to a non-zero one, drops every
 * capability (capabilities(7), "Effect of user ID changes"). */
long model_setuid(struct model_creds *cr, uid_t uid)
{
    if (cr->caller.euid != 0)
        return -EPERM;
    cr->caller.euid = cr->ruid = uid;
    if (uid != 0)
        cr->permitted = cr->caller.caps = 0;
    return 0;
}

/* seteuid(2): root may take any; others only their real uid.  The
 * effective set follows the effective uid: cleared when it leaves 0,
 * the permitted set when it comes back. */
long model_seteuid(struct model_creds *cr, uid_t uid)
{
    if (cr->caller.euid != 0 && uid != cr->ruid)
        return -EPERM;
    cr->caller.euid = uid;
    cr->caller.caps = uid == 0 ? cr->permitted : 0;
    return 0;
}

long model_setgid(struct model_creds *cr, gid_t gid)
{
    if (cr->caller.euid != 0)
        return -EPERM;
    cr->caller.egid = gid;
    return 0;
}

long model_setegid(struct model_creds *cr, gid_t gid)
{
    return model_setgid(cr, gid);
}

long model_setgroups(struct model_creds *cr, const gid_t *groups, int n)
{
    if (cr->caller.euid != 0)
        return -EPERM;
    cr->caller.ngroups = n < MODEL_MAX_GROUPS ? n : MODEL_MAX_GROUPS;
    for (int i = 0; i < cr->caller.ngroups; i++)
        cr->caller.groups[i] = groups[i];
    return 0;
}

long model_capdrop(struct model_creds *cr, uint64_t linux_caps)
{
    unsigned drop = model_caps_from_linux(linux_caps);
    cr->permitted &= ~drop;
    cr->caller.caps &= ~drop;
    return 0;
}
