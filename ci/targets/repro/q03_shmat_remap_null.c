/* shmat(id, NULL, SHM_REMAP) is EINVAL on Linux; qemu-user accepts it (it always adds SHM_REMAP to its own
 * address choice); gVisor returns ENOMEM. */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  long r = CALL(k_shmat(h, 0, SHM_REMAP)); CHECK_R("shmat(id, NULL, SHM_REMAP)", r == -1 ? -1 : 0, "EINVAL");
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
