/* names.c: constant tables for names.h.
 * Must not: hold mutable state or depend on a backend. */
#define _GNU_SOURCE
#include "names.h"
#include "linux_ipc.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

struct named { const char *name; long value; };

static const struct named constants[] = {
    { "IPC_PRIVATE", IPC_PRIVATE }, { "IPC_CREAT", IPC_CREAT },
    { "IPC_EXCL", IPC_EXCL },       { "IPC_NOWAIT", IPC_NOWAIT },
    { "IPC_RMID", IPC_RMID },       { "IPC_SET", IPC_SET },
    { "IPC_STAT", IPC_STAT },       { "IPC_INFO", IPC_INFO },
    { "MSG_NOERROR", MSG_NOERROR }, { "MSG_EXCEPT", MSG_EXCEPT },
    { "MSG_COPY", MSG_COPY },       { "MSG_STAT", MSG_STAT },
    { "MSG_INFO", MSG_INFO },       { "MSG_STAT_ANY", MSG_STAT_ANY },
    { "SEM_UNDO", SEM_UNDO },       { "GETPID", GETPID },
    { "GETVAL", GETVAL },           { "GETALL", GETALL },
    { "GETNCNT", GETNCNT },         { "GETZCNT", GETZCNT },
    { "SETVAL", SETVAL },           { "SETALL", SETALL },
    { "SEM_STAT", SEM_STAT },       { "SEM_INFO", SEM_INFO },
    { "SEM_STAT_ANY", SEM_STAT_ANY },
    { "SHM_RDONLY", SHM_RDONLY },   { "SHM_RND", SHM_RND },
    { "SHM_REMAP", SHM_REMAP },     { "SHM_EXEC", SHM_EXEC },
    { "SHM_LOCK", SHM_LOCK },       { "SHM_UNLOCK", SHM_UNLOCK },
    { "SHM_STAT", SHM_STAT },       { "SHM_INFO", SHM_INFO },
    { "SHM_STAT_ANY", SHM_STAT_ANY },
    { "SHM_HUGETLB", SHM_HUGETLB }, { "SHM_NORESERVE", SHM_NORESERVE },
    { "SHM_DEST", 01000 },          { "SHM_LOCKED", 02000 },     /* shm_perm.mode status bits */
    /* a huge page size: log2 of it << SHM_HUGE_SHIFT, as <linux/shm.h> names them */
    { "SHM_HUGE_64KB", 16L << 26 }, { "SHM_HUGE_512KB", 19L << 26 }, { "SHM_HUGE_1MB", 20L << 26 },
    { "SHM_HUGE_2MB", 21L << 26 },  { "SHM_HUGE_8MB", 23L << 26 },   { "SHM_HUGE_16MB", 24L << 26 },
    { "SHM_HUGE_32MB", 25L << 26 }, { "SHM_HUGE_256MB", 28L << 26 }, { "SHM_HUGE_512MB", 29L << 26 },
    { "SHM_HUGE_1GB", 30L << 26 },  { "SHM_HUGE_2GB", 31L << 26 },   { "SHM_HUGE_16GB", 34L << 26 },
    { "SHMLBA", 4096 },             { "PAGE_SIZE", 4096 },
    /* Linux's documented defaults, named so scenarios read like the man pages */
    { "MSGMAX", 8192 }, { "MSGMNB", 16384 }, { "MSGMNI", 32000 },
    { "SEMMSL", 32000 }, { "SEMOPM", 500 }, { "SEMVMX", 32767 },
    { "SEMAEM", 32767 }, { "SEMMNI", 32000 },
    { "IPCMNI", 32768 },
};

static const struct named errnos[] = {
    { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH },
    { "EINTR", EINTR }, { "EIO", EIO }, { "E2BIG", E2BIG },
    { "EBADF", EBADF }, { "ECHILD", ECHILD }, { "EAGAIN", EAGAIN },
    { "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT },
    { "EBUSY", EBUSY }, { "EEXIST", EEXIST }, { "EINVAL", EINVAL },
    { "ENFILE", ENFILE }, { "EMFILE", EMFILE }, { "ENOSPC", ENOSPC },
    { "ERANGE", ERANGE }, { "EFBIG", EFBIG }, { "EIDRM", EIDRM },
    { "ENOMSG", ENOMSG }, { "ENOSYS", ENOSYS }, { "EOVERFLOW", EOVERFLOW },
    { "ENOTDIR", ENOTDIR }, { "ENAMETOOLONG", ENAMETOOLONG },
    { "ELIBACC", ELIBACC },
};

static const struct named signals[] = {
    { "SIGHUP", SIGHUP }, { "SIGINT", SIGINT }, { "SIGQUIT", SIGQUIT },
    { "SIGILL", SIGILL }, { "SIGABRT", SIGABRT }, { "SIGBUS", SIGBUS },
    { "SIGFPE", SIGFPE }, { "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 },
    { "SIGSEGV", SIGSEGV }, { "SIGUSR2", SIGUSR2 }, { "SIGPIPE", SIGPIPE },
    { "SIGALRM", SIGALRM }, { "SIGTERM", SIGTERM }, { "SIGCHLD", SIGCHLD },
    { "SIGCONT", SIGCONT }, { "SIGSTOP", SIGSTOP },
};

static const struct named capabilities[] = {
    { "CAP_CHOWN", 0 }, { "CAP_DAC_OVERRIDE", 1 }, { "CAP_FOWNER", 3 },
    { "CAP_KILL", 5 }, { "CAP_SETGID", 6 }, { "CAP_SETUID", 7 },
    { "CAP_IPC_LOCK", 14 }, { "CAP_IPC_OWNER", 15 },
    { "CAP_SYS_PTRACE", 19 }, { "CAP_SYS_ADMIN", 21 },
    { "CAP_SYS_RESOURCE", 24 },
};

static const char *const ipc_sysctls[] = {
    "msgmax", "msgmnb", "msgmni", "msg_next_id", "sem", "sem_next_id",
    "shmmax", "shmall", "shmmni", "shm_next_id", "shm_rmid_forced",
    "auto_msgmni",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct named *find(const struct named *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static const char *find_name(const struct named *table, size_t n, long value)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].value == value)
            return table[i].name;
    return NULL;
}

int name_constant(const char *name, long *value)
{
    const struct named *c = find(constants, COUNT(constants), name);
    if (!c)
        return -1;
    *value = c->value;
    return 0;
}

int name_errno(const char *name)
{
    const struct named *e = find(errnos, COUNT(errnos), name);
    return e ? (int)e->value : 0;
}

const char *errno_name(int err)
{
    const char *n = find_name(errnos, COUNT(errnos), err);
    return n ? n : "E?";
}

int name_signal(const char *name)
{
    const struct named *s = find(signals, COUNT(signals), name);
    if (!s && strncmp(name, "SIG", 3) != 0) {
        char full[32] = "SIG";
        strncat(full, name, sizeof(full) - 4);
        s = find(signals, COUNT(signals), full);
    }
    return s ? (int)s->value : 0;
}

const char *signal_name(int sig)
{
    const char *n = find_name(signals, COUNT(signals), sig);
    return n ? n : "SIG?";
}

int name_capability(const char *name)
{
    const struct named *c = find(capabilities, COUNT(capabilities), name);
    return c ? (int)c->value : -1;
}

int name_is_ipc_sysctl(const char *name)
{
    for (size_t i = 0; i < COUNT(ipc_sysctls); i++)
        if (strcmp(ipc_sysctls[i], name) == 0)
            return 1;
    return 0;
}

int list_has(const char *list, char sep, const char *word)
{
    size_t n = strlen(word);
    if (n == 0)
        return 0;                   /* no item is empty (strstr would find "" everywhere) */
    for (const char *c = list; (c = strstr(c, word)); c += n)
        if ((c == list || c[-1] == sep) && (c[n] == sep || c[n] == '\0'))
            return 1;
    return 0;
}
