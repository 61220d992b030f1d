/* SHM_INFO.used_ids counts existing segments; after IPC_RMID of an unattached segment it drops on Linux.
 * gVisor keeps counting the removed segment. */
#include "repro.h"
int main(void) {
  int a = k_shmget(IPC_PRIVATE, 4096, 0600), b = k_shmget(IPC_PRIVATE, 4096, 0600);
  k_shmctl(a, IPC_RMID, 0);
  fill(); k_shmctl(0, SHM_INFO, B); int used = ((struct shm_info *)B)->used_ids; unsigned long tot = ((struct shm_info *)B)->shm_tot;
  CHECK("SHM_INFO after creating 2 segments and removing 1", used == 1 && tot == 1, "used_ids=%d shm_tot=%lu", "used_ids=1 shm_tot=1", used, tot);
  k_shmctl(b, IPC_RMID, 0);
  DONE();
}
