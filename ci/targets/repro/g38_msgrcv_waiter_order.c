/* Receivers asleep on a queue are served in the order they went to sleep (Linux: q_receivers is a list
 * walked from its head by pipelined_send), whoever they are: with the later-started process asleep
 * first and the earlier one second, one message goes to the first sleeper.  gVisor 20221219 wakes the
 * receivers and lets them race for it, so now and then the second sleeper gets it.  Both orders of
 * sleeping are tried, a few times each, since the race often goes Linux's way. */
#include "repro.h"
static int first_sleeper_served(int later_sleeps_first) {
  int q = (int)k_msgget(IPC_PRIVATE, 0600); pid_t c[2]; int go[2][2];
  for (int i = 0; i < 2; i++) {
    if (pipe(go[i])) return -1;
    c[i] = fork();
    if (c[i] == 0) { char b; if (read(go[i][0], &b, 1) != 1) _exit(4);
                     struct { long t; char x[8]; } m; _exit(k_msgrcv(q, &m, sizeof m.x, 0, 0) >= 0 ? 0 : 3); }
  }
  int order[2] = {later_sleeps_first ? 1 : 0, later_sleeps_first ? 0 : 1};
  for (int k = 0; k < 2; k++) {
    int i = order[k];
    if (write(go[i][1], "g", 1) != 1 || wait_sleeping(c[i], 5000)) { printf("receiver %d did not block\n", i); exit(2); }
  }
  struct { long t; char x[8]; } m = {1, "first"}; k_msgsnd(q, &m, 5, 0);
  int served = reap_within(c[order[0]], 2000) >= 0;
  k_msgctl(q, IPC_RMID, 0);                                        /* the other one fails with EIDRM */
  for (int i = 0; i < 2; i++) { waitpid(c[i], 0, 0); close(go[i][0]); close(go[i][1]); }
  return served;
}
int main(void) {
  int runs = 8, served[2] = {0, 0};
  for (int run = 0; run < runs; run++)
    for (int later_first = 0; later_first < 2; later_first++)
      served[later_first] += first_sleeper_served(later_first) == 1;
  char o[128]; snprintf(o, sizeof o, "the first sleeper got it in %d of %d runs (earlier-started first), %d of %d (later-started first)",
                        served[0], runs, served[1], runs);
  CHECK("one message, two receivers asleep: who gets it", served[0] == runs && served[1] == runs, "%s",
        "the first sleeper, every run", o);
  DONE();
}
