/* msgrcv into an unwritable buffer: Linux dequeues the message, then fails with EFAULT (the message is lost).
 * qemu-user checks the guest buffer first and fails without dequeuing. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {1, "abc"};
  k_msgsnd(q, &m, 3, 0);
  long r = CALL(k_msgrcv(q, (void *)8, 100, 0, IPC_NOWAIT)); CHECK_R("msgrcv(buf=(void*)8)", r, "EFAULT");
  fill(); k_msgctl(q, IPC_STAT, B);
  unsigned long qnum = ((struct msqid64_ds *)B)->msg_qnum;
  CHECK("queue length after the EFAULT", qnum == 0, "qnum=%lu", "0 (message consumed)", qnum);
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
