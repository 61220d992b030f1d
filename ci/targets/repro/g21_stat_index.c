/* MSG_STAT, SHM_STAT and their _ANY forms take an index into the namespace's table and return the id of the
 * object there (Linux: ipc_obtain_object_idr(index), then ipc_buildid()); in a fresh namespace the first object
 * is at index 0 and the second at index 1. gVisor 20221219 looks MSG_STAT, MSG_STAT_ANY and SHM_STAT up as
 * an id and returns 0 as IPC_STAT does, so index 0 finds nothing (its ids start at 1: EINVAL) and index 1 finds
 * the first object; SHM_STAT_ANY is not implemented (EINVAL). SEM_STAT and SEM_STAT_ANY do take an index. */
#include "repro.h"
static void stat_check(const char *label, long r, long want_id, int key, int want_key) {
  char o[64];
  if (r < 0) snprintf(o, sizeof o, "%s", en(r));
  else snprintf(o, sizeof o, "r=%ld key=%#x", r, key);
  CHECK(label, r == want_id && key == want_key, "%s", "the id of the object at that index", o);
}
int main(void) {
  int q0 = k_msgget(0x2101, IPC_CREAT | 0600), q1 = k_msgget(0x2102, IPC_CREAT | 0600);
  int s0 = k_semget(0x2101, 1, IPC_CREAT | 0600), s1 = k_semget(0x2102, 1, IPC_CREAT | 0600);
  int h0 = k_shmget(0x2101, 4096, IPC_CREAT | 0600), h1 = k_shmget(0x2102, 4096, IPC_CREAT | 0600);
  printf("#        ids: msg %d %d, sem %d %d, shm %d %d\n", q0, q1, s0, s1, h0, h1);
  struct msqid64_ds *m = (void *)B; struct semid64_ds *s = (void *)B; struct shmid64_ds *h = (void *)B;
  long r;
  fill(); r = CALL(k_msgctl(0, MSG_STAT, B)); stat_check("msgctl(0, MSG_STAT)", r, q0, m->msg_perm.key, 0x2101);
  fill(); r = CALL(k_msgctl(1, MSG_STAT, B)); stat_check("msgctl(1, MSG_STAT)", r, q1, m->msg_perm.key, 0x2102);
  fill(); r = CALL(k_msgctl(0, MSG_STAT_ANY, B)); stat_check("msgctl(0, MSG_STAT_ANY)", r, q0, m->msg_perm.key, 0x2101);
  fill(); r = CALL(k_shmctl(0, SHM_STAT, B)); stat_check("shmctl(0, SHM_STAT)", r, h0, h->shm_perm.key, 0x2101);
  fill(); r = CALL(k_shmctl(1, SHM_STAT, B)); stat_check("shmctl(1, SHM_STAT)", r, h1, h->shm_perm.key, 0x2102);
  fill(); r = CALL(k_shmctl(0, SHM_STAT_ANY, B)); stat_check("shmctl(0, SHM_STAT_ANY)", r, h0, h->shm_perm.key, 0x2101);
  fill(); r = CALL(k_semctl(0, 0, SEM_STAT, (unsigned long)B)); stat_check("semctl(0, SEM_STAT)", r, s0, s->sem_perm.key, 0x2101);
  fill(); r = CALL(k_semctl(1, 0, SEM_STAT_ANY, (unsigned long)B)); stat_check("semctl(1, SEM_STAT_ANY)", r, s1, s->sem_perm.key, 0x2102);
  k_msgctl(q0, IPC_RMID, 0); k_msgctl(q1, IPC_RMID, 0); k_semctl(s0, 0, IPC_RMID, 0); k_semctl(s1, 0, IPC_RMID, 0);
  k_shmctl(h0, IPC_RMID, 0); k_shmctl(h1, IPC_RMID, 0);
  DONE();
}
