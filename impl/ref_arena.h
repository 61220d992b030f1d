/* ref_arena.h: the reference runtime's shared arena: one file (memfd or
 * tmpfs) that every participating process maps at the same fixed address,
 * holding the model's namespace, the process table, the lock and the
 * crash-recovery log.
 *
 * Crash safety: every operation is a model request (model.h) appended to
 * a log as a record, with the caller's input bytes, and then applied; it counts once the log's end moves past it.  The log
 * starts at a checkpoint (a copy of the state, or the fresh state).  A
 * process that dies holding the lock leaves the robust mutex owner-dead;
 * the next one to lock restores the checkpoint and applies the committed
 * records again, so the state is exactly that of every completed operation
 * and none of the interrupted one.
 *
 * Layout of the file (offsets fixed by the constants below):
 *   header | state S | checkpoint 0 | checkpoint 1 | log 0 | log 1 | ... |
 *   segment data: index i at (i + 1) << REF_DATA_SHIFT
 * Must not: know what an operation means (the model does), or block
 * except on the lock. */
#ifndef SVIPC_REF_ARENA_H
#define SVIPC_REF_ARENA_H

#include "heap.h"
#include "model_ns.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define REF_ARENA_ADDR   0x2e0000000000UL   /* where every process maps it */
#define REF_MAGIC        0x4645524350495653ULL   /* "SVIPCREF" */
#define REF_MAX_PROCS    4096
#define REF_HEAP_SIZE    (96UL << 20)
#ifndef REF_LOG_SIZE                        /* a build setting (the tests build another) */
#define REF_LOG_SIZE     (4UL << 20)
#endif
#define REF_DATA_SHIFT   36                 /* 64 GiB per segment at most */

/* One process of the arena.  Written under the lock, by single stores
 * that leave it meaningful at every instant. */
struct ref_proc_slot {
    int32_t pid;                       /* 0: free */
    uint32_t wake;                     /* futex word: bumped to wake it */
    uint32_t waiting;                  /* 1 while blocked in msgsnd/msgrcv/semop */
    uint32_t notified;                 /* wake bumped for its current outcome */
    uint32_t sleeping;                 /* in futex_wait on wake (or about to be) */
    uint32_t contending;               /* asleep (or about to be) for the lock */
    uint64_t start_time;               /* tells an exec from a reused pid */
};

enum ref_checkpoint_kind { REF_CK_FRESH, REF_CK_COPY };

struct ref_header {
    uint64_t magic;
    uint64_t layout;                   /* ref_arena_layout() of the build that made it */
    uint64_t arena_id;                 /* random: names the keeper's socket */
    uint64_t file_size;
    pthread_mutex_t lock;              /* robust, process-shared */
    uint32_t lock_contenders;          /* processes waiting for the lock (ref_lock) */
    /* everything below is read and written under the lock */
    uint32_t current;                  /* the checkpoint and log in use */
    uint32_t checkpoint_kind[2];
    uint64_t checkpoint_size[2];
    uint64_t log_end[2];               /* committed bytes of each log */
    uint64_t checkpoints, recoveries, transactions;   /* statistics */
    int32_t keeper_pid;                /* the keeper listening, for diagnostics */
    uint32_t nwaiting;                 /* slots with waiting set */
    int32_t proc_high;                 /* highest slot index ever used, or -1 */
    int32_t seg_high;                  /* highest index in seg_data_id, or -1 */
    int32_t seg_live;                  /* nonzero entries of seg_data_id */
    int32_t seg_data_id[MODEL_IPCMNI]; /* the segment whose memory is at index i */
    struct ref_proc_slot procs[REF_MAX_PROCS];
};

struct ref_state {
    struct model_ns ns;
    struct model_heap heap;
    unsigned char heap_bytes[] __attribute__((aligned(64)));
};

/* A process's view of an arena (its runtime object's part). */
struct ref_arena {
    int fd;
    struct ref_header *hdr;
    struct ref_state *state;
    unsigned char *checkpoint[2];
    unsigned char *log[2];
    /* fault injection for tests ($SVIPC_REF_CRASH_AT=N): the process
     * kills itself inside its Nth transaction, after applying it and before
     * committing it, while it holds the lock */
    unsigned long crash_countdown;
    /* this process's slot flag while it contends for the lock, or NULL */
    uint32_t *contending;
};

/* The layout of the file as one number: the sizes and places of everything
 * it holds (header, process slots, the model's structures, log records) and
 * the constants that size it.  An arena made by a build whose layout differs
 * is refused, never misread. */
uint64_t ref_arena_layout(void);

/* Format FD (an empty memfd or tmpfs file) as a fresh arena and map it. */
int ref_arena_format(struct ref_arena *a, int fd, char *why, size_t size);
/* Map the arena of FD at REF_ARENA_ADDR (already mapped: just the view). */
int ref_arena_map(struct ref_arena *a, int fd, char *why, size_t size);
/* Open the arena at PATH, formatting it if it is new or was never
 * finished (guarded by flock, so its creator's death leaves no half arena). */
int ref_arena_open_path(struct ref_arena *a, const char *path, char *why, size_t size);
void ref_arena_unmap(struct ref_arena *a);

/* Take the lock; recovers the state first if its holder died. */
void ref_lock(struct ref_arena *a);
void ref_unlock(struct ref_arena *a);
/* A dead process was contending for the lock (its flag CONTENDING set):
 * take its share of the count back. */
void ref_forget_contender(struct ref_arena *a, uint32_t *contending);

/* One operation in the log: the request and the caller's input bytes. */
struct ref_record {
    uint32_t size;                     /* of the whole record, a multiple of 8 */
    uint32_t in_len;                   /* input bytes that follow */
    uint32_t out_len;                  /* room the output needs (replay's scratch) */
    uint32_t reserved;
    struct model_request rq;
    unsigned char in[];
};

/* Under the lock: log RQ with its input (read from USER_IN) and apply it
 * (model_apply); the model's result.  OUT receives what the call writes. */
long ref_txn(struct ref_arena *a, const struct model_request *rq, const void *user_in, void *out);

/* Under the lock, a self-test of crash recovery: rebuild the state from
 * the checkpoint and the log in place, as recovery does, and compare it
 * with the state it replaced byte for byte.  0 when equal, else the offset
 * + 1 of the first difference (the live state is put back either way). */
long ref_arena_verify_replay(struct ref_arena *a);

/* The file offset of segment index IDX's memory. */
static inline uint64_t ref_segment_offset(int idx)
{
    return (uint64_t)(idx + 1) << REF_DATA_SHIFT;
}

#endif
