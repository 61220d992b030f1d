/* semctl(SETALL) needs alter permission only (Linux: semctl_main checks ipcperms(S_IWUGO)). qemu-user first
 * asks the host for the set's size with semctl(IPC_STAT), which needs read permission, so on a set whose mode
 * gives the caller write but not read (0200 for its owner) SETALL fails with EACCES. Run as root: the set is
 * given to uid 1001, which then calls. */
#include "repro.h"
#include <unistd.h>
int main(void) {
  int s = k_semget(IPC_PRIVATE, 2, 0600);
  struct semid64_ds sd; k_semctl(s, 0, IPC_STAT, (unsigned long)&sd);
  sd.sem_perm.uid = 1001; sd.sem_perm.mode = 0200; k_semctl(s, 0, IPC_SET, (unsigned long)&sd);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1001)) { printf("setresuid failed\n"); _exit(2); }
    unsigned short v[2] = { 3, 4 };
    CHECK_R("SETALL by the owner of a 0200 set", k_semctl(s, 0, SETALL, (unsigned long)v), "ok");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0);
  repro_diverged |= !WIFEXITED(st) || WEXITSTATUS(st) != 0;
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
