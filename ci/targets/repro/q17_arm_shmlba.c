/* shmat with SHM_RND rounds the address down to a multiple of SHMLBA: 4 KiB on x86 (the golden traces'
 * machine), 16 KiB on 32-bit ARM (Linux: arch/arm/include/asm/shmparam.h, SHMLBA = 4 * PAGE_SIZE, for its
 * VIPT caches; qemu-arm's target_shmlba follows it).  Not a bug of the emulator: what Linux on ARM does,
 * so a run of the x86 catalog under qemu-arm differs from its golden trace there. */
#include "repro.h"
int main(void) {
  int id = (int)k_shmget(IPC_PRIVATE, 4096, 0600);
  char *room = mmap(0, 0x40000, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);   /* a region of our own to remap */
  if (room == MAP_FAILED) { printf("mmap: %s\n", strerror(errno)); return 2; }
  uintptr_t base = ((uintptr_t)room + 0xffff) & ~(uintptr_t)0xffff;
  char *got = (char *)k_shmat(id, (void *)(base + 0x1001), SHM_RND | SHM_REMAP);
  long rounded = got == (char *)-1 ? -1 : (long)((uintptr_t)got - base);
  CHECK("shmat(base + 0x1001, SHM_RND): the address rounded to", rounded == 0x1000, "base+%#lx", "base+0x1000 (SHMLBA 4 KiB)",
        rounded);
  k_shmctl(id, IPC_RMID, 0);
  DONE();
}
