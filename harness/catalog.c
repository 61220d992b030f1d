/* catalog.c: loading, finding and freeing scenario instances; see catalog.h.
 * Must not: parse scenario text, follow a directory into itself, or read a
 * file without a bound on its size. */
#define _GNU_SOURCE
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------- the name index ---------- */

/* Open addressing over item numbers, for the items array it was built for;
 * rebuilt when the array moves (realloc) or fills past half its slots. */
struct catalog_index {
    const struct scenario *items;
    int indexed;
    size_t mask;                 /* slots - 1, a power of two minus one */
    int *slot;                   /* item number + 1, or 0 for empty */
};

size_t catalog_name_hash(const char *name)
{
    size_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return h;
}

static void index_put(struct catalog_index *x, const struct scenario *items, int i)
{
    size_t at = catalog_name_hash(items[i].name) & x->mask;
    while (x->slot[at])
        at = (at + 1) & x->mask;
    x->slot[at] = i + 1;
}

static void index_free(struct catalog *cat)
{
    if (cat->index)
        free(cat->index->slot);
    free(cat->index);
    cat->index = NULL;
}

/* Bring CAT's index up to its items; without memory, the index is dropped
 * (catalog_find then searches the items one by one). */
static void index_update(struct catalog *cat)
{
    struct catalog_index *x = cat->index;
    if (!x && !(x = cat->index = calloc(1, sizeof(*x))))
        return;
    size_t want = 64;
    while (want < 2 * (size_t)cat->count)
        want *= 2;
    if (x->items != cat->items || x->indexed > cat->count || x->mask + 1 < want) {
        int *slot = calloc(want, sizeof(int));
        if (!slot) {
            index_free(cat);
            return;
        }
        free(x->slot);
        x->slot = slot;
        x->mask = want - 1;
        x->items = cat->items;
        x->indexed = 0;
    }
    for (; x->indexed < cat->count; x->indexed++)
        index_put(x, cat->items, x->indexed);
}

int catalog_find(const struct catalog *cat, const char *name)
{
    const struct catalog_index *x = cat->index;
    if (x && x->items == cat->items && x->indexed == cat->count) {
        for (size_t at = catalog_name_hash(name) & x->mask; x->slot[at]; at = (at + 1) & x->mask)
            if (strcmp(cat->items[x->slot[at] - 1].name, name) == 0)
                return x->slot[at] - 1;
        return -1;
    }
    for (int i = 0; i < cat->count; i++)
        if (strcmp(cat->items[i].name, name) == 0)
            return i;
    return -1;
}

/* ---------- instances in, everything out ---------- */

int catalog_append(struct catalog *cat, const struct scenario *items, int n, struct region *file_memory)
{
    if (!cat->memory && !(cat->memory = calloc(1, sizeof(*cat->memory))))
        return -1;
    if (n > 0) {
        struct scenario *grown = realloc(cat->items, ((size_t)cat->count + (size_t)n) * sizeof(*grown));
        if (!grown)
            return -1;
        memcpy(grown + cat->count, items, (size_t)n * sizeof(*grown));
        cat->items = grown;
        cat->count += n;
    }
    region_take(cat->memory, file_memory);
    index_update(cat);
    return 0;
}

size_t catalog_bytes(const struct catalog *cat)
{
    return cat->memory ? cat->memory->used : 0;
}

void catalog_free(struct catalog *cat)
{
    index_free(cat);
    if (cat->memory)
        region_free(cat->memory);
    free(cat->memory);
    free(cat->items);
    memset(cat, 0, sizeof(*cat));
}

/* ---------- files and directories ---------- */

static int path_error(struct parse_error *err, const char *path, const char *reason)
{
    snprintf(err->file, sizeof(err->file), "%s", path);
    err->line = 0;
    snprintf(err->reason, sizeof(err->reason), "%s", reason);
    return -1;
}

/* The whole of an open file, at most CATALOG_MAX_FILE_SIZE bytes. */
static int read_bounded(int fd, const char *path, char **text, size_t *len, struct parse_error *err)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf)
        return path_error(err, path, "out of memory");
    for (;;) {
        if (n == cap) {
            if (cap > CATALOG_MAX_FILE_SIZE) {
                free(buf);
                char why[128];
                snprintf(why, sizeof(why), "larger than %lu MiB (a scenario file is at most that)",
                         CATALOG_MAX_FILE_SIZE >> 20);
                return path_error(err, path, why);
            }
            cap *= 2;
            char *grown = realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                return path_error(err, path, "out of memory");
            }
            buf = grown;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            return path_error(err, path, strerror(e));
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (n > CATALOG_MAX_FILE_SIZE) {
        free(buf);
        char why[128];
        snprintf(why, sizeof(why), "larger than %lu MiB (a scenario file is at most that)", CATALOG_MAX_FILE_SIZE >> 20);
        return path_error(err, path, why);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* TOP: named by the user, who may name any readable file (/dev/stdin). */
static int load_file(struct catalog *cat, const char *path, int top, struct parse_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer */
    int fd = open(path, O_RDONLY | O_CLOEXEC | (top ? 0 : O_NONBLOCK));
    if (fd < 0)
        return path_error(err, path, strerror(errno));
    struct stat st;
    if (!top && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        return path_error(err, path, "not a regular file");
    }
    char *text = NULL;
    size_t len = 0;
    int rc = read_bounded(fd, path, &text, &len, err);
    close(fd);
    if (rc < 0)
        return -1;
    rc = parse_buffer(cat, path, text, len, err);
    free(text);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directories being walked, outermost first: a directory met again
 * inside itself (through a symbolic link) is a loop. */
struct walk {
    int depth;
    dev_t dev[64];
    ino_t ino[64];
};

static int load_path(struct catalog *cat, const char *path, int top, struct walk *w, struct parse_error *err);

static int load_dir(struct catalog *cat, const char *path, const struct stat *st, struct walk *w,
                    struct parse_error *err)
{
    for (int i = 0; i < w->depth; i++)
        if (w->dev[i] == st->st_dev && w->ino[i] == st->st_ino)
            return path_error(err, path, "a directory inside itself (a symbolic link loop)");
    if (w->depth == (int)(sizeof(w->dev) / sizeof(w->dev[0])))
        return path_error(err, path, "directories nested more than 64 deep");
    DIR *dir = opendir(path);
    if (!dir)
        return path_error(err, path, strerror(errno));
    char **names = NULL;
    int count = 0, cap = 0, rc = 0;
    errno = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(dir)); errno = 0) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, (size_t)cap * sizeof(char *));
            if (!grown) {
                rc = path_error(err, path, "out of memory");
                break;
            }
            names = grown;
        }
        if (asprintf(&names[count], "%s/%s", path, e->d_name) < 0)
            rc = path_error(err, path, "out of memory");
        else
            count++;
    }
    if (rc == 0 && errno)
        rc = path_error(err, path, strerror(errno));
    closedir(dir);
    if (rc == 0) {
        qsort(names, (size_t)count, sizeof(char *), compare_names);
        w->dev[w->depth] = st->st_dev;
        w->ino[w->depth++] = st->st_ino;
        for (int i = 0; i < count && rc == 0; i++)
            rc = load_path(cat, names[i], 0, w, err);
        w->depth--;
    }
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

static int load_path(struct catalog *cat, const char *path, int top, struct walk *w, struct parse_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return path_error(err, path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return load_dir(cat, path, &st, w, err);
    size_t len = strlen(path);
    if (!top && (len < 6 || strcmp(path + len - 6, ".svipc") != 0))
        return 0;
    return load_file(cat, path, top, err);
}

int catalog_load(struct catalog *cat, char *const *paths, int npaths, struct parse_error *err)
{
    for (int i = 0; i < npaths; i++) {
        struct walk w = { 0 };
        if (load_path(cat, paths[i], 1, &w, err) < 0)
            return -1;
    }
    return 0;
}
