/* ctl_cmd.c: the table of ctl_cmd.h, one row per command.
 * Must not: hold anything but constant data. */
#define _GNU_SOURCE
#include "ctl_cmd.h"
#include "linux_ipc.h"

#define ROW(call, cmd, buf, type, stat, ret) { #cmd, call, cmd, buf, sizeof(type), 0, stat, 0, ret }
#define NONE(call, cmd, ret) { #cmd, call, cmd, CTL_BUF_NONE, 0, 0, 0, 0, ret }

static const struct ctl_cmd commands[] = {
    ROW(CTL_MSG, IPC_STAT, CTL_BUF_OUT, struct msqid_ds, 1, CTL_RET_VALUE),
    { "IPC_SET", CTL_MSG, IPC_SET, CTL_BUF_IN, sizeof(struct msqid_ds), 0, 0, 1, CTL_RET_VALUE },
    NONE(CTL_MSG, IPC_RMID, CTL_RET_VALUE),
    ROW(CTL_MSG, IPC_INFO, CTL_BUF_OUT, struct msginfo, 0, CTL_RET_INDEX),
    ROW(CTL_MSG, MSG_INFO, CTL_BUF_OUT, struct msginfo, 0, CTL_RET_INDEX),
    ROW(CTL_MSG, MSG_STAT, CTL_BUF_OUT, struct msqid_ds, 1, CTL_RET_ID),
    ROW(CTL_MSG, MSG_STAT_ANY, CTL_BUF_OUT, struct msqid_ds, 1, CTL_RET_ID),

    ROW(CTL_SEM, IPC_STAT, CTL_BUF_OUT, struct semid_ds, 1, CTL_RET_VALUE),
    { "IPC_SET", CTL_SEM, IPC_SET, CTL_BUF_IN, sizeof(struct semid_ds), 0, 0, 1, CTL_RET_VALUE },
    NONE(CTL_SEM, IPC_RMID, CTL_RET_VALUE),
    ROW(CTL_SEM, IPC_INFO, CTL_BUF_OUT, struct seminfo, 0, CTL_RET_INDEX),
    ROW(CTL_SEM, SEM_INFO, CTL_BUF_OUT, struct seminfo, 0, CTL_RET_INDEX),
    ROW(CTL_SEM, SEM_STAT, CTL_BUF_OUT, struct semid_ds, 1, CTL_RET_ID),
    ROW(CTL_SEM, SEM_STAT_ANY, CTL_BUF_OUT, struct semid_ds, 1, CTL_RET_ID),
    { "GETALL", CTL_SEM, GETALL, CTL_BUF_OUT, 0, 1, 0, 0, CTL_RET_VALUE },
    { "SETALL", CTL_SEM, SETALL, CTL_BUF_IN, 0, 1, 0, 0, CTL_RET_VALUE },
    NONE(CTL_SEM, GETVAL, CTL_RET_VALUE),
    NONE(CTL_SEM, SETVAL, CTL_RET_VALUE),
    NONE(CTL_SEM, GETPID, CTL_RET_PID),
    NONE(CTL_SEM, GETNCNT, CTL_RET_VALUE),
    NONE(CTL_SEM, GETZCNT, CTL_RET_VALUE),

    ROW(CTL_SHM, IPC_STAT, CTL_BUF_OUT, struct shmid_ds, 1, CTL_RET_VALUE),
    { "IPC_SET", CTL_SHM, IPC_SET, CTL_BUF_IN, sizeof(struct shmid_ds), 0, 0, 1, CTL_RET_VALUE },
    NONE(CTL_SHM, IPC_RMID, CTL_RET_VALUE),
    ROW(CTL_SHM, IPC_INFO, CTL_BUF_OUT, struct shminfo, 0, CTL_RET_INDEX),
    ROW(CTL_SHM, SHM_INFO, CTL_BUF_OUT, struct shm_info, 0, CTL_RET_INDEX),
    ROW(CTL_SHM, SHM_STAT, CTL_BUF_OUT, struct shmid_ds, 1, CTL_RET_ID),
    ROW(CTL_SHM, SHM_STAT_ANY, CTL_BUF_OUT, struct shmid_ds, 1, CTL_RET_ID),
    NONE(CTL_SHM, SHM_LOCK, CTL_RET_VALUE),
    NONE(CTL_SHM, SHM_UNLOCK, CTL_RET_VALUE),
};

_Static_assert(sizeof(struct msqid_ds) <= CTL_STRUCT_MAX && sizeof(struct semid_ds) <= CTL_STRUCT_MAX &&
               sizeof(struct shmid_ds) <= CTL_STRUCT_MAX && sizeof(struct shminfo) <= CTL_STRUCT_MAX &&
               sizeof(struct shm_info) <= CTL_STRUCT_MAX && sizeof(struct seminfo) <= CTL_STRUCT_MAX &&
               sizeof(struct msginfo) <= CTL_STRUCT_MAX, "CTL_STRUCT_MAX holds every structure");

const struct ctl_cmd *ctl_cmd_find(enum ctl_call call, int cmd)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (commands[i].call == call && commands[i].cmd == cmd)
            return &commands[i];
    return NULL;
}

size_t ctl_cmd_buffer_size(const struct ctl_cmd *cmd, int nsems)
{
    if (!cmd || cmd->buffer == CTL_BUF_NONE)
        return 0;
    return cmd->per_sem ? (size_t)(nsems > 0 ? nsems : 0) * sizeof(unsigned short) : cmd->size;
}
