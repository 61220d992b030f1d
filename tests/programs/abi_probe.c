/* abi_probe.c - print the kernel's IPC structure layouts as this
 * architecture's uapi headers declare them (the IPC_64 layouts), one line
 * per field in harness/abi.c's names: "STRUCT FIELD OFFSET SIZE", and
 * (i386, which has ipc(2)) the old layouts as "STRUCT_old";
 * "STRUCT - 0 SIZEOF".  Built for each architecture (make puppets) and
 * compared with harness/abi.c's tables by tests/test_abi.c.
 *
 * Must not: include the C library's IPC headers (their layouts are the C
 * library's choice, not the kernel's).
 */
#include <linux/msg.h>
#include <linux/sem.h>
#include <linux/shm.h>
#include <stddef.h>
#include <stdio.h>

#define FIELD(st, type, member, name) \
    printf("%s %s %zu %zu\n", st, name, offsetof(type, member), sizeof(((type *)0)->member))
#define PERM(st, type, perm)                          \
    do {                                              \
        FIELD(st, type, perm.key, "key");             \
        FIELD(st, type, perm.uid, "uid");             \
        FIELD(st, type, perm.gid, "gid");             \
        FIELD(st, type, perm.cuid, "cuid");           \
        FIELD(st, type, perm.cgid, "cgid");           \
        FIELD(st, type, perm.mode, "mode");           \
        FIELD(st, type, perm.seq, "seq");             \
    } while (0)
#define SIZE(st, type) printf("%s - 0 %zu\n", st, sizeof(type))

int main(void)
{
    SIZE("msqid", struct msqid64_ds);
    PERM("msqid", struct msqid64_ds, msg_perm);
    FIELD("msqid", struct msqid64_ds, msg_stime, "msg_stime");
    FIELD("msqid", struct msqid64_ds, msg_rtime, "msg_rtime");
    FIELD("msqid", struct msqid64_ds, msg_ctime, "msg_ctime");
    FIELD("msqid", struct msqid64_ds, msg_cbytes, "msg_cbytes");
    FIELD("msqid", struct msqid64_ds, msg_qnum, "msg_qnum");
    FIELD("msqid", struct msqid64_ds, msg_qbytes, "msg_qbytes");
    FIELD("msqid", struct msqid64_ds, msg_lspid, "msg_lspid");
    FIELD("msqid", struct msqid64_ds, msg_lrpid, "msg_lrpid");

    SIZE("semid", struct semid64_ds);
    PERM("semid", struct semid64_ds, sem_perm);
    FIELD("semid", struct semid64_ds, sem_otime, "sem_otime");
    FIELD("semid", struct semid64_ds, sem_ctime, "sem_ctime");
    FIELD("semid", struct semid64_ds, sem_nsems, "sem_nsems");

    SIZE("shmid", struct shmid64_ds);
    PERM("shmid", struct shmid64_ds, shm_perm);
    FIELD("shmid", struct shmid64_ds, shm_segsz, "shm_segsz");
    FIELD("shmid", struct shmid64_ds, shm_atime, "shm_atime");
    FIELD("shmid", struct shmid64_ds, shm_dtime, "shm_dtime");
    FIELD("shmid", struct shmid64_ds, shm_ctime, "shm_ctime");
    FIELD("shmid", struct shmid64_ds, shm_cpid, "shm_cpid");
    FIELD("shmid", struct shmid64_ds, shm_lpid, "shm_lpid");
    FIELD("shmid", struct shmid64_ds, shm_nattch, "shm_nattch");

    SIZE("msginfo", struct msginfo);
    FIELD("msginfo", struct msginfo, msgpool, "msgpool");
    FIELD("msginfo", struct msginfo, msgmap, "msgmap");
    FIELD("msginfo", struct msginfo, msgmax, "msgmax");
    FIELD("msginfo", struct msginfo, msgmnb, "msgmnb");
    FIELD("msginfo", struct msginfo, msgmni, "msgmni");
    FIELD("msginfo", struct msginfo, msgssz, "msgssz");
    FIELD("msginfo", struct msginfo, msgtql, "msgtql");
    FIELD("msginfo", struct msginfo, msgseg, "msgseg");

    SIZE("seminfo", struct seminfo);
    FIELD("seminfo", struct seminfo, semmap, "semmap");
    FIELD("seminfo", struct seminfo, semmni, "semmni");
    FIELD("seminfo", struct seminfo, semmns, "semmns");
    FIELD("seminfo", struct seminfo, semmnu, "semmnu");
    FIELD("seminfo", struct seminfo, semmsl, "semmsl");
    FIELD("seminfo", struct seminfo, semopm, "semopm");
    FIELD("seminfo", struct seminfo, semume, "semume");
    FIELD("seminfo", struct seminfo, semusz, "semusz");
    FIELD("seminfo", struct seminfo, semvmx, "semvmx");
    FIELD("seminfo", struct seminfo, semaem, "semaem");

    SIZE("shminfo", struct shminfo64);
    FIELD("shminfo", struct shminfo64, shmmax, "shmmax");
    FIELD("shminfo", struct shminfo64, shmmin, "shmmin");
    FIELD("shminfo", struct shminfo64, shmmni, "shmmni");
    FIELD("shminfo", struct shminfo64, shmseg, "shmseg");
    FIELD("shminfo", struct shminfo64, shmall, "shmall");

    SIZE("shm_info", struct shm_info);
    FIELD("shm_info", struct shm_info, used_ids, "used_ids");
    FIELD("shm_info", struct shm_info, shm_tot, "shm_tot");
    FIELD("shm_info", struct shm_info, shm_rss, "shm_rss");
    FIELD("shm_info", struct shm_info, shm_swp, "shm_swp");

#if defined(__i386__)
    /* the old layouts, which ipc(2) without IPC_64 uses (i386 only here) */
    SIZE("msqid_old", struct msqid_ds);
    PERM("msqid_old", struct msqid_ds, msg_perm);
    FIELD("msqid_old", struct msqid_ds, msg_stime, "msg_stime");
    FIELD("msqid_old", struct msqid_ds, msg_rtime, "msg_rtime");
    FIELD("msqid_old", struct msqid_ds, msg_ctime, "msg_ctime");
    FIELD("msqid_old", struct msqid_ds, msg_lcbytes, "msg_lcbytes");
    FIELD("msqid_old", struct msqid_ds, msg_lqbytes, "msg_lqbytes");
    FIELD("msqid_old", struct msqid_ds, msg_cbytes, "msg_cbytes");
    FIELD("msqid_old", struct msqid_ds, msg_qnum, "msg_qnum");
    FIELD("msqid_old", struct msqid_ds, msg_qbytes, "msg_qbytes");
    FIELD("msqid_old", struct msqid_ds, msg_lspid, "msg_lspid");
    FIELD("msqid_old", struct msqid_ds, msg_lrpid, "msg_lrpid");

    SIZE("semid_old", struct semid_ds);
    PERM("semid_old", struct semid_ds, sem_perm);
    FIELD("semid_old", struct semid_ds, sem_otime, "sem_otime");
    FIELD("semid_old", struct semid_ds, sem_ctime, "sem_ctime");
    FIELD("semid_old", struct semid_ds, sem_nsems, "sem_nsems");

    SIZE("shmid_old", struct shmid_ds);
    PERM("shmid_old", struct shmid_ds, shm_perm);
    FIELD("shmid_old", struct shmid_ds, shm_segsz, "shm_segsz");
    FIELD("shmid_old", struct shmid_ds, shm_atime, "shm_atime");
    FIELD("shmid_old", struct shmid_ds, shm_dtime, "shm_dtime");
    FIELD("shmid_old", struct shmid_ds, shm_ctime, "shm_ctime");
    FIELD("shmid_old", struct shmid_ds, shm_cpid, "shm_cpid");
    FIELD("shmid_old", struct shmid_ds, shm_lpid, "shm_lpid");
    FIELD("shmid_old", struct shmid_ds, shm_nattch, "shm_nattch");

    SIZE("shminfo_old", struct shminfo);
    FIELD("shminfo_old", struct shminfo, shmmax, "shmmax");
    FIELD("shminfo_old", struct shminfo, shmmin, "shmmin");
    FIELD("shminfo_old", struct shminfo, shmmni, "shmmni");
    FIELD("shminfo_old", struct shminfo, shmseg, "shmseg");
    FIELD("shminfo_old", struct shminfo, shmall, "shmall");
#endif
    return 0;
}
