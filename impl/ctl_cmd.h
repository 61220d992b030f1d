/* ctl_cmd.h: the commands of msgctl(2), semctl(2) and shmctl(2) as data:
 * what each does with the caller's buffer (reads a structure, fills one,
 * or none), how big that buffer is, and what its return value means.
 * Everything that moves a ctl call's bytes (the puppet, the model
 * executor, the runtime's log records, the decoder) reads this table.
 * Must not: say anything about permissions or outcomes: the model does. */
#ifndef SVIPC_CTL_CMD_H
#define SVIPC_CTL_CMD_H

#include <stddef.h>

enum ctl_call { CTL_MSG, CTL_SEM, CTL_SHM };

enum ctl_buffer {
    CTL_BUF_NONE,            /* a value argument, or nothing (IPC_RMID, GETVAL) */
    CTL_BUF_IN,              /* the call reads the buffer (IPC_SET, SETALL) */
    CTL_BUF_OUT,             /* the call fills the buffer (IPC_STAT, GETALL) */
};

enum ctl_ret {
    CTL_RET_VALUE,           /* 0, a count, a semaphore value */
    CTL_RET_ID,              /* *_STAT, *_STAT_ANY: the id of the object at an index */
    CTL_RET_PID,             /* GETPID */
    CTL_RET_INDEX,           /* *_INFO: the highest index in use */
};

struct ctl_cmd {
    const char *name;        /* "IPC_STAT" */
    enum ctl_call call;
    int cmd;
    enum ctl_buffer buffer;
    size_t size;             /* of the buffer; 0 with PER_SEM */
    int per_sem;             /* GETALL, SETALL: an unsigned short per semaphore */
    int is_stat;             /* the buffer is the object's *id_ds */
    int is_set;              /* IPC_SET: a program fills it by IPC_STAT first */
    enum ctl_ret ret;
};

/* The command CMD of CALL, or NULL when the call does not know it. */
const struct ctl_cmd *ctl_cmd_find(enum ctl_call call, int cmd);

/* The bytes of CMD's buffer for a set of NSEMS semaphores (0: none). */
size_t ctl_cmd_buffer_size(const struct ctl_cmd *cmd, int nsems);

/* The largest fixed-size buffer of any command (a *id_ds or *info). */
#define CTL_STRUCT_MAX 256

#endif
