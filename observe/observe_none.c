/* observe_none.c: observe.h in a build without libbpf, clang or bpftool
 * (ci/install-deps.sh bench installs them): the observer never loads.
 * Must not: pretend to observe. */
#include "observe.h"

#include <errno.h>
#include <stdio.h>

struct observer *observer_open(char *why, size_t size)
{
    snprintf(why, size, "built without libbpf, clang or bpftool (ci/install-deps.sh bench, then rebuild)");
    return NULL;
}

int observer_scope(struct observer *o)
{
    (void)o;
    errno = ENOSYS;
    return -1;
}

int observer_take(struct observer *o, struct observation *sum)
{
    (void)o, (void)sum;
    errno = ENOSYS;
    return -1;
}

void observer_close(struct observer *o)
{
    (void)o;
}
