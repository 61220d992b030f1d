/* Attaching over an existing mapping: Linux refuses without SHM_REMAP (EINVAL: do_shmat finds a vma in the
 * range) and replaces the mapping with SHM_REMAP. gVisor 20221219 passes the address to its mmap as a hint
 * without SHM_REMAP (it attaches elsewhere) and as a fixed address that must be free with SHM_REMAP
 * (memmap.MMapOpts.Fixed without Unmap: ENOMEM). */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600);
  char *m = mmap(0, 2 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(m, 2 << 20);
  m = (char *)(((uintptr_t)m + (1 << 20) - 1) & ~(uintptr_t)((1 << 20) - 1)); /* SHMLBA-aligned on every arch */
  m = mmap(m, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); m[0] = 'M';
  long r = CALL(k_shmat(h, m, 0));
  CHECK("shmat over a live mapping, no SHM_REMAP", r == -1 && errno == EINVAL, "%s", "EINVAL",
        r == -1 ? en(r) : (r == (long)m ? "ok, replacing the mapping" : "ok, attached at another address"));
  if (r != -1) k_shmdt((void *)r);
  m = mmap(m, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0); m[0] = 'M';
  r = CALL(k_shmat(h, m, SHM_REMAP));
  CHECK("shmat over a live mapping, SHM_REMAP", r == (long)m, "%s", "ok, at that address",
        r == -1 ? en(r) : (r == (long)m ? "ok, at that address" : "ok, at another address"));
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
