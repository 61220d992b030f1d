/* semctl(SETVAL) checks semnum before the caller's alter permission (Linux, ipc/sem.c: semctl_setval returns
 * -EINVAL for a semnum outside [0, nsems) before ipcperms(S_IWUGO) -> -EACCES; GETVAL and the other commands of
 * semctl_main check permission first). gVisor 20221219 checks the permission first (semaphore.go: Set.SetVal):
 * a caller without alter permission and a semnum out of range gets EACCES. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 1, 0444);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1000)) { printf("setresuid failed\n"); _exit(2); }
    CHECK_R("uid 1000, set 0444 of root: semctl(SETVAL, semnum=5 of 1)", CALL(k_semctl(s, 5, SETVAL, 1)), "EINVAL");
    CHECK_R("uid 1000, set 0444 of root: semctl(SETVAL, semnum=0)", CALL(k_semctl(s, 0, SETVAL, 1)), "EACCES");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
