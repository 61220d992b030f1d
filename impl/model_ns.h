/* model_ns.h: the model's namespace as plain data and the functions of
 * each kind of object (ids.c, perm.c, msg.c, sem.c, shm.c, ns.c), one per
 * operation, in the man pages' and Linux's order of checks.  Internal to
 * impl/: the model's users call model_apply (model.h) with an operation
 * given as data, and the reference runtime reads this state under its lock.
 *
 * Each operation takes the state, the caller, the arguments and the
 * current time, and returns what the system call would: a result >= 0, or
 * -ERRNO, or MODEL_BLOCKED when the caller must wait (its waiter record then
 * says for what).  Later operations complete waiters in Linux's order;
 * model_*_resume collects the outcome.
 * Must not: do I/O, take locks, read a clock, or call the kernel's IPC. */
#ifndef SVIPC_MODEL_NS_H
#define SVIPC_MODEL_NS_H

#include "heap.h"
#include "model.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/sem.h>
#include <sys/types.h>


/* The kernel's mode groups (include/linux/stat.h). */
#define MODEL_S_IRWXUGO     0777
#define MODEL_S_IRUGO       0444
#define MODEL_S_IWUGO       0222


/* kern_ipc_perm */
struct model_perm {
    int id;
    int32_t key;
    uid_t uid, cuid;
    gid_t gid, cgid;
    unsigned mode;                     /* S_IRWXUGO plus SHM_DEST, SHM_LOCKED */
    unsigned seq;
    int deleted;
};

/* struct ipc_ids: one table (messages, semaphores or segments). */
struct model_ids {
    int in_use;
    int seq;                           /* the sequence counter */
    int last_idx;                      /* last index given by the cyclic allocator */
    int max_idx;                       /* highest index in use, or -1 */
    int next_id;                       /* *_next_id sysctl, -1 when unset */
    int cursor;                        /* idr_alloc_cyclic's next start */
    void *slot[MODEL_IPCMNI];          /* the object at each index, or NULL */
};

struct model_msg {
    struct model_msg *next;
    long type;
    size_t size;
    unsigned char text[];
};

/* A process blocked in msgsnd or msgrcv on a queue. */
struct model_msg_waiter {
    struct model_msg_waiter *next;     /* the namespace's list of waiters of its pid's bucket */
    struct model_msg_waiter *qnext;    /* its queue's receivers or senders */
    struct model_msg_waiter *qprev;
    pid_t pid;
    int is_receiver;
    int qid;                           /* the queue it waits on; -1 once that queue is removed */
    /* receiver */
    long type;
    int mode;                          /* SEARCH_* of msg.c */
    size_t max_size;                   /* INT_MAX with MSG_NOERROR */
    /* sender */
    size_t size;
    /* the outcome, once decided: a message handed over, an error, or
     * "retry" (the waiter must run its loop again) */
    enum { WAIT_PENDING, WAIT_GOT_MESSAGE, WAIT_ERROR, WAIT_RETRY } state;
    int error;
    struct model_msg *msg;
};

/* Waiters in arrival order, through qnext and back through qprev (the
 * kernel's list_head): appended at LAST and removed in constant time,
 * whatever their number. */
struct model_msg_waiters {
    struct model_msg_waiter *first, *last;
};

struct model_msq {
    struct model_perm perm;
    long stime, rtime, ctime;
    size_t cbytes, qnum, qbytes;
    pid_t lspid, lrpid;
    struct model_msg *messages;        /* in arrival order */
    struct model_msg *last;            /* the newest, where a send appends (list_add_tail) */
    struct model_msg_waiters receivers;
    struct model_msg_waiters senders;
    struct model_heap_bin *bin;        /* its messages' and waiters' memory, or NULL */
};

/* A process blocked in semop (struct sem_queue). */
struct model_sem_waiter {
    struct model_sem_waiter *next;     /* the namespace's list of semaphore waiters of its pid's bucket */
    struct model_sem_waiter *qnext;    /* the pending list it is on */
    struct model_sem_waiter *qprev;
    int list_sem;                      /* that list: a semaphore's, or -1 the set's */
    int list_alter;                    /* pending_alter (1) or pending_const (0) */
    pid_t pid;
    int semid;
    int nsops;
    struct sembuf *sops;
    int alter;
    int blocking;                      /* index of the sop that blocks */
    struct model_undo *undo;           /* SEM_UNDO adjustments, or NULL */
    int done;                          /* completed by another operation ... */
    int result;                        /* ... with 0 or -ERRNO */
};

/* A list of waiters in arrival order, through qnext and back through
 * qprev (the kernel's list_head): appended at LAST and removed in constant
 * time, whatever its length. */
struct model_sem_queue {
    struct model_sem_waiter *first, *last;
};

struct model_sem {
    int semval;
    pid_t sempid;
    long otime;
    struct model_sem_queue pending_alter;   /* single-sop waiters, arrival order */
    struct model_sem_queue pending_const;
};

struct model_sem_array {
    struct model_perm perm;
    long ctime;
    int nsems;
    int complex_count;                 /* multi-sop waiters */
    int use_global_lock;               /* complex mode's hysteresis counter */
    struct model_sem_queue pending_alter;   /* the set's lists */
    struct model_sem_queue pending_const;
    struct model_sem sems[];
};

/* A process's SEM_UNDO adjustments for one set (struct sem_undo). */
struct model_undo {
    struct model_undo *next;           /* the namespace's list of its pid's bucket */
    pid_t pid;
    int semid;                         /* -1 once the set is removed */
    int nsems;
    short semadj[];
};

/* A shared memory segment (struct shmid_kernel); its memory is the
 * runtime's, the model keeps the bookkeeping. */
struct model_shm {
    struct model_perm perm;            /* mode holds SHM_DEST and SHM_LOCKED too */
    unsigned long segsz;
    unsigned long map_size;            /* an attachment's size: pages, or 2 MiB huge pages */
    int huge;                          /* SHM_HUGETLB */
    unsigned long huge_page;           /* its page size, when huge */
    long atime, dtime, ctime;
    pid_t cpid, lpid;
    unsigned long nattch;
    pid_t creator;                     /* 0 once the creator has exited */
};

/* One piece of a segment's attachment in a process: a mapping (a vma)
 * that counts once in nattch.  A shmat makes one piece of the whole
 * segment; a later attachment with SHM_REMAP over part of it splits it, as
 * MAP_FIXED splits a vma, into the pieces that stay mapped. */
struct model_attach {
    struct model_attach *next;
    pid_t pid;
    uintptr_t addr;                    /* where the piece begins */
    unsigned long size;                /* its bytes, page aligned */
    unsigned long pgoff;               /* the segment's pages before it (vm_pgoff) */
    unsigned long file;                /* the shmat it is a piece of (its struct file) */
    struct model_shm *shm;
};


struct model_limits {
    long msgmax, msgmnb, msgmni;
    long semmsl, semmns, semopm, semmni;
    unsigned long shmmax, shmall;
    long shmmni, shm_rmid_forced;
    /* the system's, not the namespace's: huge pages free for SHM_HUGETLB
     * (of the default size, 2 MiB); its user sets it */
    unsigned long hugepages_free;
    /* the system's too: the other huge page sizes it has pools of, bit N
     * for 2^N bytes (/sys/kernel/mm/hugepages), and each one's free pages */
    uint64_t huge_page_sizes;
    unsigned long huge_pool_free[64];
    gid_t hugetlb_shm_group;           /* vm.hugetlb_shm_group, 0 by default */
    /* the system's too: the overcommit accounting of a segment without huge
     * pages (shmem_acct_size, __vm_enough_memory): the pages one segment may
     * be charged (vm.overcommit_memory 0: RAM + swap), and whether
     * SHM_NORESERVE is ignored (overcommit_memory 2); its user sets them,
     * and a namespace never told charges nothing (ULONG_MAX) */
    unsigned long commit_pages;
    int noreserve_ignored;
};

#define MODEL_RESOLVED_MAX 64           /* waits decided between two looks */

/* Waiters and SEM_UNDO records are found by their pid, as Linux finds them
 * from the task (the waiter on its stack, its sysvsem.undo_list): kept in
 * lists hashed on the pid, so that finding one costs the same beside two
 * processes as beside thousands. */
#define MODEL_PID_BUCKETS 256

static inline unsigned model_pid_bucket(pid_t pid)
{
    return (unsigned)pid % MODEL_PID_BUCKETS;
}

struct model_heap;

struct model_ns {
    struct model_heap *heap;           /* where objects live: NULL for the C heap */
    struct model_limits limits;
    struct model_ids msg_ids;
    long msg_bytes, msg_hdrs;          /* totals for MSG_INFO */
    struct model_msg_waiter *waiting[MODEL_PID_BUCKETS];   /* message waiters, by pid */
    struct model_ids sem_ids;
    long used_sems;
    struct model_sem_waiter *sem_waiting[MODEL_PID_BUCKETS];
    struct model_undo *undos[MODEL_PID_BUCKETS];   /* every process's, by pid; a pid's most recent first */
    struct model_ids shm_ids;
    unsigned long shm_tot;             /* pages of all segments */
    unsigned long shm_destroyed;       /* segments destroyed since the namespace began (the runtime
                                        * gives their memory back when it sees this move) */
    struct model_attach *attaches;     /* every process's */
    unsigned long shm_files;           /* attachments made since the namespace began */
    /* whose wait the operations since the user last looked have decided
     * (wake_q_add's list): the model only adds, its user takes them;
     * beyond MODEL_RESOLVED_MAX, resolved_lost says anyone may have been */
    pid_t resolved[MODEL_RESOLVED_MAX];
    int nresolved, resolved_lost;
};

/* The same in place: NS is zeroed memory, its objects come from HEAP (the
 * reference runtime's arena); nothing to free but the memory. */
void model_ns_init(struct model_ns *ns, struct model_heap *heap);

/* Whether NS is well formed, its objects inside [LO, HI) (check.c): 0, or
 * -1 with WHY. */
int model_ns_check(const struct model_ns *ns, uintptr_t lo, uintptr_t hi, char *why, size_t size);

/* The memory of the namespace's objects: zeroed; NULL when exhausted. */
void *model_alloc(struct model_ns *ns, size_t size);
void model_free(struct model_ns *ns, void *p);
/* The same from an owner's bin (heap.h; model_free gives a block back to
 * it), and the owner letting its bin go. */
void *model_alloc_in(struct model_ns *ns, struct model_heap_bin **bin, size_t size);
void model_drop_bin(struct model_ns *ns, struct model_heap_bin **bin);

/* Whether PID, blocked in msgsnd, msgrcv or semop, has an outcome waiting
 * for its resume (a message, an error, a retry): the runtime wakes it. */
int model_wait_resolved(const struct model_ns *ns, pid_t pid);

/* PID's wait is decided (msg.c and sem.c say so at the moment Linux queues
 * the wake-up). */
void model_note_resolved(struct model_ns *ns, pid_t pid);

/* The pids whose wait was decided since the last call, into OUT (room for
 * MODEL_RESOLVED_MAX): their number, or -1 when more were decided than the
 * list holds (then any waiter may have been: look at each). */
int model_take_resolved(struct model_ns *ns, pid_t *out);

/* Forget the list and say that anyone may have been decided: after
 * operations were applied again (a recovery), nobody took their list. */
void model_forget_resolved(struct model_ns *ns);

/* A waiting process's own record, for reading its outcome without the
 * namespace's lock once the model has decided its wait (as Linux's woken
 * task finds its result in its own sem_queue or msg_receiver): taken under
 * the lock when its call blocks; only the process's own resume, collect
 * (MODEL_COLLECT) or exit frees the record, and nothing changes a decided
 * one. */
struct model_wait_ref {
    const struct model_msg_waiter *msg;
    const struct model_sem_waiter *sem;
};
struct model_wait_ref model_wait_ref(const struct model_ns *ns, pid_t pid);
/* The decided outcome of the wait REF names, as its resume would return it
 * (a receiver's message, its type then at most SIZE bytes of text, in
 * BUF); or MODEL_BLOCKED when only a resume can finish it: undecided, or
 * a sender or receiver that must run its loop again.  Reads only. */
long model_wait_outcome(struct model_wait_ref ref, void *buf, size_t size);
/* PID took its outcome with model_wait_outcome: its record goes. */
void model_collect(struct model_ns *ns, pid_t pid);

/* The IPC sysctls of the namespace: 0, or -EINVAL for a bad value / name. */
int model_sysctl_write(struct model_ns *ns, const char *name, const char *value);
int model_sysctl_read(struct model_ns *ns, const char *name, char *buf, size_t size);

/* Message queues: msgget(2), msgop(2), msgctl(2).  BUF is struct msgbuf
 * (a long type, then the text); msgctl's BUF is a struct msqid_ds or a
 * struct msginfo, as the system call's. */
long model_msgget(struct model_ns *ns, const struct model_caller *c, int32_t key, int flags, long now);
long model_msgsnd(struct model_ns *ns, const struct model_caller *c, int id, const void *buf,
                  long size, int flags, long now);
long model_msgrcv(struct model_ns *ns, const struct model_caller *c, int id, void *buf,
                  long size, long type, int flags, long now);
long model_msgctl(struct model_ns *ns, const struct model_caller *c, int id, int cmd, void *buf, long now);

/* After MODEL_BLOCKED: the outcome of the caller's waiting msgsnd/msgrcv,
 * with the same arguments as the first call; MODEL_BLOCKED while it waits. */
long model_msg_resume(struct model_ns *ns, const struct model_caller *c, int id, void *buf,
                      long size, long type, int flags, long now);
/* Semaphore sets: semget(2), semop(2)/semtimedop(2), semctl(2).  ARG is
 * semctl's union argument: a value for SETVAL, else a pointer to a
 * struct semid_ds, a struct seminfo or an array of unsigned short. */
long model_semget(struct model_ns *ns, const struct model_caller *c, int32_t key, int nsems, int flags,
                  long now);
/* HAS_TIMEOUT/TIMEOUT: semtimedop's; the model only validates it: when it
 * expires is the runtime's to say (model_timeout). */
long model_semtimedop(struct model_ns *ns, const struct model_caller *c, int id, const struct sembuf *sops,
                      long nsops, int has_timeout, long sec, long nsec, long now);
long model_semctl(struct model_ns *ns, const struct model_caller *c, int id, int num, int cmd,
                  unsigned long arg, long now);
/* After MODEL_BLOCKED from semtimedop: 0, -ERRNO, or MODEL_BLOCKED. */
long model_sem_resume(struct model_ns *ns, const struct model_caller *c);

/* Shared memory: shmget(2), shmat(2)/shmdt(2), shmctl(2).  AUTO_ADDR is
 * where the runtime maps an attachment requested at address 0. */
long model_shmget(struct model_ns *ns, const struct model_caller *c, int32_t key, unsigned long size,
                  int flags, long now);
long model_shmat(struct model_ns *ns, const struct model_caller *c, int id, uintptr_t addr, int flags,
                 uintptr_t auto_addr, long now);
long model_shmdt(struct model_ns *ns, const struct model_caller *c, uintptr_t addr, long now);
/* What shmdt(ADDR) by PID would unmap: the number of pieces (0: EINVAL),
 * and in OUT up to MAX of them from the FROMth on. */
int model_shmdt_pieces(const struct model_ns *ns, pid_t pid, uintptr_t addr, int from, struct model_piece *out,
                       int max);
long model_shmctl(struct model_ns *ns, const struct model_caller *c, int id, int cmd, void *buf, long now);

/* /proc/sysvipc/TABLE (msg, sem or shm): its header and the line of ID
 * into OUT; 1, or 0 when there is no such object. */
int model_sysvipc_line(const struct model_ns *ns, const char *table, int id, unsigned char *out, size_t size);
/* The whole file: the header and every object's line, in the order of
 * their indexes, into OUT (SIZE bytes, NUL-terminated when it fits); its
 * length, or what it would take (snprintf's way); 0 for an unknown table. */
size_t model_sysvipc_text(const struct model_ns *ns, const char *table, char *out, size_t size);

/* Process events: fork duplicates attachments (not SEM_UNDO adjustments),
 * exec drops attachments (keeps adjustments), exit drops both. */
void model_fork(struct model_ns *ns, pid_t parent, pid_t child, long now);
void model_exec(struct model_ns *ns, pid_t pid, long now);

/* A signal interrupts the caller's wait: its call returns -EINTR. */
void model_interrupt(struct model_ns *ns, pid_t pid);
/* The caller's semtimedop timeout expired: its call returns -EAGAIN. */
void model_timeout(struct model_ns *ns, pid_t pid);
/* Process PID ends: its waits end, its SEM_UNDO adjustments are applied. */
void model_exit(struct model_ns *ns, pid_t pid, long now);

/* ---- shared by the model's files (ids.c, perm.c) ---- */

/* ipc_addid: place OBJ (whose perm is PERM) in the table; the id, or -ENOSPC. */
int model_ids_add(struct model_ids *ids, struct model_perm *perm, void *obj, long limit,
                  const struct model_caller *c);
/* ipc_obtain_object_check: the object with that exact id, or NULL (EINVAL). */
void *model_ids_find(const struct model_ids *ids, int id);
/* ipc_obtain_object_idr: the object at index IDX, or NULL. */
void *model_ids_at(const struct model_ids *ids, int idx);
/* the object with KEY, or NULL */
void *model_ids_find_key(const struct model_ids *ids, int32_t key);
/* ipc_rmid */
void model_ids_remove(struct model_ids *ids, struct model_perm *perm);
/* ipc_get_maxidx */
int model_ids_max_index(const struct model_ids *ids);

/* the parts of the namespace each kind of object keeps (ns.c calls them) */
void model_msg_free_all(struct model_ns *ns);
void model_sem_free_all(struct model_ns *ns);
int model_msg_sysctl(struct model_ns *ns, const char *name, long **value, long *lo, long *hi);
void model_msg_abandon(struct model_ns *ns, pid_t pid, int error);
void model_sem_abandon(struct model_ns *ns, pid_t pid, int error);
void model_sem_exit(struct model_ns *ns, pid_t pid, long now);
int model_msg_wait_resolved(const struct model_ns *ns, pid_t pid);
int model_sem_wait_resolved(const struct model_ns *ns, pid_t pid);
const struct model_msg_waiter *model_msg_waiter_of(const struct model_ns *ns, pid_t pid);
const struct model_sem_waiter *model_sem_waiter_of(const struct model_ns *ns, pid_t pid);
long model_msg_outcome(const struct model_msg_waiter *w, void *buf, size_t size);
long model_sem_outcome(const struct model_sem_waiter *q);
void model_msg_collect(struct model_ns *ns, pid_t pid);
void model_sem_collect(struct model_ns *ns, pid_t pid);
void model_shm_free_all(struct model_ns *ns);
void model_shm_detach_all(struct model_ns *ns, pid_t pid, long now);
void model_shm_exit(struct model_ns *ns, pid_t pid);
void model_shm_destroy_orphans(struct model_ns *ns);

/* in_group_p: the caller's effective or a supplementary group is GID. */
int model_in_group(const struct model_caller *c, gid_t gid);
/* SHM_HUGETLB's page sizes: LOG is hstate_sizelog's (flags bits 26..31),
 * 0 for the default size, 2 MiB.  Whether the host has a pool of pages of
 * 2^LOG bytes besides the default (its user told the model: MODEL_SET_
 * HUGEPAGES), the page size, and the pool's free pages. */
static inline int model_host_has_huge_pages(const struct model_ns *ns, int log)
{
    return log > 0 && log < 64 && ((ns->limits.huge_page_sizes >> log) & 1);
}

static inline unsigned long model_huge_page_size(int log)
{
    return 1UL << (log ? log : MODEL_HUGE_DEFAULT_LOG);
}

static inline unsigned long model_huge_pages_free(const struct model_ns *ns, int log)
{
    if (!log || log == MODEL_HUGE_DEFAULT_LOG)
        return ns->limits.hugepages_free;
    return log < 64 ? ns->limits.huge_pool_free[log] : 0;
}
/* User memory.  A call's buffer of NULL stands for memory the caller cannot
 * reach: where the kernel copies to or from it, the call fails with EFAULT.
 * model_copy_out ends a call that filled DATA: RET unless it failed, EFAULT
 * when USER is NULL, else DATA copied to USER and RET. */
long model_copy_out(void *user, const void *data, size_t size, long ret);
/* kernel_to_ipc64_perm */
struct ipc_perm;
void model_fill_perm(struct ipc_perm *out, const struct model_perm *p);
/* ipcperms: 0 if the caller may access with the rwx bits of FLAG, else -1. */
int model_ipcperms(const struct model_caller *c, const struct model_perm *perm, int flag);
/* ipcctl_obtain_check's rights: owner, creator, or CAP_SYS_ADMIN. */
int model_may_change(const struct model_caller *c, const struct model_perm *perm);
/* ipcctl_obtain_check: the object IPC_SET / IPC_RMID act on, or NULL with
 * *ERR -EINVAL (no such id) or -EPERM (not the caller's to change). */
void *model_ctl_obtain(const struct model_ids *ids, const struct model_caller *c, int id, int *err);
/* The object of IPC_STAT (by id) or *_STAT / *_STAT_ANY (BY_INDEX), read
 * permission checked unless ANY; or NULL with *ERR -EINVAL or -EACCES. */
void *model_stat_obtain(const struct model_ids *ids, const struct model_caller *c, int id, int by_index,
                        int any, int *err);
/* ipc_update_perm: IPC_SET's uid, gid and mode bits; -EINVAL for an id
 * that does not map. */
int model_update_perm(struct model_perm *perm, const struct ipc_perm *in);

#endif
