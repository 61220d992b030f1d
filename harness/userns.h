/* userns.h: rootless runs.  Scenarios on the kernel and the reference
 * runtime need namespaces of their own (IPC, PID), which only CAP_SYS_ADMIN
 * makes.  A user without it, where unprivileged user namespaces are
 * allowed, gets them this way:
 *   - svipc run makes a user namespace and executes itself again inside
 *     (so its memory belongs to that namespace: a puppet that changed ids
 *     is not dumpable, and only a capability in the namespace its memory
 *     belongs to lets the runner read its /proc/PID/syscall);
 *   - ids: 0 is the user; with newuidmap and newgidmap (Debian: uidmap)
 *     and a range for the user in /etc/subuid and /etc/subgid, 1..N are
 *     that range, so the permission scenarios have real distinct users;
 *     otherwise 0 is the only id, and the scenarios that need another are
 *     skipped, saying so (idmap.h);
 *   - each runner is init of its own PID and mount namespaces, with a
 *     /proc of its own PID namespace (pool.c, userns_runner_init).
 * The run's user namespace is this file's runtime object; the description
 * of its ids crosses the exec in $SVIPC_USERNS (svipc's own, removed when
 * read).
 * Must not: do anything for a process that has CAP_SYS_ADMIN (root on CI
 * runs as before), touch IPC state, or hide why no namespace could be made. */
#ifndef SVIPC_USERNS_H
#define SVIPC_USERNS_H

#include <stddef.h>

/* Whether this process can give scenarios namespaces of their own
 * (CAP_SYS_ADMIN in its user namespace). */
int userns_privileged(void);

/* In svipc run, before anything is opened: when this process cannot make
 * namespaces, make a user namespace and execute ARGV again in it (this
 * returns only when no namespace could be made, keeping why for
 * userns_isolation).  In the process executed again, takes the
 * description from the environment.  Prints one line to stderr saying
 * which ids the run has, unless QUIET. */
void userns_enter(char **argv, int quiet);

/* Whether this run is inside the user namespace svipc made: its runners
 * must make PID and mount namespaces of their own. */
int userns_active(void);

/* What the run's user namespace maps and why ("" when svipc made none),
 * for the reasons of skipped scenarios. */
const char *userns_description(void);

/* 0 when scenarios can have namespaces of their own here, else -1 and
 * WHY, naming what to do (for the backends' available()). */
int userns_isolation(const char *backend, char *why, size_t size);

/* In a runner that has just become init of new PID and mount namespaces:
 * mount a /proc of its PID namespace.  0, or -1 and WHY. */
int userns_runner_init(char *why, size_t size);

#endif
