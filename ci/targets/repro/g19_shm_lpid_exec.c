/* A process that has a segment attached and then execs loses the attachment; Linux records it as the last
 * detacher (exec's exit_mmap -> shm_close: shm_lpid = its pid, shm_dtime = now). gVisor 20221219 drops the
 * attachment without recording either: shm_lpid still names the parent, shm_dtime stays 0. */
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
  CHECK("shm_dtime after that exec (nobody called shmdt)", d->shm_dtime != 0, "%s", "set", d->shm_dtime ? "set" : "0");
  k_shmdt(p); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
