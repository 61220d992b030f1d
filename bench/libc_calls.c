/* libc_calls.c: the table of libc_calls.h.
 * Must not: add behaviour: each entry is one C library call. */
#define _GNU_SOURCE
#include "libc_calls.h"

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

static long c_msgget(void *ctx, key_t key, int flags) { (void)ctx; return msgget(key, flags); }
static long c_msgsnd(void *ctx, int id, const void *m, size_t n, int flags) { (void)ctx; return msgsnd(id, m, n, flags); }
static long c_msgrcv(void *ctx, int id, void *m, size_t n, long type, int flags)
{
    (void)ctx;
    return msgrcv(id, m, n, type, flags);
}
static long c_msgctl(void *ctx, int id, int cmd, void *buf) { (void)ctx; return msgctl(id, cmd, buf); }
static long c_semget(void *ctx, key_t key, int n, int flags) { (void)ctx; return semget(key, n, flags); }
static long c_semop(void *ctx, int id, struct sembuf *sops, size_t n) { (void)ctx; return semop(id, sops, n); }
static long c_semtimedop(void *ctx, int id, struct sembuf *sops, size_t n, const struct timespec *t)
{
    (void)ctx;
    return semtimedop(id, sops, n, t);
}
static long c_semctl(void *ctx, int id, int num, int cmd, unsigned long arg)
{
    (void)ctx;
    return semctl(id, num, cmd, arg);
}
static long c_shmget(void *ctx, key_t key, size_t size, int flags) { (void)ctx; return shmget(key, size, flags); }
static long c_shmat(void *ctx, int id, const void *addr, int flags) { (void)ctx; return (long)shmat(id, addr, flags); }
static long c_shmdt(void *ctx, const void *addr) { (void)ctx; return shmdt(addr); }
static long c_shmctl(void *ctx, int id, int cmd, void *buf) { (void)ctx; return shmctl(id, cmd, buf); }

const struct ipc_calls libc_calls = {
    c_msgget, c_msgsnd, c_msgrcv, c_msgctl, c_semget, c_semop, c_semtimedop, c_semctl,
    c_shmget, c_shmat, c_shmdt, c_shmctl, NULL, NULL,
};
