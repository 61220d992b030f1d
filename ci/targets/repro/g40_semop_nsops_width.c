/* semop's and semtimedop's nsops is an unsigned int in the system call (Linux, ipc/sem.c: SYSCALL_DEFINE3(semop,
 * ..., unsigned, nsops) and ksys_semtimedop(..., unsigned int nsops, ...)): the upper half of a 64-bit register
 * is not read, so 2^32 + 1 is one operation. gVisor 20221219 reads the whole register as a size_t
 * (sys_sem.go: args[2].SizeT()) and refuses it as more than SEMOPM operations: E2BIG. A 32-bit register has no
 * upper half: nothing to check on armhf and i386. */
#include "repro.h"
int main(void) {
#if __BITS_PER_LONG == 64
  int s = k_semget(IPC_PRIVATE, 1, 0600);
  struct sembuf up = {0, 1, 0};
  CHECK_R("semop(nsops = 2^32 + 1), one sembuf +1", CALL(syscall(SYS_semop, s, &up, (1UL << 32) + 1)), "ok");
  CHECK_R("semtimedop(nsops = 2^32 + 1, no timeout), one sembuf +1", CALL(k_semtimedop(s, &up, (1L << 32) + 1, 0)), "ok");
  long v = k_semctl(s, 0, GETVAL, 0);
  CHECK("value after both", v == 2, "%ld", "2", v);
  k_semctl(s, 0, IPC_RMID, 0);
#else
  printf("#        32-bit " ARCH ": nsops fills its register, nothing to check\n");
#endif
  DONE();
}
