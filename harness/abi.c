/* abi.c: the tables of abi.h, measured with each cross toolchain's C
 * library (offsetof and sizeof of struct msqid_ds ... under qemu-user) and
 * checked against the kernel's IPC_64 layouts; the old layouts (i386,
 * without IPC_64) from include/uapi/linux/{ipc,msg,sem,shm}.h;
 * tests/test_abi.c compares them with this build's own structures.
 * Must not: hold anything but constant data and its readers. */
#define _GNU_SOURCE
#include "abi.h"
#include "linux_ipc.h"

#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

#define PERM                                                                                   \
    { "key", 0, 4, 1, F_KEY }, { "uid", 4, 4, 0, F_INT }, { "gid", 8, 4, 0, F_INT },             \
    { "cuid", 12, 4, 0, F_INT }, { "cgid", 16, 4, 0, F_INT }, { "mode", 20, 4, 0, F_MODE },      \
    { "seq", 24, 2, 0, F_INT }

#define MSGINFO                                                                                \
    { 32, 8, { { "msgpool", 0, 4, 1, F_INT }, { "msgmap", 4, 4, 1, F_INT }, { "msgmax", 8, 4, 1, F_INT }, \
               { "msgmnb", 12, 4, 1, F_INT }, { "msgmni", 16, 4, 1, F_INT }, { "msgssz", 20, 4, 1, F_INT }, \
               { "msgtql", 24, 4, 1, F_INT }, { "msgseg", 28, 2, 0, F_INT } } }

#define SEMINFO                                                                                \
    { 40, 10, { { "semmap", 0, 4, 1, F_INT }, { "semmni", 4, 4, 1, F_INT }, { "semmns", 8, 4, 1, F_INT }, \
                { "semmnu", 12, 4, 1, F_INT }, { "semmsl", 16, 4, 1, F_INT }, { "semopm", 20, 4, 1, F_INT }, \
                { "semume", 24, 4, 1, F_INT }, { "semusz", 28, 4, 1, F_INT }, { "semvmx", 32, 4, 1, F_INT }, \
                { "semaem", 36, 4, 1, F_INT } } }

/* 64-bit: times and counts are 8 bytes; msqid and shmid are alike on both */
#define MSQID64                                                                                \
    { 120, 15, { PERM, { "msg_stime", 48, 8, 1, F_TIME }, { "msg_rtime", 56, 8, 1, F_TIME },      \
                 { "msg_ctime", 64, 8, 1, F_TIME }, { "msg_cbytes", 72, 8, 0, F_INT },            \
                 { "msg_qnum", 80, 8, 0, F_INT }, { "msg_qbytes", 88, 8, 0, F_INT },              \
                 { "msg_lspid", 96, 4, 1, F_PID }, { "msg_lrpid", 100, 4, 1, F_PID } } }
#define SHMID64                                                                                \
    { 112, 14, { PERM, { "shm_segsz", 48, 8, 0, F_INT }, { "shm_atime", 56, 8, 1, F_TIME },       \
                 { "shm_dtime", 64, 8, 1, F_TIME }, { "shm_ctime", 72, 8, 1, F_TIME },            \
                 { "shm_cpid", 80, 4, 1, F_PID }, { "shm_lpid", 84, 4, 1, F_PID },                \
                 { "shm_nattch", 88, 8, 0, F_INT } } }
#define SHMINFO64                                                                              \
    { 72, 5, { { "shmmax", 0, 8, 0, F_INT }, { "shmmin", 8, 8, 0, F_INT }, { "shmmni", 16, 8, 0, F_INT }, \
               { "shmseg", 24, 8, 0, F_INT }, { "shmall", 32, 8, 0, F_INT } } }
#define SHM_INFO64                                                                             \
    { 48, 4, { { "used_ids", 0, 4, 1, F_INT }, { "shm_tot", 8, 8, 0, F_INT }, { "shm_rss", 16, 8, 0, F_INT }, \
               { "shm_swp", 24, 8, 0, F_INT } } }

/* 32-bit: mode is a 16-bit __kernel_mode_t followed by __pad1 (i386 and
 * arm's asm/posix_types.h); the low word of each time, its high word
 * after it (reserved here) */
#define PERM32                                                                                 \
    { "key", 0, 4, 1, F_KEY }, { "uid", 4, 4, 0, F_INT }, { "gid", 8, 4, 0, F_INT },             \
    { "cuid", 12, 4, 0, F_INT }, { "cgid", 16, 4, 0, F_INT }, { "mode", 20, 2, 0, F_MODE },      \
    { "seq", 24, 2, 0, F_INT }
#define MSQID32                                                                                \
    { 88, 15, { PERM32, { "msg_stime", 36, 4, 1, F_TIME }, { "msg_rtime", 44, 4, 1, F_TIME },     \
                { "msg_ctime", 52, 4, 1, F_TIME }, { "msg_cbytes", 60, 4, 0, F_INT },             \
                { "msg_qnum", 64, 4, 0, F_INT }, { "msg_qbytes", 68, 4, 0, F_INT },               \
                { "msg_lspid", 72, 4, 1, F_PID }, { "msg_lrpid", 76, 4, 1, F_PID } } }
#define SEMID32                                                                                \
    { 64, 10, { PERM32, { "sem_otime", 36, 4, 1, F_TIME }, { "sem_ctime", 44, 4, 1, F_TIME },     \
                { "sem_nsems", 52, 4, 0, F_INT } } }
#define SHMID32                                                                                \
    { 84, 14, { PERM32, { "shm_segsz", 36, 4, 0, F_INT }, { "shm_atime", 40, 4, 1, F_TIME },      \
                { "shm_dtime", 48, 4, 1, F_TIME }, { "shm_ctime", 56, 4, 1, F_TIME },             \
                { "shm_cpid", 64, 4, 1, F_PID }, { "shm_lpid", 68, 4, 1, F_PID },                 \
                { "shm_nattch", 72, 4, 0, F_INT } } }
/* 32-bit shminfo64: unsigned longs that a 64-bit kernel's compat layer
 * truncates (copy_compat_shminfo); read as signed, the default shmmax and
 * shmall (ULONG_MAX - 2^24) read as the 64-bit layouts read them */
#define SHMINFO32                                                                              \
    { 36, 5, { { "shmmax", 0, 4, 1, F_INT }, { "shmmin", 4, 4, 1, F_INT }, { "shmmni", 8, 4, 1, F_INT }, \
               { "shmseg", 12, 4, 1, F_INT }, { "shmall", 16, 4, 1, F_INT } } }
#define SHM_INFO32                                                                             \
    { 24, 4, { { "used_ids", 0, 4, 1, F_INT }, { "shm_tot", 4, 4, 0, F_INT }, { "shm_rss", 8, 4, 0, F_INT }, \
               { "shm_swp", 12, 4, 0, F_INT } } }

/* i386 without IPC_64 (the old structures): 16-bit ids and mode, 32-bit
 * times, the queue's counts in 16 bits with 32-bit copies of two of them */
#define PERM_OLD                                                                               \
    { "key", 0, 4, 1, F_KEY }, { "uid", 4, 2, 0, F_INT }, { "gid", 6, 2, 0, F_INT },             \
    { "cuid", 8, 2, 0, F_INT }, { "cgid", 10, 2, 0, F_INT }, { "mode", 12, 2, 0, F_MODE },       \
    { "seq", 14, 2, 0, F_INT }
#define MSQID_OLD                                                                              \
    { 56, 17, { PERM_OLD, { "msg_stime", 24, 4, 1, F_TIME }, { "msg_rtime", 28, 4, 1, F_TIME },   \
                { "msg_ctime", 32, 4, 1, F_TIME }, { "msg_lcbytes", 36, 4, 0, F_INT },           \
                { "msg_lqbytes", 40, 4, 0, F_INT }, { "msg_cbytes", 44, 2, 0, F_INT },           \
                { "msg_qnum", 46, 2, 0, F_INT }, { "msg_qbytes", 48, 2, 0, F_INT },              \
                { "msg_lspid", 50, 2, 1, F_PID }, { "msg_lrpid", 52, 2, 1, F_PID } } }
#define SEMID_OLD                                                                              \
    { 44, 10, { PERM_OLD, { "sem_otime", 16, 4, 1, F_TIME }, { "sem_ctime", 20, 4, 1, F_TIME },   \
                { "sem_nsems", 40, 2, 0, F_INT } } }
#define SHMID_OLD                                                                              \
    { 48, 14, { PERM_OLD, { "shm_segsz", 16, 4, 1, F_INT }, { "shm_atime", 20, 4, 1, F_TIME },    \
                { "shm_dtime", 24, 4, 1, F_TIME }, { "shm_ctime", 28, 4, 1, F_TIME },            \
                { "shm_cpid", 32, 2, 1, F_PID }, { "shm_lpid", 34, 2, 1, F_PID },                \
                { "shm_nattch", 36, 2, 0, F_INT } } }
#define SHMINFO_OLD                                                                            \
    { 20, 5, { { "shmmax", 0, 4, 1, F_INT }, { "shmmin", 4, 4, 1, F_INT }, { "shmmni", 8, 4, 1, F_INT }, \
               { "shmseg", 12, 4, 1, F_INT }, { "shmall", 16, 4, 1, F_INT } } }

static const struct abi abis[ABI_COUNT] = {
    [ABI_X86_64] = { "x86_64", 8, 0, {
        [ABI_MSQID] = MSQID64,
        /* x86_64 keeps a reserved word after each time */
        [ABI_SEMID] = { 104, 10, { PERM, { "sem_otime", 48, 8, 1, F_TIME }, { "sem_ctime", 64, 8, 1, F_TIME },
                                   { "sem_nsems", 80, 8, 0, F_INT } } },
        [ABI_SHMID] = SHMID64, [ABI_MSGINFO] = MSGINFO, [ABI_SEMINFO] = SEMINFO,
        [ABI_SHMINFO] = SHMINFO64, [ABI_SHM_INFO] = SHM_INFO64 } },
    [ABI_AARCH64] = { "aarch64", 8, 0, {
        [ABI_MSQID] = MSQID64,
        [ABI_SEMID] = { 88, 10, { PERM, { "sem_otime", 48, 8, 1, F_TIME }, { "sem_ctime", 56, 8, 1, F_TIME },
                                  { "sem_nsems", 64, 8, 0, F_INT } } },
        [ABI_SHMID] = SHMID64, [ABI_MSGINFO] = MSGINFO, [ABI_SEMINFO] = SEMINFO,
        [ABI_SHMINFO] = SHMINFO64, [ABI_SHM_INFO] = SHM_INFO64 } },
    [ABI_ARMHF] = { "armhf", 4, 0, {
        [ABI_MSQID] = MSQID32, [ABI_SEMID] = SEMID32, [ABI_SHMID] = SHMID32, [ABI_MSGINFO] = MSGINFO,
        [ABI_SEMINFO] = SEMINFO, [ABI_SHMINFO] = SHMINFO32, [ABI_SHM_INFO] = SHM_INFO32 } },
    [ABI_I386] = { "i386", 4, 1, {
        [ABI_MSQID] = MSQID32, [ABI_SEMID] = SEMID32, [ABI_SHMID] = SHMID32, [ABI_MSGINFO] = MSGINFO,
        [ABI_SEMINFO] = SEMINFO, [ABI_SHMINFO] = SHMINFO32, [ABI_SHM_INFO] = SHM_INFO32,
        [ABI_MSQID_OLD] = MSQID_OLD, [ABI_SEMID_OLD] = SEMID_OLD, [ABI_SHMID_OLD] = SHMID_OLD,
        [ABI_SHMINFO_OLD] = SHMINFO_OLD } },
};

enum abi_struct_id abi_ctl_struct(enum op op, int cmd, int old)
{
    int info = cmd == IPC_INFO || (op == OP_MSGCTL && cmd == MSG_INFO) || (op == OP_SEMCTL && cmd == SEM_INFO);
    switch (op) {
    case OP_MSGCTL: return info ? ABI_MSGINFO : old ? ABI_MSQID_OLD : ABI_MSQID;
    case OP_SEMCTL: return info ? ABI_SEMINFO : old ? ABI_SEMID_OLD : ABI_SEMID;
    default:
        if (cmd == SHM_INFO)
            return ABI_SHM_INFO;
        if (info)
            return old ? ABI_SHMINFO_OLD : ABI_SHMINFO;
        return old ? ABI_SHMID_OLD : ABI_SHMID;
    }
}

const struct abi *abi_by_id(int id)
{
    return id >= 0 && id < ABI_COUNT ? &abis[id] : NULL;
}

const struct abi *abi_by_name(const char *name)
{
    for (int i = 0; i < ABI_COUNT; i++)
        if (strcmp(abis[i].name, name) == 0)
            return &abis[i];
    return NULL;
}

enum abi_id abi_native(void)
{
#if defined(__x86_64__)
    return ABI_X86_64;
#elif defined(__aarch64__)
    return ABI_AARCH64;
#elif defined(__arm__)
    return ABI_ARMHF;
#elif defined(__i386__)
    return ABI_I386;
#else
#error "svipc knows the IPC layouts of x86_64, aarch64, armhf and i386"
#endif
}

void abi_write(unsigned char *data, const struct abi_field *f, long value)
{
    uint64_t v = (uint64_t)value;
    memcpy(data + f->off, &v, f->size);        /* little-endian: the low bytes */
}

const struct abi_field *abi_field(const struct abi_struct *st, const char *name)
{
    for (int i = 0; i < st->nfields; i++)
        if (strcmp(st->field[i].name, name) == 0)
            return &st->field[i];
    return NULL;
}

long abi_read(const unsigned char *data, const struct abi_field *f)
{
    uint64_t v = 0;
    memcpy(&v, data + f->off, f->size);        /* every ABI here is little-endian */
    if (f->is_signed && f->size < 8) {
        uint64_t sign = 1ULL << (8 * f->size - 1);
        v = (v ^ sign) - sign;
    }
    return (long)v;
}
