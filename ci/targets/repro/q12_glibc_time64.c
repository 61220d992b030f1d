/* Not raw: glibc's msgctl/semctl with -D_TIME_BITS=64 on 32-bit arches builds the 64-bit time from the kernel's
 * low and high words. Under qemu-user the high word is never written (see q10), so the times are garbage. */
#define _TIME_BITS 64
#define _FILE_OFFSET_BITS 64
#include <stdio.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
int main(void) {
  int q = msgget(IPC_PRIVATE, 0600), s = semget(IPC_PRIVATE, 1, 0600);
  struct msqid_ds d; struct semid_ds sd; msgctl(q, IPC_STAT, &d); semctl(s, 0, IPC_STAT, &sd);
  long long now = time(0); int bad = 0;
  long long v[4] = {d.msg_stime, d.msg_ctime - now, sd.sem_otime, sd.sem_ctime - now};
  for (int i = 0; i < 4; i++) if (v[i] < -5 || v[i] > 5) bad = 1;
  printf("%s glibc (time_t %zu bytes) msg_stime=%lld msg_ctime-now=%lld sem_otime=%lld sem_ctime-now=%lld%s\n", bad ? "DIVERGES" : "linux   ",
         sizeof(time_t), v[0], v[1], v[2], v[3], bad ? " (linux: 0 0 0 0)" : "");
  msgctl(q, IPC_RMID, 0); semctl(s, 0, IPC_RMID);
  printf("# %s\n", bad ? "DIVERGED" : "all linux-like");
  return bad;
}
