/* 64-bit guests under qemu-user: qemu's target_msqid_ds declares msg_lspid/msg_lrpid as abi_ulong (8 bytes)
 * where the kernel has __kernel_pid_t (4 bytes): msg_lrpid reads 0 and the pid lands in __unused4. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {1, "x"};
  k_msgsnd(q, &m, 1, 0); k_msgrcv(q, &m, 8, 0, 0);
  fill(); k_msgctl(q, IPC_STAT, B); struct msqid64_ds *d = (void *)B;
  CHECK("msg_lspid == getpid()", d->msg_lspid == getpid(), "%s", "yes", d->msg_lspid == getpid() ? "yes" : "no");
  CHECK("msg_lrpid == getpid()", d->msg_lrpid == getpid(), "lrpid=%d __unused4=%#lx", "lrpid=pid, __unused4=0", d->msg_lrpid, (unsigned long)d->__unused4);
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
