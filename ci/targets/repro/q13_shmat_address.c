/* Where shmat(NULL) attaches a fresh segment in a fresh process: run twice (q13_same_address.sh). Linux
 * randomises each process's mmap base (ASLR), so two processes started apart attach at different addresses;
 * qemu-user 7.2 chooses guest addresses deterministically, so every process gets the same one. svipc names
 * addresses by identity across the scenario's processes, so this shows as "ret: addr#0 against addr#1". */
#include "repro.h"
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 8192, 0600);
  long a = k_shmat(h, 0, 0);
  printf("%#lx\n", a);
  k_shmdt((void *)a);
  k_shmctl(h, IPC_RMID, 0);
  return repro_diverged;            /* the comparison is the script's */
}
