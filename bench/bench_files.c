/* bench_files.c: svipc-bench's companions, beside it or installed
 * (bench_files.h).
 * Must not: start anything. */
#define _GNU_SOURCE
#include "bench_files.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int bench_companion(const char *self, const char *name, char *out, size_t size)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", self);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(dir, sizeof(dir), ".");
    snprintf(out, size, "%s/../lib/svipc/%s", dir, name);
    if (access(out, F_OK) == 0)
        return 0;
    snprintf(out, size, "%s/%s", dir, name);
    return access(out, F_OK) == 0 ? 0 : -1;
}
