/* msgget/semget/shmget(key, 0600) of an existing 0600 root object by another uid is EACCES on Linux
 * (the requested mode bits are checked against the object); gVisor grants all three. */
#include "repro.h"
int main(void) {
  int q = k_msgget(0x1234, IPC_CREAT | 0600), s = k_semget(0x1234, 1, IPC_CREAT | 0600), h = k_shmget(0x1234, 4096, IPC_CREAT | 0600);
  pid_t c = fork();
  if (c == 0) {
    become_uid(1000);
    CHECK_R("uid 1000: msgget(key, 0600)", k_msgget(0x1234, 0600), "EACCES");
    CHECK_R("uid 1000: semget(key, 1, 0600)", k_semget(0x1234, 1, 0600), "EACCES");
    CHECK_R("uid 1000: shmget(key, 4096, 0600)", k_shmget(0x1234, 4096, 0600), "EACCES");
    CHECK_R("uid 1000: msgget(key, 0) (no mode requested)", k_msgget(0x1234, 0), "ok");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
