/* shmget without SHM_NORESERVE charges the whole size to the overcommit accounting at creation (Linux:
 * newseg -> shmem_kernel_file_setup -> shmem_acct_size -> security_vm_enough_memory_mm): with this host's
 * vm.overcommit_memory = 0, a 128 TiB segment, far beyond memory and swap, is ENOMEM (the expected value
 * depends on the host's overcommit policy). gVisor 20221219 creates it; with SHM_NORESERVE both create it. */
#include "repro.h"
int main(void) {
  if (sizeof(long) < 8) { printf("linux    (64-bit only: a 128 TiB size does not fit)\n"); DONE(); }
  FILE *f = fopen("/proc/sys/vm/overcommit_memory", "r"); int oc = -1; if (f) { if (fscanf(f, "%d", &oc) != 1) oc = -1; fclose(f); }
  printf("#        vm.overcommit_memory here: %d\n", oc);
  unsigned long size = 1UL << (sizeof(long) == 8 ? 47 : 30);
  long r = CALL(k_shmget(IPC_PRIVATE, size, 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("shmget(128 TiB, 0)", r, "ENOMEM");
  r = CALL(k_shmget(IPC_PRIVATE, size, SHM_NORESERVE | 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("shmget(128 TiB, SHM_NORESERVE)", r, "ok");
  DONE();
}
