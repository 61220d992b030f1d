/* ref.h: the reference runtime, System V IPC for real processes on top of
 * the model: the calls with the system calls' prototypes and conventions
 * (-1 and errno), plus what a process's life means to them (fork, exec,
 * credential changes) and what a harness needs (sysctls, /proc/sysvipc,
 * whether a process is blocked, an exit made synchronous).
 *
 * The process's runtime object attaches on first use to the arena named by
 * $SVIPC_REF_ARENA (a path, or "fd:N" for an inherited descriptor), else
 * /dev/shm/svipc-ref-<euid>.  Each process registers with the arena's
 * keeper, a process that watches every participant through a pidfd and
 * applies its exit (SEM_UNDO, detaches, abandoned waits) when it dies,
 * however it dies.
 * Must not: use the kernel's System V IPC. */
#ifndef SVIPC_REF_H
#define SVIPC_REF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct sembuf;

/* Attach this process to an arena: PATH, "fd:N", or NULL for the default.
 * 0, or -1 with WHY filled. */
int ref_attach(const char *path, char *why, size_t size);

int ref_msgget(key_t key, int flags);
int ref_msgsnd(int id, const void *msgp, size_t size, int flags);
ssize_t ref_msgrcv(int id, void *msgp, size_t size, long type, int flags);
int ref_msgctl(int id, int cmd, void *buf);
int ref_semget(key_t key, int nsems, int flags);
int ref_semtimedop(int id, struct sembuf *sops, size_t nsops, const struct timespec *timeout);
int ref_semctl(int id, int num, int cmd, unsigned long arg);
int ref_shmget(key_t key, size_t size, int flags);
void *ref_shmat(int id, const void *addr, int flags);
int ref_shmdt(const void *addr);
int ref_shmctl(int id, int cmd, void *buf);

/* fork(2) that gives the child the parent's attachments in the model at
 * the instant of the fork. */
pid_t ref_fork(void);
/* The process is about to change its ids, groups or capabilities: a fork
 * child not registered yet registers now, while its credentials are those
 * the arena's keeper answers. */
void ref_credentials_changing(void);
/* The process changed its ids, groups or capabilities. */
void ref_credentials_changed(void);
/* Process PID (as the arena's processes see it) has ended: apply its exit
 * now if the keeper has not yet (a parent's wait, a harness). */
void ref_process_gone(pid_t pid);

/* kernel.NAME of the arena's namespace: write VALUE, or read into BUF
 * when VALUE is NULL (a read makes no arena: without one, Linux's
 * defaults).  0, or -1 and errno. */
int ref_sysctl(const char *name, const char *value, char *buf, size_t size);
/* /proc/sysvipc/TABLE's header and the line of ID: 1, 0 for none. */
int ref_sysvipc_line(const char *table, int id, char *out, size_t size);
/* /proc/sysvipc/TABLE whole, as Linux prints it (a fresh namespace's when
 * there is no arena: none is made), in a string to free; its length in
 * *LEN.  NULL with errno. */
char *ref_sysvipc_text(const char *table, size_t *len);

/* Attach (as ref_attach) and register now, as a new process or, when its
 * slot says so, the same process after an exec (its attachments go). */
int ref_join(const char *path, char *why, size_t size);
/* Under LD_PRELOAD, at start: if this process was registered before an
 * exec, register again now so the exec drops its attachments at once. */
void ref_after_exec(void);

/* Harness side (a process that maps the arena, without registering). */
/* Create a fresh arena in a memfd for one scenario; its descriptor, or -1. */
int ref_arena_new_fd(char *why, size_t size);
/* A pool of the host's huge pages, which SHM_HUGETLB segments draw on: its
 * free pages and the log2 of its page size (0: the default, 2 MiB). */
void ref_set_huge_pool(unsigned long free_pages, int log);
/* The host's overcommit accounting of a segment (model_limits.commit_pages). */
void ref_set_commit(unsigned long pages, int noreserve_ignored);
/* Whether the process whose /proc/PID/syscall is SYSCALL_LINE sleeps in the
 * runtime waiting for an IPC outcome: 1 yes, 0 no. */
int ref_blocked(const char *syscall_line);
/* Tests: rebuild the state from the checkpoint and the log and compare
 * (ref_arena_verify_replay); 0 when identical.  Counters for reports. */
long ref_verify_replay(void);
/* Tests: this process kills itself (SIGKILL) inside its Nth transaction
 * from now, holding the lock, after applying and before committing. */
void ref_inject_crash(unsigned long n);
/* Tests: raise SIG once in this process at POINT of its next blocking
 * call: as it starts, once the model said it blocks (under the lock), or
 * after the lock is dropped and before the sleep; or (REF_AT_WAKING) of
 * its next call that wakes a sleeper: after the lock is dropped and before
 * the wake-up is made; or (REF_AT_FORKED) of its next ref_fork, in the
 * parent, after the fork and before the parent puts it in the model, or
 * (REF_AT_TELLING) after it did and before it tells the keeper of the
 * child (a parent that has asked for an attachment: another's child
 * registers itself, and no point is reached). */
enum { REF_AT_START = 1, REF_AT_DECIDED, REF_AT_UNLOCKED, REF_AT_WAKING, REF_AT_FORKED, REF_AT_TELLING };
void ref_inject_signal(int point, int sig);
/* The arena's counters; SEGMENTS the model's, SEGMENT_MEMORY the arena's
 * extents of segment memory, RELEASING extents being given back. */
struct ref_stats {
    unsigned long transactions, checkpoints, recoveries;
    unsigned nprocs, nwaiting;
    int keeper_pid;
    unsigned segments, segment_memory, releasing;
};
void ref_stats(struct ref_stats *out);

#endif
