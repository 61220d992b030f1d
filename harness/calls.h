/* calls.h: an implementation's System V IPC calls as a table (the
 * kernel's system calls, the reference runtime's, the model's), and the
 * one function that performs a request's IPC call through such a table:
 * the caller's buffers laid out as a program lays them out, IPC_SET read,
 * modified and written back, what the call returned in memory measured.
 * The puppet and the model executor both perform IPC steps here, so a step
 * means the same thing on every implementation.
 * Must not: decide outcomes, or perform process steps (fork, exit, kill ...:
 * each executor's own). */
#ifndef SVIPC_CALLS_H
#define SVIPC_CALLS_H

#include "wire.h"

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct sembuf;

/* Each call as the system call's prototype, CTX first, -1 and errno. */
struct ipc_calls {
    long (*msgget)(void *ctx, key_t key, int flags);
    long (*msgsnd)(void *ctx, int id, const void *msgp, size_t size, int flags);
    long (*msgrcv)(void *ctx, int id, void *msgp, size_t size, long type, int flags);
    long (*msgctl)(void *ctx, int id, int cmd, void *buf);
    long (*semget)(void *ctx, key_t key, int nsems, int flags);
    long (*semop)(void *ctx, int id, struct sembuf *sops, size_t nsops);
    long (*semtimedop)(void *ctx, int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout);
    long (*semctl)(void *ctx, int id, int num, int cmd, unsigned long arg);
    long (*shmget)(void *ctx, key_t key, size_t size, int flags);
    long (*shmat)(void *ctx, int id, const void *addr, int flags);
    long (*shmdt)(void *ctx, const void *addr);
    long (*shmctl)(void *ctx, int id, int cmd, void *buf);
    /* Optional (NULL: the real files of the process's namespace):
     * kernel.NAME, written (VALUE) or read into BUF, 0 or -1 and errno; and
     * /proc/sysvipc/TABLE's header and the line of ID, 1, or 0 for none. */
    int (*sysctl)(void *ctx, const char *name, const char *value, char *buf, size_t size);
    int (*sysvipc_line)(void *ctx, const char *table, int id, char *out, size_t size);
};

/* The room calls_perform may use in OUT. */
#define CALLS_OUT_SIZE (WIRE_MAX_DATA + 16)
/* The most bytes a msgsnd may be told to read (size=): a message the
 * caller's OUT can receive again.  request_build refuses a step beyond. */
#define CALLS_MSGSND_MAX WIRE_MAX_DATA

/* What a buffer filled with CALLS_SENTINEL before the call shows after it:
 * an implementation that writes where it should not is seen. */
#define CALLS_SENTINEL 0xa5
struct calls_effect {
    uint32_t wrote;           /* the call failed and changed this many bytes of its buffer */
    uint32_t beyond;          /* it returned and changed this many bytes past what it returned */
};

/* Perform RQ's IPC call (its operation is OPF_IPC) through CALLS, with
 * DATA (RQ->data_len bytes) as the step's bytes and OUT (CALLS_OUT_SIZE
 * bytes) as the caller's buffer; *LEN receives how many bytes of OUT the
 * call returned, *EFFECT what it wrote where it should not have.  A ctl
 * call's structure is returned whole, its padding too.  The call's value,
 * or -1 and errno. */
long calls_perform(const struct ipc_calls *calls, void *ctx, const struct wire_request *rq,
                   const unsigned char *data, unsigned char *out, size_t *len, struct calls_effect *effect);

#endif
