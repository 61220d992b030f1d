/* msgrcv with msgtyp = LONG_MIN takes the lowest type like any negative msgtyp (Linux: convert_mode turns
 * LONG_MIN into LONG_MAX, since -LONG_MIN is undefined). gVisor 20221219 negates it (still LONG_MIN):
 * no message qualifies, ENOMSG. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {2, "two"};
  k_msgsnd(q, &m, 3, 0);
  long min = -(long)(~0UL >> 1) - 1;
  long r = CALL(k_msgrcv(q, B, 8, min, IPC_NOWAIT));
  CHECK_R("msgrcv(type LONG_MIN) with a type-2 message", r < 0 ? r : 0, "ok");
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
