/* ref_arena.h: the reference runtime's shared arena: one file (a memfd, or
 * a file in a private directory) that every participating process maps at
 * the same fixed address, holding the model's namespace, the process
 * table, the lock and the crash-recovery log, and then the memory of
 * segments and checkpoints.
 *
 * Crash safety: every operation is a model request (model.h) appended to
 * a log as a record, with the caller's input bytes, its place in the log's
 * order (a sequence number) and a checksum, and then applied; it counts
 * once the end of the area it went to moves past it.  The log is areas:
 * one per process slot, written by that slot's process (so that a process
 * writes, and maps in, pages of its own, reused after each checkpoint,
 * never those hundreds of others write), and a large common one for
 * processes without a slot and for what an area cannot hold.  The log
 * starts at a checkpoint (a checksummed copy of the state but the id
 * tables' empty tails, or the fresh state).  A
 * process that dies holding the lock leaves the robust mutex owner-dead;
 * the next one to lock restores the checkpoint and applies the committed
 * records again, in their order, so the state is exactly that of every
 * completed operation and none of the interrupted one.
 *
 * Damage: an arena is checked when a process attaches (its header, size,
 * lock, checkpoint and log checksums, and the state's well-formedness,
 * check.c); a damaged state is rebuilt from the checkpoint and the log, and
 * what cannot be rebuilt is refused with a message naming the file.  A lock
 * held by a thread that does not exist is reported, never waited for.
 *
 * Layout of the file (offsets fixed by the constants below):
 *   header | common log 0 | common log 1 | slot areas (2 a slot) |
 *   state (at most REF_HEAP_SIZE) | data space
 * The data space holds extents, allocated first fit and grown at the end
 * (the file grows with it): each segment's memory, and the checkpoints.
 * Its apparent size is what has been used, past the state's span.
 * $SVIPC_REF_LOG_BYTES, when an arena is made, uses less of each log, so
 * that tests reach checkpoints often.
 * Must not: know what an operation means (the model does), or block
 * except on the lock, and then never without a deadline. */
#ifndef SVIPC_REF_ARENA_H
#define SVIPC_REF_ARENA_H

#include "heap.h"
#include "model_ns.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define REF_ARENA_ADDR   0x2e0000000000UL   /* where every process maps it */
#define REF_MAGIC        0x4645524350495653ULL   /* "SVIPCREF" */
#define REF_FORMATTING   0x474e4954414d524fULL   /* being formatted: its maker died if seen under the flock */
#define REF_MAX_PROCS    4096
#define REF_HEAP_SIZE    (2UL << 30)         /* the model's objects: Linux's default limits fit */
#define REF_LOG_SIZE     (1UL << 30)         /* the common log's room; what is used of it grows with the state */
#ifndef REF_AREA_SIZE                       /* a build setting (the tests build another) */
#define REF_AREA_SIZE    (256UL << 10)       /* a slot's area (each of its two); more goes to the common log */
#endif
#define REF_AREAS        (REF_MAX_PROCS + 1) /* an area a slot, then the common log */
#define REF_AREA_COMMON  REF_MAX_PROCS
#define REF_LOG_LEAST    (1UL << 20)         /* the log's use before a checkpoint, at least (each checkpoint
                                              * costs the operation that makes it a copy of the state: with
                                              * two processes sending a million messages a second, 64 KiB
                                              * logs took an eighth), */
#define REF_LOG_PER_STATE 4                 /* and else this many times the state's copy (at 200 pairs of
                                              * msg_pairs, checkpoints every state's size of log stopped every
                                              * process 600 times in 5 s); each process writes its share to
                                              * its own area, pages it maps in once; */
#define REF_LOG_MULTIPLE_MAX (64UL << 20)   /* up to this much (the log is memory too): a larger state's log
                                              * is as long as its copy */
#define REF_STAGE_MAX    (16UL << 10)        /* input of a record built before the lock, at most */
#define REF_MAX_FREE     1024               /* free extents remembered (more: left as holes) */
#define REF_MAX_RELEASING 4096              /* extents being given back outside the lock at once */
/* ref_arena_prefault's windows: the first, the largest, and the unit its
 * map of what this process has mapped in counts */
#define REF_PREFAULT_FIRST  (16UL << 10)
#define REF_PREFAULT_WINDOW (256UL << 10)
#define REF_PREFAULT_UNIT   REF_PREFAULT_FIRST
#define REF_PREFAULT_UNITS  ((REF_LOG_SIZE + REF_PREFAULT_UNIT * 64 - 1) / (REF_PREFAULT_UNIT * 64) * 64)
#define REF_AREA_UNITS      (REF_AREA_SIZE / REF_PREFAULT_UNIT)

/* One process of the arena.  Written under the lock, by single stores
 * that leave it meaningful at every instant.  A cache line of its own: a
 * process looking at its wake word is not disturbed by its neighbours'. */
struct __attribute__((aligned(64))) ref_proc_slot {
    int32_t pid;                       /* 0: free */
    uint32_t wake;                     /* futex word: bumped to wake it */
    uint32_t waiting;                  /* 1 while blocked in msgsnd/msgrcv/semop */
    uint32_t notified;                 /* wake bumped for its current outcome */
    uint32_t sleeping;                 /* in futex_wait on wake (or about to be) */
    uint32_t decided;                  /* the model decided its current wait: its record holds the
                                        * outcome, which it may take without the lock */
    uint32_t collected;                /* it took that outcome so, and MODEL_COLLECT is not yet
                                        * logged (it is, first thing, when it next takes the lock) */
    uint32_t contending;               /* asleep (or about to be) for the lock */
    uint32_t first_in_line;            /* woken to look: its wait came first on its queue, so it
                                        * looks for its outcome before it sleeps again */
    uint32_t tells_pending;            /* forks it put in the model whose child it has not yet
                                        * told the keeper of (ref_fork): if it dies so, the keeper
                                        * looks over the table for processes it does not watch */
    uint64_t start_time;               /* tells an exec from a reused pid */
    int32_t fork_applied_for;          /* its last fork child whose fork is in the model (ref_fork), */
    uint64_t fork_applied_start;       /* and when that child started */
};

struct ref_extent {
    uint64_t off, len;                 /* in the file; len 0: none */
};

/* An extent out of use whose memory process PID (started at START) gives
 * back (a hole punched in the file) once it has dropped the lock, and then
 * returns to the free list (ref_space_release); PID 0: an empty entry.  A
 * punch of megabytes under the lock would stop every other process
 * meanwhile. */
struct ref_releasing {
    int32_t pid;
    uint32_t pad;
    uint64_t start;
    struct ref_extent e;               /* len 0: its punch failed, the extent is left out of use */
};

struct ref_checkpoint {
    uint32_t kind;                     /* REF_CK_FRESH, or REF_CK_COPY */
    uint32_t epoch;                    /* counts checkpoints: an area's end written in another is 0 */
    struct ref_extent where;           /* REF_CK_COPY: the copy, in the data space */
    uint64_t size;                     /* the state's bytes in use then */
    uint64_t packed;                   /* bytes copied: those but the id tables' empty tails */
    int32_t max_idx[3];                /* the id tables' highest indexes then (msg, sem, shm) */
    uint32_t pad2;
    uint64_t sum;                      /* checksum of the epoch, the highest indexes and the bytes copied */
};

/* Where an area's records end, in each log: the checkpoint epoch it was
 * written in (the high 32 bits) and the committed bytes (the low), one
 * store.  An end of another epoch than its log's checkpoint is 0, so a
 * checkpoint need not clear thousands of them.  A line of its own: its
 * process writes it at every commit. */
struct __attribute__((aligned(64))) ref_area_end {
    uint64_t word[2];
};

enum ref_checkpoint_kind { REF_CK_FRESH, REF_CK_COPY };

struct ref_header {
    uint64_t magic;
    uint64_t layout;                   /* ref_arena_layout() of the build that made it */
    uint64_t arena_id;                 /* random: names the keeper's socket */
    int32_t owner_uid;                 /* who made it: the keeper answers the processes it trusts */
    int32_t lock_kind;                 /* the mutex's kind when made: a changed one is damage */
    uint32_t rebuild_seq;              /* odd while the state is being rebuilt: a reader without
                                        * the lock (a waiter taking its outcome) saw it whole if
                                        * it read the same even value before and after */
    /* the first line is read by every operation and written by few: from
     * here on it is read and written under the lock */
    uint32_t current;                  /* the checkpoint and log in use */
    uint64_t log_limit;                /* bytes of a log used before a checkpoint: as much as the
                                        * state at the last one, so that copying it costs each
                                        * operation at most its own size (tests: fewer) */
    int32_t proc_high;                 /* highest slot index ever used, or -1 */
    /* one line, the one that passes from holder to holder: the lock and
     * all that every operation writes in the header (three lines it was) */
    pthread_mutex_t lock __attribute__((aligned(64)));   /* robust, process-shared */
    uint16_t lock_contenders;          /* processes waiting for the lock (ref_lock) */
    uint16_t lock_waking;              /* 1: a sleeper for the lock was woken and is not back yet */
    uint16_t nwaiting;                 /* slots with waiting set */
    uint16_t holder_cpu;               /* the CPU the holder took the lock on, + 1; 0: not known */
    uint32_t log_used;                 /* bytes of records since the checkpoint (all areas) */
    uint32_t log_seq;                  /* the last committed record's sequence number */
    uint64_t transactions;             /* statistics */
    struct ref_checkpoint checkpoint[2] __attribute__((aligned(64)));
    uint64_t log_limit_fixed;          /* a limit set for tests ($SVIPC_REF_LOG_BYTES), or 0 */
    uint64_t checkpoints, recoveries;  /* statistics */
    int32_t keeper_pid;                /* the keeper listening, as the arena's processes see it */
    uint32_t host_told;                /* the host's facts (host_facts.h) are in the model */
    int32_t seg_high;                  /* highest index in seg, or -1 */
    int32_t seg_live;                  /* entries of seg with a segment */
    uint32_t nfree;
    uint32_t keeper_scan;              /* 1: a process died before it told the keeper of its fork
                                        * child: the keeper looks over the table (ref_keeper.c) */
    uint64_t data_end;                 /* the data space's end: the file's size */
    struct ref_extent free_extents[REF_MAX_FREE];
    uint64_t shm_destroyed_seen;       /* the model's shm_destroyed when segments' memory was last
                                        * given back (~0: look again, as after a recovery) */
    uint32_t releasing_high;           /* entries of releasing in use are below this index */
    uint32_t releasing_pad;
    struct ref_releasing releasing[REF_MAX_RELEASING];
    int32_t seg_id[MODEL_IPCMNI];      /* the segment whose memory is seg[i], + 1; 0: none */
    struct ref_extent seg[MODEL_IPCMNI];
    struct ref_proc_slot procs[REF_MAX_PROCS];
    /* where a pid's slot is, found without a scan of the table: index + 1
     * of the slot last given to a pid equal to this index modulo
     * REF_MAX_PROCS (a hint: the slot's pid says whether it holds) */
    uint16_t slot_hint[REF_MAX_PROCS];
    struct ref_area_end area_end[REF_AREAS];
};

struct ref_state {
    struct model_ns ns;
    struct model_heap heap;
    unsigned char heap_bytes[] __attribute__((aligned(64)));
};

/* One operation in the log: the request and the caller's input bytes.
 * The body holds the request's first RQ_LEN bytes (all but the caller's
 * groups it does not have: most callers have none, and each byte is
 * copied under the lock), zeros to a multiple of 8, then the input. */
struct ref_record {
    uint32_t size;                     /* of the whole record, a multiple of 8 */
    uint32_t in_len;                   /* input bytes in the body */
    uint32_t out_len;                  /* room the output needs (replay's scratch) */
    uint32_t rq_len;                   /* request bytes in the body */
    uint32_t seq;                      /* its place among the records since the checkpoint: 1, 2, ... */
    uint32_t pad;
    uint64_t sum;                      /* checksum of the sizes, the request's bytes and the input, then
                                        * of the sequence number (added under the lock) */
    unsigned char body[];
};

/* Where a process's next record goes: the log in use, the area, and the
 * end there. */
struct ref_log_place {
    uint32_t k;
    int area;
    uint64_t end;
};

/* A process's view of an arena (its runtime object's part). */
struct ref_arena {
    int fd;
    const char *name;                  /* for messages: the path, or "fd:N" */
    struct ref_header *hdr;
    struct ref_state *state;
    int area;                          /* the area this process writes: its slot's, or REF_AREA_COMMON */
    /* fault injection for tests ($SVIPC_REF_CRASH_AT=N): the process
     * kills itself inside its Nth transaction, after applying it and before
     * committing it, while it holds the lock */
    unsigned long crash_countdown;
    /* how long this process spins for the lock at most before it sleeps
     * (0: LOCK_SPIN_NS; tests set it) */
    uint64_t lock_spin_ns;
    /* the units of its own area this process has mapped in
     * (ref_arena_prefault): they stay mapped, so after the first pass none
     * is asked again (an area restarts at 0 after each checkpoint) */
    uint64_t area_populated[2];
    /* where its next record goes, as of its last commit (known: 1) */
    struct ref_log_place next_place;
    int next_known;
    uint64_t prefault_window;          /* the next window's size; 0: the first's */
    /* this process's slot flag while it contends for the lock, or NULL */
    uint32_t *contending;
    /* extents this process left in the header's releasing table, to give
     * back once it has dropped the lock, under the pid RELEASER */
    int releasing;
    int32_t releaser;
    uint64_t releaser_start;
    /* where an operation writes its output before it is copied to the
     * caller's memory (which may fault: EFAULT) */
    void *bounce;
    size_t bounce_size;
    /* a record built before the lock (ref_stage): its input read and its
     * sum taken while others hold the lock */
    struct ref_record *staged;         /* room for REF_STAGE_MAX bytes of input */
    uint64_t staged_ticket;            /* counts the builds there: a caller holds the last one's
                                        * only if it succeeded and nothing staged since */
    /* records this process has committed (ref_txn) */
    uint64_t committed;
    /* the same for each common log, last: 16 KiB that a process writing
     * only its own area never touches (a fork child's copy of a page it
     * writes costs a fault), cleared at its first use when not VALID */
    int common_map_valid;
    uint64_t populated[2][REF_PREFAULT_UNITS / 64];
};

/* The layout of the file as one number: the sizes and places of everything
 * it holds (header, process slots, the model's structures, log records) and
 * the constants that size it.  An arena made by a build whose layout differs
 * is refused, never misread. */
uint64_t ref_arena_layout(void);

/* Format FD (an empty memfd or file) as a fresh arena and map it. */
int ref_arena_format(struct ref_arena *a, int fd, const char *name, char *why, size_t size);
/* Map the arena of FD at REF_ARENA_ADDR (already mapped: just the view)
 * and check it (header, size, lock, log, state); a damaged state is rebuilt
 * from the checkpoint and the log when they are whole.  0, or -1 with WHY
 * naming NAME. */
int ref_arena_map(struct ref_arena *a, int fd, const char *name, char *why, size_t size);
/* Open the arena at PATH: made if absent (or empty, or left half-made by a
 * maker that died), else it must be a whole arena of this build, a regular
 * file that is not a link, owned by this user and writable by no one else
 * (unless SHARED: its owner trusts whoever may write it).  A file that holds
 * anything else is refused, never truncated. */
int ref_arena_open_path(struct ref_arena *a, const char *path, int shared, char *why, size_t size);
void ref_arena_unmap(struct ref_arena *a);

/* Take the lock; recovers the state first if its holder died.  0, or -1
 * with errno ENOTRECOVERABLE (and a message naming the arena) when the lock
 * is damaged or held by a thread that does not exist. */
int ref_lock(struct ref_arena *a);
void ref_unlock(struct ref_arena *a);
/* A dead process was contending for the lock (its flag CONTENDING set):
 * take its share of the count back. */
void ref_forget_contender(struct ref_arena *a, uint32_t *contending);

/* This process writes its records to AREA (its slot's, or
 * REF_AREA_COMMON): what it had mapped in of another area is forgotten. */
void ref_arena_write_to(struct ref_arena *a, int area);
/* What this process had mapped in of the arena is forgotten (a fork
 * child has none of its parent's pages; a new view none of an old
 * mapping's), and it writes to the common log until it has a slot. */
void ref_arena_forget_pages(struct ref_arena *a);
/* Map in, in one call, the pages where this process's next records go
 * (as its last commit left them, or as the header says now), without the
 * lock: written one by one, each page would cost it a fault under the
 * lock.  A window at a time, again when the end nears a part not mapped
 * in yet; the window doubles each time from a few pages up to
 * REF_PREFAULT_WINDOW: a process that makes one call (a fork child) maps a
 * few pages, one that makes many maps its area in a call per window.  What
 * is mapped in stays so (the logs are never punched), and is remembered:
 * once a process has been through its area or the common log, it asks for
 * nothing more however often they restart (at hundreds of processes,
 * asking again for each window took a sixth of the machine).  A process
 * without a slot maps nothing in.  A kernel without MADV_POPULATE_WRITE
 * leaves the pages to fault. */
void ref_arena_prefault(struct ref_arena *a);

/* This process's buffer for output on its way to the caller's memory (at
 * least N bytes), or NULL when out of memory. */
void *ref_arena_bounce(struct ref_arena *a, size_t n);

/* Under the lock: log RQ with its input (read from USER_IN) and apply it
 * (model_apply); the model's result.  OUT receives what the call writes. */
long ref_txn(struct ref_arena *a, const struct model_request *rq, const void *user_in, void *out);

/* Without the lock: build RQ's record, its input read from USER_IN and
 * its sum, in this process's staging room, as ref_txn would in the log:
 * under the lock, ref_txn_staged then only copies it there (every
 * operation holds the lock that much less).  A ticket for it, or 0 when
 * the record is left to ref_txn: its sizes depend on the state, its input
 * is over REF_STAGE_MAX or unreadable, memory is short, or a call a signal
 * handler made meanwhile staged its own. */
uint64_t ref_stage(struct ref_arena *a, const struct model_request *rq, const void *user_in);
/* Under the lock: ref_txn (the same arguments), with the record staged
 * for RQ under TICKET when it is still there (no call a signal handler
 * made meanwhile staged another). */
long ref_txn_staged(struct ref_arena *a, uint64_t ticket, const struct model_request *rq, const void *user_in,
                    void *out);

/* Under the lock, the data space: an extent of LEN bytes (ALIGN a power
 * of two), its memory zero; or {0, 0} when the file cannot grow.  Free gives
 * it back (its memory released). */
struct ref_extent ref_space_alloc(struct ref_arena *a, uint64_t len, uint64_t align);
void ref_space_free(struct ref_arena *a, struct ref_extent e);
/* Under the lock: E leaves use now, its memory given back later by the
 * process PID started at START (this one) without the lock:
 * ref_space_punch_released after the unlock, then ref_space_reuse_released
 * under the lock again puts it in the free list (until then nobody is
 * given it).  Freed at once when the table is full.  The extents of a
 * process that died in between are freed by ref_space_orphaned when its
 * end is applied, or by ref_space_sweep_dead (the keeper, when idle, for
 * one that had no slot). */
void ref_space_release(struct ref_arena *a, struct ref_extent e, int32_t pid, uint64_t start);
void ref_space_punch_released(struct ref_arena *a);
void ref_space_reuse_released(struct ref_arena *a);
void ref_space_orphaned(struct ref_arena *a, int32_t pid, uint64_t start);
void ref_space_sweep_dead(struct ref_arena *a);

/* Under the lock, a self-test of crash recovery: rebuild the state from
 * the checkpoint and the log in place, as recovery does, and compare it
 * with the state it replaced byte for byte.  0 when equal, else the offset
 * + 1 of the first difference (the live state is put back either way). */
long ref_arena_verify_replay(struct ref_arena *a);

/* Offsets in the file (for tests that damage it): the state, and AREA's
 * log K. */
size_t ref_arena_state_offset(void);
size_t ref_arena_area_offset(int area, int k);

/* Whether the file still holds the whole arena (a truncated one would
 * fault on access): 0, or -1 with WHY. */
int ref_arena_check_size(const struct ref_arena *a, char *why, size_t size);

#endif
