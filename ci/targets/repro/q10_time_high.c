/* 32-bit ABIs (i386, armhf): the kernel's *_ds have msg_stime + msg_stime_high etc. and Linux fills both halves.
 * qemu-user 7.2 writes only the low word, so a 64-bit time built from the two halves is garbage. */
#include "repro.h"
int main(void) {
#if KTIME_HAS_HIGH
  int q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  fill(); k_msgctl(q, IPC_STAT, B); struct msqid64_ds *m = (void *)B;
  CHECK("msg_stime_high/msg_ctime_high", m->msg_stime_high == 0 && m->msg_ctime_high == 0, "stime_high=%#lx ctime_high=%#lx", "0, 0", (unsigned long)m->msg_stime_high, (unsigned long)m->msg_ctime_high);
  fill(); k_semctl(s, 0, IPC_STAT, (unsigned long)B); struct semid64_ds *sd = (void *)B;
  CHECK("sem_otime_high/sem_ctime_high", sd->sem_otime_high == 0 && sd->sem_ctime_high == 0, "otime_high=%#lx ctime_high=%#lx", "0, 0", (unsigned long)sd->sem_otime_high, (unsigned long)sd->sem_ctime_high);
  fill(); k_shmctl(h, IPC_STAT, B); struct shmid64_ds *hd = (void *)B;
  CHECK("shm_ctime_high", hd->shm_ctime_high == 0, "ctime_high=%#lx", "0", (unsigned long)hd->shm_ctime_high);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
#else
  printf("linux    (64-bit ABI: no *_high time words)\n");
#endif
  DONE();
}
