/* msgsnd reads the mtype word from the caller's buffer before it checks the size (Linux: ksys_msgsnd does
 * get_user(mtype) -> EFAULT, then do_msgsnd checks msgsz > msgmax -> EINVAL). gVisor 20221219 checks the size
 * first: msgsnd(q, NULL, 8193) is EINVAL there. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600);
  CHECK_R("msgsnd(q, NULL, 8193 > msgmax)", k_msgsnd(q, 0, 8193, IPC_NOWAIT), "EFAULT");
  CHECK_R("msgsnd(q, NULL, 1)", k_msgsnd(q, 0, 1, IPC_NOWAIT), "EFAULT");
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
