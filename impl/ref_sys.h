/* ref_sys.h: the runtime's own file calls, made as system calls.  The
 * preload library exports open, close, dup2 and their kin to programs
 * (ref_procfs.c serves /proc/sysvipc and the IPC sysctls through them); a
 * call from inside the library to one of those names would bind to the
 * library's own export, not to the C library's, so the runtime's files
 * (the arena, the keeper's log, /proc/PID/stat) are opened and closed by
 * the kernel directly.
 * Must not: be included outside impl/ref_*.c and impl/host_facts.c. */
#ifndef SVIPC_REF_SYS_H
#define SVIPC_REF_SYS_H

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static inline int ref_sys_open(const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static inline int ref_sys_close(int fd)
{
    return (int)syscall(SYS_close, fd);
}

static inline int ref_sys_access(const char *path, int mode)
{
    return (int)syscall(SYS_faccessat, AT_FDCWD, path, mode);
}

#endif
