/* msgctl(-1, IPC_INFO) fails with EINVAL (Linux: ksys_msgctl refuses a negative id before it looks at the
 * command) and writes nothing. qemu-user copies its msginfo out to the guest whatever the host call said, so the
 * failed call fills the caller's buffer. */
#include "repro.h"
int main(void) {
  fill(); long r = CALL(k_msgctl(-1, IPC_INFO, B));
  CHECK("msgctl(-1, IPC_INFO) writes nothing", r == -1 && nwritten(0, sizeof B) == 0, "%s, %d bytes written",
        "EINVAL, 0 bytes written", en(r), nwritten(0, sizeof B));
  DONE();
}
