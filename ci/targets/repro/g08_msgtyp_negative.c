/* msgrcv with msgtyp < 0 takes the first message of the lowest type <= |msgtyp|. gVisor compares with <
 * instead of <=: a message whose type equals |msgtyp| is not found (ENOMSG). */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {5, "five"};
  k_msgsnd(q, &m, 4, 0);
  long r = CALL(k_msgrcv(q, &m, 8, -5, IPC_NOWAIT)); CHECK_R("msgrcv(type -5) with a type-5 message", r < 0 ? r : 0, "ok");
  long max = (long)(~0UL >> 1); m.t = max; k_msgsnd(q, &m, 4, 0);
  r = CALL(k_msgrcv(q, &m, 8, -max, IPC_NOWAIT)); CHECK_R("msgrcv(type -LONG_MAX) with a type-LONG_MAX message", r < 0 ? r : 0, "ok");
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
