/* paths.c: svipc's own files, from the program's path; see paths.h.
 * Must not: depend on the current directory but for how a path is shown. */
#define _GNU_SOURCE
#include "paths.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIBRARY_NAME "libsvipc-ref.so"
#define OBSERVER_NAME "libsvipc-observe.so"

/* snprintf that says whether it all fitted: 0, or -1 (BUF holds a cut name). */
static int format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* PATH shown relative to the current directory when it lies inside it. */
static void shown(const char *path, char *buf, size_t size)
{
    char real[PATH_MAX], cwd[PATH_MAX];
    if (realpath(path, real) && getcwd(cwd, sizeof(cwd))) {
        size_t n = strlen(cwd);
        if (strcmp(cwd, "/") != 0 && strncmp(real, cwd, n) == 0 && real[n] == '/') {
            snprintf(buf, size, "%s", real + n + 1);
            return;
        }
        snprintf(buf, size, "%s", real);
        return;
    }
    snprintf(buf, size, "%s", path);
}

/* The catalog's directory and the library's into CATALOG and LIBRARY
 * (absolute): 0, or -1 when neither layout is found. */
static int locate(char *catalog, char *library, size_t size)
{
    char exe[PATH_MAX], probe[PATH_MAX + 64];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return -1;
    *slash = '\0';                                   /* the program's directory */
    format(probe, sizeof(probe), "%s/../share/svipc/suites/coverage.map", exe);
    if (exists(probe))
        return format(catalog, size, "%s/../share/svipc/suites", exe) |
               format(library, size, "%s/../lib/svipc/" LIBRARY_NAME, exe);
    /* the build tree: ROOT/build/svipc, ROOT/build/san/svipc (or a copy
     * of svipc beside a catalog: ROOT/svipc) */
    char up[PATH_MAX] = "";
    for (int level = 0; level <= 3; level++) {
        size_t used = strlen(up);
        if (level > 0)
            format(up + used, sizeof(up) - used, "/..");
        format(probe, sizeof(probe), "%s%s/suites/coverage.map", exe, up);
        if (exists(probe)) {
            if (format(library, size, "%s/" LIBRARY_NAME, exe) < 0 || !exists(library))
                format(library, size, "%s%s/build/" LIBRARY_NAME, exe, up);
            return format(catalog, size, "%s%s/suites", exe, up);
        }
    }
    return -1;
}

int svipc_path(enum svipc_file f, char *buf, size_t size)
{
    static const char *const relative[] = {
        [SVIPC_CATALOG] = "suites", [SVIPC_COVERAGE_MAP] = "suites/coverage.map",
        [SVIPC_GOLDEN] = "suites/golden/linux.jsonl", [SVIPC_LIBRARY] = "build/libsvipc-ref.so",
        [SVIPC_OBSERVER] = "build/libsvipc-observe.so",
    };
    char catalog[PATH_MAX], library[PATH_MAX], path[PATH_MAX + 64];
    if (locate(catalog, library, sizeof(catalog)) < 0) {
        format(buf, size, "%s", relative[f]);
        return -1;
    }
    switch (f) {
    case SVIPC_CATALOG: format(path, sizeof(path), "%s", catalog); break;
    case SVIPC_COVERAGE_MAP: format(path, sizeof(path), "%s/coverage.map", catalog); break;
    case SVIPC_GOLDEN: format(path, sizeof(path), "%s/golden/linux.jsonl", catalog); break;
    case SVIPC_OBSERVER: {
        char *slash = strrchr(library, '/');
        if (slash)
            *slash = '\0';
        format(path, sizeof(path), "%s/" OBSERVER_NAME, slash ? library : ".");
        break;
    }
    default: format(path, sizeof(path), "%s", library); break;
    }
    shown(path, buf, size);
    return 0;
}

#ifndef SVIPC_VERSION
#define SVIPC_VERSION "unknown"
#endif
#ifndef SVIPC_COMMIT
#define SVIPC_COMMIT ""
#endif

const char *svipc_version(void)
{
    return SVIPC_VERSION;
}

const char *svipc_catalog_commit(void)
{
    return SVIPC_COMMIT[0] ? SVIPC_COMMIT : NULL;
}

int path_search(const char *name, char *buf, size_t size)
{
    const char *path = getenv("PATH");
    char copy[4096];
    snprintf(copy, sizeof(copy), "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        snprintf(buf, size, "%s/%s", dir, name);
        if (access(buf, X_OK) == 0)
            return 0;
    }
    return -1;
}
