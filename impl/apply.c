/* apply.c: model_apply, the model's single entry: one operation given as
 * data performed on the namespace by the function of that operation, and
 * model_input_size, what the operation reads and writes of the caller's
 * memory.  See model.h.
 * Must not: read anything but the request, the namespace and IN (no
 * clock, no process): the reference runtime replays its log through here,
 * so the same request on the same state gives the same result. */
#define _GNU_SOURCE
#include "model_ns.h"
#include "ctl_cmd.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>

static enum ctl_call ctl_call_of(uint32_t op)
{
    return op == MODEL_MSGCTL ? CTL_MSG : op == MODEL_SEMCTL ? CTL_SEM : CTL_SHM;
}

static int ctl_cmd_arg(const struct model_request *rq)
{
    return (int)(rq->op == MODEL_SEMCTL ? rq->arg[2] : rq->arg[1]);
}

static int nsems_of(const struct model_ns *ns, int id)
{
    const struct model_sem_array *sma = model_ids_find(&ns->sem_ids, id);
    return sma ? sma->nsems : 0;
}

size_t model_input_size(const struct model_ns *ns, const struct model_request *rq, size_t *out_size)
{
    *out_size = 0;
    if (rq->flags & MODEL_NULL_BUFFER)
        return 0;                      /* nothing to copy either way */
    switch (rq->op) {
    case MODEL_MSGSND:
    case MODEL_MSGSND_RESUME: {
        /* a resumed send's size passed msgmax when it began: do_msgsnd
         * loads the message (load_msg) before it waits and checks msgmax
         * only then, so its text is whole whatever msgmax is now */
        long size = rq->arg[2];
        if (size < 0 || (rq->op == MODEL_MSGSND && ns && size > ns->limits.msgmax))
            return sizeof(long);       /* the type only: the model refuses the size */
        return sizeof(long) + (size_t)size;
    }
    case MODEL_MSGRCV:
    case MODEL_MSGRCV_RESUME:
        *out_size = sizeof(long) + (rq->arg[2] > 0 ? (size_t)rq->arg[2] : 0);
        return 0;
    case MODEL_MSGCTL:
    case MODEL_SEMCTL:
    case MODEL_SHMCTL: {
        const struct ctl_cmd *cmd = ctl_cmd_find(ctl_call_of(rq->op), ctl_cmd_arg(rq));
        if (cmd && cmd->per_sem && !ns)
            return MODEL_SIZE_UNKNOWN;
        size_t size = ctl_cmd_buffer_size(cmd, cmd && cmd->per_sem ? nsems_of(ns, (int)rq->arg[0]) : 0);
        if (cmd && cmd->buffer == CTL_BUF_OUT)
            *out_size = size;
        return cmd && cmd->buffer == CTL_BUF_IN ? size : 0;
    }
    case MODEL_SEMTIMEDOP: {
        /* the count is an unsigned int in the system call, as model_semtimedop reads it */
        unsigned int nsops = (unsigned int)rq->arg[2];
        if (nsops < 1 || (ns && nsops > ns->limits.semopm))
            return 0;
        return sizeof(struct sembuf) * (size_t)nsops;
    }
    case MODEL_SYSCTL_WRITE:
        return (size_t)rq->arg[0];
    case MODEL_SYSCTL_READ:
        *out_size = (size_t)rq->arg[1];
        return (size_t)rq->arg[0];
    case MODEL_SYSVIPC_LINE:
        *out_size = (size_t)rq->arg[2];
        return (size_t)rq->arg[1];
    case MODEL_SHMDT_PIECES:
        *out_size = rq->arg[2] > 0 && rq->arg[2] <= MODEL_PIECES_MAX ? (size_t)rq->arg[2] * sizeof(struct model_piece) : 0;
        return 0;
    default:
        return 0;
    }
}

size_t model_output_size(const struct model_request *rq, long ret, size_t out_size)
{
    if (rq->op == MODEL_MSGRCV || rq->op == MODEL_MSGRCV_RESUME) {
        size_t written = sizeof(long) + (ret > 0 ? (size_t)ret : 0);
        return written < out_size ? written : out_size;
    }
    return out_size;
}

/* A ctl call's buffer: what it reads, or where it writes, or nothing. */
static void *ctl_buffer(const struct model_request *rq, const void *in, void *out)
{
    const struct ctl_cmd *cmd = ctl_cmd_find(ctl_call_of(rq->op), ctl_cmd_arg(rq));
    if (cmd && cmd->buffer == CTL_BUF_IN)
        return (void *)in;
    if (cmd && cmd->buffer == CTL_BUF_NONE)
        return NULL;
    return out;                        /* fills it, or an unknown command (EINVAL) */
}

long model_apply(struct model_ns *ns, const struct model_request *rq, const void *in, void *out)
{
    const struct model_caller *c = &rq->caller;
    if (rq->flags & MODEL_COLLECT_FIRST)
        model_collect(ns, c->pid);
    if (rq->flags & MODEL_NULL_BUFFER)
        in = out = NULL;
    const int64_t *a = rq->arg;
    long now = (long)rq->now;
    switch (rq->op) {
    case MODEL_MSGGET:
        return model_msgget(ns, c, (int32_t)a[0], (int)a[1], now);
    case MODEL_MSGSND:
        return model_msgsnd(ns, c, (int)a[0], in, a[2], (int)a[3], now);
    case MODEL_MSGRCV:
        return model_msgrcv(ns, c, (int)a[0], out, a[2], a[3], (int)a[4], now);
    case MODEL_MSGSND_RESUME:
        return model_msg_resume(ns, c, (int)a[0], (void *)in, a[2], 0, (int)a[3], now);
    case MODEL_MSGRCV_RESUME:
        return model_msg_resume(ns, c, (int)a[0], out, a[2], a[3], (int)a[4], now);
    case MODEL_MSGCTL:
        return model_msgctl(ns, c, (int)a[0], (int)a[1], ctl_buffer(rq, in, out), now);
    case MODEL_SEMGET:
        return model_semget(ns, c, (int32_t)a[0], (int)a[1], (int)a[2], now);
    case MODEL_SEMTIMEDOP:
        return model_semtimedop(ns, c, (int)a[0], in, a[2], (int)a[3], a[4], a[5], now);
    case MODEL_SEM_RESUME:
        return model_sem_resume(ns, c);
    case MODEL_SEMCTL: {
        /* the union argument: a value, or a pointer to the buffer */
        const struct ctl_cmd *cmd = ctl_cmd_find(CTL_SEM, (int)a[2]);
        unsigned long arg = cmd && cmd->buffer == CTL_BUF_NONE ? (unsigned long)a[3]
                                                               : (unsigned long)(uintptr_t)ctl_buffer(rq, in, out);
        return model_semctl(ns, c, (int)a[0], (int)a[1], (int)a[2], arg, now);
    }
    case MODEL_SHMGET:
        return model_shmget(ns, c, (int32_t)a[0], (unsigned long)a[1], (int)a[2], now);
    case MODEL_SHMAT:
        return model_shmat(ns, c, (int)a[0], (uintptr_t)a[1], (int)a[2], (uintptr_t)a[3], now);
    case MODEL_SHMDT:
        return model_shmdt(ns, c, (uintptr_t)a[0], now);
    case MODEL_SHMCTL:
        return model_shmctl(ns, c, (int)a[0], (int)a[1], ctl_buffer(rq, in, out), now);
    case MODEL_FORK:
        model_fork(ns, (pid_t)a[0], (pid_t)a[1], now);
        return 0;
    case MODEL_EXEC:
        model_exec(ns, (pid_t)a[0], now);
        return 0;
    case MODEL_EXIT:
        model_exit(ns, (pid_t)a[0], now);
        return 0;
    case MODEL_INTERRUPT:
        model_interrupt(ns, (pid_t)a[0]);
        return 0;
    case MODEL_TIMEOUT:
        model_timeout(ns, (pid_t)a[0]);
        return 0;
    case MODEL_COLLECT:
        model_collect(ns, (pid_t)a[0]);
        return 0;
    case MODEL_SYSCTL_WRITE: {
        const char *name = in;
        size_t len = (size_t)a[0];
        if (!name || len < 2 || name[len - 1] || strlen(name) + 1 >= len)
            return -EINVAL;
        return model_sysctl_write(ns, name, name + strlen(name) + 1);
    }
    case MODEL_SET_HUGEPAGES:
        /* one pool: ARG1 the log2 of its page size, 0 for the default */
        if (a[1] <= 0 || a[1] == MODEL_HUGE_DEFAULT_LOG) {
            ns->limits.hugepages_free = (unsigned long)a[0];
        } else if (a[1] < 64) {
            ns->limits.huge_page_sizes |= 1ULL << a[1];
            ns->limits.huge_pool_free[a[1]] = (unsigned long)a[0];
        }
        return 0;
    case MODEL_SET_COMMIT:
        ns->limits.commit_pages = (unsigned long)a[0];
        ns->limits.noreserve_ignored = a[1] != 0;
        return 0;
    case MODEL_SYSCTL_READ:
        if (!in || !out || a[0] < 1 || ((const char *)in)[a[0] - 1] || a[1] < 1)
            return -EINVAL;
        return model_sysctl_read(ns, in, out, (size_t)a[1]);
    case MODEL_SYSVIPC_LINE:
        if (!in || !out || a[1] < 1 || ((const char *)in)[a[1] - 1] || a[2] < 1)
            return -EINVAL;
        return model_sysvipc_line(ns, in, (int)a[0], out, (size_t)a[2]);
    case MODEL_SHM_MAP_SIZE: {
        const struct model_shm *shp = a[0] >= 0 ? model_ids_find(&ns->shm_ids, (int)a[0]) : NULL;
        return shp ? (long)shp->map_size : -EINVAL;
    }
    case MODEL_SHMDT_PIECES:
        if ((a[2] && !out) || a[1] < 0 || a[1] > INT_MAX || a[2] < 0 || a[2] > MODEL_PIECES_MAX)
            return -EINVAL;
        return model_shmdt_pieces(ns, c->pid, (uintptr_t)a[0], (int)a[1], out, (int)a[2]);
    default:
        return -ENOSYS;
    }
}
