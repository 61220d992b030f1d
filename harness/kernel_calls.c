/* kernel_calls.c: the table of kernel_calls.h, one path per architecture.
 * Must not: translate structures: the kernel's IPC_64 layouts are this
 * architecture's C library structures, and the coordinator decodes them by
 * abi.h. */
#define _GNU_SOURCE
#include "kernel_calls.h"

#include <stdint.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IPC_64_FLAG 0x100            /* include/uapi/linux/ipc.h: the new structures */

#if defined(__i386__)

/* ipc(2)'s calls (include/uapi/linux/ipc.h) */
enum { IPCOP_SEMOP = 1, IPCOP_SEMGET, IPCOP_SEMCTL, IPCOP_SEMTIMEDOP,
       IPCOP_MSGSND = 11, IPCOP_MSGRCV, IPCOP_MSGGET, IPCOP_MSGCTL,
       IPCOP_SHMAT = 21, IPCOP_SHMDT, IPCOP_SHMGET, IPCOP_SHMCTL };

static long ipc(long call, long first, long second, long third, const void *ptr, long fifth)
{
    return syscall(SYS_ipc, call, first, second, third, ptr, fifth);
}

/* CTX: NULL as the C library calls (IPC_64, version 0), or the request's
 * flags (wire.h): WIRE_IPC_OLD asks for the old structures, WIRE_IPC_V1
 * is the call's version 1 (the high 16 bits of CALL) */
static long version(const void *ctx)
{
    return ctx && (*(const uint32_t *)ctx & WIRE_IPC_V1) ? 1L << 16 : 0;
}
static int layout(const void *ctx)
{
    return ctx && (*(const uint32_t *)ctx & WIRE_IPC_OLD) ? 0 : IPC_64_FLAG;
}

static long k_msgget(void *ctx, key_t key, int flags) { return ipc(IPCOP_MSGGET | version(ctx), key, flags, 0, 0, 0); }
static long k_msgsnd(void *ctx, int id, const void *m, size_t n, int f)
{
    return ipc(IPCOP_MSGSND | version(ctx), id, (long)n, f, m, 0);
}
static long k_msgrcv(void *ctx, int id, void *m, size_t n, long t, int f)
{
    if (version(ctx))                  /* version 1: the buffer and the type directly */
        return ipc(IPCOP_MSGRCV | version(ctx), id, (long)n, f, m, t);
    struct { void *msgp; long msgtyp; } kludge = { m, t };   /* version 0, as glibc calls it */
    return ipc(IPCOP_MSGRCV, id, (long)n, f, &kludge, 0);
}
static long k_msgctl(void *ctx, int id, int cmd, void *buf)
{
    return ipc(IPCOP_MSGCTL | version(ctx), id, cmd | layout(ctx), 0, buf, 0);
}
static long k_semget(void *ctx, key_t key, int n, int f) { return ipc(IPCOP_SEMGET | version(ctx), key, n, f, 0, 0); }
static long k_semop(void *ctx, int id, struct sembuf *s, size_t n)
{
    return ipc(IPCOP_SEMOP | version(ctx), id, (long)n, 0, s, 0);
}
static long k_semtimedop(void *ctx, int id, struct sembuf *s, size_t n, const struct timespec *t)
{
    return ipc(IPCOP_SEMTIMEDOP | version(ctx), id, (long)n, 0, s, (long)t);
}
static long k_semctl(void *ctx, int id, int num, int cmd, unsigned long arg)
{
    /* a pointer to the union */
    return ipc(IPCOP_SEMCTL | version(ctx), id, num, cmd | layout(ctx), &arg, 0);
}
static long k_shmget(void *ctx, key_t key, size_t size, int f)
{
    return ipc(IPCOP_SHMGET | version(ctx), key, (long)size, f, 0, 0);
}
static long k_shmat(void *ctx, int id, const void *addr, int f)
{
    unsigned long at = 0;
    /* the address comes back through THIRD (version 1, iBCS2's, is refused) */
    long r = ipc(IPCOP_SHMAT | version(ctx), id, f, (long)&at, addr, 0);
    return r < 0 ? r : (long)at;
}
static long k_shmdt(void *ctx, const void *addr) { return ipc(IPCOP_SHMDT | version(ctx), 0, 0, 0, addr, 0); }
static long k_shmctl(void *ctx, int id, int cmd, void *buf)
{
    return ipc(IPCOP_SHMCTL | version(ctx), id, cmd | layout(ctx), 0, buf, 0);
}

#else

/* armhf's ctl calls ask for the new structures; the 64-bit ones have no others */
#if defined(__arm__)
#define NEW_LAYOUT IPC_64_FLAG
#else
#define NEW_LAYOUT 0
#endif

static long k_msgget(void *ctx, key_t key, int flags) { (void)ctx; return syscall(SYS_msgget, key, flags); }
static long k_msgsnd(void *ctx, int id, const void *m, size_t n, int f) { (void)ctx; return syscall(SYS_msgsnd, id, m, n, f); }
static long k_msgrcv(void *ctx, int id, void *m, size_t n, long t, int f)
{
    (void)ctx;
    return syscall(SYS_msgrcv, id, m, n, t, f);
}
static long k_msgctl(void *ctx, int id, int cmd, void *buf)
{
    (void)ctx;
    return syscall(SYS_msgctl, id, cmd | NEW_LAYOUT, buf);
}
static long k_semget(void *ctx, key_t key, int n, int f) { (void)ctx; return syscall(SYS_semget, key, n, f); }
static long k_semop(void *ctx, int id, struct sembuf *s, size_t n) { (void)ctx; return syscall(SYS_semop, id, s, n); }
static long k_semtimedop(void *ctx, int id, struct sembuf *s, size_t n, const struct timespec *t)
{
    (void)ctx;
    return syscall(SYS_semtimedop, id, s, n, t);
}
static long k_semctl(void *ctx, int id, int num, int cmd, unsigned long arg)
{
    (void)ctx;
    return syscall(SYS_semctl, id, num, cmd | NEW_LAYOUT, arg);
}
static long k_shmget(void *ctx, key_t key, size_t size, int f) { (void)ctx; return syscall(SYS_shmget, key, size, f); }
static long k_shmat(void *ctx, int id, const void *addr, int f) { (void)ctx; return syscall(SYS_shmat, id, addr, f); }
static long k_shmdt(void *ctx, const void *addr) { (void)ctx; return syscall(SYS_shmdt, addr); }
static long k_shmctl(void *ctx, int id, int cmd, void *buf)
{
    (void)ctx;
    return syscall(SYS_shmctl, id, cmd | NEW_LAYOUT, buf);
}

#endif

const struct ipc_calls kernel_calls = {
    .msgget = k_msgget, .msgsnd = k_msgsnd, .msgrcv = k_msgrcv, .msgctl = k_msgctl,
    .semget = k_semget, .semop = k_semop, .semtimedop = k_semtimedop, .semctl = k_semctl,
    .shmget = k_shmget, .shmat = k_shmat, .shmdt = k_shmdt, .shmctl = k_shmctl,
};
