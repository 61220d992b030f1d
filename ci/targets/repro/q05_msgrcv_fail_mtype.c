/* A failing msgrcv (ENOMSG, E2BIG) writes nothing on Linux; qemu-user writes the mtype word from its own
 * (uninitialised) host bounce buffer: host heap bytes leak into the guest buffer. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600);
  fill(); long r = CALL(k_msgrcv(q, B, 100, 0, IPC_NOWAIT));
  CHECK("msgrcv ENOMSG leaves buffer untouched", nwritten(0, sizeof B) == 0, "%s, %d bytes written, mtype=%#lx", "0 bytes written", en(r), nwritten(0, sizeof B), *(unsigned long *)B);
  struct { long t; char x[16]; } m = {1, "0123456789"}; k_msgsnd(q, &m, 10, 0);
  fill(); r = CALL(k_msgrcv(q, B, 5, 0, IPC_NOWAIT));
  CHECK("msgrcv E2BIG leaves buffer untouched", nwritten(0, sizeof B) == 0, "%s, %d bytes written", "0 bytes written", en(r), nwritten(0, sizeof B));
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
