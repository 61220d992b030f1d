/* msgctl(IPC_RMID) on an id that does not exist (or was already removed) is EINVAL on Linux; gVisor returns 0.
 * (semctl/shmctl are right.) */
#include "repro.h"
int main(void) {
  long q = k_msgget(IPC_PRIVATE, 0600); k_msgctl(q, IPC_RMID, 0);
  CHECK_R("msgctl(removed id, IPC_RMID)", k_msgctl(q, IPC_RMID, 0), "EINVAL");
  CHECK_R("msgctl(12345, IPC_RMID) never existed", k_msgctl(12345, IPC_RMID, 0), "EINVAL");
  CHECK_R("semctl(12345, IPC_RMID)", k_semctl(12345, 0, IPC_RMID, 0), "EINVAL");
  CHECK_R("shmctl(12345, IPC_RMID)", k_shmctl(12345, IPC_RMID, 0), "EINVAL");
  DONE();
}
