/* ref_procfs.c: the namespace's files, served from the arena to programs
 * running on the preload library: /proc/sysvipc/{msg,sem,shm} and the IPC
 * sysctls /proc/sys/kernel/{msgmax,msgmnb,msgmni,msg_next_id,sem,
 * sem_next_id,shmmax,shmall,shmmni,shm_next_id,shm_rmid_forced}, so that
 * ipcs(1), lsipc(1) and monitoring programs see the runtime's objects and
 * limits, not the kernel's.
 *
 * How: the library exports the C library's ways to open a file by name
 * (open, openat, their 64-bit and _FORTIFY_SOURCE forms, fopen); a path
 * that names one of those files (exactly, as an absolute path) is served:
 *   - read: an anonymous file (memfd) holding the text as Linux prints it,
 *     at its start; fstat, read, lseek, mmap work as on any file;
 *   - written (a sysctl): opened with write access, the file's permission
 *     checked by the kernel on the real file (faccessat, AT_EACCESS); with
 *     fopen, a stream whose every flush writes the runtime's limit (the
 *     error comes back from fflush or fclose); with open, an anonymous file
 *     whose bytes are written to the runtime's limit when a descriptor of
 *     it is closed (close, or replaced by dup2 or dup3) after bytes were
 *     written to it, or at the program's exit -- a write error comes back
 *     from that close (Linux's comes from write(2)).
 * Anything else goes to the C library's function, found with dlsym.  Not
 * served: paths relative to a directory descriptor or the working
 * directory, other spellings (/proc/self/../sysvipc), kernel.auto_msgmni
 * (the kernel's), and writes to /proc/sysvipc (the kernel's refusal).
 * Must not: call the library's own exports (the runtime uses ref_sys.h),
 * make an arena to read (ref_sysvipc_text and ref_sysctl do not), or
 * sleep. */
#define _GNU_SOURCE
#include "ref.h"
#include "ref_sys.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define VALUE_MAX 256                  /* what a sysctl write may hold (Linux reads a page; these are numbers) */
#define WRITERS 8

static const char *const sysctls[] = {
    "msgmax", "msgmnb", "msgmni", "msg_next_id", "sem", "sem_next_id",
    "shmmax", "shmall", "shmmni", "shm_next_id", "shm_rmid_forced",
};

/* A sysctl opened for writing with open(2): its anonymous file, and what
 * of it was last written to the runtime. */
struct writer {
    int own_fd;                        /* the library's descriptor of it (-1: a free entry) */
    dev_t dev;
    ino_t ino;
    char name[32];
    char applied[VALUE_MAX];
};

/* The process's runtime object for served files open for writing. */
static struct {
    pthread_mutex_t lock;
    int count;                         /* entries in use: 0 lets close() go straight through */
    struct writer w[WRITERS];
} ref_procfs_writers = { .lock = PTHREAD_MUTEX_INITIALIZER, .w = { [0 ... WRITERS - 1] = { .own_fd = -1 } } };

/* ---------- the C library's functions ---------- */

static void *next(const char *name)
{
    return dlsym(RTLD_NEXT, name);
}

static int real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    static int (*fn)(int, const char *, int, ...);
    if (!fn)
        fn = (int (*)(int, const char *, int, ...))next("openat");
    return fn ? fn(dirfd, path, flags, mode) : ref_sys_open(path, flags, mode);
}

static FILE *real_fopen(const char *path, const char *mode)
{
    static FILE *(*fn)(const char *, const char *);
    if (!fn)
        fn = (FILE * (*)(const char *, const char *)) next("fopen");
    return fn(path, mode);
}

static int real_close(int fd)
{
    static int (*fn)(int);
    if (!fn)
        fn = (int (*)(int))next("close");
    return fn ? fn(fd) : ref_sys_close(fd);
}

/* ---------- which files ---------- */

enum served { NOT_SERVED, SYSVIPC, SYSCTL };

/* What PATH names; its table or sysctl into NAME. */
static enum served served(const char *path, char *name, size_t size)
{
    static const char sysvipc[] = "/proc/sysvipc/", kernel[] = "/proc/sys/kernel/";
    if (!path)
        return NOT_SERVED;
    if (strncmp(path, sysvipc, sizeof(sysvipc) - 1) == 0) {
        const char *t = path + sizeof(sysvipc) - 1;
        if (strcmp(t, "msg") && strcmp(t, "sem") && strcmp(t, "shm"))
            return NOT_SERVED;
        snprintf(name, size, "%s", t);
        return SYSVIPC;
    }
    if (strncmp(path, kernel, sizeof(kernel) - 1) == 0) {
        const char *t = path + sizeof(kernel) - 1;
        for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
            if (strcmp(t, sysctls[i]) == 0) {
                snprintf(name, size, "%s", t);
                return SYSCTL;
            }
    }
    return NOT_SERVED;
}

/* The kernel's permission check on the real file, for this process: a
 * sysctl is root's to write (in the namespace's user namespace). */
static int may_write(const char *path)
{
    if (syscall(SYS_faccessat2, AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
        return 1;
    if (errno == ENOENT || errno == ENOSYS)
        return geteuid() == 0 ? 1 : (errno = EACCES, 0);
    return 0;
}

/* ---------- reading ---------- */

/* An anonymous file holding TEXT (LEN bytes), at its start. */
static int text_file(const char *name, const char *text, size_t len, int flags)
{
    int fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n <= 0) {
            int e = errno;
            ref_sys_close(fd);
            errno = n < 0 ? e : EIO;
            return -1;
        }
        done += (size_t)n;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

/* The file's text now, as Linux prints it: a string to free. */
static char *current_text(enum served kind, const char *name, size_t *len)
{
    if (kind == SYSVIPC)
        return ref_sysvipc_text(name, len);
    char value[VALUE_MAX];
    if (ref_sysctl(name, NULL, value, sizeof(value) - 1) < 0)
        return NULL;
    char *text = malloc(strlen(value) + 2);
    if (!text) {
        errno = ENOMEM;
        return NULL;
    }
    *len = (size_t)sprintf(text, "%s\n", value);
    return text;
}

/* ---------- writing ---------- */

/* Write TEXT (a sysctl's new value, as written to the file) to NAME. */
static int write_value(const char *name, const char *text)
{
    char value[VALUE_MAX];
    snprintf(value, sizeof(value), "%s", text);
    return ref_sysctl(name, value, NULL, 0);
}

/* The bytes of writer W's file, into BUF (a string). */
static void writer_bytes(const struct writer *w, char *buf, size_t size)
{
    ssize_t n = pread(w->own_fd, buf, size - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
}

/* Under the lock: the entry whose file FD is, or NULL. */
static struct writer *writer_of(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return NULL;
    for (int i = 0; i < WRITERS; i++) {
        struct writer *w = &ref_procfs_writers.w[i];
        if (w->own_fd >= 0 && w->dev == st.st_dev && w->ino == st.st_ino)
            return w;
    }
    return NULL;
}

/* Under the lock: W's bytes to the runtime if they changed since; 0, or
 * -1 with errno (the runtime's refusal). */
static int writer_apply(struct writer *w)
{
    char bytes[VALUE_MAX];
    writer_bytes(w, bytes, sizeof(bytes));
    if (strcmp(bytes, w->applied) == 0)
        return 0;
    snprintf(w->applied, sizeof(w->applied), "%s", bytes);
    return write_value(w->name, bytes);
}

static void writer_free(struct writer *w)
{
    ref_sys_close(w->own_fd);
    w->own_fd = -1;
    ref_procfs_writers.count--;
}

/* A sysctl opened for writing with open(2): an anonymous file, tracked. */
static int writer_open(const char *name, int flags)
{
    int fd = memfd_create(name, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
    if (fd < 0)
        return -1;
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    struct stat st;
    if (own < 0 || fstat(fd, &st) < 0) {
        int e = errno;
        ref_sys_close(fd);
        if (own >= 0)
            ref_sys_close(own);
        errno = e;
        return -1;
    }
    pthread_mutex_lock(&ref_procfs_writers.lock);
    struct writer *w = NULL;
    for (int i = 0; i < WRITERS && !w; i++)
        if (ref_procfs_writers.w[i].own_fd < 0)
            w = &ref_procfs_writers.w[i];
    if (!w) {                          /* the oldest goes: its bytes first */
        w = &ref_procfs_writers.w[0];
        writer_apply(w);
        writer_free(w);
    }
    w->own_fd = own;
    w->dev = st.st_dev;
    w->ino = st.st_ino;
    snprintf(w->name, sizeof(w->name), "%s", name);
    w->applied[0] = '\0';
    ref_procfs_writers.count++;
    pthread_mutex_unlock(&ref_procfs_writers.lock);
    return fd;
}

/* FD is about to go (close, dup2 over it): if it is a tracked file with
 * bytes written, they go to the runtime now.  0, or -1 with errno. */
static int before_fd_goes(int fd)
{
    if (!__atomic_load_n(&ref_procfs_writers.count, __ATOMIC_ACQUIRE))
        return 0;
    pthread_mutex_lock(&ref_procfs_writers.lock);
    int rc = 0;
    struct writer *w = writer_of(fd);
    if (w) {
        char bytes[VALUE_MAX];
        writer_bytes(w, bytes, sizeof(bytes));
        if (*bytes) {
            rc = writer_apply(w);
            writer_free(w);
        }
    }
    pthread_mutex_unlock(&ref_procfs_writers.lock);
    return rc;
}

/* At exit: what is still written and not applied. */
__attribute__((destructor)) static void apply_at_exit(void)
{
    if (!ref_procfs_writers.count)
        return;
    pthread_mutex_lock(&ref_procfs_writers.lock);
    for (int i = 0; i < WRITERS; i++)
        if (ref_procfs_writers.w[i].own_fd >= 0) {
            writer_apply(&ref_procfs_writers.w[i]);
            writer_free(&ref_procfs_writers.w[i]);
        }
    pthread_mutex_unlock(&ref_procfs_writers.lock);
}

/* A sysctl opened for writing with fopen: a stream whose flushes write it. */
struct sysctl_stream {
    char name[32];
    char text[VALUE_MAX];
    size_t len;
};

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
    struct sysctl_stream *s = cookie;
    size_t take = size < sizeof(s->text) - 1 - s->len ? size : sizeof(s->text) - 1 - s->len;
    memcpy(s->text + s->len, buf, take);
    s->len += take;
    s->text[s->len] = '\0';
    if (write_value(s->name, s->text) < 0)
        return -1;
    s->len = 0;                        /* Linux parses each write on its own */
    return (ssize_t)size;
}

static ssize_t stream_read(void *cookie, char *buf, size_t size)
{
    (void)cookie;
    (void)buf;
    (void)size;
    errno = EBADF;                     /* opened to write */
    return -1;
}

static int stream_close(void *cookie)
{
    free(cookie);
    return 0;
}

/* ---------- opening ---------- */

/* Open served file PATH (KIND, NAME) with FLAGS: a descriptor, or -1 and errno. */
static int served_open(const char *path, enum served kind, const char *name, int flags)
{
    int access_mode = flags & O_ACCMODE;
    if (access_mode != O_RDONLY) {
        if (kind == SYSVIPC) {
            errno = EACCES;            /* 0444 files without a write operation */
            return -1;
        }
        if (!may_write(path))
            return -1;
        if (access_mode == O_WRONLY)
            return writer_open(name, flags);
    }
    size_t len = 0;
    char *text = current_text(kind, name, &len);
    if (!text)
        return -1;
    int fd = access_mode == O_RDWR ? writer_open(name, flags) : text_file(name, text, len, flags);
    if (fd >= 0 && access_mode == O_RDWR) {
        /* read-write: the value to read, and written back only if changed */
        pthread_mutex_lock(&ref_procfs_writers.lock);
        struct writer *w = writer_of(fd);
        if (w) {
            snprintf(w->applied, sizeof(w->applied), "%s", text);
            if (pwrite(fd, text, len, 0) < 0)
                w->applied[0] = '\0';
        }
        pthread_mutex_unlock(&ref_procfs_writers.lock);
    }
    int e = errno;
    free(text);
    errno = e;
    return fd;
}

static int open_at(int dirfd, const char *path, int flags, mode_t mode)
{
    char name[32];
    enum served kind = path && path[0] == '/' ? served(path, name, sizeof(name)) : NOT_SERVED;
    if (kind == NOT_SERVED)
        return real_openat(dirfd, path, flags, mode);
    return served_open(path, kind, name, flags);
}

/* The mode argument of open, present only with O_CREAT or O_TMPFILE. */
#define MODE_ARG(flags, mode)                                                                       \
    do {                                                                                            \
        if ((flags) & (O_CREAT | __O_TMPFILE)) {                                                    \
            va_list ap;                                                                             \
            va_start(ap, flags);                                                                    \
            mode = (mode_t)va_arg(ap, int);                                                         \
            va_end(ap);                                                                             \
        }                                                                                           \
    } while (0)

EXPORT int open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return open_at(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return open_at(AT_FDCWD, path, flags | O_LARGEFILE, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return open_at(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    MODE_ARG(flags, mode);
    return open_at(dirfd, path, flags | O_LARGEFILE, mode);
}

/* _FORTIFY_SOURCE's forms (lsipc's path reads): no mode argument */
EXPORT int __open_2(const char *path, int flags) { return open_at(AT_FDCWD, path, flags, 0); }
EXPORT int __open64_2(const char *path, int flags) { return open_at(AT_FDCWD, path, flags | O_LARGEFILE, 0); }
EXPORT int __openat_2(int dirfd, const char *path, int flags) { return open_at(dirfd, path, flags, 0); }
EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
    return open_at(dirfd, path, flags | O_LARGEFILE, 0);
}

/* fopen's mode as open's flags. */
static int stream_flags(const char *mode)
{
    int flags = mode[0] == 'r' ? O_RDONLY : O_WRONLY;
    if (strchr(mode, '+'))
        flags = O_RDWR;
    if (strchr(mode, 'e'))
        flags |= O_CLOEXEC;
    return flags;
}

static FILE *open_stream(const char *path, const char *mode)
{
    char name[32];
    enum served kind = path && path[0] == '/' ? served(path, name, sizeof(name)) : NOT_SERVED;
    if (kind == NOT_SERVED)
        return real_fopen(path, mode);
    int flags = stream_flags(mode);
    if ((flags & O_ACCMODE) == O_WRONLY && kind == SYSCTL) {
        if (!may_write(path))
            return NULL;
        struct sysctl_stream *s = calloc(1, sizeof(*s));
        if (!s)
            return NULL;
        snprintf(s->name, sizeof(s->name), "%s", name);
        cookie_io_functions_t io = { .read = stream_read, .write = stream_write, .close = stream_close };
        FILE *f = fopencookie(s, "w", io);
        if (!f)
            free(s);
        return f;
    }
    int fd = served_open(path, kind, name, flags);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, mode);
    if (!f) {
        int e = errno;
        ref_sys_close(fd);
        errno = e;
    }
    return f;
}

EXPORT FILE *fopen(const char *path, const char *mode) { return open_stream(path, mode); }
EXPORT FILE *fopen64(const char *path, const char *mode) { return open_stream(path, mode); }

/* ---------- descriptors going ---------- */

EXPORT int close(int fd)
{
    int rc = before_fd_goes(fd);
    int e = errno;
    int closed = real_close(fd);
    if (rc < 0) {
        errno = e;                     /* the write's refusal, as write(2) would have said it */
        return -1;
    }
    return closed;
}

EXPORT int dup2(int oldfd, int newfd)
{
    static int (*fn)(int, int);
    if (!fn)
        fn = (int (*)(int, int))next("dup2");
    if (oldfd != newfd)
        before_fd_goes(newfd);
    return fn(oldfd, newfd);
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
    static int (*fn)(int, int, int);
    if (!fn)
        fn = (int (*)(int, int, int))next("dup3");
    before_fd_goes(newfd);
    return fn(oldfd, newfd, flags);
}
