/* struct ipc64_perm.mode is __kernel_mode_t: 32 bits on x86_64/aarch64, 16 on i386/arm. qemu-user always writes
 * 16 bits (its target_ipc_perm has 'unsigned short mode; unsigned short __pad1'), so on 64-bit guests the upper
 * half keeps whatever the caller had there. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  fill(); k_msgctl(q, IPC_STAT, B); unsigned m = ((struct msqid64_ds *)B)->msg_perm.mode; CHECK("msg_perm.mode (buffer pre-filled 0xA5)", m == 0600, "%#o", "0600", m);
  fill(); k_semctl(s, 0, IPC_STAT, (unsigned long)B); m = ((struct semid64_ds *)B)->sem_perm.mode; CHECK("sem_perm.mode", m == 0600, "%#o", "0600", m);
  fill(); k_shmctl(h, IPC_STAT, B); m = ((struct shmid64_ds *)B)->shm_perm.mode; CHECK("shm_perm.mode", m == 0600, "%#o", "0600", m);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
