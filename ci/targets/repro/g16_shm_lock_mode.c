/* shmctl(SHM_LOCK) sets SHM_LOCKED (02000) in shm_perm.mode on Linux; gVisor accepts the call but the bit stays clear. */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  CHECK_R("shmctl(SHM_LOCK)", k_shmctl(h, SHM_LOCK, 0), "ok");
  fill(); k_shmctl(h, IPC_STAT, B); unsigned mode = ((struct shmid64_ds *)B)->shm_perm.mode & 0xffff;
  CHECK("shm_perm.mode after SHM_LOCK", mode == 02600, "%#o", "02600", mode);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
