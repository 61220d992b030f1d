/* Raising msg_qbytes with IPC_SET wakes the senders blocked on a full queue (Linux: msgctl_down calls
 * ss_wakeup(msq, &wake_q, false) after changing msg_qbytes, and they retry). gVisor 20221219 leaves them
 * asleep until something else (a receive) happens. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct msqid64_ds *ds = (void *)B;
  k_msgctl(q, IPC_STAT, B); ds->msg_qbytes = 10; k_msgctl(q, IPC_SET, B);
  struct { long t; char x[8]; } m = {1, "12345678"};
  k_msgsnd(q, &m, 8, 0);
  pid_t c = fork();
  if (c == 0) { m.t = 2; _exit(k_msgsnd(q, &m, 8, 0) == 0 ? 0 : 3); }
  int asleep = wait_sleeping(c, 5000) == 0;
  CHECK("sender of 8 bytes into 8 of 10 bytes", asleep, "%s", "blocked", asleep ? "blocked" : "not blocked");
  k_msgctl(q, IPC_STAT, B); ds->msg_qbytes = 16; k_msgctl(q, IPC_SET, B);
  int st = reap_within(c, 2000);
  CHECK("after IPC_SET msg_qbytes=16", st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", "the sender completes",
        st == -1 ? "still blocked" : "the sender completes");
  if (st == -1) { kill(c, SIGKILL); waitpid(c, 0, 0); }
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
