/* semctl(GETPID) returns the pid of the last semop caller even after it has exited (Linux stores the number).
 * gVisor returns 0 once that process is gone. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 1, 0600);
  pid_t c = fork(); if (c == 0) { struct sembuf b = {0, 1, 0}; k_semop(s, &b, 1); _exit(0); }
  waitpid(c, 0, 0);
  long p = k_semctl(s, 0, GETPID, 0);
  CHECK("GETPID after the child that did semop exited", p == c, "%s", "child's pid", p == c ? "child's pid" : (p == 0 ? "0" : "other"));
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
