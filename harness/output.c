/* output.c: a run's output files; see output.h.
 * Must not: truncate or create before output_start, or rename a file that
 * is incomplete or whose writes failed over a golden file. */
#define _GNU_SOURCE
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* DIR and BASE of PATH into the buffers (dirname/basename copy-safe). */
static int split_path(const char *path, char *dir, char *base, size_t size)
{
    char a[4096], b[4096];
    if (strlen(path) >= sizeof(a) || !*path)
        return -1;
    strcpy(a, path);
    strcpy(b, path);
    int w1 = snprintf(dir, size, "%s", dirname(a));
    int w2 = snprintf(base, size, "%s", basename(b));
    return w1 < 0 || w2 < 0 || (size_t)w1 >= size || (size_t)w2 >= size ? -1 : 0;
}

void output_init(struct output *o, const char *path, const char *what, enum output_mode mode)
{
    memset(o, 0, sizeof(*o));
    o->path = path;
    o->what = what;
    o->mode = mode;
    o->fd = -1;
}

int output_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    int ea = stat(a, &sa), eb = stat(b, &sb);
    if (ea == 0 && eb == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea == 0 || eb == 0)
        return 0;
    /* neither exists yet: the same name in the same directory */
    char da[4096], ba[4096], db[4096], bb[4096];
    if (split_path(a, da, ba, sizeof(da)) < 0 || split_path(b, db, bb, sizeof(db)) < 0)
        return strcmp(a, b) == 0;
    if (strcmp(ba, bb) != 0 || stat(da, &sa) < 0 || stat(db, &sb) < 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int failed(char *why, size_t size, const struct output *o, const char *doing, int err)
{
    snprintf(why, size, "%s %s: %s%s", o->what, o->path, doing, strerror(err));
    return -1;
}

static int open_in_place(struct output *o, char *why, size_t size)
{
    o->fd = open(o->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (o->fd < 0 && errno == ENOENT) {
        o->fd = open(o->path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_CREAT | O_EXCL, 0666);
        o->created = o->fd >= 0;
    }
    if (o->fd < 0)
        return failed(why, size, o, "", errno);
    struct stat st;
    if (fstat(o->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(o->fd);
        o->fd = -1;
        return failed(why, size, o, "", EISDIR);
    }
    return 0;
}

/* A new file beside PATH: unnamed (O_TMPFILE) where the file system allows,
 * else named .NAME.svipc-XXXXXX. */
static int open_aside(struct output *o, const struct stat *old, char *why, size_t size)
{
    char dir[4096], base[4096];
    if (split_path(o->path, dir, base, sizeof(dir)) < 0)
        return failed(why, size, o, "", ENAMETOOLONG);
    mode_t mask = umask(0);
    umask(mask);
    mode_t mode = old ? (old->st_mode & 07777) : (0666 & ~mask);
    o->fd = open(dir, O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600);
    if (o->fd >= 0) {
        o->unnamed = 1;
    } else {
        int w = snprintf(o->temp, sizeof(o->temp), "%s/.%s.svipc-XXXXXX", dir, base);
        if (w < 0 || (size_t)w >= sizeof(o->temp))
            return failed(why, size, o, "", ENAMETOOLONG);
        o->fd = mkostemp(o->temp, O_CLOEXEC);
        if (o->fd < 0) {
            int e = errno;
            o->temp[0] = '\0';
            return failed(why, size, o, "cannot write in its directory: ", e);
        }
    }
    if (fchmod(o->fd, mode) < 0) {
        int e = errno;
        output_abandon(o);
        return failed(why, size, o, "", e);
    }
    return 0;
}

int output_open(struct output *o, char *why, size_t size)
{
    o->fd = -1;
    o->err = 0;
    o->created = o->unnamed = 0;
    o->temp[0] = '\0';
    struct stat st;
    int exists = stat(o->path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return failed(why, size, o, "", EISDIR);
    if (o->mode == OUTPUT_REPLACE && (!exists || S_ISREG(st.st_mode)))
        return open_aside(o, exists ? &st : NULL, why, size);
    /* results, or a golden file given as a device or a pipe: written as it goes */
    o->mode = OUTPUT_IN_PLACE;
    return open_in_place(o, why, size);
}

int output_start(struct output *o, char *why, size_t size)
{
    struct stat st;
    if (o->mode == OUTPUT_IN_PLACE && fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode) && ftruncate(o->fd, 0) < 0)
        return failed(why, size, o, "", errno);
    return 0;
}

int output_line(struct output *o, const char *text)
{
    if (o->fd < 0 || o->err)
        return -1;
    size_t len = strlen(text);
    char *line = malloc(len + 1);
    if (!line) {
        o->err = ENOMEM;
        return -1;
    }
    memcpy(line, text, len);
    line[len] = '\n';
    size_t done = 0;
    while (done < len + 1) {
        ssize_t n = write(o->fd, line + done, len + 1 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            o->err = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    free(line);
    return o->err ? -1 : 0;
}

/* Link an unnamed file into its directory under a fresh temporary name. */
static int link_unnamed(struct output *o)
{
    char dir[4096], base[4096], proc[64];
    if (split_path(o->path, dir, base, sizeof(dir)) < 0)
        return -1;
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", o->fd);
    for (int attempt = 0; attempt < 100; attempt++) {
        int w = snprintf(o->temp, sizeof(o->temp), "%s/.%s.svipc-%d-%d", dir, base, (int)getpid(), attempt);
        if (w < 0 || (size_t)w >= sizeof(o->temp)) {
            errno = ENAMETOOLONG;
            break;
        }
        /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd does not */
        if (linkat(o->fd, "", AT_FDCWD, o->temp, AT_EMPTY_PATH) == 0 ||
            linkat(AT_FDCWD, proc, AT_FDCWD, o->temp, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    o->temp[0] = '\0';
    return -1;
}

int output_finish(struct output *o, char *why, size_t size)
{
    if (o->fd < 0)
        return 0;
    int rc = 0;
    if (o->err) {
        rc = failed(why, size, o, "", o->err);
    } else if (o->mode == OUTPUT_REPLACE) {
        if (fsync(o->fd) < 0)
            rc = failed(why, size, o, "", errno);
        else if (o->unnamed && link_unnamed(o) < 0)
            rc = failed(why, size, o, "cannot name the new file: ", errno);
        else if (rename(o->temp, o->path) < 0)
            rc = failed(why, size, o, "", errno);
        else
            o->temp[0] = '\0';
    }
    if (rc < 0 && o->mode == OUTPUT_REPLACE) {
        output_abandon(o);
        return -1;
    }
    if (close(o->fd) < 0 && rc == 0)
        rc = failed(why, size, o, "", errno);
    o->fd = -1;
    return rc;
}

void output_abandon(struct output *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->temp[0])
        unlink(o->temp);
    o->temp[0] = '\0';
    if (o->created && o->mode == OUTPUT_IN_PLACE)
        unlink(o->path);
    o->created = 0;
}
