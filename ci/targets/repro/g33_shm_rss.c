/* SHM_INFO's shm_rss counts the pages of shared memory that are resident (Linux: shm_get_stat sums each
 * segment's shmem inode nrpages), so a segment never touched adds 0. gVisor 20221219 reports every page of
 * every segment (shm_rss == shm_tot). */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 3 * 4096, 0600);
  struct shm_info *si = (void *)B;
  fill(); long r = CALL(k_shmctl(0, SHM_INFO, B));
  CHECK("SHM_INFO with one 3-page segment never attached", r >= 0 && si->shm_tot == 3 && si->shm_rss == 0, "shm_tot=%lu shm_rss=%lu",
        "shm_tot=3 shm_rss=0", (unsigned long)si->shm_tot, (unsigned long)si->shm_rss);
  char *p = (char *)k_shmat(h, 0, 0); if (p != (char *)-1) p[0] = 1;
  fill(); r = CALL(k_shmctl(0, SHM_INFO, B));
  CHECK("SHM_INFO after one page was written", r >= 0 && si->shm_rss == 1, "shm_rss=%lu", "shm_rss=1", (unsigned long)si->shm_rss);
  if (p != (char *)-1) k_shmdt(p);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
