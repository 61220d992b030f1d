/* Linux allocates indexes cyclically within max(in_use*3/2, 64) and bumps the sequence number each time the
 * index wraps: create+remove 70 times in a fresh namespace gives ids 0..63, then 32768, 32769, ... (seq 1).
 * ipc_perm.seq reports the sequence. gVisor never wraps (ids keep counting 1, 2, 3, ...; seq stays 0). */
#include "repro.h"
int main(void) {
  long ids[70];
  for (int i = 0; i < 70; i++) { ids[i] = k_msgget(IPC_PRIVATE, 0600); if (i < 69) k_msgctl(ids[i], IPC_RMID, 0); }
  fill(); k_msgctl(ids[69], IPC_STAT, B); unsigned seq = ((struct msqid64_ds *)B)->msg_perm.seq;
  CHECK("65th and 70th msqid after create/remove cycles", ids[64] == 32768 && ids[69] == 32773, "%ld %ld", "32768 32773", ids[64], ids[69]);
  CHECK("msg_perm.seq of the 70th queue", seq == 1, "%u", "1", seq);
  k_msgctl(ids[69], IPC_RMID, 0);
  DONE();
}
