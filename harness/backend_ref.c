/* backend_ref.c: the reference runtime (impl/ref.h) as a backend.  Each
 * scenario gets a fresh arena in a memfd, created by the runner and held
 * by every puppet at BACKEND_FD; each puppet registers with the arena's
 * keeper when it starts (and again after an exec).  A process is blocked
 * when it sleeps on its own futex word in the arena with no wake since.
 * Must not: reach the kernel's System V IPC. */
#define _GNU_SOURCE
#include "backend.h"

#include "executor.h"
#include "procfs.h"
#include "ref.h"
#include "host_facts.h"
#include "runner.h"
#include "userns.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The runner's current arena: the backend's per-scenario runtime object. */
static int scenario_arena_fd = -1;

static int ref_available(char *why, size_t size)
{
    if (userns_isolation("ref", why, size) < 0)
        return -1;
    int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    if (pidfd < 0) {
        snprintf(why, size, "no pidfd_open (%s): the keeper cannot watch processes", strerror(errno));
        return -1;
    }
    close(pidfd);
    return 0;
}

static void tell_huge_pool(void *ctx, unsigned long free_pages, int log)
{
    (void)ctx;
    ref_set_huge_pool(free_pages, log);
}

static int ref_begin_scenario(char *why, size_t size)
{
    if (scenario_arena_fd >= 0)
        close(scenario_arena_fd);
    scenario_arena_fd = ref_arena_new_fd(why, size);
    if (scenario_arena_fd < 0)
        return -1;
    host_huge_pools(tell_huge_pool, NULL);
    unsigned long commit;
    int noreserve_ignored;
    host_commit(&commit, &noreserve_ignored);
    ref_set_commit(commit, noreserve_ignored);
    return 0;
}

static int ref_scenario_fd(void)
{
    return scenario_arena_fd;
}

static int ref_puppet_start(char *why, size_t size)
{
    char path[32];
    snprintf(path, sizeof(path), "fd:%d", BACKEND_FD);
    return ref_join(path, why, size);
}

/* A process's own wait4 is the kernel's; an IPC call sleeps on the
 * process's futex word in the arena. */
static int ref_blocked_in(pid_t pid, const struct op_desc *op)
{
    char line[256];
    int asleep = proc_sleeping_call(pid, line, sizeof(line));
    if (asleep <= 0)
        return asleep;
    if (op->op == OP_WAIT)
        return strtol(line, NULL, 10) == op->host_nr;
    return ref_blocked(line);
}

/* What a program run by a tool step needs to be on this scenario's arena:
 * the preload library ($SVIPC_REF_LIBRARY, else beside this program: the
 * build tree, or lib/svipc of an installation) and the arena's descriptor.
 * The puppet's runtime object for tool steps, found once. */
static struct {
    char preload[4200];
    char arena[32];
    char *env[3];
} ref_tool_env;

static char *const *ref_tool_environment(int *keep_fd)
{
    if (!ref_tool_env.env[0]) {
        char exe[4096], path[4096];
        const char *given = getenv("SVIPC_REF_LIBRARY");
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        exe[n > 0 ? n : 0] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const places[] = { "%s/libsvipc-ref.so", "%s/../lib/svipc/libsvipc-ref.so",
                                              "%s/../libsvipc-ref.so" };
        int found = given && access(given, R_OK) == 0;
        if (found)
            snprintf(path, sizeof(path), "%s", given);
        for (size_t i = 0; !found && slash && i < sizeof(places) / sizeof(places[0]); i++) {
            snprintf(path, sizeof(path), places[i], exe);
            found = access(path, R_OK) == 0;
        }
        if (!found) {
            errno = ELIBACC;           /* the step says: cannot access a needed shared library */
            return NULL;
        }
        char absolute[PATH_MAX];
        snprintf(ref_tool_env.preload, sizeof(ref_tool_env.preload), "LD_PRELOAD=%s",
                 realpath(path, absolute) ? absolute : path);
        snprintf(ref_tool_env.arena, sizeof(ref_tool_env.arena), "SVIPC_REF_ARENA=fd:%d", BACKEND_FD);
        ref_tool_env.env[0] = ref_tool_env.preload;
        ref_tool_env.env[1] = ref_tool_env.arena;
    }
    *keep_fd = BACKEND_FD;
    return ref_tool_env.env;
}

static long r_msgget(void *ctx, key_t key, int flags) { (void)ctx; return ref_msgget(key, flags); }
static long r_msgsnd(void *ctx, int id, const void *m, size_t n, int f) { (void)ctx; return ref_msgsnd(id, m, n, f); }
static long r_msgrcv(void *ctx, int id, void *m, size_t n, long t, int f)
{
    (void)ctx;
    return ref_msgrcv(id, m, n, t, f);
}
static long r_msgctl(void *ctx, int id, int cmd, void *buf) { (void)ctx; return ref_msgctl(id, cmd, buf); }
static long r_semget(void *ctx, key_t key, int n, int f) { (void)ctx; return ref_semget(key, n, f); }
static long r_semop(void *ctx, int id, struct sembuf *s, size_t n) { (void)ctx; return ref_semtimedop(id, s, n, NULL); }
static long r_semtimedop(void *ctx, int id, struct sembuf *s, size_t n, const struct timespec *t)
{
    (void)ctx;
    return ref_semtimedop(id, s, n, t);
}
static long r_semctl(void *ctx, int id, int num, int cmd, unsigned long arg)
{
    (void)ctx;
    return ref_semctl(id, num, cmd, arg);
}
static long r_shmget(void *ctx, key_t key, size_t size, int f) { (void)ctx; return ref_shmget(key, size, f); }
static long r_shmat(void *ctx, int id, const void *addr, int f) { (void)ctx; return (long)ref_shmat(id, addr, f); }
static long r_shmdt(void *ctx, const void *addr) { (void)ctx; return ref_shmdt(addr); }
static long r_shmctl(void *ctx, int id, int cmd, void *buf) { (void)ctx; return ref_shmctl(id, cmd, buf); }
static int r_sysctl(void *ctx, const char *name, const char *value, char *buf, size_t size)
{
    (void)ctx;
    return ref_sysctl(name, value, buf, size);
}
static int r_sysvipc_line(void *ctx, const char *table, int id, char *out, size_t size)
{
    (void)ctx;
    return ref_sysvipc_line(table, id, out, size);
}

static const struct ipc_calls ref_calls = {
    .msgget = r_msgget, .msgsnd = r_msgsnd, .msgrcv = r_msgrcv, .msgctl = r_msgctl,
    .semget = r_semget, .semop = r_semop, .semtimedop = r_semtimedop, .semctl = r_semctl,
    .shmget = r_shmget, .shmat = r_shmat, .shmdt = r_shmdt, .shmctl = r_shmctl,
    .sysctl = r_sysctl, .sysvipc_line = r_sysvipc_line,
};

const struct backend backend_ref = {
    .name = "ref",
    .executor = &executor_puppets,
    .available = ref_available,
    .begin_scenario = ref_begin_scenario,
    .blocked_in = ref_blocked_in,
    .scenario_fd = ref_scenario_fd,
    .process_gone = ref_process_gone,
    .puppet_start = ref_puppet_start,
    .fork = ref_fork,
    .credentials_changed = ref_credentials_changed,
    .tool_environment = ref_tool_environment,
    .calls = &ref_calls,
};
