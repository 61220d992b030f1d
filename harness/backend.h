/* backend.h: the interface every System V IPC implementation under test
 * provides.  Two implement it: the host kernel (backend_kernel.c) and the
 * reference runtime (impl/, the 'ref' backend).
 * The IPC entry points follow the system calls' prototypes and errno
 * conventions (-1 and errno set; shmat returns the address or -1).
 * Must not: hold per-scenario state outside what begin_scenario sets up. */
#ifndef SVIPC_BACKEND_H
#define SVIPC_BACKEND_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct sembuf;
struct scenario;
struct runner_env;
struct scenario_result;

struct backend {
    const char *name;

    /* A backend without processes (the sequential model) runs whole
     * scenarios itself; the others leave this NULL and the engine drives
     * their calls through puppets. */
    void (*run_scenario)(const struct scenario *s, const struct runner_env *env, struct scenario_result *res);

    /* Coordinator side. */
    /* 0 if the backend can run on this system, else -1 and WHY filled. */
    int (*available)(char *why, size_t size);
    /* Called in the runner before the scenario's processes are forked:
     * give them a fresh, private instance (kernel: a new IPC namespace). */
    int (*begin_scenario)(char *why, size_t size);
    /* Whether process PID (as the coordinator sees it) is asleep inside the
     * blocking IPC call of OP (an enum op value): 1 yes, 0 no (running, or
     * asleep elsewhere), -1 it cannot be told (the process is gone). */
    int (*blocked_in)(pid_t pid, int op);

    /* Puppet side: the calls, as a program makes them. */
    long (*msgget)(key_t key, int flags);
    long (*msgsnd)(int id, const void *msgp, size_t size, int flags);
    long (*msgrcv)(int id, void *msgp, size_t size, long type, int flags);
    long (*msgctl)(int id, int cmd, void *buf);
    long (*semget)(key_t key, int nsems, int flags);
    long (*semop)(int id, struct sembuf *sops, size_t nsops);
    long (*semtimedop)(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout);
    long (*semctl)(int id, int num, int cmd, unsigned long arg);
    long (*shmget)(key_t key, size_t size, int flags);
    long (*shmat)(int id, const void *addr, int flags);
    long (*shmdt)(const void *addr);
    long (*shmctl)(int id, int cmd, void *buf);
};

extern const struct backend backend_kernel;
extern const struct backend backend_model;

/* The backend called NAME, or NULL. */
const struct backend *backend_by_name(const char *name);

#endif
