/* A MSG_NOERROR receive that truncates a message removes the whole message from the queue's byte count
 * (Linux: msg_cbytes -= msg->m_ts, the full size; the cut part is discarded). gVisor 20221219 subtracts
 * only what was delivered: msg_cbytes keeps the cut bytes with no message left. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[16]; } m = {1, "abcdefghij"};
  k_msgsnd(q, &m, 10, 0);
  long r = CALL(k_msgrcv(q, B, 3, 0, MSG_NOERROR | IPC_NOWAIT));
  struct msqid64_ds ds; memset(&ds, 0, sizeof ds); k_msgctl(q, IPC_STAT, &ds);
  CHECK("after msgrcv(msgsz=3, MSG_NOERROR) of the only (10-byte) message", r == 3 && ds.msg_qnum == 0 && ds.msg_cbytes == 0,
        "r=%ld qnum=%lu cbytes=%lu", "r=3 qnum=0 cbytes=0", r, (unsigned long)ds.msg_qnum, (unsigned long)ds.msg_cbytes);
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
