/* ops.c: the table of ops.h, one row per operation.
 *
 * Grammar letters (parse.c reads them in order):
 *   E value expression   D data ("text", fill(N), pattern(N))
 *   P path (data or a $file)   p existing process   n new process
 *   S signal name        L constant list   W word
 *   O sembufs (the rest) R words (the rest, joined by spaces)
 *   A a program and its arguments (the rest: words, or $values)
 *   V new variable name  ? the rest is optional
 * The calls' rows take via= (ipc, ipc-old, ipc-v1): the call made through
 * the ipc(2) multiplexer (request.c's flags, kernel_calls.c's ipc table).
 * Must not: hold anything but constant data. */
#define _GNU_SOURCE
#include "ops.h"

#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>

/* the host's numbers; a puppet built for another architecture has no use
 * for them (and i386 has no direct semop) */
#ifndef SYS_semop
#define SYS_semop (-1)
#endif
#ifndef SYS_semtimedop
#define SYS_semtimedop (-1)
#endif
#ifndef SYS_msgsnd
#define SYS_msgsnd (-1)
#define SYS_msgrcv (-1)
#endif
#ifndef SYS_wait4
#define SYS_wait4 (-1)
#endif

#define IPC      OPF_IPC
#define BLOCKS   OPF_BLOCKS
#define BUF      OPF_BUFFER
#define A(n)     SLOT_ARG##n

static const struct op_desc table[] = {
    [OP_MSGGET] = { "msgget", OP_MSGGET, IPC, "EE", "via", { A(0), A(1) }, DATA_NONE, -1, 0, -1, NULL, F_ID_MSG },
    [OP_MSGSND] = { "msgsnd", OP_MSGSND, IPC | BLOCKS | BUF, "EEDE", "size buf via", { A(0), A(1), A(2), SLOT_SIZE }, DATA_BYTES,
      -1, 0, SYS_msgsnd, "do_msgsnd", F_INT },
    [OP_MSGRCV] = { "msgrcv", OP_MSGRCV, IPC | BLOCKS | BUF, "EEEE", "buf via", { A(0), A(1), A(2), A(3) }, DATA_NONE, -1, 0,
      SYS_msgrcv, "do_msgrcv", F_INT },
    [OP_MSGCTL] = { "msgctl", OP_MSGCTL, IPC | BUF, "EE", "uid gid mode qbytes buf via", { A(0), A(1), SLOT_SET }, DATA_NONE,
      CTL_MSG, 1, -1, NULL, F_INT },
    [OP_SEMGET] = { "semget", OP_SEMGET, IPC, "EEE", "via", { A(0), A(1), A(2) }, DATA_NONE, -1, 0, -1, NULL, F_ID_SEM },
    [OP_SEMOP] = { "semop", OP_SEMOP, IPC | BLOCKS | BUF, "EO", "nsops buf via", { A(0), SLOT_NSOPS }, DATA_SOPS, -1, 0,
      SYS_semop, "do_semtimedop", F_INT },
    [OP_SEMTIMEDOP] = { "semtimedop", OP_SEMTIMEDOP, IPC | BLOCKS | BUF, "EO", "nsops timeout buf via",
      { A(0), SLOT_NSOPS, SLOT_TIMEOUT }, DATA_SOPS, -1, 0, SYS_semtimedop, "do_semtimedop", F_INT },
    [OP_SEMCTL] = { "semctl", OP_SEMCTL, IPC | BUF, "EEE?L", "uid gid mode buf via", { A(0), A(1), A(2), SLOT_VALUE, SLOT_SET },
      DATA_SEMVALS, CTL_SEM, 2, -1, NULL, F_INT },
    [OP_SHMGET] = { "shmget", OP_SHMGET, IPC, "EEE", "via", { A(0), A(1), A(2) }, DATA_NONE, -1, 0, -1, NULL, F_ID_SHM },
    [OP_SHMAT] = { "shmat", OP_SHMAT, IPC, "EEE", "via", { A(0), A(1), A(2) }, DATA_NONE, -1, 0, -1, NULL, F_ADDR },
    [OP_SHMDT] = { "shmdt", OP_SHMDT, IPC, "E", "via", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SHMCTL] = { "shmctl", OP_SHMCTL, IPC | BUF, "EE", "uid gid mode buf via", { A(0), A(1), SLOT_SET }, DATA_NONE, CTL_SHM, 1,
      -1, NULL, F_INT },
    [OP_FTOK] = { "ftok", OP_FTOK, IPC, "PE", "", { A(0) }, DATA_PATH, -1, 0, -1, NULL, F_KEY },
    [OP_WRITE] = { "write", OP_WRITE, 0, "ED", "", { A(0) }, DATA_BYTES, -1, 0, -1, NULL, F_INT },
    [OP_READ] = { "read", OP_READ, 0, "EE", "", { A(0), A(1) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_FORK] = { "fork", OP_FORK, 0, "n", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_PID },
    [OP_EXEC] = { "exec", OP_EXEC, 0, "", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_EXIT] = { "exit", OP_EXIT, 0, "E", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_KILL] = { "kill", OP_KILL, 0, "pS", "", { SLOT_TARGET_PID, A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_WAIT] = { "wait", OP_WAIT, BLOCKS, "p", "", { SLOT_TARGET_PID }, DATA_NONE, -1, 0, SYS_wait4, "do_wait", F_PID },
    [OP_SETUID] = { "setuid", OP_SETUID, OPF_CRED, "E", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SETGID] = { "setgid", OP_SETGID, OPF_CRED, "E", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SETEUID] = { "seteuid", OP_SETEUID, OPF_CRED, "E", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SETEGID] = { "setegid", OP_SETEGID, OPF_CRED, "E", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SETGROUPS] = { "setgroups", OP_SETGROUPS, OPF_CRED, "L", "", { 0 }, DATA_GIDS, -1, 0, -1, NULL, F_INT },
    [OP_CAPDROP] = { "capdrop", OP_CAPDROP, OPF_CRED, "W", "", { SLOT_CAPS }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_SYSCTL] = { "sysctl", OP_SYSCTL, IPC, "W?R", "", { SLOT_WRITES }, DATA_SYSCTL, -1, 0, -1, NULL, F_INT },
    [OP_SYSVIPC] = { "sysvipc", OP_SYSVIPC, IPC, "WE", "", { A(0) }, DATA_WORD, -1, 0, -1, NULL, F_INT },
    [OP_TOOL] = { "tool", OP_TOOL, 0, "A", "", { SLOT_DEADLINE }, DATA_ARGV, -1, 0, -1, NULL, F_INT },
    [OP_UNSHARE] = { "unshare", OP_UNSHARE, 0, "W", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_RESUMES] = { "resumes", OP_RESUMES, 0, "", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_BLOCKED] = { "blocked", OP_BLOCKED, 0, "", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_TICK] = { "tick", OP_TICK, 0, "", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_TIME },
    [OP_SIGNAL] = { "signal", OP_SIGNAL, OPF_DIRECTIVE, "pS", "", { A(0) }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_REAP] = { "wait", OP_REAP, OPF_DIRECTIVE, "p", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
    [OP_FILE] = { "file", OP_FILE, OPF_DIRECTIVE, "V", "", { 0 }, DATA_NONE, -1, 0, -1, NULL, F_INT },
};

_Static_assert(sizeof(table) / sizeof(table[0]) == OP_COUNT, "a row for every operation, at its index");

const struct op_desc *op_desc(enum op op)
{
    return &table[op];
}

const struct op_desc *op_find(const char *name, int directive)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!!(table[i].flags & OPF_DIRECTIVE) == !!directive && strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

int op_slot(const struct op_desc *d, enum slot slot)
{
    for (int i = 0; i < STEP_ARGS; i++)
        if (d->slot[i] == slot)
            return i;
    return 0;
}

const struct ctl_cmd *op_ctl_cmd(const struct op_desc *d, const int64_t *args)
{
    return d->ctl < 0 ? NULL : ctl_cmd_find((enum ctl_call)d->ctl, (int)args[d->cmd_slot]);
}
