/* shmat at an address that is not SHMLBA-aligned, without SHM_RND, is EINVAL on Linux (do_shmat:
 * addr & (shmlba - 1) without SHM_RND). gVisor 20221219 has no SHMLBA check: its shmat hands the address to
 * its mmap, which attaches at the page below. */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  char *m = mmap(0, 1 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(m, 1 << 20);
  char *want = m + 65536 + 100;
  long r = CALL(k_shmat(h, want, 0));
  CHECK("shmat(id, unaligned addr, 0)", r == -1 && errno == EINVAL, "%s", "EINVAL",
        r == -1 ? en(r) : (r == (long)(m + 65536) ? "ok, at the page below" : "ok, elsewhere"));
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
