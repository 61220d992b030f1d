/* semctl with semnum outside [0, nsems) is EINVAL on Linux; gVisor returns ERANGE. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 3, 0600);
  CHECK_R("semctl(GETVAL, semnum=3 of 3)", k_semctl(s, 3, GETVAL, 0), "EINVAL");
  CHECK_R("semctl(SETVAL, semnum=5)", k_semctl(s, 5, SETVAL, 1), "EINVAL");
  CHECK_R("semctl(GETNCNT, semnum=-1)", k_semctl(s, -1, GETNCNT, 0), "EINVAL");
  CHECK_R("semctl(GETPID, semnum=3)", k_semctl(s, 3, GETPID, 0), "EINVAL");
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
