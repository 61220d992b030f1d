/* A segment's size is a shmem file's size, a loff_t: above MAX_LFS_FILESIZE (2^63 - 1) Linux's
 * __shmem_file_setup refuses it with EINVAL before anything is charged, with or without SHM_NORESERVE
 * (shmmax's default, ULONG_MAX - 2^24, lets such sizes reach it); 2^63 - 1 itself is created with
 * SHM_NORESERVE. gVisor 20221219 says ENOMEM for 2^63. */
#include "repro.h"
int main(void) {
  if (sizeof(long) < 8) { printf("linux    (64-bit only: a 2^63 size does not fit)\n"); DONE(); }
  unsigned long big = ~0UL / 2 + 1;    /* 2^63 */
  long r = CALL(k_shmget(IPC_PRIVATE, big, 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("shmget(2^63, 0)", r, "EINVAL");
  r = CALL(k_shmget(IPC_PRIVATE, big, SHM_NORESERVE | 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("shmget(2^63, SHM_NORESERVE)", r, "EINVAL");
  DONE();
}
