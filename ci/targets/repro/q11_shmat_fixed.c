/* shmat at an explicit, free, SHMLBA-aligned address succeeds on Linux. Under qemu-user for 32-bit guests the
 * whole guest address space is reserved on the host (PROT_NONE), so the host shmat without SHM_REMAP fails EINVAL.
 * SHMLBA is 16 KiB on arm, 4 KiB elsewhere; the address is 1 MiB aligned. */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 65536, 0600);
  char *m = mmap(0, 4 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); munmap(m, 4 << 20);
  char *a = (char *)(((uintptr_t)m + (1 << 20) - 1) & ~(uintptr_t)((1 << 20) - 1));
  long r = CALL(k_shmat(h, a, 0)); CHECK("shmat(id, free aligned addr, 0)", r != -1 && (char *)r == a, "%s", "ok at that address", r == -1 ? en(-1) : ((char *)r == a ? "ok at that address" : "ok elsewhere"));
  if (r != -1) k_shmdt((void *)r);
  r = CALL(k_shmat(h, a + 100, SHM_RND)); CHECK("shmat(id, addr+100, SHM_RND)", r != -1 && (char *)r == a, "%s", "ok at addr", r == -1 ? en(-1) : ((char *)r == a ? "ok at addr" : "ok elsewhere"));
  if (r != -1) k_shmdt((void *)r);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
