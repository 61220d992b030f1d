/* semctl(SETALL) checks alter permission before it reads the caller's array (Linux: semctl_main does
 * ipcperms(S_IWUGO) -> EACCES before copy_from_user -> EFAULT). gVisor 20221219 copies the array in first:
 * a caller without permission and a NULL array gets EFAULT. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 2, 0600);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1000)) { printf("setresuid failed\n"); _exit(2); }
    CHECK_R("uid 1000, set 0600 of root: semctl(SETALL, NULL)", k_semctl(s, 0, SETALL, 0), "EACCES");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
