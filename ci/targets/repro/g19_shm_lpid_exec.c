/* A process that has a segment attached and then execs loses the attachment; Linux records it as the last
 * detacher (shm_lpid = its pid, shm_dtime set). gVisor leaves shm_lpid unchanged. */
#include "repro.h"
int main(int argc, char **argv) {
  if (argc > 1) return 0;                 /* the exec'd image */
  int h = k_shmget(IPC_PRIVATE, 4096, 0600); void *p = (void *)k_shmat(h, 0, 0);
  pid_t c = fork();
  if (c == 0) { execl("/proc/self/exe", argv[0], "child", (char *)0); printf("exec failed: %s\n", strerrorname_np(errno)); _exit(3); }
  int st; waitpid(c, &st, 0);
  fill(); k_shmctl(h, IPC_STAT, B); struct shmid64_ds *d = (void *)B;
  CHECK("shm_lpid after a child exec'd (it inherited the attach)", d->shm_lpid == c, "%s", "child's pid",
        d->shm_lpid == c ? "child's pid" : (d->shm_lpid == getpid() ? "parent's pid" : "other"));
  k_shmdt(p); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
