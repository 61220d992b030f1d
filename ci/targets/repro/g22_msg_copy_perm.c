/* msgrcv(MSG_COPY) needs read permission like any msgrcv (Linux: do_msgrcv checks ipcperms(S_IRUGO) before
 * find_msg, whatever the mode). gVisor 20221219 copies the message out for a caller without read permission. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600); struct { long t; char x[8]; } m = {1, "m"};
  k_msgsnd(q, &m, 1, 0);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1000)) { printf("setresuid failed\n"); _exit(2); }
    CHECK_R("uid 1000, queue 0600 of root: msgrcv(MSG_COPY, index 0)", k_msgrcv(q, B, 8, 0, MSG_COPY | IPC_NOWAIT), "EACCES");
    CHECK_R("uid 1000, queue 0600 of root: msgrcv(type 0)", k_msgrcv(q, B, 8, 0, IPC_NOWAIT), "EACCES");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  k_msgctl(q, IPC_RMID, 0);
  DONE();
}
