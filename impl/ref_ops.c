/* ref_ops.c: the records of the reference runtime's log and the single
 * function that applies one to the model.
 * Must not: take locks, read clocks or touch memory outside the record, the
 * namespace and OUT. */
#define _GNU_SOURCE
#include "ref_ops.h"

#include <errno.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define CTL_STRUCT_MAX 512             /* any *id_ds or *info structure */

size_t ref_record_size(size_t in_len)
{
    return (sizeof(struct ref_record) + in_len + 7) & ~(size_t)7;
}

int ref_ctl_writes_out(const struct ref_record *rec)
{
    int cmd = (int)rec->arg[1];
    switch (rec->op) {
    case REF_OP_MSGCTL:
        return cmd != IPC_SET && cmd != IPC_RMID;
    case REF_OP_SHMCTL:
        return cmd != IPC_SET && cmd != IPC_RMID && cmd != SHM_LOCK && cmd != SHM_UNLOCK;
    case REF_OP_SEMCTL:
        cmd = (int)rec->arg[2];
        return cmd == IPC_STAT || cmd == SEM_STAT || cmd == SEM_STAT_ANY || cmd == IPC_INFO ||
               cmd == SEM_INFO || cmd == GETALL;
    default:
        return 0;
    }
}

size_t ref_input_size(const struct model_ns *ns, struct ref_record *rec)
{
    rec->out_len = 0;
    if (rec->flags & REF_NULL_BUFFER)
        return 0;                      /* nothing to copy either way */
    switch (rec->op) {
    case REF_OP_MSGSND:
    case REF_OP_MSGSND_RESUME: {
        long size = rec->arg[2];
        if (size < 0 || size > ns->limits.msgmax)
            return sizeof(long);       /* the type only: the model refuses the size */
        return sizeof(long) + (size_t)size;
    }
    case REF_OP_MSGRCV:
    case REF_OP_MSGRCV_RESUME:
        rec->out_len = rec->arg[2] > 0 ? sizeof(long) + (size_t)rec->arg[2] : sizeof(long);
        return 0;
    case REF_OP_MSGCTL:
    case REF_OP_SHMCTL:
        if (ref_ctl_writes_out(rec))
            rec->out_len = CTL_STRUCT_MAX;
        return rec->arg[1] == IPC_SET ? (rec->op == REF_OP_MSGCTL ? sizeof(struct msqid_ds)
                                                                 : sizeof(struct shmid_ds)) : 0;
    case REF_OP_SEMTIMEDOP: {
        long nsops = rec->arg[2];
        if (nsops < 1 || nsops > ns->limits.semopm)
            return 0;
        return sizeof(struct sembuf) * (size_t)nsops;
    }
    case REF_OP_SEMCTL: {
        int cmd = (int)rec->arg[2];
        if (cmd == GETALL || cmd == SETALL) {
            const struct model_sem_array *sma = model_ids_find(&ns->sem_ids, (int)rec->arg[0]);
            size_t n = sma ? sizeof(unsigned short) * (size_t)sma->nsems : 0;
            if (cmd == GETALL)
                rec->out_len = n;
            return cmd == SETALL ? n : 0;
        }
        if (ref_ctl_writes_out(rec))
            rec->out_len = CTL_STRUCT_MAX;
        return cmd == IPC_SET ? sizeof(struct semid_ds) : 0;
    }
    case REF_OP_SYSCTL_WRITE:
        return (size_t)rec->arg[0];    /* "name\0value\0" */
    default:
        return 0;
    }
}

long ref_apply(struct model_ns *ns, const struct ref_record *rec, void *out)
{
    const struct model_caller *c = &rec->caller;
    const int null_buffer = (rec->flags & REF_NULL_BUFFER) != 0;
    const void *in = null_buffer ? NULL : rec->in;
    if (null_buffer)
        out = NULL;
    const int64_t *a = rec->arg;
    long now = (long)rec->now;
    switch (rec->op) {
    case REF_OP_MSGGET:
        return model_msgget(ns, c, (int32_t)a[0], (int)a[1], now);
    case REF_OP_MSGSND:
        return model_msgsnd(ns, c, (int)a[0], in, a[2], (int)a[3], now);
    case REF_OP_MSGRCV:
        return model_msgrcv(ns, c, (int)a[0], out, a[2], a[3], (int)a[4], now);
    case REF_OP_MSGSND_RESUME:
        return model_msg_resume(ns, c, (int)a[0], (void *)in, a[2], 0, (int)a[3], now);
    case REF_OP_MSGRCV_RESUME:
        return model_msg_resume(ns, c, (int)a[0], out, a[2], a[3], (int)a[4], now);
    case REF_OP_MSGCTL:
        return model_msgctl(ns, c, (int)a[0], (int)a[1], a[1] == IPC_SET ? (void *)in : out, now);
    case REF_OP_SEMGET:
        return model_semget(ns, c, (int32_t)a[0], (int)a[1], (int)a[2], now);
    case REF_OP_SEMTIMEDOP:
        return model_semtimedop(ns, c, (int)a[0], (const struct sembuf *)in, a[2], (int)a[3], a[4], a[5],
                                now);
    case REF_OP_SEM_RESUME:
        return model_sem_resume(ns, c);
    case REF_OP_SEMCTL: {
        int cmd = (int)a[2];
        unsigned long arg = (unsigned long)a[3];
        if (cmd == SETALL || cmd == IPC_SET)
            arg = (unsigned long)(uintptr_t)in;
        else if (ref_ctl_writes_out(rec))
            arg = (unsigned long)(uintptr_t)out;
        return model_semctl(ns, c, (int)a[0], (int)a[1], cmd, arg, now);
    }
    case REF_OP_SHMGET:
        return model_shmget(ns, c, (int32_t)a[0], (unsigned long)a[1], (int)a[2], now);
    case REF_OP_SHMAT:
        return model_shmat(ns, c, (int)a[0], (uintptr_t)a[1], (int)a[2], (uintptr_t)a[3], now);
    case REF_OP_SHMDT:
        return model_shmdt(ns, c, (uintptr_t)a[0], now);
    case REF_OP_SHMCTL:
        return model_shmctl(ns, c, (int)a[0], (int)a[1], a[1] == IPC_SET ? (void *)in : out, now);
    case REF_OP_FORK:
        model_fork(ns, (pid_t)a[0], (pid_t)a[1], now);
        return 0;
    case REF_OP_EXEC:
        model_exec(ns, (pid_t)a[0], now);
        return 0;
    case REF_OP_EXIT:
        model_exit(ns, (pid_t)a[0], now);
        return 0;
    case REF_OP_INTERRUPT:
        model_interrupt(ns, (pid_t)a[0]);
        return 0;
    case REF_OP_TIMEOUT:
        model_timeout(ns, (pid_t)a[0]);
        return 0;
    case REF_OP_SYSCTL_WRITE: {
        const char *name = (const char *)rec->in;
        return model_sysctl_write(ns, name, name + strlen(name) + 1);
    }
    case REF_OP_SET_HUGEPAGES:
        ns->limits.hugepages_free = (unsigned long)a[0];
        return 0;
    default:
        return -ENOSYS;
    }
}
