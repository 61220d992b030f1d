/* shmat at an address that is not SHMLBA-aligned, without SHM_RND, is EINVAL on Linux; gVisor attaches. */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  char *m = mmap(0, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(m, 1 << 20);
  long r = CALL(k_shmat(h, m + 65536 + 100, 0)); CHECK_R("shmat(id, unaligned addr, 0)", r == -1 ? -1 : 0, "EINVAL");
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
