/* preload.c: libsvipc-ref.so, the reference runtime as a drop-in for the C
 * library's System V IPC calls: LD_PRELOAD=libsvipc-ref.so PROGRAM runs an
 * unmodified program on the arena named by $SVIPC_REF_ARENA (default
 * /dev/shm/svipc-ref-<euid>).  ftok is the C library's.  fork gives the
 * child its parent's attachments; wait* applies a reaped child's exit at
 * once (as the kernel has before wait returns); the set*id calls refresh
 * the credentials the model checks; sigaction and signal wrap the
 * program's handlers (ref_signals.h).
 * Must not: add behaviour of its own: every call is the runtime's. */
#define _GNU_SOURCE
#include "ref.h"
#include "ref_signals.h"

#include <dlfcn.h>
#include <grp.h>
#include <stdarg.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int msgget(key_t key, int flags) { return ref_msgget(key, flags); }
EXPORT int msgsnd(int id, const void *msgp, size_t size, int flags) { return ref_msgsnd(id, msgp, size, flags); }
EXPORT ssize_t msgrcv(int id, void *msgp, size_t size, long type, int flags)
{
    return ref_msgrcv(id, msgp, size, type, flags);
}
EXPORT int msgctl(int id, int cmd, struct msqid_ds *buf) { return ref_msgctl(id, cmd, buf); }
EXPORT int semget(key_t key, int nsems, int flags) { return ref_semget(key, nsems, flags); }
EXPORT int semop(int id, struct sembuf *sops, size_t nsops) { return ref_semtimedop(id, sops, nsops, NULL); }
EXPORT int semtimedop(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout)
{
    return ref_semtimedop(id, sops, nsops, timeout);
}
EXPORT int semctl(int id, int num, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    unsigned long arg = va_arg(ap, unsigned long);   /* union semun, passed by value */
    va_end(ap);
    return ref_semctl(id, num, cmd, arg);
}
EXPORT int shmget(key_t key, size_t size, int flags) { return ref_shmget(key, size, flags); }
EXPORT void *shmat(int id, const void *addr, int flags) { return ref_shmat(id, addr, flags); }
EXPORT int shmdt(const void *addr) { return ref_shmdt(addr); }
EXPORT int shmctl(int id, int cmd, struct shmid_ds *buf) { return ref_shmctl(id, cmd, buf); }

EXPORT pid_t fork(void) { return ref_fork(); }

/* the program's handlers, wrapped so that a blocking call sees one run
 * before it sleeps (ref_signals.h) */
EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    return ref_sigaction(sig, act, old);
}
EXPORT void (*signal(int sig, void (*handler)(int)))(int) { return ref_signal(sig, handler); }
EXPORT void (*bsd_signal(int sig, void (*handler)(int)))(int) { return ref_signal(sig, handler); }
EXPORT void (*sysv_signal(int sig, void (*handler)(int)))(int) { return ref_sysv_signal(sig, handler); }

/* A process that was registered before an exec is the same process: the
 * exec drops its attachments now, as the kernel's does. */
__attribute__((constructor)) static void svipc_ref_start(void)
{
    ref_after_exec();
}

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static pid_t reaped(pid_t pid, int status)
{
    if (pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status)))
        ref_process_gone(pid);
    return pid;
}

/* The C library's wait4, then the reaped child's exit applied; the
 * exports share it directly (a call to an export would go through the
 * interposable symbol). */
static pid_t wait_and_apply(pid_t pid, int *status, int options, struct rusage *ru)
{
    static pid_t (*real)(pid_t, int *, int, struct rusage *);
    if (!real)
        real = (pid_t(*)(pid_t, int *, int, struct rusage *))next("wait4");
    int st = 0;
    pid_t got = real(pid, &st, options, ru);
    if (status)
        *status = st;
    return reaped(got, st);
}

EXPORT pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    return wait_and_apply(pid, status, options, ru);
}
EXPORT pid_t waitpid(pid_t pid, int *status, int options) { return wait_and_apply(pid, status, options, NULL); }
EXPORT pid_t wait(int *status) { return wait_and_apply(-1, status, 0, NULL); }

/* credential changes: a fork child registered first, the call itself,
 * then a refresh */
#define CRED_CALL(name, params, args)                                   \
    EXPORT int name params                                              \
    {                                                                   \
        static int (*real) params;                                      \
        if (!real)                                                      \
            real = (int(*) params)next(#name);                          \
        ref_credentials_changing();                                     \
        int ret = real args;                                              \
        ref_credentials_changed();                                      \
        return ret;                                                     \
    }
CRED_CALL(setuid, (uid_t u), (u))
CRED_CALL(setgid, (gid_t g), (g))
CRED_CALL(seteuid, (uid_t u), (u))
CRED_CALL(setegid, (gid_t g), (g))
CRED_CALL(setreuid, (uid_t ru, uid_t e), (ru, e))
CRED_CALL(setregid, (gid_t rg, gid_t e), (rg, e))
CRED_CALL(setresuid, (uid_t ru, uid_t e, uid_t s), (ru, e, s))
CRED_CALL(setresgid, (gid_t rg, gid_t e, gid_t s), (rg, e, s))
CRED_CALL(setgroups, (size_t n, const gid_t *l), (n, l))
