/* calls.c: performing a request's IPC call; see calls.h.
 * Must not: keep state between calls, or perform process steps. */
#define _GNU_SOURCE
#include "calls.h"

#include "abi.h"
#include "linux_ipc.h"
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEM_MAX 32768        /* semaphores a GETALL buffer holds */
#define SEM_END ((CALLS_SENTINEL << 8) | CALLS_SENTINEL)   /* above SEMVMX: where GETALL's values end */

/* Bytes of [FROM, TO) of BUF that are no longer the sentinel. */
static uint32_t changed(const unsigned char *buf, size_t from, size_t to)
{
    uint32_t n = 0;
    for (size_t i = from; i < to; i++)
        n += buf[i] != CALLS_SENTINEL;
    return n;
}

/* After a call that had BUF (SIZE bytes, sentinel-filled) to write in:
 * what it wrote on failure, or past the RETURNED bytes on success. */
static void observe(const unsigned char *buf, size_t size, long ret, size_t returned, struct calls_effect *effect)
{
    if (ret == -1)
        effect->wrote = changed(buf, 0, size);
    else if (returned < size)
        effect->beyond = changed(buf, returned, size);
}

/* IPC_SET: the fields the step gives (SET: a mask, 1 uid, 2 gid, 4 mode,
 * 8 qbytes, then the values) over what IPC_STAT read, as a program does. */
static void apply_set(struct ipc_perm *perm, unsigned long *qbytes, const int64_t *set)
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

/* The old structure (via=ipc-old: no IPC_64) of a ctl command, in this
 * architecture's layouts; NULL for the usual ones. */
static const struct abi_struct *old_layout(const struct wire_request *rq, const struct ctl_cmd *cmd)
{
    if (!(rq->flags & WIRE_IPC_OLD) || !cmd)
        return NULL;
    const struct abi_struct *st = &abi_by_id(abi_native())->s[abi_ctl_struct((enum op)rq->op, cmd->cmd, 1)];
    return st->size ? st : NULL;
}

/* IPC_SET's fields into an old structure, by its layout's names. */
static void apply_set_old(unsigned char *buf, const struct abi_struct *st, const int64_t *set)
{
    static const char *const names[] = { "uid", "gid", "mode", "msg_qbytes" };
    for (int i = 0; i < 4; i++) {
        const struct abi_field *f = abi_field(st, names[i]);
        if ((set[0] & (1 << i)) && f)
            abi_write(buf, f, (long)set[1 + i]);
    }
}

/* msgctl and shmctl: a structure read (IPC_SET, after an IPC_STAT) or filled. */
static long ctl_call(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                     const struct ctl_cmd *cmd, unsigned char *out, size_t *len, struct calls_effect *effect)
{
    const int64_t *a = rq->arg;
    int is_msg = rq->op == OP_MSGCTL;
    long (*call)(void *, int, int, void *) = is_msg ? calls->msgctl : calls->shmctl;
    const struct abi_struct *old = old_layout(rq, cmd);
    unsigned char before[CTL_STRUCT_MAX];
    memset(out, CALLS_SENTINEL, CTL_STRUCT_MAX);
    if (cmd && cmd->is_set) {
        memset(out, 0, CTL_STRUCT_MAX);
        call(ctx, (int)a[0], IPC_STAT, out);
        const int64_t *set = a + op_slot(op_desc(rq->op), SLOT_SET);
        if (old) {
            apply_set_old(out, old, set);
        } else {
            struct ipc_perm *perm = is_msg ? &((struct msqid_ds *)out)->msg_perm : &((struct shmid_ds *)out)->shm_perm;
            apply_set(perm, is_msg ? &((struct msqid_ds *)out)->msg_qbytes : NULL, set);
        }
        errno = 0;
    }
    memcpy(before, out, CTL_STRUCT_MAX);
    long ret = call(ctx, (int)a[0], (int)a[1], (rq->flags & WIRE_NULL_BUFFER) ? NULL : out);
    if (cmd && cmd->is_set) {
        effect->wrote = (uint32_t)(memcmp(before, out, CTL_STRUCT_MAX) != 0);   /* it only reads */
    } else {
        if (ret != -1 && cmd && cmd->buffer == CTL_BUF_OUT)
            *len = old ? old->size : cmd->size;
        observe(out, CTL_STRUCT_MAX, ret, *len, effect);
    }
    return ret;
}

static long semctl_call(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                        const unsigned char *data, const struct ctl_cmd *cmd, unsigned char *out, size_t *len,
                        struct calls_effect *effect)
{
    const int64_t *a = rq->arg;
    int id = (int)a[0], num = (int)a[1], c = (int)a[2];
    unsigned long arg = (unsigned long)(uintptr_t)out;
    size_t region = cmd && cmd->per_sem ? SEM_MAX * sizeof(unsigned short) : CTL_STRUCT_MAX;
    memset(out, CALLS_SENTINEL, region);
    if (cmd && cmd->buffer == CTL_BUF_NONE) {
        arg = (unsigned long)a[3];             /* SETVAL's value; ignored by the others */
    } else if (cmd && cmd->per_sem && cmd->buffer == CTL_BUF_IN) {
        arg = (unsigned long)(uintptr_t)data;  /* SETALL */
    } else if (cmd && cmd->is_set) {
        struct semid_ds *ds = (struct semid_ds *)out;
        const struct abi_struct *old = old_layout(rq, cmd);
        memset(out, 0, CTL_STRUCT_MAX);
        calls->semctl(ctx, id, 0, IPC_STAT, (unsigned long)(uintptr_t)ds);
        if (old)
            apply_set_old(out, old, a + op_slot(op_desc(rq->op), SLOT_SET));
        else
            apply_set(&ds->sem_perm, NULL, a + op_slot(op_desc(rq->op), SLOT_SET));
        errno = 0;
    }
    if ((rq->flags & WIRE_NULL_BUFFER) && !(cmd && cmd->buffer == CTL_BUF_NONE))
        arg = 0;
    long ret = calls->semctl(ctx, id, num, c, arg);
    if (!cmd || cmd->buffer != CTL_BUF_OUT)
        return ret;
    if (ret != -1 && cmd->per_sem) {
        const unsigned short *v = (const unsigned short *)out;
        size_t n = 0;
        while (n < SEM_MAX && v[n] != SEM_END)
            n++;
        *len = n * sizeof(unsigned short);
    } else if (ret != -1) {
        const struct abi_struct *old = old_layout(rq, cmd);
        *len = old ? old->size : cmd->size;
    }
    observe(out, region, ret, cmd->per_sem ? region : *len, effect);
    return ret;
}

static long sysctl_call(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                        const unsigned char *data, unsigned char *out, size_t *len)
{
    const char *name = (const char *)data;
    const char *value = name + strlen(name) + 1;
    int writes = rq->arg[0] != 0;
    if (calls->sysctl) {
        int r = calls->sysctl(ctx, name, writes ? value : NULL, (char *)out, 4096);
        if (r == 0 && !writes)
            *len = strlen((char *)out);
        return r;
    }
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    int fd = open(path, (writes ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = writes ? write(fd, value, strlen(value)) : read(fd, out, 4096);
    if (n > 0 && !writes)
        *len = (size_t)n;
    int saved = errno;
    close(fd);
    errno = saved;
    return n < 0 ? -1 : 0;
}

/* The header and the line of /proc/sysvipc/TABLE whose id column is ID. */
static long sysvipc_call(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                         const unsigned char *data, unsigned char *out, size_t *len)
{
    const char *table = (const char *)data;
    int id = (int)rq->arg[0];
    if (calls->sysvipc_line) {
        int found = calls->sysvipc_line(ctx, table, id, (char *)out, WIRE_MAX_DATA);
        if (found == 1)
            *len = strlen((char *)out);
        return found;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/sysvipc/%s", table);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[1024], header[1024] = "";
    long found = 0;
    while (fgets(line, sizeof(line), f)) {
        if (!*header) {
            snprintf(header, sizeof(header), "%s", line);
            continue;
        }
        long key, lid;
        if (sscanf(line, "%ld %ld", &key, &lid) == 2 && lid == id) {
            *len = (size_t)snprintf((char *)out, WIRE_MAX_DATA, "%s%s", header, line);
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
}

long calls_perform(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                   const unsigned char *data, unsigned char *out, size_t *len, struct calls_effect *effect)
{
    const int64_t *a = rq->arg;
    /* buf=null: the call gets NULL for its buffer, so a copy to or from it faults */
    int null_buffer = (rq->flags & WIRE_NULL_BUFFER) != 0;
    *len = 0;
    memset(effect, 0, sizeof(*effect));
    errno = 0;
    switch (rq->op) {
    case OP_MSGGET:
        return calls->msgget(ctx, (key_t)a[0], (int)a[1]);
    case OP_MSGSND: {
        /* the type, then the text, zero-padded up to size= when that is
         * larger: the buffer holds every byte the call may read (a negative
         * size is refused before anything is read) */
        if (a[3] > CALLS_MSGSND_MAX) {
            errno = E2BIG;               /* request_build refuses such a step first */
            return -1;
        }
        size_t text = a[3] > 0 && (size_t)a[3] > rq->data_len ? (size_t)a[3] : rq->data_len;
        unsigned char *buf = calloc(1, sizeof(long) + text);
        if (!buf) {
            errno = ENOMEM;
            return -1;
        }
        long mtype = (long)a[1];
        memcpy(buf, &mtype, sizeof(long));
        memcpy(buf + sizeof(long), data, rq->data_len);
        long ret = calls->msgsnd(ctx, (int)a[0], null_buffer ? NULL : buf, (size_t)a[3], (int)a[2]);
        int saved = errno;
        free(buf);
        errno = saved;
        return ret;
    }
    case OP_MSGRCV: {
        /* a message longer than OUT makes the call fail with EFAULT at the
         * guard page behind it, as it would in a program */
        size_t region = sizeof(long) + (a[1] > 0 && (uint64_t)a[1] < CALLS_OUT_SIZE - sizeof(long) ? (size_t)a[1]
                                        : a[1] > 0 ? CALLS_OUT_SIZE - sizeof(long) : 0);
        memset(out, CALLS_SENTINEL, region);
        long ret = calls->msgrcv(ctx, (int)a[0], null_buffer ? NULL : out, (size_t)a[1], (long)a[2], (int)a[3]);
        *len = ret >= 0 ? sizeof(long) + (size_t)ret : 0;
        int saved = errno;
        observe(out, region, ret, *len, effect);
        errno = saved;
        return ret;
    }
    case OP_MSGCTL:
    case OP_SHMCTL:
        return ctl_call(calls, ctx, rq, op_ctl_cmd(op_desc(rq->op), a), out, len, effect);
    case OP_SEMGET:
        return calls->semget(ctx, (key_t)a[0], (int)a[1], (int)a[2]);
    case OP_SEMOP:
    case OP_SEMTIMEDOP: {
        struct sembuf *sops = null_buffer ? NULL : (struct sembuf *)data;
        if (rq->op == OP_SEMOP)
            return calls->semop(ctx, (int)a[0], sops, (size_t)a[1]);
        struct timespec ts = { .tv_sec = a[3], .tv_nsec = a[4] };
        return calls->semtimedop(ctx, (int)a[0], sops, (size_t)a[1], a[2] ? &ts : NULL);
    }
    case OP_SEMCTL:
        return semctl_call(calls, ctx, rq, data, op_ctl_cmd(op_desc(rq->op), a), out, len, effect);
    case OP_SHMGET:
        return calls->shmget(ctx, (key_t)a[0], (size_t)a[1], (int)a[2]);
    case OP_SHMAT:
        return calls->shmat(ctx, (int)a[0], (const void *)(uintptr_t)a[1], (int)a[2]);
    case OP_SHMDT:
        return calls->shmdt(ctx, (const void *)(uintptr_t)a[0]);
    case OP_FTOK: {
        /* the key, and the file's device and inode to check it against */
        struct stat st;
        long ret = ftok((const char *)data, (int)a[0]);
        if (ret != -1 && stat((const char *)data, &st) == 0) {
            uint64_t ids[2] = { st.st_dev, st.st_ino };
            memcpy(out, ids, sizeof(ids));
            *len = sizeof(ids);
        }
        return ret;
    }
    case OP_SYSCTL:
        return sysctl_call(calls, ctx, rq, data, out, len);
    case OP_SYSVIPC:
        return sysvipc_call(calls, ctx, rq, data, out, len);
    default:
        errno = ENOSYS;
        return -1;
    }
}
