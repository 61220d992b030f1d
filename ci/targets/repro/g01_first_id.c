/* In a fresh IPC namespace Linux hands out id 0 first (index 0, seq 0); gVisor starts at 1. */
#include "repro.h"
int main(void) {
  long q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  CHECK("first msqid/semid/shmid in a fresh namespace", q == 0 && s == 0 && h == 0, "%ld %ld %ld", "0 0 0", q, s, h);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
