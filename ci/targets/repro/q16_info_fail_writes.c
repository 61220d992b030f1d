/* msgctl(-1, IPC_INFO), shmctl(-1, IPC_INFO) and shmctl(-1, SHM_INFO) fail with EINVAL (Linux: ksys_msgctl and
 * ksys_shmctl refuse a negative id before they look at the command) and write nothing. qemu-user copies its
 * msginfo, shminfo or shm_info out to the guest whatever the host call said, so each failed call fills the
 * caller's buffer. */
#include "repro.h"
int main(void) {
  fill(); long r = CALL(k_msgctl(-1, IPC_INFO, B));
  CHECK("msgctl(-1, IPC_INFO) writes nothing", r == -1 && nwritten(0, sizeof B) == 0, "%s, %d bytes written",
        "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  fill(); r = CALL(k_shmctl(-1, IPC_INFO, B));
  CHECK("shmctl(-1, IPC_INFO) writes nothing", r == -1 && nwritten(0, sizeof B) == 0, "%s, %d bytes written",
        "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  fill(); r = CALL(k_shmctl(-1, SHM_INFO, B));
  CHECK("shmctl(-1, SHM_INFO) writes nothing", r == -1 && nwritten(0, sizeof B) == 0, "%s, %d bytes written",
        "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  DONE();
}
