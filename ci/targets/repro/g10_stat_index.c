/* MSG_STAT/SEM_STAT/SHM_STAT take an index (not an id) and return the full id on Linux. gVisor: MSG_STAT and
 * SHM_STAT return 0, SEM_STAT fails EINVAL, and the *_STAT_ANY variants are missing. Uses the 65th object so the
 * id (32768) differs from the index (0). */
#include "repro.h"
int main(void) {
  long q = -1, s = -1, h = -1;
  for (int i = 0; i < 65; i++) { if (q >= 0) k_msgctl(q, IPC_RMID, 0); q = k_msgget(IPC_PRIVATE, 0600); }
  for (int i = 0; i < 65; i++) { if (s >= 0) k_semctl(s, 0, IPC_RMID, 0); s = k_semget(IPC_PRIVATE, 1, 0600); }
  for (int i = 0; i < 65; i++) { if (h >= 0) k_shmctl(h, IPC_RMID, 0); h = k_shmget(IPC_PRIVATE, 4096, 0600); }
  printf("#        ids: msg %ld sem %ld shm %ld\n", q, s, h);
#define ST(label, call, id) do { long _r = CALL(call); char o[48]; if (_r < 0) snprintf(o, 48, "%s", en(_r)); else snprintf(o, 48, "%ld", _r); \
    CHECK(label, _r == (id), "%s", "the id", o); } while (0)
  ST("msgctl(index, MSG_STAT)", k_msgctl(q & 0x7fff, MSG_STAT, B), q);
  ST("semctl(index, SEM_STAT)", k_semctl(s & 0x7fff, 0, SEM_STAT, (unsigned long)B), s);
  ST("shmctl(index, SHM_STAT)", k_shmctl(h & 0x7fff, SHM_STAT, B), h);
  ST("msgctl(index, MSG_STAT_ANY)", k_msgctl(q & 0x7fff, MSG_STAT_ANY, B), q);
  ST("semctl(index, SEM_STAT_ANY)", k_semctl(s & 0x7fff, 0, SEM_STAT_ANY, (unsigned long)B), s);
  ST("shmctl(index, SHM_STAT_ANY)", k_shmctl(h & 0x7fff, SHM_STAT_ANY, B), h);
  k_msgctl(q, IPC_RMID, 0); k_semctl(s, 0, IPC_RMID, 0); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
