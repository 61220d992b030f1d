/* test_model.c: the model against the kernel, by a differential property
 * test.  Seeded random sequences of msgget, msgsnd, msgrcv, msgctl, semget,
 * semop, semtimedop, semctl (every command), SEM_UNDO applied by a child's
 * exit, sysctl writes and credential changes run
 * in a fresh IPC namespace on the kernel (raw system calls) and on the
 * model, side by side; every outcome is compared: return value, errno,
 * message, every field of every structure (times as zero / not zero).
 * A divergence prints the seed, the step and both outcomes, after shrinking
 * the sequence to the shortest one that still diverges.
 * Calls that would block are not made here (IPC_NOWAIT): blocking and
 * wake-ups are compared by the scenarios of the multi-process runtime. */
#define _GNU_SOURCE
#include "model.h"
#include "linux_ipc.h"
#include "host_facts.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SLOT (4UL << 20)                /* explicit shmat addresses: a slot each, room for a huge page */
#define SLOTS 256

#define SEQUENCES     1500
#define OPS_PER_SEQ   120
#define MAX_TEXT      20000

enum kind { K_MSGGET, K_MSGSND, K_MSGRCV, K_MSGCTL, K_SEMGET, K_SEMOP, K_SEMCTL, K_UNDO_CHILD,
            K_SHMGET, K_SHMAT, K_SHMDT, K_SHMCTL, K_SHM_CHILD, K_SYSCTL, K_CRED, K_COUNT };

#define MAX_SOPS 4

struct op {
    enum kind kind;
    long a[6];
    int nsops;                          /* K_SEMOP, K_UNDO_CHILD */
    struct sembuf sops[MAX_SOPS];
    unsigned short vals[5];             /* SETALL */
    int id_pick;        /* >= 0: a[0] is the id_pick-th id returned so far (modulo); -1: literal */
    int addr_pick;      /* shmdt: >= 0: the addr_pick-th address shmat returned (modulo) */
};

/* Credentials the sequences switch between (effective ids; root keeps its
 * saved uid, so it can come back). */
struct cred { uid_t euid; gid_t egid; int ngroups; gid_t groups[2]; };
static const struct cred creds[] = {
    { 0, 0, 0, { 0 } },
    { 1000, 1000, 0, { 0 } },
    { 2000, 1000, 0, { 0 } },          /* the group of queues chowned to gid 1000 */
    { 3000, 3000, 1, { 1000 } },       /* group 1000 as a supplementary group */
    { 4000, 4000, 0, { 0 } },          /* nobody in particular */
};
#define NCREDS ((int)(sizeof(creds) / sizeof(creds[0])))

static const char *const sysctl_names[] = { "msgmax", "msgmnb", "msgmni", "msg_next_id", "sem", "sem_next_id",
                                            "shmmax", "shmall", "shmmni", "shm_rmid_forced", "shm_next_id" };
static const char *const sem_settings[] = { "250 32000 32 128", "5 100 4 3", "32000 1024000000 500 32000",
                                            "3 7 2 2" };

/* ---------- generation ---------- */

static unsigned long long rng;

static unsigned pick(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

static long one_of(const long *v, unsigned n)
{
    return v[pick(n)];
}

#define ONE_OF(...) one_of((const long[]){ __VA_ARGS__ }, sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long))

/* An id: usually one a msgget returned (chosen when the step runs), else a
 * removed, stale or junk one. */
static void some_id(struct op *o)
{
    o->id_pick = -1;
    if (pick(10) < 8)
        o->id_pick = (int)pick(64);
    else
        o->a[0] = ONE_OF(-1, 0, 1, 2, 32768, 32769, 65536, 0x7fffffff);
}

static void generate(unsigned long long seed, struct op *ops, int n)
{
    rng = seed * 2654435761ULL + 12345;
    for (int i = 0; i < n; i++) {
        struct op *o = &ops[i];
        memset(o, 0, sizeof(*o));
        o->id_pick = -1;
        /* a third of the sequences each: queues, semaphores, shared memory */
        unsigned r = pick(100);
        o->addr_pick = -1;
        if (seed % 3 == 2)
            o->kind = r < 15 ? K_SHMGET : r < 45 ? K_SHMAT : r < 58 ? K_SHMDT : r < 82 ? K_SHMCTL
                    : r < 87 ? K_SHM_CHILD : r < 93 ? K_SYSCTL : K_CRED;
        else if (seed % 3 == 1)
            o->kind = r < 15 ? K_MSGGET : r < 45 ? K_MSGSND : r < 70 ? K_MSGRCV : r < 88 ? K_MSGCTL
                    : r < 93 ? K_SYSCTL : K_CRED;
        else
            o->kind = r < 15 ? K_SEMGET : r < 50 ? K_SEMOP : r < 82 ? K_SEMCTL : r < 88 ? K_UNDO_CHILD
                    : r < 93 ? K_SYSCTL : K_CRED;
        switch (o->kind) {
        case K_MSGGET:
            o->a[0] = ONE_OF(IPC_PRIVATE, 1, 2, 3, 0x7fffffff);
            o->a[1] = ONE_OF(0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_EXCL) |
                      ONE_OF(0600, 0666, 0640, 0604, 0602, 0400, 0, 0777) | (pick(4) == 0 ? 0400 : 0);
            break;
        case K_MSGSND:
            some_id(o);
            o->a[1] = ONE_OF(1, 1, 2, 3, 5, 0, -1, 0x7fffffff);
            o->a[2] = ONE_OF(0, 1, 2, 7, 100, 1000, 8191, 8192, 8193, 16384, -1);
            o->a[3] = IPC_NOWAIT;
            break;
        case K_MSGRCV:
            some_id(o);
            o->a[1] = ONE_OF(0, 1, 2, 7, 100, 8192, 20000, -1);
            o->a[2] = ONE_OF(0, 1, 2, 3, 5, -1, -2, -3, -6, 7, 0x7fffffff);
            o->a[3] = IPC_NOWAIT | ONE_OF(0, 0, MSG_NOERROR, MSG_EXCEPT, MSG_COPY, MSG_COPY | MSG_NOERROR,
                                          MSG_COPY | MSG_EXCEPT, MSG_EXCEPT | MSG_NOERROR);
            if (pick(20) == 0)
                o->a[3] = MSG_COPY;            /* without IPC_NOWAIT: EINVAL, never blocks */
            if ((o->a[3] & MSG_COPY) && pick(2))
                o->a[2] = ONE_OF(0, 1, 2, 3, 4, -1);
            break;
        case K_MSGCTL:
            o->a[1] = ONE_OF(IPC_STAT, IPC_STAT, IPC_SET, IPC_SET, IPC_RMID, IPC_INFO, MSG_INFO, MSG_STAT,
                             MSG_STAT_ANY, 99, -1);
            if (o->a[1] == MSG_STAT || o->a[1] == MSG_STAT_ANY)
                o->a[0] = ONE_OF(0, 1, 2, 3, 32768, -1);        /* an index */
            else
                some_id(o);
            o->a[2] = ONE_OF(0, 1000, 2000, -1);                       /* uid */
            o->a[3] = ONE_OF(0, 1000, 3000);                           /* gid */
            o->a[4] = ONE_OF(0600, 0660, 0644, 0606, 0, 0777, 01600);  /* mode */
            o->a[5] = ONE_OF(0, 1, 3, 100, 8192, 16384, 16385, 20000); /* qbytes */
            break;
        case K_SEMGET:
            o->a[0] = ONE_OF(IPC_PRIVATE, 11, 12, 0x7fffffff);
            o->a[1] = ONE_OF(1, 1, 2, 3, 5, 0, -1, 32001);
            o->a[2] = ONE_OF(0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_EXCL) |
                      ONE_OF(0600, 0666, 0640, 0604, 0602, 0400, 0, 0777);
            break;
        case K_UNDO_CHILD:
        case K_SEMOP:
            some_id(o);
            o->nsops = 1 + (int)pick(o->kind == K_UNDO_CHILD ? 2 : MAX_SOPS);
            for (int k = 0; k < o->nsops; k++) {
                o->sops[k].sem_num = (unsigned short)ONE_OF(0, 0, 1, 1, 2, 4, 65535);
                o->sops[k].sem_op = (short)ONE_OF(-2, -1, -1, 0, 1, 1, 2, 32767, -32767);
                /* every sop IPC_NOWAIT: whichever one blocks, nothing sleeps */
                o->sops[k].sem_flg = (short)(IPC_NOWAIT | (o->kind == K_UNDO_CHILD || pick(3) == 0 ? SEM_UNDO : 0));
            }
            o->a[1] = pick(12) == 0 ? ONE_OF(0, 501) : o->nsops;     /* nsops passed */
            if (o->kind == K_UNDO_CHILD) {
                o->a[1] = o->nsops;
                o->a[5] = pick(5);             /* between semop and exit: nothing, SETVAL, SETALL, -, + */
                o->a[3] = ONE_OF(0, 1, 3);
                for (int k = 0; k < 5; k++)
                    o->vals[k] = (unsigned short)pick(4);
            }
            o->a[2] = pick(4) == 0;                                   /* semtimedop */
            o->a[3] = ONE_OF(0, 0, 1, -1);                            /* timeout */
            o->a[4] = ONE_OF(0, 5, 999999999, 1000000000, -1);
            break;
        case K_SEMCTL:
            o->a[2] = ONE_OF(GETVAL, SETVAL, SETVAL, GETALL, SETALL, GETPID, GETNCNT, GETZCNT, IPC_STAT,
                             IPC_SET, IPC_RMID, IPC_INFO, SEM_INFO, SEM_STAT, SEM_STAT_ANY, 99);
            if (o->a[2] == SEM_STAT || o->a[2] == SEM_STAT_ANY)
                o->a[0] = ONE_OF(0, 1, 2, 32768, -1);
            else
                some_id(o);
            o->a[1] = ONE_OF(0, 0, 1, 2, 4, -1);                       /* semnum */
            o->a[3] = ONE_OF(0, 1, 2, 5, 32767, 32768, -1);            /* SETVAL */
            for (int k = 0; k < 5; k++)
                o->vals[k] = (unsigned short)(pick(16) == 0 ? 32768 : pick(4));
            o->a[4] = ONE_OF(0, 1000, -1);                             /* IPC_SET uid */
            o->a[5] = ONE_OF(0600, 0660, 0644, 0606, 0, 0777);         /* IPC_SET mode */
            break;
        case K_SHMGET:
            o->a[0] = ONE_OF(IPC_PRIVATE, 21, 22, 0x7fffffff);
            o->a[1] = ONE_OF(1, 4096, 4096, 4097, 8192, 0, 100000, -1);
            o->a[2] = ONE_OF(0, IPC_CREAT, IPC_CREAT | IPC_EXCL, IPC_EXCL) |
                      ONE_OF(0600, 0666, 0640, 0604, 0602, 0400, 0, 0777) | (pick(6) == 0 ? SHM_NORESERVE : 0) |
                      (pick(8) == 0 ? ONE_OF(SHM_HUGETLB, SHM_HUGETLB | (21 << 26), SHM_HUGETLB | (30 << 26),
                                            SHM_HUGETLB | (23 << 26)) : 0);
            break;
        case K_SHMAT:
            some_id(o);
            o->a[1] = ONE_OF(0, 0, 1, 1, 2, 3, 4);   /* 0 NULL, 1 a fresh slot, 2 fresh+0x10, 3 an earlier slot, 4 fresh+0x10 SHM_RND */
            o->a[2] = ONE_OF(0, 0, SHM_RDONLY, SHM_EXEC, SHM_RDONLY | SHM_EXEC) |
                      (pick(8) == 0 && o->a[1] != 3 ? SHM_REMAP : 0) | (o->a[1] == 4 ? SHM_RND : 0);
            o->a[3] = pick(SLOTS / 2);                /* the earlier slot */
            break;
        case K_SHMDT:
            if (pick(6)) {
                o->addr_pick = (int)pick(64);
                o->a[1] = ONE_OF(0, 0, 0, 1, 4096);
            } else {
                o->a[0] = ONE_OF(0, 4096, 1);
            }
            break;
        case K_SHMCTL:
            o->a[1] = ONE_OF(IPC_STAT, IPC_STAT, IPC_SET, IPC_RMID, IPC_RMID, IPC_INFO, SHM_INFO, SHM_STAT,
                             SHM_STAT_ANY, SHM_LOCK, SHM_UNLOCK, 99, -1);
            if (o->a[1] == SHM_STAT || o->a[1] == SHM_STAT_ANY)
                o->a[0] = ONE_OF(0, 1, 2, 3, 32768, -1);
            else
                some_id(o);
            o->a[2] = ONE_OF(0, 1000, 2000, -1);
            o->a[3] = ONE_OF(0, 1000, 3000);
            o->a[4] = ONE_OF(0600, 0660, 0644, 0606, 0, 0777);
            break;
        case K_SHM_CHILD:
            some_id(o);                        /* the segment whose state is compared after */
            break;
        case K_SYSCTL:
            if (seed % 3 == 2) {
                o->a[0] = 6 + pick(5);
                o->a[1] = o->a[0] == 6 ? ONE_OF(4096, 8192, 100000, -1)
                        : o->a[0] == 7 ? ONE_OF(1, 2, 3, 100000)
                        : o->a[0] == 8 ? ONE_OF(1, 2, 4096, 40000)
                        : o->a[0] == 9 ? ONE_OF(0, 1, 2)
                                       : ONE_OF(-1, 5, 32770, 98309);
                break;
            }
            o->a[0] = seed % 3 == 1 ? pick(4) : 4 + pick(2);
            o->a[1] = o->a[0] == 0 ? ONE_OF(100, 8192, 16384, -1)
                    : o->a[0] == 1 ? ONE_OF(100, 16384, 20000, -1)
                    : o->a[0] == 2 ? ONE_OF(2, 3, 32000, 40000)
                    : o->a[0] == 4 ? (long)pick(4)
                                   : ONE_OF(-1, 5, 32770, 98309, 63);
            break;
        case K_CRED:
            o->a[0] = pick(NCREDS);
            break;
        case K_COUNT:
            break;
        }
    }
}

static void describe(const struct op *o, char *buf, size_t size)
{
    switch (o->kind) {
    case K_MSGGET: snprintf(buf, size, "msgget key=%ld flags=0%lo", o->a[0], o->a[1]); break;
    case K_MSGSND: snprintf(buf, size, "msgsnd id=%ld type=%ld size=%ld flags=0%lo", o->a[0], o->a[1], o->a[2], o->a[3]); break;
    case K_MSGRCV: snprintf(buf, size, "msgrcv id=%ld size=%ld type=%ld flags=0%lo", o->a[0], o->a[1], o->a[2], o->a[3]); break;
    case K_MSGCTL: snprintf(buf, size, "msgctl id=%ld cmd=%ld uid=%ld gid=%ld mode=0%lo qbytes=%ld", o->a[0], o->a[1], o->a[2], o->a[3], o->a[4], o->a[5]); break;
    case K_SEMGET: snprintf(buf, size, "semget key=%ld nsems=%ld flags=0%lo", o->a[0], o->a[1], o->a[2]); break;
    case K_SEMOP:
    case K_UNDO_CHILD: {
        static const char *const between[] = { "exit", "SETVAL 0 then exit", "SETALL then exit",
                                                "a decrement of 0 then exit", "+32767 on 0 then exit" };
        int n = snprintf(buf, size, "%s%s id=%ld nsops=%ld%s", o->kind == K_SEMOP ? "semop" : "child semop, ",
                         o->kind == K_SEMOP ? "" : between[o->a[5]], o->a[0], o->a[1],
                         o->kind == K_SEMOP && o->a[2] ? " (semtimedop)" : "");
        for (int k = 0; k < o->nsops && n > 0 && (size_t)n < size; k++)
            n += snprintf(buf + n, size - (size_t)n, " %u:%d:0%o", o->sops[k].sem_num, o->sops[k].sem_op,
                          (unsigned short)o->sops[k].sem_flg);
        if (o->kind == K_SEMOP && o->a[2] && n > 0 && (size_t)n < size)
            snprintf(buf + n, size - (size_t)n, " timeout=%ld:%ld", o->a[3], o->a[4]);
        break;
    }
    case K_SEMCTL: snprintf(buf, size, "semctl id=%ld num=%ld cmd=%ld val=%ld vals=%u,%u,%u uid=%ld mode=0%lo",
                            o->a[0], o->a[1], o->a[2], o->a[3], o->vals[0], o->vals[1], o->vals[2], o->a[4], o->a[5]); break;
    case K_SHMGET: snprintf(buf, size, "shmget key=%ld size=%ld flags=0%lo", o->a[0], o->a[1], o->a[2]); break;
    case K_SHMAT: {
        static const char *const where[] = { "NULL", "a fresh slot", "a fresh slot+0x10", "an earlier slot",
                                             "a fresh slot+0x10" };
        snprintf(buf, size, "shmat id=%ld at %s (slot %ld) flags=0%lo", o->a[0], where[o->a[1]], o->a[3], o->a[2]);
        break;
    }
    case K_SHMDT: snprintf(buf, size, "shmdt %s%+ld", o->addr_pick >= 0 ? "an attach address" : "address",
                           o->addr_pick >= 0 ? o->a[1] : o->a[0]); break;
    case K_SHMCTL: snprintf(buf, size, "shmctl id=%ld cmd=%ld uid=%ld gid=%ld mode=0%lo", o->a[0], o->a[1], o->a[2],
                            o->a[3], o->a[4]); break;
    case K_SHM_CHILD: snprintf(buf, size, "fork a child; IPC_STAT of id=%ld while it lives and after it exits", o->a[0]); break;
    case K_SYSCTL:
        if (o->a[0] == 4)
            snprintf(buf, size, "sysctl sem=%s", sem_settings[o->a[1]]);
        else
            snprintf(buf, size, "sysctl %s=%ld", sysctl_names[o->a[0]], o->a[1]);
        break;
    case K_CRED: snprintf(buf, size, "credentials euid=%d egid=%d", creds[o->a[0]].euid, creds[o->a[0]].egid); break;
    default: snprintf(buf, size, "?"); break;
    }
}

/* ---------- execution ---------- */

/* What one call did: its return value, errno, and bytes out. */
struct outcome {
    long ret;
    int err;
    pid_t child;                        /* K_UNDO_CHILD: the child that did the semop */
    size_t len;
    unsigned char out[8 + MAX_TEXT];
};

/* Coverage: per call and command, how many outcomes of each errno (0: success). */
struct coverage {
    long count[K_COUNT][16][64];
};
static const char *const msg_cmds[] = { "", "IPC_STAT", "IPC_SET", "IPC_RMID", "IPC_INFO", "MSG_INFO",
                                         "MSG_STAT", "MSG_STAT_ANY", "invalid" };
static const char *const sem_cmds[] = { "", "IPC_STAT", "IPC_SET", "IPC_RMID", "IPC_INFO", "SEM_INFO",
                                         "SEM_STAT", "SEM_STAT_ANY", "invalid", "GETVAL", "SETVAL",
                                         "GETALL", "SETALL", "GETPID", "GETNCNT", "GETZCNT" };

static const char *const shm_cmds[] = { "", "IPC_STAT", "IPC_SET", "IPC_RMID", "IPC_INFO", "SHM_INFO",
                                         "SHM_STAT", "SHM_STAT_ANY", "invalid", "SHM_LOCK", "SHM_UNLOCK" };

static int cmd_slot(const struct op *o)
{
    if (o->kind == K_SHMCTL)
        switch (o->a[1]) {
        case IPC_STAT: return 1; case IPC_SET: return 2; case IPC_RMID: return 3; case IPC_INFO: return 4;
        case SHM_INFO: return 5; case SHM_STAT: return 6; case SHM_STAT_ANY: return 7;
        case SHM_LOCK: return 9; case SHM_UNLOCK: return 10; default: return 8;
        }
    if (o->kind == K_SEMOP)
        return o->a[2] ? 1 : 0;        /* semtimedop / semop */
    if (o->kind != K_MSGCTL && o->kind != K_SEMCTL)
        return 0;
    /* one switch per call: command numbers collide across calls */
    if (o->kind == K_MSGCTL)
        switch (o->a[1]) {
        case IPC_STAT: return 1; case IPC_SET: return 2; case IPC_RMID: return 3; case IPC_INFO: return 4;
        case MSG_INFO: return 5; case MSG_STAT: return 6; case MSG_STAT_ANY: return 7; default: return 8;
        }
    switch (o->a[2]) {
    case IPC_STAT: return 1; case IPC_SET: return 2; case IPC_RMID: return 3; case IPC_INFO: return 4;
    case SEM_INFO: return 5; case SEM_STAT: return 6; case SEM_STAT_ANY: return 7;
    case GETVAL: return 9; case SETVAL: return 10; case GETALL: return 11; case SETALL: return 12;
    case GETPID: return 13; case GETNCNT: return 14; case GETZCNT: return 15;
    default: return 8;
    }
}

static unsigned caps_now(void)
{
    struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) < 0)
        return 0;
    unsigned caps = 0;
    if (data[0].effective & (1u << CAP_IPC_OWNER)) caps |= MODEL_CAP_IPC_OWNER;
    if (data[0].effective & (1u << CAP_SYS_ADMIN)) caps |= MODEL_CAP_SYS_ADMIN;
    if (data[0].effective & (1u << CAP_SYS_RESOURCE)) caps |= MODEL_CAP_SYS_RESOURCE;
    if (data[0].effective & (1u << CAP_IPC_LOCK)) caps |= MODEL_CAP_IPC_LOCK;
    return caps;
}

static void become(const struct cred *cr, struct model_caller *c)
{
    syscall(SYS_setresuid, -1, 0, -1);             /* back to root first */
    syscall(SYS_setresgid, -1, cr->egid, -1);
    syscall(SYS_setgroups, cr->ngroups, cr->groups);
    syscall(SYS_setresuid, -1, cr->euid, -1);
    c->euid = cr->euid;
    c->egid = cr->egid;
    c->ngroups = cr->ngroups;
    memcpy(c->groups, cr->groups, sizeof(cr->groups));
    c->caps = caps_now();                          /* an effective uid other than 0 has none */
}

/* The input buffer of a msgctl, semctl or shmctl step (the IPC_SET
 * structure, SETALL's values), and semctl's union argument in *ARG; the
 * same for kernel and model. */
static void ctl_input(const struct op *o, unsigned char *buf, unsigned long *arg)
{
    memset(buf, 0, 2 * sizeof(struct shmid_ds) + 512);
    *arg = (unsigned long)(uintptr_t)buf;
    if (o->kind == K_MSGCTL) {
        struct msqid_ds *ds = (struct msqid_ds *)buf;
        ds->msg_perm.uid = (uid_t)o->a[2];
        ds->msg_perm.gid = (gid_t)o->a[3];
        ds->msg_perm.mode = (unsigned short)o->a[4];
        ds->msg_qbytes = (msglen_t)o->a[5];
    } else if (o->kind == K_SHMCTL) {
        struct shmid_ds *ds = (struct shmid_ds *)buf;
        ds->shm_perm.uid = (uid_t)o->a[2];
        ds->shm_perm.gid = (gid_t)o->a[3];
        ds->shm_perm.mode = (unsigned short)o->a[4];
    } else if (o->a[2] == SETVAL) {
        *arg = (unsigned long)o->a[3];
    } else if (o->a[2] == SETALL) {
        memcpy(buf, o->vals, sizeof(o->vals));
    } else if (o->a[2] == IPC_SET) {
        struct semid_ds *ds = (struct semid_ds *)buf;
        ds->sem_perm.uid = (uid_t)o->a[4];
        ds->sem_perm.mode = (unsigned short)o->a[5];
    }
}

/* How many bytes a successful ctl step leaves to compare. */
static size_t ctl_output_len(const struct op *o, long ret)
{
    if (ret < 0)
        return 0;
    if (o->kind == K_MSGCTL)
        return o->a[1] != IPC_SET && o->a[1] != IPC_RMID ? sizeof(struct msqid_ds) : 0;
    long cmd = o->a[o->kind == K_SHMCTL ? 1 : 2];
    int fills = cmd == IPC_STAT || cmd == IPC_INFO ||
                (o->kind == K_SHMCTL ? cmd == SHM_STAT || cmd == SHM_STAT_ANY || cmd == SHM_INFO
                                     : cmd == GETALL || cmd == SEM_STAT || cmd == SEM_STAT_ANY || cmd == SEM_INFO);
    return fills ? 256 : 0;
}

static void kernel_op(const struct op *o, struct outcome *k, unsigned char *msgbuf)
{
    unsigned long arg;
    errno = 0;
    k->len = 0;
    switch (o->kind) {
    case K_MSGGET:
        k->ret = syscall(SYS_msgget, (key_t)o->a[0], (int)o->a[1]);
        break;
    case K_MSGSND:
        k->ret = syscall(SYS_msgsnd, (int)o->a[0], msgbuf, (size_t)o->a[2], (int)o->a[3]);
        break;
    case K_MSGRCV:
        memset(k->out, 0, sizeof(k->out));
        k->ret = syscall(SYS_msgrcv, (int)o->a[0], k->out, (size_t)o->a[1], o->a[2], (int)o->a[3]);
        k->len = k->ret >= 0 ? sizeof(long) + (size_t)k->ret : 0;
        break;
    case K_MSGCTL:
        ctl_input(o, k->out, &arg);
        k->ret = syscall(SYS_msgctl, (int)o->a[0], (int)o->a[1], k->out);
        k->len = ctl_output_len(o, k->ret);
        break;
    case K_SEMGET:
        k->ret = syscall(SYS_semget, (key_t)o->a[0], (int)o->a[1], (int)o->a[2]);
        break;
    case K_SEMOP: {
        struct sembuf sops[512];
        memset(sops, 0, sizeof(sops));
        memcpy(sops, o->sops, sizeof(struct sembuf) * (size_t)o->nsops);
        struct timespec ts = { o->a[3], o->a[4] };
        k->ret = o->a[2] ? syscall(SYS_semtimedop, (int)o->a[0], sops, (size_t)o->a[1], &ts)
                         : syscall(SYS_semop, (int)o->a[0], sops, (size_t)o->a[1]);
        break;
    }
    case K_UNDO_CHILD: {
        /* a child does the semop; the parent may change the set; the child
         * ends, its adjustments are applied; the values are the outcome */
        int result_pipe[2], go_pipe[2];
        if (pipe(result_pipe) < 0 || pipe(go_pipe) < 0)
            break;
        pid_t child = fork();
        if (child == 0) {
            close(go_pipe[1]);          /* or the read below never sees the end */
            close(result_pipe[0]);
            long ret = syscall(SYS_semop, (int)o->a[0], o->sops, (size_t)o->nsops);
            long result[2] = { ret, ret == -1 ? errno : 0 };
            char go;
            if (write(result_pipe[1], result, sizeof(result)) < 0 || read(go_pipe[0], &go, 1) < 0)
                _exit(2);
            _exit(0);
        }
        long result[2] = { -1, EIO };
        close(result_pipe[1]);
        close(go_pipe[0]);
        if (read(result_pipe[0], result, sizeof(result)) != sizeof(result))
            result[1] = EIO;
        unsigned short vals[5];
        memcpy(vals, o->vals, sizeof(vals));
        struct sembuf move = { 0, (short)(o->a[5] == 3 ? -o->a[3] - 1 : 32767), IPC_NOWAIT };
        if (o->a[5] == 1)
            syscall(SYS_semctl, (int)o->a[0], 0, SETVAL, (unsigned long)o->a[3]);
        else if (o->a[5] == 2)
            syscall(SYS_semctl, (int)o->a[0], 0, SETALL, vals);
        else if (o->a[5] >= 3)                  /* moves the value, keeps the adjustments */
            syscall(SYS_semop, (int)o->a[0], &move, 1);
        close(go_pipe[1]);
        close(result_pipe[0]);
        waitpid(child, NULL, 0);
        k->ret = result[0];
        k->child = child;
        memset(k->out, 0, 5 * sizeof(unsigned short));
        syscall(SYS_semctl, (int)o->a[0], 0, GETALL, k->out);
        k->len = 5 * sizeof(unsigned short);
        errno = (int)result[1];
        break;
    }
    case K_SHMGET:
        k->ret = syscall(SYS_shmget, (key_t)o->a[0], (size_t)o->a[1], (int)o->a[2]);
        break;
    case K_SHMAT:
        k->ret = syscall(SYS_shmat, (int)o->a[0], (void *)(uintptr_t)o->a[5], (int)o->a[2]);
        break;
    case K_SHMDT:
        k->ret = syscall(SYS_shmdt, (void *)(uintptr_t)o->a[0]);
        break;
    case K_SHMCTL:
        ctl_input(o, k->out, &arg);
        k->ret = syscall(SYS_shmctl, (int)o->a[0], (int)o->a[1], k->out);
        k->len = ctl_output_len(o, k->ret);
        break;
    case K_SHM_CHILD: {
        /* the segment's state while the child lives (its attachments copied
         * by the parent), then after it exits */
        int go[2];
        if (pipe(go) < 0)
            break;
        pid_t child = fork();
        if (child == 0) {
            char c;
            close(go[1]);
            if (read(go[0], &c, 1) < 0)
                _exit(2);
            _exit(0);
        }
        close(go[0]);
        memset(k->out, 0, 2 * sizeof(struct shmid_ds));
        syscall(SYS_shmctl, (int)o->a[0], IPC_STAT, k->out);
        close(go[1]);
        waitpid(child, NULL, 0);
        k->child = child;
        k->ret = syscall(SYS_shmctl, (int)o->a[0], IPC_STAT, k->out + sizeof(struct shmid_ds));
        k->len = k->ret >= 0 ? 2 * sizeof(struct shmid_ds) : 0;
        break;
    }
    case K_SEMCTL:
        ctl_input(o, k->out, &arg);
        k->ret = syscall(SYS_semctl, (int)o->a[0], (int)o->a[1], (int)o->a[2], arg);
        k->len = ctl_output_len(o, k->ret);
        break;
    case K_SYSCTL: {
        char path[64], value[64];
        snprintf(path, sizeof(path), "/proc/sys/kernel/%s", sysctl_names[o->a[0]]);
        if (o->a[0] == 4)
            snprintf(value, sizeof(value), "%s", sem_settings[o->a[1]]);
        else
            snprintf(value, sizeof(value), "%ld", o->a[1]);
        FILE *f = fopen(path, "w");
        k->ret = f ? 0 : -1;
        if (f) {
            setvbuf(f, NULL, _IONBF, 0);
            if (fputs(value, f) < 0)
                k->ret = -1;
            fclose(f);
        }
        break;
    }
    default:
        k->ret = 0;
        break;
    }
    k->err = k->ret == -1 ? errno : 0;
}

/* One request to the model, through its single entry. */
static long model(struct model_ns *ns, const struct model_caller *c, enum model_op op, const long *args, int n,
                  const void *in, void *out, long now)
{
    struct model_request rq = { .op = op, .now = now, .caller = *c };
    for (int i = 0; i < n; i++)
        rq.arg[i] = args[i];
    return model_apply(ns, &rq, in, out);
}

#define ARGS(...) (const long[]){ __VA_ARGS__ }, (int)(sizeof((const long[]){ __VA_ARGS__ }) / sizeof(long))

static void model_op(struct model_ns *ns, const struct model_caller *c, const struct op *o,
                     struct outcome *m, const unsigned char *msgbuf, const struct outcome *kernel, long now)
{
    unsigned long arg;
    long r = 0;
    m->len = 0;
    switch (o->kind) {
    case K_MSGGET:
        r = model(ns, c, MODEL_MSGGET, ARGS((int32_t)o->a[0], o->a[1]), NULL, NULL, now);
        break;
    case K_MSGSND:
        r = model(ns, c, MODEL_MSGSND, ARGS(o->a[0], 0, o->a[2], o->a[3]), msgbuf, NULL, now);
        break;
    case K_MSGRCV:
        memset(m->out, 0, sizeof(m->out));
        r = model(ns, c, MODEL_MSGRCV, ARGS(o->a[0], 0, o->a[1], o->a[2], o->a[3]), NULL, m->out, now);
        m->len = r >= 0 ? sizeof(long) + (size_t)r : 0;
        break;
    case K_MSGCTL:
        ctl_input(o, m->out, &arg);
        r = model(ns, c, MODEL_MSGCTL, ARGS(o->a[0], o->a[1]), m->out, m->out, now);
        m->len = ctl_output_len(o, r);
        break;
    case K_SEMGET:
        r = model(ns, c, MODEL_SEMGET, ARGS((int32_t)o->a[0], o->a[1], o->a[2]), NULL, NULL, now);
        break;
    case K_SEMOP: {
        struct sembuf sops[512];
        memset(sops, 0, sizeof(sops));
        memcpy(sops, o->sops, sizeof(struct sembuf) * (size_t)o->nsops);
        r = model(ns, c, MODEL_SEMTIMEDOP, ARGS(o->a[0], 0, o->a[1], o->a[2], o->a[3], o->a[4]), sops, NULL, now);
        break;
    }
    case K_UNDO_CHILD: {
        struct model_caller child = *c;
        child.pid = kernel->child;
        r = model(ns, &child, MODEL_SEMTIMEDOP, ARGS(o->a[0], 0, o->nsops, 0, 0, 0), o->sops, NULL, now);
        unsigned short vals[5];
        memcpy(vals, o->vals, sizeof(vals));
        struct sembuf move = { 0, (short)(o->a[5] == 3 ? -o->a[3] - 1 : 32767), IPC_NOWAIT };
        if (o->a[5] == 1)
            model(ns, c, MODEL_SEMCTL, ARGS(o->a[0], 0, SETVAL, o->a[3]), NULL, NULL, now);
        else if (o->a[5] == 2)
            model(ns, c, MODEL_SEMCTL, ARGS(o->a[0], 0, SETALL, 0), vals, NULL, now);
        else if (o->a[5] >= 3)
            model(ns, c, MODEL_SEMTIMEDOP, ARGS(o->a[0], 0, 1, 0, 0, 0), &move, NULL, now);
        model(ns, c, MODEL_EXIT, ARGS(child.pid), NULL, NULL, now);
        memset(m->out, 0, 5 * sizeof(unsigned short));
        model(ns, c, MODEL_SEMCTL, ARGS(o->a[0], 0, GETALL, 0), NULL, m->out, now);
        m->len = 5 * sizeof(unsigned short);
        break;
    }
    case K_SHMGET:
        r = model(ns, c, MODEL_SHMGET, ARGS((int32_t)o->a[0], o->a[1], o->a[2]), NULL, NULL, now);
        break;
    case K_SHMAT:
        /* where the kernel put a NULL-address attachment is the runtime's choice */
        r = model(ns, c, MODEL_SHMAT, ARGS(o->a[0], o->a[5], o->a[2], kernel->ret != -1 ? kernel->ret : 0), NULL,
                  NULL, now);
        break;
    case K_SHMDT:
        r = model(ns, c, MODEL_SHMDT, ARGS(o->a[0]), NULL, NULL, now);
        break;
    case K_SHMCTL:
        ctl_input(o, m->out, &arg);
        r = model(ns, c, MODEL_SHMCTL, ARGS(o->a[0], o->a[1]), m->out, m->out, now);
        m->len = ctl_output_len(o, r);
        break;
    case K_SHM_CHILD:
        model(ns, c, MODEL_FORK, ARGS(c->pid, kernel->child), NULL, NULL, now);
        memset(m->out, 0, 2 * sizeof(struct shmid_ds));
        model(ns, c, MODEL_SHMCTL, ARGS(o->a[0], IPC_STAT), NULL, m->out, now);
        model(ns, c, MODEL_EXIT, ARGS(kernel->child), NULL, NULL, now);
        r = model(ns, c, MODEL_SHMCTL, ARGS(o->a[0], IPC_STAT), NULL, m->out + sizeof(struct shmid_ds), now);
        m->len = r >= 0 ? 2 * sizeof(struct shmid_ds) : 0;
        break;
    case K_SEMCTL:
        ctl_input(o, m->out, &arg);
        /* a value command takes ARG; the others the buffer ctl_input filled */
        r = model(ns, c, MODEL_SEMCTL, ARGS(o->a[0], o->a[1], o->a[2], (long)arg), m->out, m->out, now);
        m->len = ctl_output_len(o, r);
        break;
    case K_SYSCTL: {
        char in[128];
        int n = snprintf(in, sizeof(in), "%s", sysctl_names[o->a[0]]);
        if (o->a[0] == 4)
            n += snprintf(in + n + 1, sizeof(in) - (size_t)n - 1, "%s", sem_settings[o->a[1]]);
        else
            n += snprintf(in + n + 1, sizeof(in) - (size_t)n - 1, "%ld", o->a[1]);
        r = c->euid == 0 ? model(ns, c, MODEL_SYSCTL_WRITE, ARGS(n + 2), in, NULL, now) : -EACCES;
        break;
    }
    default:
        break;
    }
    m->ret = r < 0 ? -1 : r;
    m->err = r < 0 ? (int)-r : 0;
}

/* Times compare as relations: both zero, or both set. */
static void normalise_times(const struct op *o, struct outcome *x)
{
    if ((o->kind == K_SHM_CHILD || (o->kind == K_SHMCTL && (o->a[1] == IPC_STAT || o->a[1] == SHM_STAT ||
                                                           o->a[1] == SHM_STAT_ANY))) && x->len) {
        for (size_t at = 0; at < x->len; at += sizeof(struct shmid_ds)) {
            struct shmid_ds ds;
            memcpy(&ds, x->out + at, sizeof(ds));
            ds.shm_atime = ds.shm_atime != 0;
            ds.shm_dtime = ds.shm_dtime != 0;
            ds.shm_ctime = ds.shm_ctime != 0;
            memcpy(x->out + at, &ds, sizeof(ds));
        }
        return;
    }
    if (o->kind == K_SEMCTL && x->len && (o->a[2] == IPC_STAT || o->a[2] == SEM_STAT || o->a[2] == SEM_STAT_ANY)) {
        struct semid_ds ds;
        memcpy(&ds, x->out, sizeof(ds));
        ds.sem_otime = ds.sem_otime != 0;
        ds.sem_ctime = ds.sem_ctime != 0;
        memcpy(x->out, &ds, sizeof(ds));
        return;
    }
    if (o->kind != K_MSGCTL || x->len != sizeof(struct msqid_ds) ||
        o->a[1] == IPC_INFO || o->a[1] == MSG_INFO)
        return;
    struct msqid_ds ds;
    memcpy(&ds, x->out, sizeof(ds));
    ds.msg_stime = ds.msg_stime != 0;
    ds.msg_rtime = ds.msg_rtime != 0;
    ds.msg_ctime = ds.msg_ctime != 0;
    memcpy(x->out, &ds, sizeof(ds));
}

static int same(const struct op *o, struct outcome *k, struct outcome *m)
{
    normalise_times(o, k);
    normalise_times(o, m);
    if (k->ret != m->ret || k->err != m->err || k->len != m->len)
        return 0;
    if (o->kind == K_MSGCTL && (o->a[1] == IPC_INFO || o->a[1] == MSG_INFO))
        return memcmp(k->out, m->out, sizeof(struct msginfo)) == 0;
    if (o->kind == K_SHMCTL && o->a[1] == IPC_INFO)
        return memcmp(k->out, m->out, sizeof(struct shminfo)) == 0;
    if (o->kind == K_SHMCTL && o->a[1] == SHM_INFO)
        return memcmp(k->out, m->out, sizeof(struct shm_info)) == 0;
    if ((o->kind == K_SHMCTL || o->kind == K_SHM_CHILD) && k->len)
        return memcmp(k->out, m->out, k->len) == 0;
    if (o->kind == K_SEMCTL && (o->a[2] == IPC_INFO || o->a[2] == SEM_INFO))
        return memcmp(k->out, m->out, sizeof(struct seminfo)) == 0;
    if (o->kind == K_SEMCTL && k->len)
        return memcmp(k->out, m->out, o->a[2] == GETALL ? 5 * sizeof(unsigned short) : sizeof(struct semid_ds)) == 0;
    return memcmp(k->out, m->out, k->len) == 0;
}

static void format_outcome(const struct op *o, const struct outcome *x, char *buf, size_t size)
{
    int n = snprintf(buf, size, "ret=%ld errno=%s", x->ret, x->err ? strerrorname_np(x->err) : "0");
    if (o->kind == K_MSGCTL && x->len) {
        struct msqid_ds ds;
        memcpy(&ds, x->out, sizeof(ds));
        if (o->a[1] == IPC_INFO || o->a[1] == MSG_INFO) {
            struct msginfo mi;
            memcpy(&mi, x->out, sizeof(mi));
            snprintf(buf + n, size - (size_t)n, " msgpool=%d msgmap=%d msgmax=%d msgmnb=%d msgmni=%d msgtql=%d",
                     mi.msgpool, mi.msgmap, mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgtql);
        } else {
            snprintf(buf + n, size - (size_t)n,
                     " key=%d uid=%d gid=%d cuid=%d cgid=%d mode=0%o seq=%d qnum=%lu cbytes=%lu qbytes=%lu "
                     "lspid=%d lrpid=%d stime=%ld rtime=%ld ctime=%ld",
                     ds.msg_perm.__key, ds.msg_perm.uid, ds.msg_perm.gid, ds.msg_perm.cuid, ds.msg_perm.cgid,
                     ds.msg_perm.mode, ds.msg_perm.__seq, ds.msg_qnum, ds.__msg_cbytes, ds.msg_qbytes,
                     ds.msg_lspid, ds.msg_lrpid, (long)ds.msg_stime, (long)ds.msg_rtime, (long)ds.msg_ctime);
        }
    } else if ((o->kind == K_SEMCTL || o->kind == K_UNDO_CHILD) && x->len) {
        if (o->kind == K_UNDO_CHILD || o->a[2] == GETALL) {
            const unsigned short *v = (const unsigned short *)x->out;
            snprintf(buf + n, size - (size_t)n, " vals=%u,%u,%u,%u,%u", v[0], v[1], v[2], v[3], v[4]);
        } else if (o->a[2] == IPC_INFO || o->a[2] == SEM_INFO) {
            struct seminfo si;
            memcpy(&si, x->out, sizeof(si));
            snprintf(buf + n, size - (size_t)n, " semmni=%d semmns=%d semmsl=%d semopm=%d semusz=%d semaem=%d",
                     si.semmni, si.semmns, si.semmsl, si.semopm, si.semusz, si.semaem);
        } else {
            struct semid_ds ds;
            memcpy(&ds, x->out, sizeof(ds));
            snprintf(buf + n, size - (size_t)n, " key=%d uid=%d gid=%d cuid=%d mode=0%o seq=%d nsems=%lu otime=%ld ctime=%ld",
                     ds.sem_perm.__key, ds.sem_perm.uid, ds.sem_perm.gid, ds.sem_perm.cuid, ds.sem_perm.mode,
                     ds.sem_perm.__seq, ds.sem_nsems, (long)ds.sem_otime, (long)ds.sem_ctime);
        }
    } else if ((o->kind == K_SHMCTL || o->kind == K_SHM_CHILD) && x->len) {
        if (o->kind == K_SHMCTL && o->a[1] == IPC_INFO) {
            struct shminfo si;
            memcpy(&si, x->out, sizeof(si));
            snprintf(buf + n, size - (size_t)n, " shmmax=%lu shmmin=%lu shmmni=%lu shmseg=%lu shmall=%lu",
                     si.shmmax, si.shmmin, si.shmmni, si.shmseg, si.shmall);
        } else if (o->kind == K_SHMCTL && o->a[1] == SHM_INFO) {
            struct shm_info si;
            memcpy(&si, x->out, sizeof(si));
            snprintf(buf + n, size - (size_t)n, " used_ids=%d shm_tot=%lu shm_rss=%lu shm_swp=%lu",
                     si.used_ids, si.shm_tot, si.shm_rss, si.shm_swp);
        } else {
            struct shmid_ds ds;
            memcpy(&ds, x->out, sizeof(ds));
            snprintf(buf + n, size - (size_t)n,
                     " key=%d uid=%d gid=%d cuid=%d mode=0%o seq=%d segsz=%zu nattch=%lu cpid=%d lpid=%d"
                     " atime=%ld dtime=%ld ctime=%ld", ds.shm_perm.__key, ds.shm_perm.uid, ds.shm_perm.gid,
                     ds.shm_perm.cuid, ds.shm_perm.mode, ds.shm_perm.__seq, ds.shm_segsz, ds.shm_nattch,
                     ds.shm_cpid, ds.shm_lpid, (long)ds.shm_atime, (long)ds.shm_dtime, (long)ds.shm_ctime);
        }
    } else if (o->kind == K_MSGRCV && x->len) {
        long type;
        memcpy(&type, x->out, sizeof(type));
        snprintf(buf + n, size - (size_t)n, " mtype=%ld text=%zu bytes", type, x->len - sizeof(long));
    }
}

/* The report of a divergence, written by the child into shared memory. */
struct verdict {
    int diverged;
    int step;
    char text[4096];
    struct coverage cov;
};

/* The model told of one of the host's huge page pools. */
struct huge_pools {
    struct model_ns *ns;
    struct model_caller *caller;
};

static void tell_huge_pool(void *ctx, unsigned long free_pages, int log)
{
    struct huge_pools *p = ctx;
    model(p->ns, p->caller, MODEL_SET_HUGEPAGES, ARGS((long)free_pages, log), NULL, NULL, 0);
}

/* Run OPS (those with keep[i]) in a fresh IPC namespace, on kernel and
 * model; fill V.  Runs in a child so credentials and namespace go with it. */
static void run_sequence(const struct op *ops, const int *keep, int n, unsigned long long seed,
                         struct verdict *v)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (unshare(CLONE_NEWIPC) < 0)
            _exit(3);
        struct model_ns *ns = model_ns_new();
        struct model_caller c = { .pid = getpid() };
        struct huge_pools pools = { ns, &c };
        host_huge_pools(tell_huge_pool, &pools);   /* the host's, as the harness tells them */
        become(&creds[0], &c);
        static unsigned char msgbuf[sizeof(long) + MAX_TEXT];
        static struct outcome k, m;
        long ids[256];
        int nids = 0;
        uintptr_t addrs[256];
        int naddrs = 0;
        /* explicit shmat addresses: slots of a reserved window, freed one by one */
        unsigned char *window = mmap(NULL, SLOT * (SLOTS + 1), PROT_NONE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        uintptr_t base = ((uintptr_t)window + SLOT - 1) & ~(SLOT - 1);
        static unsigned char slot_freed[SLOTS];
        memset(slot_freed, 0, sizeof(slot_freed));
        for (int i = 0; i < n; i++) {
            if (!keep[i])
                continue;
            struct op resolved = ops[i];
            const struct op *o = &resolved;
            if (resolved.id_pick >= 0)
                resolved.a[0] = nids ? ids[resolved.id_pick % nids] : 0;   /* sequences use one kind */
            if (o->kind == K_SHMDT && resolved.addr_pick >= 0)
                resolved.a[0] = (long)(naddrs ? addrs[resolved.addr_pick % naddrs] : 0) + resolved.a[1];
            if (o->kind == K_SHMAT) {
                long slot = resolved.a[1] == 0 ? -1 : resolved.a[1] == 3 ? 1 + resolved.a[3] % (i + 1) : 1 + i;
                resolved.a[5] = slot < 0 ? 0 : (long)(base + (uintptr_t)slot * SLOT) +
                                               (resolved.a[1] == 2 || resolved.a[1] == 4 ? 0x10 : 0);
                if (slot >= 0 && !slot_freed[slot]) {
                    munmap((void *)(base + (uintptr_t)slot * SLOT), SLOT);
                    slot_freed[slot] = 1;
                }
            }
            if (o->kind == K_CRED) {
                become(&creds[o->a[0]], &c);
                continue;
            }
            if (o->kind == K_MSGSND) {
                memcpy(msgbuf, &o->a[1], sizeof(long));
                for (int b = 0; b < MAX_TEXT; b++)
                    msgbuf[sizeof(long) + b] = (unsigned char)(b * 7 + i);
            }
            long now = time(NULL);
            kernel_op(o, &k, msgbuf);
            model_op(ns, &c, o, &m, msgbuf, &k, now);
            if ((o->kind == K_MSGGET || o->kind == K_SEMGET || o->kind == K_SHMGET) && k.ret >= 0 && nids < 256)
                ids[nids++] = k.ret;
            if (o->kind == K_SHMAT && k.ret != -1 && naddrs < 256)
                addrs[naddrs++] = (uintptr_t)k.ret;
            int slot = cmd_slot(o), e = k.err < 64 ? k.err : 63;
            v->cov.count[o->kind][slot][e]++;
            if (!same(o, &k, &m)) {
                char what[256], ko[1500], mo[1500];
                describe(o, what, sizeof(what));
                format_outcome(o, &k, ko, sizeof(ko));
                format_outcome(o, &m, mo, sizeof(mo));
                v->diverged = 1;
                v->step = i;
                snprintf(v->text, sizeof(v->text), "seed %llu, step %d: %s (as euid %d)\n  kernel: %s\n  model:  %s",
                         seed, i, what, c.euid, ko, mo);
                _exit(1);
            }
        }
        model_ns_free(ns);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 1)) {
        v->diverged = 1;
        snprintf(v->text, sizeof(v->text), "seed %llu: the sequence's process ended with status 0x%x", seed, status);
    }
}

/* Shrink a diverging sequence: drop chunks, then single steps, as long as it
 * still diverges (at any step). */
static int shrink(const struct op *ops, int *keep, int n, unsigned long long seed, struct verdict *v)
{
    for (int chunk = n / 2; chunk >= 1; chunk /= 2) {
        for (int start = 0; start < n; start += chunk) {
            int saved[OPS_PER_SEQ];
            memcpy(saved, keep, sizeof(int) * (size_t)n);
            int removed = 0;
            for (int i = start; i < start + chunk && i < n; i++)
                if (keep[i]) {
                    keep[i] = 0;
                    removed = 1;
                }
            if (!removed)
                continue;
            memset(v, 0, sizeof(*v));
            run_sequence(ops, keep, n, seed, v);
            if (!v->diverged)
                memcpy(keep, saved, sizeof(int) * (size_t)n);
        }
    }
    memset(v, 0, sizeof(*v));
    run_sequence(ops, keep, n, seed, v);
    int left = 0;
    for (int i = 0; i < n; i++)
        left += keep[i];
    return left;
}

static void print_coverage(const struct coverage *cov)
{
    static const char *const kinds[] = { "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
                                         "semctl", "undo+exit", "shmget", "shmat", "shmdt", "shmctl",
                                         "fork+exit", "sysctl" };
    printf("coverage (outcomes compared, by call and command):\n");
    for (int k = 0; k < K_CRED; k++)
        for (int s = 0; s < 16; s++) {
            long total = 0;
            char line[1024] = "";
            for (int e = 0; e < 64; e++) {
                if (!cov->count[k][s][e])
                    continue;
                total += cov->count[k][s][e];
                size_t l = strlen(line);
                snprintf(line + l, sizeof(line) - l, " %s=%ld", e ? strerrorname_np(e) : "ok", cov->count[k][s][e]);
            }
            const char *cmd = k == K_MSGCTL ? msg_cmds[s < 9 ? s : 0] : k == K_SEMCTL ? sem_cmds[s]
                            : k == K_SHMCTL ? shm_cmds[s < 11 ? s : 0]
                            : k == K_SEMOP ? (s ? "semtimedop" : "semop") : "";
            if (total)
                printf("  %-9s %-12s %6ld:%s\n", kinds[k], cmd, total, line);
        }
}

Test(model, agrees_with_the_kernel_on_random_sequences, .timeout = 240)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for IPC namespaces and credential changes");
    const char *env = getenv("SVIPC_MODEL_SEQUENCES");
    int sequences = env ? atoi(env) : SEQUENCES;
    struct verdict *v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(v != MAP_FAILED);
    struct coverage total;
    memset(&total, 0, sizeof(total));
    static struct op ops[OPS_PER_SEQ];
    long compared = 0;
    for (int s = 0; s < sequences; s++) {
        unsigned long long seed = (unsigned long long)s + 1;
        generate(seed, ops, OPS_PER_SEQ);
        int keep[OPS_PER_SEQ];
        for (int i = 0; i < OPS_PER_SEQ; i++)
            keep[i] = 1;
        memset(v, 0, sizeof(*v));
        run_sequence(ops, keep, OPS_PER_SEQ, seed, v);
        for (int k = 0; k < K_COUNT; k++)
            for (int c = 0; c < 16; c++)
                for (int e = 0; e < 64; e++) {
                    total.count[k][c][e] += v->cov.count[k][c][e];
                    compared += v->cov.count[k][c][e];
                }
        if (v->diverged) {
            char first[4096];
            snprintf(first, sizeof(first), "%s", v->text);
            int left = shrink(ops, keep, OPS_PER_SEQ, seed, v);
            char steps[8192] = "";
            for (int i = 0; i < OPS_PER_SEQ; i++)
                if (keep[i]) {
                    char d[256];
                    describe(&ops[i], d, sizeof(d));
                    size_t l = strlen(steps);
                    snprintf(steps + l, sizeof(steps) - l, "    %3d  %s\n", i, d);
                }
            cr_assert_fail("the model diverges from the kernel\n%s\nshrunk to %d steps:\n%s%s", first, left, steps, v->text);
            return;
        }
    }
    print_coverage(&total);
    printf("%d sequences, %ld operations compared, no divergence\n", sequences, compared);
}
