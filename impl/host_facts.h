/* host_facts.h: what the model must be told of the host it stands in for,
 * read from /proc and /sys: the pools of huge pages that SHM_HUGETLB
 * segments draw on, and the overcommit accounting of a shmget.  The harness
 * tells each scenario's model; the drop-in library tells an arena it makes.
 * Must not: write anything, or know the model's structures (callers turn
 * the facts into MODEL_SET_HUGEPAGES and MODEL_SET_COMMIT events). */
#ifndef SVIPC_HOST_FACTS_H
#define SVIPC_HOST_FACTS_H

/* The host's pools of huge pages (/sys/kernel/mm/hugepages), which
 * SHM_HUGETLB segments draw on: each told to TELL with its free pages and
 * the log2 of its page size (MODEL_SET_HUGEPAGES's arguments). */
void host_huge_pools(void (*tell)(void *ctx, unsigned long free_pages, int log), void *ctx);

/* The host's overcommit accounting of a shmget without huge pages
 * (__vm_enough_memory): in *PAGES the pages one segment may be charged --
 * vm.overcommit_memory 0: MemTotal + SwapTotal; 1: no limit (ULONG_MAX); 2:
 * CommitLimit - Committed_AS now (the kernel compares with the count at the
 * call, which moves) -- and in *NORESERVE_IGNORED whether SHM_NORESERVE is
 * ignored (mode 2). */
void host_commit(unsigned long *pages, int *noreserve_ignored);

#endif
