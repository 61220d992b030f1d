/* Attaching over an existing mapping: Linux refuses without SHM_REMAP (EINVAL) and replaces it with SHM_REMAP.
 * gVisor does the opposite: silently replaces without SHM_REMAP and fails with SHM_REMAP (ENOMEM). */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  char *m = mmap(0, 2 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(m, 2 << 20);
  m = (char *)(((uintptr_t)m + (1 << 20) - 1) & ~(uintptr_t)((1 << 20) - 1)); /* SHMLBA-aligned on every arch */
  m = mmap(m, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); m[0] = 'M';
  long r = CALL(k_shmat(h, m, 0)); CHECK_R("shmat over a live mapping, no SHM_REMAP", r == -1 ? -1 : 0, "EINVAL");
  if (r != -1) k_shmdt((void *)r);
  m = mmap(m, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); m[0] = 'M';
  r = CALL(k_shmat(h, m, SHM_REMAP)); CHECK_R("shmat over a live mapping, SHM_REMAP", r == -1 ? -1 : 0, "ok");
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
