/* IPC_SET with a NULL buffer is EFAULT on Linux; gVisor's msgctl returns EINVAL. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  CHECK_R("msgctl(IPC_SET, NULL)", k_msgctl(q, IPC_SET, 0), "EFAULT");
  CHECK_R("semctl(IPC_SET, NULL)", k_semctl(s, 0, IPC_SET, 0), "EFAULT");
  CHECK_R("shmctl(IPC_SET, NULL)", k_shmctl(h, IPC_SET, 0), "EFAULT");
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
