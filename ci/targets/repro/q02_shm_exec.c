/* qemu-user 7.2: shmat(SHM_EXEC) maps the segment without guest PROT_EXEC: executing from it faults. */
#include "repro.h"
static sigjmp_buf jb; static volatile int sig;
static void on(int s) { sig = s; siglongjmp(jb, 1); }
int main(void) {
  int h = k_shmget(IPC_PRIVATE, 4096, 0600); char *x = (char *)k_shmat(h, 0, SHM_EXEC);
#if defined(__x86_64__) || defined(__i386__)
  x[0] = (char)0xc3;
#elif defined(__aarch64__)
  *(uint32_t *)x = 0xd65f03c0;
#elif defined(__arm__)
  *(uint32_t *)x = 0xe12fff1e;
#endif
  __builtin___clear_cache(x, x + 4);
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on; sa.sa_flags = SA_NODEFER; sigaction(SIGSEGV, &sa, 0); sigaction(SIGBUS, &sa, 0);
  if (!sigsetjmp(jb, 1)) ((void (*)(void))x)();
  CHECK("call a 'ret' written into a SHM_EXEC attach", !sig, "%s", "runs", sig ? sigabbrev_np(sig) : "runs");
  k_shmdt(x); k_shmctl(h, IPC_RMID, 0);
  DONE();
}
