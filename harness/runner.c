/* runner.c: a runner's resources; see runner.h.
 * Must not: start processes or touch IPC state. */
#define _GNU_SOURCE
#include "runner.h"

#include "puppet.h"
#include "wire.h"

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

