/* Linux zero-fills the whole *_ds / info structure before copying it out; reserved and padding fields read 0.
 * qemu-user and gVisor leave some of them as the caller left them. */
#include "repro.h"
static unsigned char cov[512];
#define COV(type, f) memset(cov + offsetof(type, f), 1, sizeof(((type *)0)->f))
#define COVP(type, p) do { COV(type, p.key); COV(type, p.uid); COV(type, p.gid); COV(type, p.cuid); COV(type, p.cgid); COV(type, p.mode); COV(type, p.seq); } while (0)
static int pad_bad(size_t sz) { int n = 0; for (size_t i = 0; i < sz; i++) if (!cov[i] && B[i] != 0) n++; return n; }
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  memset(cov, 0, sizeof cov); COVP(struct msqid64_ds, msg_perm);
#if KTIME_HAS_HIGH
  COV(struct msqid64_ds, msg_stime); COV(struct msqid64_ds, msg_rtime); COV(struct msqid64_ds, msg_ctime);
  COV(struct msqid64_ds, msg_stime_high); COV(struct msqid64_ds, msg_rtime_high); COV(struct msqid64_ds, msg_ctime_high);
#else
  COV(struct msqid64_ds, msg_stime); COV(struct msqid64_ds, msg_rtime); COV(struct msqid64_ds, msg_ctime);
#endif
  COV(struct msqid64_ds, msg_cbytes); COV(struct msqid64_ds, msg_qnum); COV(struct msqid64_ds, msg_qbytes); COV(struct msqid64_ds, msg_lspid); COV(struct msqid64_ds, msg_lrpid);
  fill(); k_msgctl(q, IPC_STAT, B); int n = pad_bad(sizeof(struct msqid64_ds));
  CHECK("msqid64_ds reserved/pad bytes zeroed", n == 0, "%d non-zero", "0 non-zero", n);
  memset(cov, 0, sizeof cov); COVP(struct semid64_ds, sem_perm); COV(struct semid64_ds, sem_otime); COV(struct semid64_ds, sem_ctime); COV(struct semid64_ds, sem_nsems);
#if KTIME_HAS_HIGH
  COV(struct semid64_ds, sem_otime_high); COV(struct semid64_ds, sem_ctime_high);
#endif
  fill(); k_semctl(s, 0, IPC_STAT, (unsigned long)B); n = pad_bad(sizeof(struct semid64_ds));
  CHECK("semid64_ds reserved/pad bytes zeroed", n == 0, "%d non-zero", "0 non-zero", n);
  memset(cov, 0, sizeof cov); COVP(struct shmid64_ds, shm_perm); COV(struct shmid64_ds, shm_segsz); COV(struct shmid64_ds, shm_atime); COV(struct shmid64_ds, shm_dtime); COV(struct shmid64_ds, shm_ctime);
  COV(struct shmid64_ds, shm_cpid); COV(struct shmid64_ds, shm_lpid); COV(struct shmid64_ds, shm_nattch);
#if KTIME_HAS_HIGH
  COV(struct shmid64_ds, shm_atime_high); COV(struct shmid64_ds, shm_dtime_high); COV(struct shmid64_ds, shm_ctime_high);
#endif
  fill(); k_shmctl(h, IPC_STAT, B); n = pad_bad(sizeof(struct shmid64_ds));
  CHECK("shmid64_ds reserved/pad bytes zeroed", n == 0, "%d non-zero", "0 non-zero", n);
  memset(cov, 0, sizeof cov); memset(cov, 1, offsetof(struct msginfo, msgseg) + 2);
  fill(); k_msgctl(0, IPC_INFO, B); n = pad_bad(sizeof(struct msginfo));
  CHECK("msginfo tail padding zeroed (IPC_INFO)", n == 0, "%d non-zero", "0 non-zero", n);
  memset(cov, 0, sizeof cov); COV(struct shminfo64, shmmax); COV(struct shminfo64, shmmin); COV(struct shminfo64, shmmni); COV(struct shminfo64, shmseg); COV(struct shminfo64, shmall);
  fill(); k_shmctl(0, IPC_INFO, B); n = pad_bad(sizeof(struct shminfo64));
  CHECK("shminfo64 __unused1..4 zeroed (IPC_INFO)", n == 0, "%d non-zero", "0 non-zero", n);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
