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
    /* Optional: a descriptor every puppet must hold (at BACKEND_FD), or -1. */
    int (*scenario_fd)(void);
    /* Optional: process PID (as the scenario's processes see it) is dead
     * and reaped or about to be: its exit is applied before the next step,
     * as the kernel's is before anyone can see it dead. */
    void (*process_gone)(pid_t pid);

    /* Puppet side, optional: set-up in every puppet (forked or exec'd),
     * 0 or -1 with WHY; fork; a change of ids, groups or capabilities;
     * kernel.NAME (write VALUE, or read into BUF when VALUE is NULL); the
     * /proc/sysvipc/TABLE header and line of ID (1, or 0 for none).
     * Left NULL, the puppet uses the plain system call or file. */
    int (*puppet_start)(char *why, size_t size);
    pid_t (*fork)(void);
    void (*credentials_changed)(void);
    int (*sysctl)(const char *name, const char *value, char *buf, size_t size);
    int (*sysvipc_line)(const char *table, int id, char *out, size_t size);

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
extern const struct backend backend_ref;

/* The descriptor a puppet finds its backend's scenario_fd at. */
#define BACKEND_FD 5

/* /proc/PID/syscall into BUF: 1 when the process sleeps in a call (BUF
 * then holds "NR arg0 ..."), 0 when it runs, -1 when it is gone. */
int read_proc_syscall(pid_t pid, char *buf, size_t size);

/* The backend called NAME, or NULL. */
const struct backend *backend_by_name(const char *name);

#endif
