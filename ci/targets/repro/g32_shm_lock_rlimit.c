/* SHM_LOCK by an owner without CAP_IPC_LOCK is charged against RLIMIT_MEMLOCK (Linux: shmctl_do_lock ->
 * shmem_lock -> user_shm_lock, ENOMEM when the locked total would pass the limit). gVisor 20221219 locks a
 * 16 MiB segment under a 64 KiB limit. */
#include "repro.h"
#include <sys/resource.h>
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 16 << 20, 0600); struct shmid64_ds *ds = (void *)B;
  k_shmctl(h, IPC_STAT, B); ds->shm_perm.uid = 1000; k_shmctl(h, IPC_SET, B);
  pid_t c = fork();
  if (c == 0) {
    struct rlimit rl = {65536, 65536};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) || become_uid(1000)) { printf("setrlimit/setresuid failed\n"); _exit(2); }
    CHECK_R("owner uid 1000, RLIMIT_MEMLOCK 64 KiB: shmctl(16 MiB segment, SHM_LOCK)", k_shmctl(h, SHM_LOCK, 0), "ENOMEM");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  k_shmctl(h, IPC_RMID, 0);
  DONE();
}
