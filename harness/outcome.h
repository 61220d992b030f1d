/* outcome.h: what a step did, as named fields in raw and normalised form,
 * and whether that meets the step's expectation.
 * Normalised form: processes by name, times as 0/set, ids by order of first
 * appearance (msq#0), addresses as base+offset or by order (addr#0), so two
 * systems' outcomes compare even where raw numbers legitimately differ.
 * Must not: talk to processes or backends. */
#ifndef SVIPC_OUTCOME_H
#define SVIPC_OUTCOME_H

#include "ops.h"
#include "scenario.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_FIELDS 128      /* a ctl structure's; a tool's output up to a table of a dozen rows */
#define NORM_SIZE  64
#define FIELD_NAME 40

enum outcome_status {
    OUT_DONE,      /* the call returned */
    OUT_BLOCKED,   /* asleep inside the call */
    OUT_FAULT,     /* a memory step raised SIGSEGV/SIGBUS */
    OUT_EXITED,    /* an exit step: the process is gone */
    OUT_DIED,      /* the process died during the step */
    OUT_TIMEOUT,   /* no answer within the deadline */
    OUT_HANG,      /* blocked where the scenario expects it to complete */
    OUT_ERROR,     /* the harness could not perform the step */
};

struct field {
    char name[FIELD_NAME];
    enum field_type type;
    long raw;
    char norm[NORM_SIZE];
    unsigned char *bytes;      /* F_BYTES */
    size_t len;
};

struct outcome {
    enum outcome_status status;
    long ret;
    int err;
    int sig;                   /* OUT_FAULT, OUT_DIED */
    enum field_type ret_type;
    char ret_norm[NORM_SIZE];
    char detail[200];          /* OUT_DIED/TIMEOUT/HANG/ERROR: what happened */
    pid_t tool_pid;            /* a tool step: the program's process ... */
    char tool_name[16];        /* ... and the program */
    int nfields;
    /* last, and only the first NFIELDS are ever read: an outcome is made
     * empty (outcome_init) or handed on (outcome_move) without touching the
     * rest, 17 KB that would otherwise be written after every fork (each
     * page a copy-on-write fault) */
    struct field field[MAX_FIELDS];
};

/* Per-scenario normalisation state: who is who, and orders of appearance. */
struct normaliser {
    int nprocs;
    pid_t pid[MAX_PROCS];      /* pids as the scenario's processes see them */
    const char *const *name;
    uintptr_t base;            /* the harness's address window */
    uintptr_t base_span;
    long ids[3][128];          /* msg, sem, shm */
    int nids[3];
    uintptr_t addrs[64];
    int naddrs;
    /* processes that are no scenario process: a tool step's program, by
     * the name the engine gives it (A/ipcmk) */
    struct { pid_t pid; char name[40]; } spawned[32];
    int nspawned;
    /* keys the scenario writes in its get calls: shown as they are; any
     * other (ipcmk's random ones, ftok's) by order of appearance, key#N */
    const long *written_keys;
    int nwritten_keys;
    long keys[64];
    int nkeys;
    /* the seconds each tick step returned, in order: a time is shown by
     * the ticks it follows ("set" before the first, "set+K" from the Kth) */
    long ticks[16];
    int nticks;
};

const char *outcome_status_name(enum outcome_status status);

/* What a completed call returned in memory, as a process whose structures
 * have the layouts of ABI (abi.h) reported it. */
struct returned {
    int abi;                   /* enum abi_id */
    const unsigned char *data;
    size_t len;
    uint32_t wrote, beyond;    /* written where it should not have been (calls.h) */
    uint32_t flags;            /* the request's (WIRE_IPC_OLD: the old structures) */
};

/* Build the fields of a completed call from what it returned (R: NULL for
 * nothing).  ARGS are the resolved request arguments (cmd, proj, ...). */
void outcome_decode(struct outcome *out, enum op op, const int64_t *args, const struct returned *r);

/* A field of OUT (NULL when it has MAX_FIELDS already), and a word field. */
struct field *outcome_add(struct outcome *out, const char *name, enum field_type type, long raw);
void outcome_add_word(struct outcome *out, const char *name, const char *word);

/* Name process PID NAME in N's normalised forms (a tool's program). */
void normaliser_name_pid(struct normaliser *n, pid_t pid, const char *name);

/* Fill the normalised forms of the return value and every field. */
void outcome_normalise(struct outcome *out, enum op op, struct normaliser *norm);

/* Free field buffers. */
/* An outcome with nothing in it (a declared one is garbage until then). */
void outcome_init(struct outcome *out);
/* TO (empty or cleared) takes FROM's status and fields, and the ownership of
 * their bytes; FROM is left empty. */
void outcome_move(struct outcome *to, struct outcome *from);
void outcome_clear(struct outcome *out);

/* The outcome as one line: '5 mtype=5 text="hello"', 'EINVAL', 'blocks'. */
void outcome_format(const struct outcome *out, char *buf, size_t size);

/* Evaluate a value expression with the scenario's variables and base. */
long expr_eval(const struct expr *e, const long *vars, uintptr_t base);

/* 1 if OUT meets the step's expectation; else 0 and WHY says what differs. */
int expect_holds(const struct step *step, const struct outcome *out,
                 const long *vars, uintptr_t base, char *why, size_t size);

#endif
