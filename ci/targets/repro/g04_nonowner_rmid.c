/* An unprivileged process that is neither owner nor creator gets EPERM from IPC_RMID / SHM_LOCK on Linux.
 * gVisor lets it remove root's queue, set and segment (and lock the segment). */
#include "repro.h"
#include <fcntl.h>
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0666), s = k_semget(IPC_PRIVATE, 1, 0666), h = k_shmget(IPC_PRIVATE, 4096, 0666);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1000)) { printf("setresuid failed\n"); _exit(2); }
    char l[128] = "?"; FILE *f = fopen("/proc/self/status", "r"); while (f && fgets(l, sizeof l, f)) if (!strncmp(l, "CapEff", 6)) break; l[strcspn(l, "\n")] = 0;
    printf("linux    uid %d, %s\n", getuid(), l);
    CHECK_R("uid 1000: shmctl(root's segment, SHM_LOCK)", k_shmctl(h, SHM_LOCK, 0), "EPERM");
    CHECK_R("uid 1000: msgctl(root's queue, IPC_RMID)", k_msgctl(q, IPC_RMID, 0), "EPERM");
    CHECK_R("uid 1000: semctl(root's set, IPC_RMID)", k_semctl(s, 0, IPC_RMID, 0), "EPERM");
    CHECK_R("uid 1000: shmctl(root's segment, IPC_RMID)", k_shmctl(h, IPC_RMID, 0), "EPERM");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
