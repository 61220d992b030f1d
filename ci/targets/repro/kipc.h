/* kipc.h: raw SysV IPC system calls with the kernel's own (IPC_64) layouts,
 * issued the way glibc 2.36 issues them on each architecture:
 *   x86_64, aarch64: direct syscalls, no IPC_64 bit
 *   armhf:           direct syscalls, cmd | IPC_64 on *ctl
 *   i386:            ipc(2) multiplexer, cmd | IPC_64 on *ctl, msgrcv via ipc_kludge
 * Define KIPC_I386_DIRECT to use the i386 direct syscalls (393..402) instead. */
#ifndef KIPC_H
#define KIPC_H
#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/ipc.h>
#include <linux/msg.h>
#include <linux/sem.h>
#include <linux/shm.h>
#include <asm/bitsperlong.h>

#if defined(__i386__) || defined(__arm__)
#define KIPC_CTL(cmd) ((cmd) | IPC_64)
#else
#define KIPC_CTL(cmd) (cmd)
#endif

#if defined(__i386__) && !defined(KIPC_I386_DIRECT)
#define KIPC_MUX 1
/* ipc(2) call numbers */
#define IPCOP_SEMOP 1
#define IPCOP_SEMGET 2
#define IPCOP_SEMCTL 3
#define IPCOP_SEMTIMEDOP 4
#define IPCOP_MSGSND 11
#define IPCOP_MSGRCV 12
#define IPCOP_MSGGET 13
#define IPCOP_MSGCTL 14
#define IPCOP_SHMAT 21
#define IPCOP_SHMDT 22
#define IPCOP_SHMGET 23
#define IPCOP_SHMCTL 24
static inline long k_msgget(int key, int flg) { return syscall(SYS_ipc, IPCOP_MSGGET, key, flg, 0, 0, 0); }
static inline long k_msgsnd(int id, const void *p, long sz, int flg) { return syscall(SYS_ipc, IPCOP_MSGSND, id, sz, flg, p, 0); }
static inline long k_msgrcv(int id, void *p, long sz, long typ, int flg) {
  long kludge[2] = { (long)p, typ };
  return syscall(SYS_ipc, IPCOP_MSGRCV, id, sz, flg, kludge, 0);
}
static inline long k_msgctl(int id, int cmd, void *buf) { return syscall(SYS_ipc, IPCOP_MSGCTL, id, KIPC_CTL(cmd), 0, buf, 0); }
static inline long k_semget(int key, int n, int flg) { return syscall(SYS_ipc, IPCOP_SEMGET, key, n, flg, 0, 0); }
static inline long k_semtimedop(int id, void *sops, long n, const void *ts) { return syscall(SYS_ipc, IPCOP_SEMTIMEDOP, id, n, 0, sops, ts); }
static inline long k_semop(int id, void *sops, long n) { return k_semtimedop(id, sops, n, 0); }
static inline long k_semctl(int id, int num, int cmd, unsigned long arg) { return syscall(SYS_ipc, IPCOP_SEMCTL, id, num, KIPC_CTL(cmd), &arg, 0); }
static inline long k_shmget(int key, unsigned long size, int flg) { return syscall(SYS_ipc, IPCOP_SHMGET, key, size, flg, 0, 0); }
static inline long k_shmat(int id, const void *addr, int flg) {
  unsigned long raddr = 0;
  long r = syscall(SYS_ipc, IPCOP_SHMAT, id, flg, &raddr, addr, 0);
  return r < 0 ? r : (long)raddr;
}
static inline long k_shmdt(const void *addr) { return syscall(SYS_ipc, IPCOP_SHMDT, 0, 0, 0, addr, 0); }
static inline long k_shmctl(int id, int cmd, void *buf) { return syscall(SYS_ipc, IPCOP_SHMCTL, id, KIPC_CTL(cmd), 0, buf, 0); }
#define KIPC_METHOD "ipc(2)"
#else
#if defined(__i386__)
/* kernel >= 5.1 direct i386 numbers */
#define KSYS_semget 393
#define KSYS_semctl 394
#define KSYS_shmget 395
#define KSYS_shmctl 396
#define KSYS_shmat 397
#define KSYS_shmdt 398
#define KSYS_msgget 399
#define KSYS_msgsnd 400
#define KSYS_msgrcv 401
#define KSYS_msgctl 402
#define KSYS_semtimedop 420 /* semtimedop_time64: 64-bit timespec */
#else
#define KSYS_semget SYS_semget
#define KSYS_semctl SYS_semctl
#define KSYS_shmget SYS_shmget
#define KSYS_shmctl SYS_shmctl
#define KSYS_shmat SYS_shmat
#define KSYS_shmdt SYS_shmdt
#define KSYS_msgget SYS_msgget
#define KSYS_msgsnd SYS_msgsnd
#define KSYS_msgrcv SYS_msgrcv
#define KSYS_msgctl SYS_msgctl
#define KSYS_semtimedop SYS_semtimedop
#endif
static inline long k_msgget(int key, int flg) { return syscall(KSYS_msgget, key, flg); }
static inline long k_msgsnd(int id, const void *p, long sz, int flg) { return syscall(KSYS_msgsnd, id, p, sz, flg); }
static inline long k_msgrcv(int id, void *p, long sz, long typ, int flg) { return syscall(KSYS_msgrcv, id, p, sz, typ, flg); }
static inline long k_msgctl(int id, int cmd, void *buf) { return syscall(KSYS_msgctl, id, KIPC_CTL(cmd), buf); }
static inline long k_semget(int key, int n, int flg) { return syscall(KSYS_semget, key, n, flg); }
static inline long k_semtimedop(int id, void *sops, long n, const void *ts) { return syscall(KSYS_semtimedop, id, sops, n, ts); }
static inline long k_semop(int id, void *sops, long n) { return k_semtimedop(id, sops, n, 0); }
static inline long k_semctl(int id, int num, int cmd, unsigned long arg) { return syscall(KSYS_semctl, id, num, KIPC_CTL(cmd), arg); }
static inline long k_shmget(int key, unsigned long size, int flg) { return syscall(KSYS_shmget, key, size, flg); }
static inline long k_shmat(int id, const void *addr, int flg) { return syscall(KSYS_shmat, id, addr, flg); }
static inline long k_shmdt(const void *addr) { return syscall(KSYS_shmdt, addr); }
static inline long k_shmctl(int id, int cmd, void *buf) { return syscall(KSYS_shmctl, id, KIPC_CTL(cmd), buf); }
#define KIPC_METHOD "direct"
#endif

/* the timespec the kernel's semtimedop expects for k_semtimedop */
#if defined(__i386__) && defined(KIPC_I386_DIRECT)
struct k_timespec { long long tv_sec; long long tv_nsec; };
#elif __BITS_PER_LONG == 32
struct k_timespec { long tv_sec; long tv_nsec; };
#else
struct k_timespec { long tv_sec; long tv_nsec; };
#endif

/* 32-bit layouts split each time into low and high words */
#if __BITS_PER_LONG == 32
#define KTIME(s, f) ((long long)((unsigned long long)(s).f | ((unsigned long long)(s).f##_high << 32)))
#define KTIME_HAS_HIGH 1
#else
#define KTIME(s, f) ((long long)(s).f)
#define KTIME_HAS_HIGH 0
#endif

#if defined(__x86_64__)
#define ARCH "x86_64"
#elif defined(__aarch64__)
#define ARCH "aarch64"
#elif defined(__arm__)
#define ARCH "armhf"
#elif defined(__i386__)
#define ARCH "i386"
#else
#define ARCH "unknown"
#endif
#endif
