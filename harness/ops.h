/* ops.h: every operation a scenario step can name, one row of data each:
 * how the parser reads its arguments, where each lands among the resolved
 * values the call receives (request.h), which bytes go with it, whether it
 * can block and in which system call a blocked process then sleeps, and
 * what its return value is.  The parser, the request builder, the engine,
 * the puppet, the model executor and the decoder all read this table.
 * Adding an operation is one row here plus how each executor performs it
 * (puppet.c, exec_model.c; calls.c for an IPC call).
 * Must not: perform anything. */
#ifndef SVIPC_OPS_H
#define SVIPC_OPS_H

#include "ctl_cmd.h"
#include "scenario.h"

#include <stdint.h>

#define STEP_ARGS 8           /* resolved values of one step */

/* How a returned value or a field is normalised (outcome.c). */
enum field_type {
    F_INT, F_PID, F_TIME, F_ID_MSG, F_ID_SEM, F_ID_SHM, F_KEY, F_MODE,
    F_BYTES, F_WORD, F_ADDR,
    F_ADDR_CHOSEN,           /* an address the system chose (shmat at NULL): by order only */
};

/* Where a resolved value comes from.  A slot names the first of the values
 * it fills; SLOT_TIMEOUT fills three, SLOT_SET five. */
enum slot {
    SLOT_NONE,
    SLOT_ARG0, SLOT_ARG1, SLOT_ARG2, SLOT_ARG3,   /* the Nth value argument as written */
    SLOT_SIZE,          /* size=N, else the data's length (msgsnd's msgsz) */
    SLOT_NSOPS,         /* nsops=N, else the sembufs written */
    SLOT_TIMEOUT,       /* timeout=S:NS: given (0/1), seconds, nanoseconds */
    SLOT_SET,           /* IPC_SET's fields: a mask (1 uid, 2 gid, 4 mode, 8 qbytes), then each */
    SLOT_VALUE,         /* the first of a list (SETVAL's value) */
    SLOT_TARGET_PID,    /* the pid of the process the step names (kill, wait) */
    SLOT_CAPS,          /* capdrop's names as a mask of Linux's capability bits */
    SLOT_WRITES,        /* sysctl: 1 when a value is written */
    SLOT_DEADLINE,      /* the step's deadline (CLOCK_MONOTONIC, ns): the executor fills it */
};

/* The bytes that go with the call. */
enum data_kind {
    DATA_NONE,
    DATA_BYTES,         /* msgsnd's text, write's bytes */
    DATA_PATH,          /* ftok's path: a string, or a scratch file's */
    DATA_SOPS,          /* semop's sembuf array, room for nsops= */
    DATA_SEMVALS,       /* semctl SETALL's values */
    DATA_GIDS,          /* setgroups' list */
    DATA_SYSCTL,        /* "name\0value\0" */
    DATA_WORD,          /* sysvipc's table, exec's backend */
    DATA_ARGV,          /* tool: the program and its arguments, NUL-separated */
};

enum {
    OPF_DIRECTIVE = 1 << 0,   /* written without a process: the coordinator's */
    OPF_BLOCKS = 1 << 1,      /* the call may sleep: the engine watches for it */
    OPF_IPC = 1 << 2,         /* a System V IPC call or file (calls.c performs it) */
    OPF_CRED = 1 << 3,        /* changes the process's credentials */
    OPF_BUFFER = 1 << 4,      /* takes a buffer: buf=null applies */
};

struct op_desc {
    const char *name;         /* as written in scenarios */
    enum op op;
    unsigned flags;
    /* the parser: positional arguments, one letter each (parse.c says
     * which), and the name=value arguments it takes */
    const char *grammar;
    const char *keywords;
    enum slot slot[STEP_ARGS];
    enum data_kind data;
    int ctl;                  /* msgctl/semctl/shmctl: enum ctl_call, else -1 */
    int cmd_slot;             /* the slot of the ctl command */
    long host_nr;             /* the system call a blocked process sleeps in (this host's number), or -1 */
    const char *wchan;        /* the kernel function it sleeps in (the end of its name), or NULL */
    enum field_type ret_type; /* of a successful return */
};

/* The row of OP. */
const struct op_desc *op_desc(enum op op);
/* The row called NAME, written as a DIRECTIVE or by a process; NULL if none. */
const struct op_desc *op_find(const char *name, int directive);

/* The index of the value SLOT fills for D (0 when D has no such slot). */
int op_slot(const struct op_desc *d, enum slot slot);

/* A ctl step's command row (NULL: not a ctl step, or a command the call
 * does not know). */
const struct ctl_cmd *op_ctl_cmd(const struct op_desc *d, const int64_t *args);

#endif
