/* IPC_INFO ignores the id but a negative one is refused first (Linux: ksys_msgctl, ksys_semctl and
 * ksys_shmctl return EINVAL for id < 0 before looking at cmd). gVisor 20221219 answers msgctl(-1, IPC_INFO). */
#include "repro.h"
int main(void) {
  fill(); CHECK_R("msgctl(-1, IPC_INFO)", k_msgctl(-1, IPC_INFO, B), "EINVAL");
  fill(); CHECK_R("semctl(-1, 0, IPC_INFO)", k_semctl(-1, 0, IPC_INFO, (unsigned long)B), "EINVAL");
  fill(); CHECK_R("shmctl(-1, IPC_INFO)", k_shmctl(-1, IPC_INFO, B), "EINVAL");
  DONE();
}
