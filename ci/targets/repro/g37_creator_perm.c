/* Permission checks give the creator the owner's bits and the creator's group the group bits (Linux:
 * ipcperms shifts by 6 when euid is uid or cuid, by 3 when the caller is in gid or cgid). gVisor 20221219
 * looks only at the owner uid and gid (ipc.Object.CheckPermissions), so once IPC_SET gave the object away
 * its creator and the creator's group fall to the "other" bits. */
#include "repro.h"
static int as(int uid, int gid) { return setresgid(gid, gid, gid) || setresuid(uid, uid, uid) ? -1 : 0; }
int main(void) {
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {                                  /* the creator, uid and gid 1002, gives the objects to 1001:501 */
    if (as(1002, 1002)) { printf("setresuid failed\n"); _exit(2); }
    int q = k_msgget(0x3701, IPC_CREAT | 0640), s = k_semget(0x3701, 1, IPC_CREAT | 0640), h = k_shmget(0x3701, 4096, IPC_CREAT | 0640);
    struct msqid64_ds md; struct semid64_ds sd; struct shmid64_ds hd;
    k_msgctl(q, IPC_STAT, &md); md.msg_perm.uid = 1001; md.msg_perm.gid = 501; k_msgctl(q, IPC_SET, &md);
    k_semctl(s, 0, IPC_STAT, (unsigned long)&sd); sd.sem_perm.uid = 1001; sd.sem_perm.gid = 501; k_semctl(s, 0, IPC_SET, (unsigned long)&sd);
    k_shmctl(h, IPC_STAT, &hd); hd.shm_perm.uid = 1001; hd.shm_perm.gid = 501; k_shmctl(h, IPC_SET, &hd);
    CHECK_R("creator (uid 1002; owner now 1001:501, mode 0640): msgctl(IPC_STAT)", k_msgctl(q, IPC_STAT, B), "ok");
    CHECK_R("creator: semctl(IPC_STAT)", k_semctl(s, 0, IPC_STAT, (unsigned long)B), "ok");
    CHECK_R("creator: shmctl(IPC_STAT)", k_shmctl(h, IPC_STAT, B), "ok");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged = WEXITSTATUS(st);
  c = fork();
  if (c == 0) {                                  /* another uid in the creator's group (egid 1002 = cgid) */
    if (as(1003, 1002)) { printf("setresuid failed\n"); _exit(2); }
    CHECK_R("creator's group (uid 1003, egid 1002 = cgid): msgctl(IPC_STAT)", k_msgctl(k_msgget(0x3701, 0), IPC_STAT, B), "ok");
    fflush(stdout); _exit(repro_diverged);
  }
  waitpid(c, &st, 0); repro_diverged |= WEXITSTATUS(st);
  k_msgctl(k_msgget(0x3701, 0), IPC_RMID, 0); k_semctl(k_semget(0x3701, 0, 0), 0, IPC_RMID, 0); k_shmctl(k_shmget(0x3701, 0, 0), IPC_RMID, 0);
  DONE();
}
