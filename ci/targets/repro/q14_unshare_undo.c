/* unshare(CLONE_NEWIPC) implies CLONE_SYSVSEM: the caller leaves its SEM_UNDO list, and Linux applies the
 * adjustments then, when the caller held the only reference (ipc/sem.c exit_sem). qemu-user's own threads
 * (its RCU thread, made with CLONE_SYSVSEM like every thread) share the guest's list, so the unshare only
 * drops a reference: the adjustments wait until qemu exits. */
#define _GNU_SOURCE
#include "repro.h"
#include <sched.h>
#include <unistd.h>
int main(void) {
  int s = k_semget(IPC_PRIVATE, 1, 0600), ready[2], done[2];
  if (pipe(ready) || pipe(done)) return 2;
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    struct sembuf up = { 0, 3, SEM_UNDO };
    char b = 0;
    if (k_semop(s, &up, 1) < 0 || unshare(CLONE_NEWIPC) < 0) b = 1;
    if (write(ready[1], &b, 1) != 1 || read(done[0], &b, 1) != 1) _exit(2);
    _exit(0);
  }
  char b = 1;
  if (read(ready[0], &b, 1) != 1 || b) { printf("the child could not semop or unshare\n"); return 2; }
  long v = k_semctl(s, 0, GETVAL, 0);
  CHECK("GETVAL after the SEM_UNDO holder's unshare(CLONE_NEWIPC), before it exits", v == 0, "%ld", "0", v);
  if (write(done[1], &b, 1) != 1) return 2;
  waitpid(c, NULL, 0);
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
