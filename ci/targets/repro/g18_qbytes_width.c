/* Linux passes msg_qbytes from IPC_SET through an int: 2^32+100 becomes 100. gVisor keeps all 64 bits. (64-bit only) */
#include "repro.h"
int main(void) {
#if __BITS_PER_LONG == 64
  int q = k_msgget(IPC_PRIVATE, 0600); fill(); k_msgctl(q, IPC_STAT, B); ((struct msqid64_ds *)B)->msg_qbytes = 0x100000064UL;
  long r = CALL(k_msgctl(q, IPC_SET, B)); fill(); k_msgctl(q, IPC_STAT, B);
  unsigned long qb = ((struct msqid64_ds *)B)->msg_qbytes;
  CHECK("IPC_SET msg_qbytes=2^32+100 then IPC_STAT", r == 0 && qb == 100, "r=%s qbytes=%lu", "r=ok qbytes=100", en(r), qb);
  k_msgctl(q, IPC_RMID, 0);
#endif
  DONE();
}
