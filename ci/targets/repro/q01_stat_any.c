/* qemu-user 7.2: MSG_STAT_ANY / SEM_STAT_ANY / SHM_STAT_ANY (Linux 4.17+) are not translated: EINVAL. */
#include "repro.h"
int main(void) {
  int q = k_msgget(IPC_PRIVATE, 0600), s = k_semget(IPC_PRIVATE, 1, 0600), h = k_shmget(IPC_PRIVATE, 4096, 0600);
  long r = CALL(k_msgctl(q & 0x7fff, MSG_STAT_ANY, B)); CHECK("msgctl(idx, MSG_STAT_ANY)", r == q, "r=%s", "returns the id", r < 0 ? en(r) : (r == q ? "id" : "other"));
  r = CALL(k_semctl(s & 0x7fff, 0, SEM_STAT_ANY, (unsigned long)B)); CHECK("semctl(idx, SEM_STAT_ANY)", r == s, "r=%s", "returns the id", r < 0 ? en(r) : (r == s ? "id" : "other"));
  r = CALL(k_shmctl(h & 0x7fff, SHM_STAT_ANY, B)); CHECK("shmctl(idx, SHM_STAT_ANY)", r == h, "r=%s", "returns the id", r < 0 ? en(r) : (r == h ? "id" : "other"));
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
