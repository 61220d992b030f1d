/* observe_none.c: observe.h in a build without libbpf, clang or bpftool
 * (ci/install-deps.sh bench installs them): the observer never loads.
 * Must not: pretend to observe. */
#include "observe.h"

#include <stdio.h>

struct observer *observer_open(char *why, size_t size)
{
    snprintf(why, size, "svipc-bench was built without libbpf, clang or bpftool (ci/install-deps.sh bench, "
                        "then rebuild)");
    return NULL;
}

void observer_reset(struct observer *o)
{
    (void)o;
}

int observer_add(struct observer *o, struct observation *sum)
{
    (void)o, (void)sum;
    return -1;
}

void observer_close(struct observer *o)
{
    (void)o;
}
