/* msgrcv accepts any non-negative msgsz (Linux: do_msgrcv refuses only (long)bufsz < 0; msgmax limits
 * msgsnd, not msgrcv). gVisor 20221219 refuses msgsz above msgmax (8192) with EINVAL. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {1, "hello"};
  k_msgsnd(q, &m, 5, 0);
  long r = CALL(k_msgrcv(q, B, 100000, 0, IPC_NOWAIT));
  CHECK("msgrcv(msgsz=100000) of a 5-byte message", r == 5, "%s", "5", r < 0 ? en(r) : (r == 5 ? "5" : "other"));
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
