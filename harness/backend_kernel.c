/* backend_kernel.c: the host kernel as a backend.  Every call is a raw
 * syscall(2), so no libc wrapper changes arguments or results.  Isolation is
 * a fresh IPC namespace per scenario; blocking is read from
 * /proc/PID/syscall (the number of the call the process sleeps in).
 * Must not: create IPC objects in the caller's namespace. */
#define _GNU_SOURCE
#include "backend.h"

#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int kernel_available(char *why, size_t size)
{
    if (access("/proc/self/ns/ipc", F_OK) < 0) {
        snprintf(why, size, "no IPC namespaces (/proc/self/ns/ipc: %s)", strerror(errno));
        return -1;
    }
    return 0;
}

static int kernel_begin_scenario(char *why, size_t size)
{
    if (unshare(CLONE_NEWIPC) < 0) {
        snprintf(why, size, "unshare(CLONE_NEWIPC): %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The system call a puppet sleeps in while the step OP blocks. */
static long blocking_syscall(int op)
{
    switch (op) {
    case OP_MSGSND: return SYS_msgsnd;
    case OP_MSGRCV: return SYS_msgrcv;
    case OP_SEMOP: return SYS_semop;
    case OP_SEMTIMEDOP: return SYS_semtimedop;
    case OP_WAIT: return SYS_wait4;
    default: return -1;
    }
}

int read_proc_syscall(pid_t pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "running", or "NR args... sp pc" for a task that is not on a CPU */
    return buf[0] >= '0' && buf[0] <= '9';
}

static int kernel_blocked_in(pid_t pid, int op)
{
    char buf[256];
    long want = blocking_syscall(op);
    int asleep = read_proc_syscall(pid, buf, sizeof(buf));
    if (asleep <= 0)
        return asleep;
    return want >= 0 && strtol(buf, NULL, 10) == want;
}

static long k_msgget(key_t key, int flags) { return syscall(SYS_msgget, key, flags); }
static long k_msgsnd(int id, const void *m, size_t n, int f) { return syscall(SYS_msgsnd, id, m, n, f); }
static long k_msgrcv(int id, void *m, size_t n, long t, int f) { return syscall(SYS_msgrcv, id, m, n, t, f); }
static long k_msgctl(int id, int cmd, void *buf) { return syscall(SYS_msgctl, id, cmd, buf); }
static long k_semget(key_t key, int n, int f) { return syscall(SYS_semget, key, n, f); }
static long k_semop(int id, struct sembuf *s, size_t n) { return syscall(SYS_semop, id, s, n); }
static long k_semtimedop(int id, struct sembuf *s, size_t n, const struct timespec *t)
{
    return syscall(SYS_semtimedop, id, s, n, t);
}
static long k_semctl(int id, int num, int cmd, unsigned long arg) { return syscall(SYS_semctl, id, num, cmd, arg); }
static long k_shmget(key_t key, size_t size, int f) { return syscall(SYS_shmget, key, size, f); }
static long k_shmat(int id, const void *addr, int f) { return syscall(SYS_shmat, id, addr, f); }
static long k_shmdt(const void *addr) { return syscall(SYS_shmdt, addr); }
static long k_shmctl(int id, int cmd, void *buf) { return syscall(SYS_shmctl, id, cmd, buf); }

const struct backend backend_kernel = {
    .name = "kernel",
    .available = kernel_available,
    .begin_scenario = kernel_begin_scenario,
    .blocked_in = kernel_blocked_in,
    .msgget = k_msgget, .msgsnd = k_msgsnd, .msgrcv = k_msgrcv, .msgctl = k_msgctl,
    .semget = k_semget, .semop = k_semop, .semtimedop = k_semtimedop, .semctl = k_semctl,
    .shmget = k_shmget, .shmat = k_shmat, .shmdt = k_shmdt, .shmctl = k_shmctl,
};

const struct backend *backend_by_name(const char *name)
{
    if (strcmp(name, "kernel") == 0)
        return &backend_kernel;
    if (strcmp(name, "model") == 0)
        return &backend_model;
    if (strcmp(name, "ref") == 0)
        return &backend_ref;
    return NULL;
}
