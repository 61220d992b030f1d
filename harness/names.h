/* names.h: the symbolic names a scenario may write (flags, commands, errno
 * values, signals, capabilities) and their numbers, both ways.
 * Must not: hold any state; every table is constant. */
#ifndef SVIPC_NAMES_H
#define SVIPC_NAMES_H

/* 0 and *value set when NAME is a known constant (IPC_CREAT, SETALL, ...). */
int name_constant(const char *name, long *value);
/* errno number of "EINVAL", or 0. */
int name_errno(const char *name);
/* "EINVAL" for 22; "E#n" for an unknown number (a static buffer is not used:
 * unknown numbers return "E?"). */
const char *errno_name(int err);
/* signal number of "SIGKILL" or "KILL", or 0. */
int name_signal(const char *name);
const char *signal_name(int sig);
/* capability number of "CAP_IPC_OWNER", or -1. */
int name_capability(const char *name);
/* Whether WORD is one of the items of LIST separated by SEP ("a b c", ' ');
 * never for an empty WORD. */
int list_has(const char *list, char sep, const char *word);
/* the IPC sysctls of an IPC namespace that a scenario may write ("msgmnb"). */
int name_is_ipc_sysctl(const char *name);

#endif
