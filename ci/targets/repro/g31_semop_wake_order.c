/* An increment completes the blocked decrements in queue order, inside the incrementing call (Linux:
 * update_queue walks pending_alter FIFO and applies each operation that fits): with waiters for -3, -2, -1
 * (queued in that order) and +3, the -3 completes and the others stay blocked. gVisor 20221219 wakes every
 * waiter whose own operation fits the new value and lets them race to retry, so whichever runs first wins
 * (often -2 and -1 together). Repeated a few times, since the race may go Linux's way. */
#include "repro.h"
int main(void) {
  int diverged_runs = 0, runs = 10; char seen[64] = "";
  for (int run = 0; run < runs; run++) {
    int s = k_semget(IPC_PRIVATE, 1, 0600); pid_t c[3]; int need[3] = {3, 2, 1}, done[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
      c[i] = fork();
      if (c[i] == 0) { struct sembuf b = {0, (short)-need[i], 0}; _exit(k_semop(s, &b, 1) == 0 ? 0 : 3); }
      if (wait_sleeping(c[i], 5000)) { printf("waiter %d did not block\n", i); return 2; }
    }
    struct sembuf up = {0, 3, 0}; k_semop(s, &up, 1);
    int settled = 0;
    for (int t = 0; t < 5000 && !settled; t++) {                   /* value 0 and every waiter exited or queued again */
      int exited = 0;
      for (int i = 0; i < 3; i++) { if (!done[i] && waitpid(c[i], 0, WNOHANG) == c[i]) done[i] = 1; exited += done[i]; }
      settled = k_semctl(s, 0, GETVAL, 0) == 0 && exited + k_semctl(s, 0, GETNCNT, 0) == 3;
      if (!settled) msleep(1);
    }
    msleep(20);
    for (int i = 0; i < 3; i++) if (!done[i] && waitpid(c[i], 0, WNOHANG) == c[i]) done[i] = 1;
    char who[16] = ""; for (int i = 0; i < 3; i++) if (done[i]) snprintf(who + strlen(who), 4, "-%d", need[i]);
    if (!(done[0] && !done[1] && !done[2])) { diverged_runs++; snprintf(seen, sizeof seen, "%s", who); }
    k_semctl(s, 0, IPC_RMID, 0);                                   /* the others fail with EIDRM */
    for (int i = 0; i < 3; i++) if (!done[i]) waitpid(c[i], 0, 0);
  }
  char o[96]; if (diverged_runs) snprintf(o, sizeof o, "not -3 alone in %d of %d runs (last: %s)", diverged_runs, runs, seen);
  else snprintf(o, sizeof o, "-3 alone, in each of %d runs", runs);
  CHECK("+3 with waiters -3, -2, -1 queued in that order: who completes", diverged_runs == 0, "%s", "-3 alone, every run", o);
  DONE();
}
