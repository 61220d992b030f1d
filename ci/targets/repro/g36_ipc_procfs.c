/* The IPC files of /proc that svipc's scenarios read and write (Linux, in the caller's IPC namespace):
 * kernel.msgmnb and the other IPC sysctls are writable by root, kernel.msg_next_id (and sem_, shm_) steer the
 * next id, kernel.shm_rmid_forced exists, /proc/sysvipc/{msg,sem,shm} list the objects. gVisor 20221219 has
 * the limits read-only (a write fails EIO) and none of the other files. An environment difference: svipc
 * cannot change limits, steer ids or read /proc/sysvipc there. Run in a fresh IPC namespace (unshare -i). */
#include "repro.h"
#include <fcntl.h>
static long write_back(const char *path) {
  char v[64]; int fd = open(path, O_RDONLY); if (fd < 0) return -1;
  ssize_t n = read(fd, v, sizeof v - 1); close(fd); if (n <= 0) return -1;
  fd = open(path, O_WRONLY); if (fd < 0) return -1;
  long r = write(fd, v, (size_t)n) == n ? 0 : -1; int e = errno; close(fd); errno = e; return r;
}
int main(void) {
  CHECK_R("write kernel.msgmnb (its own value back)", CALL(write_back("/proc/sys/kernel/msgmnb")), "ok");
  CHECK_R("write kernel.sem (its own value back)", CALL(write_back("/proc/sys/kernel/sem")), "ok");
  CHECK_R("open kernel.msg_next_id", CALL(access("/proc/sys/kernel/msg_next_id", R_OK)), "ok");
  CHECK_R("open kernel.shm_next_id", CALL(access("/proc/sys/kernel/shm_next_id", R_OK)), "ok");
  CHECK_R("open kernel.shm_rmid_forced", CALL(access("/proc/sys/kernel/shm_rmid_forced", R_OK)), "ok");
  CHECK_R("open /proc/sysvipc/msg", CALL(access("/proc/sysvipc/msg", R_OK)), "ok");
  DONE();
}
