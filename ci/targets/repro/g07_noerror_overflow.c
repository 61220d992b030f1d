/* msgrcv(msgsz=5, MSG_NOERROR) of a 10-byte message writes mtype + 5 bytes on Linux; gVisor writes 6. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[16]; } m = {7, "0123456789"}; k_msgsnd(q, &m, 10, 0);
  fill(); long r = CALL(k_msgrcv(q, B, 5, 0, IPC_NOWAIT | MSG_NOERROR));
  int w = nwritten(sizeof(long), sizeof B);
  CHECK("msgrcv(msgsz=5, MSG_NOERROR): bytes written after mtype", r == 5 && w == 5, "r=%ld, %d bytes", "r=5, 5 bytes", r, w);
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
