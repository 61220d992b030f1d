/* proc_status.h: one number of this process's /proc/self/status, for the
 * tests that watch what the kernel counts for them (context switches,
 * resident shared memory).
 * Must not: be used for anything but tests' observations. */
#ifndef SVIPC_TESTS_PROC_STATUS_H
#define SVIPC_TESTS_PROC_STATUS_H

#include <stdio.h>
#include <string.h>

/* The field NAME ("RssShmem", "voluntary_ctxt_switches"): its number
 * (a size in kB for sizes), or -1 when it is not there. */
static inline long proc_status_field(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t len = strlen(name);
    long n = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, name, len) == 0 && line[len] == ':' && sscanf(line + len + 1, "%ld", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

#endif
