/* A process asleep in semop is counted by GETZCNT/GETNCNT all the time it sleeps, on the semaphore where its
 * operations stopped the last time they were tried (Linux, ipc/sem.c: count_semcnt walks the queues, and
 * update_queue retries the queued operations inside the call that changed a value, rescanning after each that
 * completes). gVisor 20221219 wakes every waiter that might go on (every wait-for-zero waiter at any change of
 * the value) and takes it off the semaphore's list; it is counted again only once its own task has retried and
 * queued itself, on the semaphore where that retry stopped. So:
 *  1. a wait-for-zero waiter is missing from GETZCNT just after SETVAL changes a non-zero value to another
 *     (a race: counted as misses over many tries);
 *  2. a complex waiter (0:-1 1:-1) queued before a single one (0:-1) on semaphore 0, when +1 on semaphore 0
 *     completes the single one: Linux retries the complex one after that completion, so it stops at semaphore
 *     0 again (GETNCNT 1 on 0, 0 on 1); gVisor's own retry often ran first and stopped at semaphore 1. */
#include "repro.h"
static int wait_count(int s, int num, int cmd, int want, int ms) {
  for (int t = 0; t < ms; t++) { if (k_semctl(s, num, cmd, 0) == want) return 0; msleep(1); }
  return -1;
}
int main(void) {
  /* 1. GETZCNT after SETVAL from one non-zero value to another */
  int s = k_semget(IPC_PRIVATE, 1, 0600), tries = 2000, misses = 0;
  k_semctl(s, 0, SETVAL, 1);
  pid_t z = fork();
  if (z == 0) { struct sembuf b = {0, 0, 0}; _exit(k_semop(s, &b, 1) == 0 ? 0 : 3); }
  if (wait_count(s, 0, GETZCNT, 1, 5000)) { printf("the wait-for-zero waiter did not queue\n"); return 2; }
  for (int i = 0; i < tries; i++) {
    k_semctl(s, 0, SETVAL, 2 + i % 2);
    if (k_semctl(s, 0, GETZCNT, 0) != 1) misses++;
    if (wait_count(s, 0, GETZCNT, 1, 5000)) { printf("the wait-for-zero waiter did not queue again\n"); return 2; }
  }
  k_semctl(s, 0, IPC_RMID, 0); waitpid(z, 0, 0);
  CHECK("waiter for zero, SETVAL 2 or 3 then GETZCNT at once: times it read other than 1", misses == 0,
        "%d of %d", "0", misses, tries);

  /* 2. where a complex waiter is counted after a single one queued behind it completed */
  int runs = 10, other = 0; long n0 = 0, n1 = 0;
  for (int run = 0; run < runs; run++) {
    s = k_semget(IPC_PRIVATE, 2, 0600);
    pid_t d = fork();
    if (d == 0) { struct sembuf b[2] = {{0, -1, 0}, {1, -1, 0}}; _exit(k_semop(s, b, 2) == 0 ? 0 : 3); }
    if (wait_sleeping(d, 5000) || wait_count(s, 0, GETNCNT, 1, 5000)) { printf("the complex waiter did not block\n"); return 2; }
    pid_t b1 = fork();
    if (b1 == 0) { struct sembuf b = {0, -1, 0}; _exit(k_semop(s, &b, 1) == 0 ? 0 : 3); }
    if (wait_sleeping(b1, 5000) || wait_count(s, 0, GETNCNT, 2, 5000)) { printf("the single waiter did not block\n"); return 2; }
    struct sembuf up = {0, 1, 0}; k_semop(s, &up, 1);
    int st = reap_within(b1, 5000);
    if (st < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) { printf("the single waiter did not complete\n"); return 2; }
    for (int t = 0; t < 5000; t++) {            /* the complex one asleep again, counted somewhere */
      n0 = k_semctl(s, 0, GETNCNT, 0); n1 = k_semctl(s, 1, GETNCNT, 0);
      if (n0 + n1 == 1) break;
      msleep(1);
    }
    if (!(n0 == 1 && n1 == 0)) other++;
    k_semctl(s, 0, IPC_RMID, 0); waitpid(d, 0, 0);
  }
  CHECK("complex 0:-1 1:-1 then single 0:-1 asleep, +1 on 0: runs where GETNCNT(0), GETNCNT(1) is not 1, 0",
        other == 0, "%d of %d (last: %ld, %ld)", "0", other, runs, n0, n1);
  DONE();
}
