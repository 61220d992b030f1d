/* GETPID is per semaphore: semop records the caller's pid only in the semaphores it operates on (Linux:
 * perform_atomic_semop updates sempid for each sop's semaphore). gVisor 20221219 records it in every semaphore
 * of the set, so GETPID of semaphore 0 names whoever last operated on semaphore 1. */
#include "repro.h"
int main(void) {
  int s = k_semget(IPC_PRIVATE, 2, 0600), go[2], done[2];
  if (pipe(go) || pipe(done)) return 2;
  struct sembuf b = {0, 1, 0}; k_semop(s, &b, 1);                 /* this process: semaphore 0 */
  pid_t c = fork();
  if (c == 0) { char x; struct sembuf o = {1, 1, 0}; k_semop(s, &o, 1); x = 1; if (write(done[1], &x, 1)) {} if (read(go[0], &x, 1)) {} _exit(0); }
  char x; if (read(done[0], &x, 1) != 1) return 2;                 /* the child: semaphore 1, and stays alive */
  long p0 = k_semctl(s, 0, GETPID, 0), p1 = k_semctl(s, 1, GETPID, 0);
  CHECK("GETPID of semaphore 0 (this process) and 1 (a live child)", p0 == getpid() && p1 == c, "%s %s", "this process, the child",
        p0 == getpid() ? "this process," : (p0 == c ? "the child," : "other,"), p1 == c ? "the child" : "other");
  x = 1; if (write(go[1], &x, 1)) {} waitpid(c, 0, 0);
  k_semctl(s, 0, IPC_RMID, 0);
  DONE();
}
