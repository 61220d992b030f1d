/* ref_ops.h: one operation on the reference runtime's namespace as a
 * record: who calls (the model's caller), what (the call and its
 * arguments), when (the time the model is given) and the caller's input
 * bytes.  The runtime appends the record to its log and applies it; after
 * a crash it applies the logged records again to rebuild the state.  Both
 * go through ref_apply, so a replay repeats exactly what happened.
 * Must not: read anything that is not in the record (a clock, the caller's
 * memory, the process) while applying it. */
#ifndef SVIPC_REF_OPS_H
#define SVIPC_REF_OPS_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

enum ref_op {
    REF_OP_MSGGET = 1, REF_OP_MSGSND, REF_OP_MSGRCV, REF_OP_MSGSND_RESUME, REF_OP_MSGRCV_RESUME,
    REF_OP_MSGCTL,
    REF_OP_SEMGET, REF_OP_SEMTIMEDOP, REF_OP_SEM_RESUME, REF_OP_SEMCTL,
    REF_OP_SHMGET, REF_OP_SHMAT, REF_OP_SHMDT, REF_OP_SHMCTL,
    REF_OP_FORK, REF_OP_EXEC, REF_OP_EXIT, REF_OP_INTERRUPT, REF_OP_TIMEOUT,
    REF_OP_SYSCTL_WRITE,
    REF_OP_SET_HUGEPAGES,              /* the host's free huge pages (a limit the model keeps) */
};

/* The caller passed NULL for the call's buffer: the model is given NULL
 * (EFAULT where Linux's copy would fault), live and in replay alike. */
#define REF_NULL_BUFFER 1u

struct ref_record {
    uint32_t op;                       /* enum ref_op */
    uint32_t size;                     /* of the whole record, a multiple of 8 */
    int64_t now;
    int64_t arg[6];                    /* the call's arguments, in its order */
    struct model_caller caller;
    uint32_t in_len;                   /* input bytes that follow */
    uint32_t out_len;                  /* room the output needs (replay's scratch) */
    uint32_t flags;                    /* REF_NULL_BUFFER */
    uint32_t reserved;
    unsigned char in[];
};

/* The record's size with IN_LEN input bytes. */
size_t ref_record_size(size_t in_len);

/* How many input bytes the call of REC takes from the caller (a message, a
 * sembuf array, an IPC_SET structure, a SETALL array, a sysctl's name and
 * value), read off the namespace where it depends on it (SETALL's nsems).
 * Fills REC->out_len too. */
size_t ref_input_size(const struct model_ns *ns, struct ref_record *rec);

/* Whether the command of a msgctl/semctl/shmctl record writes into OUT. */
int ref_ctl_writes_out(const struct ref_record *rec);

/* Perform REC on NS: the model's result (>= 0, -ERRNO or MODEL_BLOCKED).
 * OUT receives what the call returns in memory (a message, a structure, an
 * array); OUT may be NULL when REC->out_len is 0. */
long ref_apply(struct model_ns *ns, const struct ref_record *rec, void *out);

#endif
