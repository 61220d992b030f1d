/* bench_target.c: the targets of bench_target.h resolved against this
 * machine.
 * Must not: install anything (ci/install-deps.sh targets does, and the
 * messages say so), or print. */
#define _GNU_SOURCE
#include "bench_target.h"

#include "bench_files.h"
#include "paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
#define HOST_ARCH "x86_64"
#elif defined(__aarch64__)
#define HOST_ARCH "aarch64"
#elif defined(__arm__)
#define HOST_ARCH "armhf"
#elif defined(__i386__)
#define HOST_ARCH "i386"
#else
#define HOST_ARCH "unknown"
#endif

const char *bench_target_names(void)
{
    return "gvisor, qemu-x86_64, qemu-aarch64, qemu-arm, qemu-i386, exec:CMD (linux-6.1: not for benchmarks)";
}

/* Copy WORD into T's storage as launch word N; -1 when full. */
static int add_word(struct bench_target *t, size_t *used, int n, const char *word)
{
    size_t len = strlen(word) + 1;
    if (n >= BENCH_TARGET_WORDS - 1 || *used + len > sizeof(t->storage))
        return -1;
    t->launch[n] = memcpy(t->storage + *used, word, len);
    t->launch[n + 1] = NULL;
    *used += len;
    return 0;
}

/* svipc-bench-worker.ARCH beside SELF or installed: 0, or 1 with why. */
static int find_worker(const char *self, const char *arch, struct bench_target *t, char *why, size_t size)
{
    char name[64];
    snprintf(name, sizeof(name), "svipc-bench-worker.%s", arch);
    if (bench_companion(self, name, t->worker, sizeof(t->worker)) == 0 && access(t->worker, X_OK) == 0)
        return 0;
    snprintf(why, size, "needs svipc-bench-worker.%s beside svipc-bench, the worker built for %s (make bench-workers%s)",
             arch, arch, strcmp(arch, HOST_ARCH) ? ", with Debian's cross toolchain: ci/install-deps.sh targets" : "");
    return 1;
}

static int qemu_user(const char *arch, const char *self, struct bench_target *t, char *why, size_t size)
{
    static const struct { const char *name, *worker, *machine; } arches[] = {
        { "x86_64", "x86_64", "x86_64" },
        { "aarch64", "aarch64", "aarch64" },
        { "arm", "armhf", "arm" },
        { "i386", "i386", "i" },         /* i386 .. i686 */
    };
    for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
        if (strcmp(arch, arches[i].name) != 0)
            continue;
        char emulator[64], path[4096];
        size_t used = 0;
        snprintf(emulator, sizeof(emulator), "qemu-%s", arch);
        if (path_search(emulator, path, sizeof(path)) < 0) {
            snprintf(why, size, "needs %s (Debian's qemu-user: ci/install-deps.sh targets)", emulator);
            return 1;
        }
        if (find_worker(self, arches[i].worker, t, why, size))
            return 1;
        if (add_word(t, &used, 0, path) < 0)
            return -1;
        t->machine = arches[i].machine;
        t->deadline_factor = 4;           /* a guest fork costs tens of ms */
        return 0;
    }
    snprintf(why, size, "unknown target %s (known: %s)", t->name, bench_target_names());
    return -1;
}

static int gvisor(const char *self, struct bench_target *t, char *why, size_t size)
{
    char runsc[4096];
    size_t used = 0;
    if (path_search("runsc", runsc, sizeof(runsc)) < 0) {
        snprintf(why, size, "needs runsc (Debian's runsc: ci/install-deps.sh targets)");
        return 1;
    }
    if (geteuid() != 0) {
        snprintf(why, size, "needs root here (runsc do)");
        return 1;
    }
    if (find_worker(self, HOST_ARCH, t, why, size))
        return 1;
    const char *words[] = { runsc, "--network=none", "do" };
    for (int i = 0; i < 3; i++)
        if (add_word(t, &used, i, words[i]) < 0)
            return -1;
    t->deadline_factor = 10;              /* a semop costs ~100 us there, a fork ~10 ms */
    return 0;
}

/* exec:CMD: the words of CMD, then the worker of this architecture. */
static int wrapped(const char *cmd, const char *self, struct bench_target *t, char *why, size_t size)
{
    char copy[2048], program[4096];
    size_t used = 0;
    int n = 0;
    if (strlen(cmd) >= sizeof(copy)) {
        snprintf(why, size, "exec: the command is too long");
        return -1;
    }
    snprintf(copy, sizeof(copy), "%s", cmd);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
        if (add_word(t, &used, n++, w) < 0) {
            snprintf(why, size, "exec: the command has too many words (at most %d)", BENCH_TARGET_WORDS - 2);
            return -1;
        }
    if (n == 0) {
        snprintf(why, size, "exec: needs a command, as in exec:env or exec:'nice -n 5'");
        return -1;
    }
    if (strchr(t->launch[0], '/') ? access(t->launch[0], X_OK) != 0
                                  : path_search(t->launch[0], program, sizeof(program)) < 0) {
        snprintf(why, size, "no program %s%s", t->launch[0], strchr(t->launch[0], '/') ? "" : " on $PATH");
        return 1;
    }
    if (find_worker(self, HOST_ARCH, t, why, size))
        return 1;
    t->deadline_factor = 2;
    return 0;
}

int bench_target_resolve(const char *spec, const char *self, struct bench_target *t, char *why, size_t size)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", spec);
    t->deadline_factor = 1;
    if (strncmp(spec, "exec:", 5) == 0)
        return wrapped(spec + 5, self, t, why, size);
    if (strncmp(spec, "qemu-", 5) == 0)
        return qemu_user(spec + 5, self, t, why, size);
    if (strcmp(spec, "gvisor") == 0)
        return gvisor(self, t, why, size);
    if (strcmp(spec, "linux-6.1") == 0) {
        snprintf(why, size, "not supported for benchmarks: the VM boots under TCG (no KVM here) once per svipc "
                 "run, while every round of svipc-bench is a process of its own; its figures would be the "
                 "emulator's (svipc run --target linux-6.1 checks its conformance)");
        return 1;
    }
    if (strcmp(spec, "native") == 0) {
        snprintf(why, size, "native is this kernel, the kernel implementation every cell has (-i kernel)");
        return 1;
    }
    snprintf(why, size, "unknown target %s (known: %s)", spec, bench_target_names());
    return -1;
}
