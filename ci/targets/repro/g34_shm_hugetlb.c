/* shmget(SHM_HUGETLB) creates a segment backed by huge pages (Linux: newseg -> hugetlb_file_setup). On this
 * host no huge pages are reserved (vm.nr_hugepages = 0), so root gets ENOMEM, a caller without CAP_IPC_LOCK
 * outside vm.hugetlb_shm_group gets EPERM, and SHM_HUGE_1GB (no 1 GiB huge page size here) EINVAL: the
 * expected values depend on the host's huge page setup. With SHM_NORESERVE root gets a segment (no huge page
 * need be free), and it attaches only at a huge page boundary: EINVAL at an address aligned to a page but not
 * to 2 MiB (hugetlb_get_unmapped_area, prepare_hugepage_range). gVisor 20221219 ignores SHM_HUGETLB and
 * creates an ordinary segment in all three cases, which attaches at any page. */
#include "repro.h"
#ifndef SHM_HUGE_1GB
#define SHM_HUGE_1GB (30 << 26)
#endif
int main(void) {
  FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r"); long n = -1; if (f) { if (fscanf(f, "%ld", &n) != 1) n = -1; fclose(f); }
  printf("#        vm.nr_hugepages here: %ld\n", n);
  long r = CALL(k_shmget(IPC_PRIVATE, 2 << 20, SHM_HUGETLB | 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("root: shmget(2 MiB, SHM_HUGETLB), no huge pages reserved", r, "ENOMEM");
  r = CALL(k_shmget(IPC_PRIVATE, 2 << 20, SHM_HUGETLB | SHM_HUGE_1GB | 0600)); if (r >= 0) k_shmctl(r, IPC_RMID, 0);
  CHECK_R("root: shmget(2 MiB, SHM_HUGETLB|SHM_HUGE_1GB)", r, "EINVAL");
  long h = CALL(k_shmget(IPC_PRIVATE, 4096, SHM_HUGETLB | SHM_NORESERVE | 0600));
  CHECK_R("root: shmget(4 KiB, SHM_HUGETLB|SHM_NORESERVE)", h, "ok");
  if (h >= 0) {
    char *room = mmap(0, 8 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);   /* a free range to aim at */
    uintptr_t huge = ((uintptr_t)room + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1);
    munmap(room, 8 << 20);
    r = CALL(k_shmat(h, (void *)(huge + 4096), 0)); if (r != -1) k_shmdt((void *)r);
    CHECK_R("root: shmat of that segment at a 2 MiB boundary + 4 KiB", r == -1 ? -1 : 0, "EINVAL");
    k_shmctl(h, IPC_RMID, 0);
  }
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    if (become_uid(1000)) { printf("setresuid failed\n"); _exit(2); }
    r = CALL(k_shmget(IPC_PRIVATE, 2 << 20, SHM_HUGETLB | 0600));
    CHECK_R("uid 1000: shmget(2 MiB, SHM_HUGETLB)", r, "EPERM");
    fflush(stdout); _exit(repro_diverged);
  }
  int st; waitpid(c, &st, 0); repro_diverged |= WEXITSTATUS(st);
  /* an ordinary segment a child created is removed by the parent (root may) */
  for (int i = 0; i < 4; i++) { long id = k_shmctl(i, SHM_STAT, B); if (id >= 0) k_shmctl(id, IPC_RMID, 0); }
  DONE();
}
