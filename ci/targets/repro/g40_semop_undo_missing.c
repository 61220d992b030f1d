/* semop with SEM_UNDO on an id that names no set fails at once with EINVAL (Linux: find_alloc_undo
 * looks the set up first and finds none).  gVisor hangs in the call. */
#include "repro.h"
int main(void) {
  int s = (int)k_semget(IPC_PRIVATE, 1, 0600);
  int missing = s + 1 == 0 ? 2 : s + 1;
  pid_t c = fork();
  if (c == 0) { struct sembuf b = {0, -1, SEM_UNDO}; long r = k_semop(missing, &b, 1); _exit(r == 0 ? 0 : errno == EINVAL ? 1 : 3); }
  int st = reap_within(c, 2000);
  const char *o = st < 0 ? "asleep after 2 s" : WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "EINVAL" : "other";
  CHECK("semop(id of no set, {0,-1,SEM_UNDO})", st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1, "%s", "EINVAL", o);
  if (st < 0) { kill(c, SIGKILL); waitpid(c, 0, 0); }
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
