/* msgctl(IPC_STAT) on an invalid id fails with EINVAL and writes nothing on Linux. qemu-user (64-bit guests)
 * converts the caller's buffer in and back out even when the host call failed: the pid fields get sign-extended. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600);
  fill(); long r = CALL(k_msgctl(q + 1, IPC_STAT, B));
  CHECK("msgctl(bad id, IPC_STAT) leaves buffer untouched", nwritten(0, sizeof B) == 0, "%s, %d bytes written", "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  fill(); r = CALL(k_semctl(q + 1, 0, IPC_STAT, (unsigned long)B));
  CHECK("semctl(bad id, IPC_STAT) leaves buffer untouched", nwritten(0, sizeof B) == 0, "%s, %d bytes written", "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  fill(); r = CALL(k_shmctl(q + 1, IPC_STAT, B));
  CHECK("shmctl(bad id, IPC_STAT) leaves buffer untouched", nwritten(0, sizeof B) == 0, "%s, %d bytes written", "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
