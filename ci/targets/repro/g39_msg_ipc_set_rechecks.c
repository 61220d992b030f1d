/* IPC_SET wakes every receiver asleep on the queue to check its permission again (Linux: msgctl_down
 * calls expunge_all(msq, -EAGAIN), so the receiver retries and fails with EACCES once the new mode
 * takes read permission away from it).  gVisor leaves it asleep. */
#include "repro.h"
int main(void) {
  int q = (int)k_msgget(IPC_PRIVATE, 0666);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1001)) _exit(4);
    struct { long t; char x[8]; } m; long r = k_msgrcv(q, &m, sizeof m.x, 0, 0);
    _exit(r >= 0 ? 0 : errno == EACCES ? 1 : 3);
  }
  if (wait_sleeping(c, 5000)) { printf("the receiver did not block\n"); return 2; }
  struct msqid_ds ds; memset(&ds, 0, sizeof ds); k_msgctl(q, IPC_STAT, &ds);
  ds.msg_perm.mode = 0600; long set = k_msgctl(q, IPC_SET, &ds);
  int st = reap_within(c, 2000);
  const char *o = st < 0 ? "still asleep" : WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "EACCES" : "other";
  CHECK("IPC_SET mode 0600 while uid 1001 sleeps in msgrcv: the receiver", set == 0 && st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1,
        "%s", "EACCES", o);
  k_msgctl(q, IPC_RMID, 0); if (st < 0) waitpid(c, 0, 0);
  DONE();
}
