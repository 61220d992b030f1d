/* msgrcv(MSG_COPY) with a buffer smaller than the message: Linux says E2BIG and writes nothing; with MSG_NOERROR
 * Linux says EINVAL (copy_msg refuses). gVisor copies the whole message past msgsz (buffer overflow) and returns
 * its full length. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[16]; } m = {7, "0123456789"}; k_msgsnd(q, &m, 10, 0);
  fill(); long r = CALL(k_msgrcv(q, B, 2, 0, IPC_NOWAIT | MSG_COPY));
  CHECK("msgrcv(msgsz=2, MSG_COPY) of a 10-byte message", r < 0 && errno == E2BIG && nwritten(0, sizeof B) == 0, "r=%s%ld, %d bytes written",
        "E2BIG, 0 bytes written", r < 0 ? en(r) : "", r, nwritten(0, sizeof B));
  fill(); r = CALL(k_msgrcv(q, B, 2, 0, IPC_NOWAIT | MSG_COPY | MSG_NOERROR));
  CHECK("msgrcv(msgsz=2, MSG_COPY|MSG_NOERROR)", r < 0 && errno == EINVAL, "r=%s%ld, %d bytes written", "EINVAL", r < 0 ? en(r) : "", r, nwritten(0, sizeof B));
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
