/* runner.c: a runner's resources; see runner.h.
 * Must not: start processes or touch IPC state. */
#define _GNU_SOURCE
#include "runner.h"

#include "puppet.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int runner_env_init(struct runner_env *env, char *why, size_t size)
{
    memset(env, 0, sizeof(*env));
    env->pidns_fd = env->exe_fd = -1;
    env->step_deadline_ms = 5000;
    env->scenario_deadline_ms = 30000;
    /* A window for shmat at known addresses: reserved here, released by
     * each puppet, so every puppet forked from this runner has it free. */
    size_t align = 2u << 20;
    env->base_span = PUPPET_WINDOW_SPAN;
    char *area = mmap(NULL, env->base_span + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        snprintf(why, size, "cannot reserve an address window: %s", strerror(errno));
        return -1;
    }
    env->base = ((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1);
    env->reply_buf = malloc(sizeof(struct wire_reply) + WIRE_MAX_DATA + 16);
    env->init_stack_size = 64 * 1024;
    env->init_stack = mmap(NULL, env->init_stack_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (!env->reply_buf || env->init_stack == MAP_FAILED) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    /* a PID namespace per scenario needs a way back to the runner's own:
     * setns into it (a no-op here) must work, which gVisor does not */
    env->pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (env->pidns_fd >= 0 && setns(env->pidns_fd, CLONE_NEWPID) < 0) {
        close(env->pidns_fd);
        env->pidns_fd = -1;
    }
    env->observe = access("/proc/self/syscall", R_OK) == 0 ? OBSERVE_SYSCALL : OBSERVE_MARK;
    env->marks = mmap(NULL, sizeof(struct puppet_mark) * PUPPET_MARKS, PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (env->marks == MAP_FAILED) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    id_maps_read(&env->ids);
    ssize_t n = readlink("/proc/self/exe", env->exe_path, sizeof(env->exe_path) - 1);
    env->exe_path[n > 0 ? n : 0] = '\0';
    env->exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (env->exe_fd < 0 && !env->processes_why[0])
        snprintf(env->processes_why, sizeof(env->processes_why), "/proc/self/exe: %s", strerror(errno));
    return 0;
}

/* A field of /proc/meminfo (kB, or a count for HugePages_*), or 0. */
static unsigned long meminfo_kb(const char *field)
{
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    size_t n = strlen(field);
    unsigned long kb = 0;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            kb = strtoul(line + n + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return kb;
}

void host_commit(unsigned long *pages, int *noreserve_ignored)
{
    unsigned long page_kb = (unsigned long)sysconf(_SC_PAGESIZE) / 1024;
    int mode = 0;
    FILE *f = fopen("/proc/sys/vm/overcommit_memory", "re");
    if (!f || fscanf(f, "%d", &mode) != 1)
        mode = 0;                      /* OVERCOMMIT_GUESS, the default */
    if (f)
        fclose(f);
    *noreserve_ignored = mode == 2;
    if (mode == 1) {
        *pages = ~0UL;
    } else if (mode == 2) {
        unsigned long limit = meminfo_kb("CommitLimit"), used = meminfo_kb("Committed_AS");
        *pages = (limit > used ? limit - used : 0) / page_kb;
    } else {
        *pages = (meminfo_kb("MemTotal") + meminfo_kb("SwapTotal")) / page_kb;
    }
}

void host_huge_pools(void (*tell)(void *ctx, unsigned long free_pages, int log), void *ctx)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    for (struct dirent *e; d && (e = readdir(d));) {
        unsigned long kb, free_pages = 0;
        char tail[8], path[512];
        if (sscanf(e->d_name, "hugepages-%lukB%7s", &kb, tail) != 1 || !kb || (kb & (kb - 1)))
            continue;
        snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", e->d_name);
        FILE *f = fopen(path, "r");
        if (f && fscanf(f, "%lu", &free_pages) != 1)
            free_pages = 0;
        if (f)
            fclose(f);
        tell(ctx, free_pages, 10 + __builtin_ctzl(kb));
    }
    if (d)
        closedir(d);
}
