/* SEM_UNDO: adjustments are applied when the process exits, and a semop whose adjustment would leave
 * [-32768, 32767] fails with ERANGE. gVisor applies no undo at exit and never returns ERANGE for it. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 2, 0600); k_semctl(s, 1, SETVAL, 5);
  pid_t c = fork(); if (c == 0) { struct sembuf b[2] = {{0, 2, SEM_UNDO}, {1, -1, SEM_UNDO}}; k_semop(s, b, 2); _exit(0); }
  waitpid(c, 0, 0);
  long v0 = k_semctl(s, 0, GETVAL, 0), v1 = k_semctl(s, 1, GETVAL, 0);
  CHECK("values after a child did +2/-1 with SEM_UNDO and exited", v0 == 0 && v1 == 5, "%ld %ld", "0 5", v0, v1);
  k_semctl(s, 0, SETVAL, 32767);
  struct sembuf b = {0, -32767, SEM_UNDO}; k_semop(s, &b, 1);           /* semadj = +32767 */
  b.sem_op = 32767; b.sem_flg = 0; k_semop(s, &b, 1);                    /* value back to 32767, adj unchanged */
  b.sem_op = -1; b.sem_flg = SEM_UNDO;
  CHECK_R("semop(-1, SEM_UNDO) when semadj is already +32767", k_semop(s, &b, 1), "ERANGE");
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
