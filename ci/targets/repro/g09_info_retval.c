/* IPC_INFO/MSG_INFO/SEM_INFO/SHM_INFO return the highest index in use on Linux (three objects of each kind:
 * the index of the third). gVisor returns 0 for msg and shm, and (number of sets - 1) for sem. */
#include "repro.h"
int main(void) {
  int q[3], s[3], h[3];
  for (int i = 0; i < 3; i++) { q[i] = k_msgget(IPC_PRIVATE, 0600); s[i] = k_semget(IPC_PRIVATE, 1, 0600); h[i] = k_shmget(IPC_PRIVATE, 4096, 0600); }
  long exp = q[2] & 0x7fff; char e[16]; snprintf(e, 16, "%ld", exp);
  long r = k_msgctl(0, IPC_INFO, B); CHECK("msgctl(IPC_INFO) return", r == exp, "%ld", e, r);
  r = k_msgctl(0, MSG_INFO, B); CHECK("msgctl(MSG_INFO) return", r == exp, "%ld", e, r);
  exp = s[2] & 0x7fff; snprintf(e, 16, "%ld", exp);
  r = k_semctl(0, 0, IPC_INFO, (unsigned long)B); CHECK("semctl(IPC_INFO) return", r == exp, "%ld", e, r);
  r = k_semctl(0, 0, SEM_INFO, (unsigned long)B); CHECK("semctl(SEM_INFO) return", r == exp, "%ld", e, r);
  exp = h[2] & 0x7fff; snprintf(e, 16, "%ld", exp);
  r = k_shmctl(0, IPC_INFO, B); CHECK("shmctl(IPC_INFO) return", r == exp, "%ld", e, r);
  r = k_shmctl(0, SHM_INFO, B); CHECK("shmctl(SHM_INFO) return", r == exp, "%ld", e, r);
  for (int i = 0; i < 3; i++) { k_msgctl(q[i], IPC_RMID, 0); k_semctl(s[i], 0, IPC_RMID, 0); k_shmctl(h[i], IPC_RMID, 0); }
  DONE();
}
