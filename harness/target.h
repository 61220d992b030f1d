/* target.h: where the system under test runs, and so how a scenario's
 * processes are started and how "asleep inside this call" is seen there.
 *   native          puppets forked from the runner; /proc/PID/syscall
 *   exec:CMD        puppets started through a wrapper command (rr, FEX, a
 *                   container runtime); /proc/PID/syscall of the wrapped process
 *   qemu-ARCH       x86_64, aarch64, arm (armhf), i386: a static puppet built
 *                   for ARCH run by Debian's qemu-user; the coordinator stays
 *                   native; /proc/PID/wchan (qemu makes the host's calls)
 *   gvisor          the runner runs inside runsc: puppets forked there; no
 *                   /proc/PID/syscall, so the puppet's mark and the process state
 *   linux-6.1       the runner runs inside Debian 12's kernel in a VM
 *                   (qemu-system-x86_64, TCG), talking over a serial port
 * Must not: run anything; it says how. */
#ifndef SVIPC_TARGET_H
#define SVIPC_TARGET_H

#include <stddef.h>

/* How a sleeping process is told, in the order of trust. */
enum observe {
    OBSERVE_SYSCALL,   /* /proc/PID/syscall: the very call (or the runtime's futex word) */
    OBSERVE_WCHAN,     /* /proc/PID/wchan: the kernel function it sleeps in, any architecture */
    OBSERVE_MARK,      /* the puppet's "entering the call" mark and the process state S: weaker */
};

const char *observe_name(enum observe o);

#define TARGET_MAX_WORDS 32

struct target {
    char name[256];
    /* puppets: NULL, forked from the runner; else the command that starts one */
    char *launch[TARGET_MAX_WORDS];
    enum observe observe;
    /* the runner: NULL, forked here; else the command that runs it elsewhere
     * (svipc's --runner entry, inside a sandbox or a VM) */
    char *runner[TARGET_MAX_WORDS];
    long deadline_factor;              /* a slow target's deadlines are this many times longer */
    char storage[4096];                /* the words' bytes */
};

/* Resolve SPEC (native, exec:CMD, qemu-ARCH, gvisor, linux-6.1) for this
 * program at EXE.  0, or -1 with WHY: unknown, or missing here (what to
 * install). */
int target_resolve(const char *spec, const char *exe, struct target *t, char *why, size_t size);

/* The names of the known targets, for messages: "native, gvisor, ...". */
const char *target_names(void);
/* The Ith named target (exec:CMD aside), or NULL past the last. */
const char *target_known(int i);

#endif
