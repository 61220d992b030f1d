/* target.c: the targets of target.h, resolved against what this machine
 * has (emulators, sandboxes, kernels, the puppets built for each
 * architecture).
 * Must not: install anything: ci/install-deps.sh does, and the message
 * says so. */
#define _GNU_SOURCE
#include "target.h"

#include "paths.h"

#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *observe_name(enum observe o)
{
    static const char *const names[] = {
        [OBSERVE_SYSCALL] = "proc-syscall", [OBSERVE_WCHAN] = "wchan", [OBSERVE_MARK] = "mark+state",
    };
    return names[o];
}

static const char *const known_targets[] = {
    "native", "gvisor", "qemu-x86_64", "qemu-aarch64", "qemu-arm", "qemu-i386", "linux-6.1", NULL,
};

const char *target_names(void)
{
    return "native, exec:CMD, qemu-x86_64, qemu-aarch64, qemu-arm, qemu-i386, gvisor, linux-6.1";
}

const char *target_known(int i)
{
    return i >= 0 && i < (int)(sizeof(known_targets) / sizeof(known_targets[0])) ? known_targets[i] : NULL;
}

/* Copy WORD into T's storage; NULL when full. */
static char *keep(struct target *t, size_t *used, const char *word)
{
    size_t n = strlen(word) + 1;
    if (*used + n > sizeof(t->storage))
        return NULL;
    char *at = t->storage + *used;
    memcpy(at, word, n);
    *used += n;
    return at;
}

/* A file of svipc's next to EXE (the build tree), in lib/svipc (installed),
 * or a script in the source tree's ci/vm. */
static int beside(const char *exe, const char *file, char *buf, size_t size)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", exe);
    char *d = dirname(dir);
    const char *places[] = { "%s/%s", "%s/../lib/svipc/%s", "%s/../ci/vm/%s" };
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        snprintf(buf, size, places[i], d, file);
        if (access(buf, R_OK) == 0)
            return 0;
    }
    return -1;
}

static int qemu_user(const char *arch, const char *exe, struct target *t, char *why, size_t size)
{
    static const struct { const char *name, *emulator, *puppet; } arches[] = {
        { "x86_64", "qemu-x86_64", "svipc-puppet.x86_64" },
        { "aarch64", "qemu-aarch64", "svipc-puppet.aarch64" },
        { "arm", "qemu-arm", "svipc-puppet.armhf" },
        { "i386", "qemu-i386", "svipc-puppet.i386" },
    };
    for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
        if (strcmp(arch, arches[i].name) != 0)
            continue;
        char emulator[4096], puppet[4096];
        size_t used = 0;
        if (path_search(arches[i].emulator, emulator, sizeof(emulator)) < 0) {
            snprintf(why, size, "target %s needs %s (Debian's qemu-user: ci/install-deps.sh targets)", t->name,
                     arches[i].emulator);
            return -1;
        }
        if (beside(exe, arches[i].puppet, puppet, sizeof(puppet)) < 0) {
            snprintf(why, size, "target %s needs %s, the puppet built for %s (make puppets, with Debian's cross "
                     "toolchains: ci/install-deps.sh targets)", t->name, arches[i].puppet, arch);
            return -1;
        }
        t->launch[0] = keep(t, &used, emulator);
        t->launch[1] = keep(t, &used, puppet);
        t->observe = OBSERVE_WCHAN;      /* the host's calls, whatever the guest's numbers */
        t->deadline_factor = 4;          /* a guest fork costs 25-40 ms here */
        return 0;
    }
    snprintf(why, size, "unknown target %s (known: %s)", t->name, target_names());
    return -1;
}

/* exec:CMD: the words of CMD, then this program (started as a puppet). */
static int wrapped(const char *cmd, const char *exe, struct target *t, char *why, size_t size)
{
    char copy[2048];
    size_t used = 0;
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", cmd);
    char *save = NULL;
    for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        if (n == TARGET_MAX_WORDS - 2) {
            snprintf(why, size, "exec: the command has more than %d words", TARGET_MAX_WORDS - 2);
            return -1;
        }
        t->launch[n++] = keep(t, &used, w);
    }
    if (strlen(cmd) >= sizeof(copy)) {
        snprintf(why, size, "exec: the command is too long");
        return -1;
    }
    if (n == 0) {
        snprintf(why, size, "exec: needs a command, as in exec:'rr record' or exec:env");
        return -1;
    }
    t->launch[n++] = keep(t, &used, exe);
    t->launch[n] = NULL;
    for (int i = 0; i < n; i++)
        if (!t->launch[i]) {
            snprintf(why, size, "exec: the command is too long");
            return -1;
        }
    char program[4096];
    if (strchr(t->launch[0], '/') ? access(t->launch[0], X_OK) != 0
                                  : path_search(t->launch[0], program, sizeof(program)) < 0) {
        snprintf(why, size, "exec: no program %s%s", t->launch[0], strchr(t->launch[0], '/') ? "" : " on $PATH");
        return -1;
    }
    /* by its path: an exec step's execve does not search $PATH */
    if (!strchr(t->launch[0], '/') && !(t->launch[0] = keep(t, &used, program))) {
        snprintf(why, size, "exec: the command is too long");
        return -1;
    }
    t->observe = OBSERVE_SYSCALL;
    t->deadline_factor = 2;
    return 0;
}

/* gvisor: this program's runner inside `runsc do`, its jobs on its stdin. */
static int gvisor(const char *exe, struct target *t, char *why, size_t size)
{
    char runsc[4096];
    size_t used = 0;
    if (path_search("runsc", runsc, sizeof(runsc)) < 0) {
        snprintf(why, size, "target gvisor needs runsc (Debian's runsc: ci/install-deps.sh targets)");
        return -1;
    }
    if (geteuid() != 0) {
        snprintf(why, size, "target gvisor needs root here (runsc do)");
        return -1;
    }
    const char *words[] = { runsc, "--network=none", "do", exe, "--runner" };
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        t->runner[i] = keep(t, &used, words[i]);
    t->observe = OBSERVE_MARK;           /* no /proc/PID/syscall or wchan inside */
    t->deadline_factor = 10;             /* a semop costs ~100 us there, a fork ~10 ms */
    return 0;
}

/* linux-6.1: this program's runner inside Debian 12's kernel in a VM
 * (ci/vm/run-in-vm.sh makes the initramfs and boots it). */
static int linux_vm(const char *exe, struct target *t, char *why, size_t size)
{
    char script[4096], qemu[4096];
    size_t used = 0;
    if (path_search("qemu-system-x86_64", qemu, sizeof(qemu)) < 0) {
        snprintf(why, size, "target linux-6.1 needs qemu-system-x86_64 (ci/install-deps.sh targets)");
        return -1;
    }
    if (beside(exe, "run-in-vm.sh", script, sizeof(script)) < 0) {
        snprintf(why, size, "target linux-6.1 needs run-in-vm.sh beside svipc (make vm)");
        return -1;
    }
    char file[4096];
    if (beside(exe, "svipc-static", file, sizeof(file)) < 0) {
        snprintf(why, size, "target linux-6.1 needs svipc-static beside svipc (make vm)");
        return -1;
    }
    glob_t kernels;
    int found = glob("/boot/vmlinuz-6.1.*", 0, NULL, &kernels) == 0;
    if (found)
        globfree(&kernels);
    if (!found || access("/bin/busybox", X_OK) != 0) {
        snprintf(why, size, "target linux-6.1 needs %s (Debian's %s: ci/install-deps.sh targets)",
                 found ? "a static /bin/busybox" : "/boot/vmlinuz-6.1.*", found ? "busybox-static" : "linux-image-amd64");
        return -1;
    }
    t->runner[0] = keep(t, &used, script);
    t->runner[1] = keep(t, &used, exe);
    t->observe = OBSERVE_SYSCALL;        /* the VM's own /proc */
    t->deadline_factor = 10;             /* TCG: no KVM here */
    return 0;
}

int target_resolve(const char *spec, const char *exe, struct target *t, char *why, size_t size)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", spec);
    t->observe = OBSERVE_SYSCALL;
    t->deadline_factor = 1;
    if (strcmp(spec, "native") == 0)
        return 0;
    if (strncmp(spec, "exec:", 5) == 0)
        return wrapped(spec + 5, exe, t, why, size);
    if (strncmp(spec, "qemu-", 5) == 0)
        return qemu_user(spec + 5, exe, t, why, size);
    if (strcmp(spec, "gvisor") == 0)
        return gvisor(exe, t, why, size);
    if (strcmp(spec, "linux-6.1") == 0)
        return linux_vm(exe, t, why, size);
    snprintf(why, size, "unknown target %s (known: %s)", spec, target_names());
    return -1;
}
