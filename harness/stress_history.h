/* stress_history.h: the history of a stress run as data, and where it is
 * recorded: every call's arguments, result and data with its invocation
 * and response instants on CLOCK_MONOTONIC (one clock for every process),
 * written by each worker into its own part of a shared mapping (plain
 * memory: no IPC, no lock, no system call per record), collected once the
 * workers are gone, and written as JSON Lines.
 * Must not: perform IPC calls or decide whether a history is correct
 * (stress_check.h does). */
#ifndef SVIPC_STRESS_HISTORY_H
#define SVIPC_STRESS_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define STRESS_TEXT_MAX    32      /* a message's text, at most */
#define STRESS_SOPS_MAX    4       /* sembufs of one semop */
#define STRESS_SEMS_MAX    8       /* semaphores of one set */
#define STRESS_OBJECTS_MAX 1000000 /* objects of a run, re-created ones included (a 5-minute
                                    * run at 128 processes makes about 80,000) */
#define STRESS_OBJECTS_MAX_TEXT "1,000,000"
#define STRESS_SLOTS_MAX   1024    /* objects alive at once (every group's) */
#define STRESS_PROCS_MAX   512     /* workers at once */
#define STRESS_IDS_MAX     16384   /* workers of a run, the ones that replace killed ones too */

enum stress_op {
    STRESS_MSGSND = 1,
    STRESS_MSGRCV,
    STRESS_SEMOP,
    STRESS_RMID,                   /* msgctl, semctl or shmctl IPC_RMID */
    STRESS_DEATH,                  /* the process ended: killed, or done (see below) */
    STRESS_SHMAT,                  /* attach the segment (ret 0: attached) */
    STRESS_SHMDT,                  /* detach the process's attachment of it */
    STRESS_SHMSTAT,                /* shmctl IPC_STAT: ret shm_nattch, rtype 1 if SHM_DEST */
    STRESS_STORE,                  /* through the attachment: word TYPE := TEXT's 8 bytes */
    STRESS_LOAD,                   /* through the attachment: TEXT := word TYPE */
    STRESS_SYSCTL,                 /* a limit written (obj STRESS_OBJ_ALL): limit TYPE := SIZE */
};
#define STRESS_OP_LAST STRESS_SYSCTL

/* The limits a run changes under its workers (enum stress_limit): the
 * largest message msgsnd takes (kernel.msgmax) and the most sembufs of
 * one semop (kernel.sem's third field). */
enum stress_limit { STRESS_LIMIT_MSGMAX = 1, STRESS_LIMIT_SEMOPM };
#define STRESS_LIMITS 2
const char *stress_limit_name(int limit);

/* A death's obj and a sysctl's: it concerns every object (a death: its
 * SEM_UNDO adjustments and attachments; a sysctl: every object its limit
 * applies to). */
#define STRESS_OBJ_ALL UINT32_MAX

/* A record of kind 0 is unwritten: a worker took its place in the table
 * and was killed before it wrote it.  Its object, if made, was never
 * published in a slot, so no event names it. */
enum stress_kind { STRESS_QUEUE = 1, STRESS_SET, STRESS_SEGMENT };

/* A segment's size, and the words (8 bytes, naturally aligned, stored and
 * loaded atomically) at its start that the workers write and read. */
#define STRESS_SEGMENT_SIZE 4096
#define STRESS_WORDS        4

/* An object as it was when the workers could first use it. */
struct stress_object {
    int32_t kind;                  /* enum stress_kind; 0: unwritten (below) */
    int32_t id;                    /* as the implementation numbered it */
    int32_t slot;                  /* the slot it lives in (re-creation replaces it) */
    int32_t qbytes;                /* queue: msg_qbytes; segment: its size */
    int32_t nsems;                 /* set: its semaphores and their values */
    uint16_t init[STRESS_SEMS_MAX];
};

struct stress_sop {
    uint16_t num;
    int16_t op;
    int16_t flg;
};

/* One call.  t_return 0: it never returned (the process was killed inside
 * it, or before it could write its response): a pending operation.
 * A death (STRESS_DEATH, obj STRESS_OBJ_ALL): t_call just before the
 * SIGKILL was sent, or when the process finished its last call; t_return
 * once it was reaped and its exit applied (SEM_UNDO, detaches): its exit
 * takes effect at one instant between the two.  ret is 0. */
struct stress_event {
    uint64_t t_call, t_return;     /* CLOCK_MONOTONIC, nanoseconds */
    int64_t type;                  /* msgsnd: mtype; msgrcv: msgtyp (MSG_COPY: the index);
                                    * semop: semtimedop's timeout in ns, 0 none;
                                    * store and load: the word; sysctl: the limit */
    int64_t rtype;                 /* msgrcv: the mtype received; shmstat: SHM_DEST set */
    uint32_t obj;                  /* index into the object table */
    uint16_t proc;                 /* worker index */
    uint8_t op;                    /* enum stress_op */
    uint8_t nsops;
    int16_t err;                   /* errno when ret is -1 */
    int16_t pad;
    int32_t flags;                 /* msgflg (sem: each sop's own) */
    int32_t size;                  /* msgsnd: the text's size; msgrcv: the buffer's;
                                    * sysctl: the limit's new value */
    int32_t ret;                   /* the call's value (a size, a count, 0), or -1 */
    union {                        /* a semop's operations, or any other call's data */
        struct stress_sop sops[STRESS_SOPS_MAX];
        uint8_t text[STRESS_TEXT_MAX]; /* msgsnd: sent; msgrcv: received (ret bytes);
                                        * store: the word written; load: the word read (8 bytes) */
    };
};
/* A run's history is mostly these records (a 5-minute run at 128
 * processes makes over 150 million): every byte counts. */
_Static_assert(sizeof(struct stress_event) == 88, "an event record is 88 bytes");

/* What the run that recorded a history was and did, as its "run" line
 * says (known 0: a line without these figures, or none: a history cut
 * from a printed violation, or written before they were there). */
struct stress_run {
    int known;
    char backend[16], workload[8];
    char target[128];                  /* where the workers ran: "" here, or a target's name */
    int procs, group;
    uint64_t seed;
    long operations, limit_changes;
    double seconds;
    int kills, killed_at_deadline;
    char stopped_early[200];           /* why the workers stopped before the run's end, or "" */
    char limits_note[300];             /* why the limits could not be changed, or "" */
};

/* A history as the checker reads it. */
struct stress_history {
    int nobjects;
    struct stress_object *objects;
    size_t nevents;
    struct stress_event *events;
    struct stress_run run;
};

/* The shared recording space of a run: a header (the object table, the
 * slots' current objects, the stop flag, each worker's count) and each
 * workers' events.  Mapped before the workers are forked. */
struct stress_shared;

/* A mapping for NPROCS worker indices and CAPACITY events over all of
 * them, with room for PARTIAL workers to leave their last chunk of space
 * partly used (the workers at once; every index, when a number of
 * operations must fit whoever is killed); NULL with WHY. */
struct stress_shared *stress_shared_new(int nprocs, size_t capacity, int partial, char *why, size_t size);
void stress_shared_free(struct stress_shared *sh);

/* The object table: add one (its index, or -1 when full); the object a
 * slot holds now (-1: none yet); make a slot hold OBJ. */
int stress_object_add(struct stress_shared *sh, const struct stress_object *o);
int stress_slot_current(const struct stress_shared *sh, int slot);
void stress_slot_set(struct stress_shared *sh, int slot, int obj);
/* Make SLOT hold OBJ if it holds OLD: whether it did. */
int stress_slot_replace(struct stress_shared *sh, int slot, int old, int obj);
const struct stress_object *stress_object_at(const struct stress_shared *sh, int obj);
int stress_object_count(const struct stress_shared *sh);

/* A process's death, recorded by the session (which alone writes them):
 * 0, or -1 when the table is full. */
int stress_death_add(struct stress_shared *sh, int proc, uint64_t t_call, uint64_t t_return);
/* The worker's own: when it finished its last call (its exit starts);
 * and what the session reads back (0: not finished). */
void stress_worker_finished(struct stress_shared *sh, int proc);
uint64_t stress_worker_finished_at(const struct stress_shared *sh, int proc);
/* Events worker PROC published (its quota's progress). */
size_t stress_worker_events(const struct stress_shared *sh, int proc);

/* The run's stop flag (set by the session, or by a worker that cannot
 * record more: every worker stops then, so the history stays one run of
 * all of them), read by workers, and why it was set (the first reason). */
enum stress_stop_reason {
    STRESS_STOP_ASKED = 1,             /* its time or its operations are done */
    STRESS_STOP_HISTORY_FULL,          /* a worker's part of the history is full */
    STRESS_STOP_OBJECTS_FULL,          /* the object table is full: no re-creation */
};
void stress_stop(struct stress_shared *sh, enum stress_stop_reason why);
int stress_stopped(const struct stress_shared *sh);
enum stress_stop_reason stress_stop_reason(const struct stress_shared *sh);

/* Recording, by worker PROC.  stress_event_begin: the next free event
 * (zeroed) or NULL when the worker's array is full; the caller fills the
 * arguments, then stress_event_invoke stamps the invocation and publishes
 * the event, and stress_event_respond stamps the response after the
 * caller filled the result.  */
struct stress_event *stress_event_begin(struct stress_shared *sh, int proc);
void stress_event_invoke(struct stress_shared *sh, int proc, struct stress_event *ev);
void stress_event_respond(struct stress_event *ev);
/* A run without a history: count one operation of PROC (no event). */
void stress_event_count(struct stress_shared *sh, int proc);
/* Events recorded by every worker so far (published ones). */
size_t stress_events_total(const struct stress_shared *sh);

/* The limit writes an object's calls may meet: those that succeeded, of
 * the limit of its kind (stress_limit_of: 0 for none), from the last one
 * done before its first call to the last one begun before its last call
 * ended.  stress_limit_window finds the window (events ordered by
 * invocation); stress_limit_write_in says whether EV is one of them. */
int stress_limit_of(int kind);
/* Whether EV is a write of LIMIT (0: of any limit) that succeeded. */
int stress_limit_write(const struct stress_event *ev, int limit);
struct stress_limit_window {
    int limit;                         /* enum stress_limit, 0: none */
    uint64_t first, last;              /* the object's first call, its last call's end (UINT64_MAX: pending) */
    const struct stress_event *before; /* the last write done before FIRST, or NULL */
};
void stress_limit_window(const struct stress_history *h, int obj, struct stress_limit_window *w);
int stress_limit_write_in(const struct stress_limit_window *w, const struct stress_event *ev);

/* Move the recorded history (after the workers are gone) into H, events
 * ordered by invocation: 0, or -1 (out of memory).  The shared space is
 * given back as it is copied (so the run needs the history's memory once,
 * not twice): SH holds nothing afterwards but its header. */
int stress_collect(struct stress_shared *sh, struct stress_history *h);
/* H's events ordered by invocation (then worker), as the checker reads them. */
void stress_history_sort(struct stress_history *h);
/* The instant the history's times are written relative to: its first call. */
uint64_t stress_history_t0(const struct stress_history *h);
void stress_history_free(struct stress_history *h);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t stress_now_ns(void);

/* Names of an operation and an errno for output ("msgsnd", "ENOMSG"). */
const char *stress_op_name(int op);

/* One event as a JSON object (no newline), relative to T0. */
void stress_event_json(FILE *f, const struct stress_history *h, const struct stress_event *ev, uint64_t t0);

/* Object I as a JSON object (no newline): its "kind":"object" line. */
void stress_object_json(FILE *f, const struct stress_history *h, int i);

/* The history as JSON Lines: a "run" line (H's run, its objects' and
 * events' counts), one line per object, one per event.  0, or -1 with
 * errno when a write failed. */
int stress_history_write(const struct stress_history *h, FILE *f);
/* R's members of a JSON object (",\"backend\":..." up to its notes), as
 * the history's run line and the run's summary both hold them; nothing
 * when R is not known. */
void stress_run_json(FILE *f, const struct stress_run *r);

/* Read a history written by stress_history_write (LABEL names the file in
 * messages) into H, events ordered by invocation, its run line's figures
 * in H->run: 0, or -1 with WHY ("file:line: reason").  Objects keep their
 * numbers only through the events that name them: an object printed
 * alone reads as a history.  A file whose run line counts more events
 * than it holds is cut short: an error. */
int stress_history_read(FILE *f, const char *label, struct stress_history *h, char *why, size_t size);

#endif
