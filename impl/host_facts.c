/* host_facts.c: the host's huge page pools and overcommit accounting
 * (host_facts.h), read by system calls (ref_sys.h).
 * Must not: write anything, or fail loudly: a fact it cannot read is the
 * kernel's default (no pool, overcommit mode 0). */
#define _GNU_SOURCE
#include "host_facts.h"
#include "ref_sys.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The first bytes of the file at PATH, as a string ("" when unreadable).
 * Read by system calls: in the preload library, fopen and open are the
 * library's own exports (ref_sys.h). */
static void read_text(const char *path, char *buf, size_t size)
{
    int fd = ref_sys_open(path, O_RDONLY | O_CLOEXEC, 0);
    ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;
    buf[n > 0 ? n : 0] = '\0';
    if (fd >= 0)
        ref_sys_close(fd);
}

/* A field of /proc/meminfo (kB, or a count for HugePages_*), or 0. */
static unsigned long meminfo_kb(const char *field)
{
    char text[8192];
    read_text("/proc/meminfo", text, sizeof(text));
    size_t n = strlen(field);
    for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : "")
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            return strtoul(line + n + 1, NULL, 10);
    return 0;
}

void host_commit(unsigned long *pages, int *noreserve_ignored)
{
    unsigned long page_kb = (unsigned long)sysconf(_SC_PAGESIZE) / 1024;
    char text[32];
    read_text("/proc/sys/vm/overcommit_memory", text, sizeof(text));
    int mode = atoi(text);             /* unreadable: 0, OVERCOMMIT_GUESS, the default */
    *noreserve_ignored = mode == 2;
    if (mode == 1) {
        *pages = ~0UL;
    } else if (mode == 2) {
        unsigned long limit = meminfo_kb("CommitLimit"), used = meminfo_kb("Committed_AS");
        *pages = (limit > used ? limit - used : 0) / page_kb;
    } else {
        *pages = (meminfo_kb("MemTotal") + meminfo_kb("SwapTotal")) / page_kb;
    }
}

void host_huge_pools(void (*tell)(void *ctx, unsigned long free_pages, int log), void *ctx)
{
    DIR *d = opendir("/sys/kernel/mm/hugepages");
    for (struct dirent *e; d && (e = readdir(d));) {
        unsigned long kb, free_pages = 0;
        char tail[8], path[512];
        if (sscanf(e->d_name, "hugepages-%lukB%7s", &kb, tail) != 1 || !kb || (kb & (kb - 1)))
            continue;
        snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/free_hugepages", e->d_name);
        char text[32];
        read_text(path, text, sizeof(text));
        free_pages = strtoul(text, NULL, 10);
        tell(ctx, free_pages, 10 + __builtin_ctzl(kb));
    }
    if (d)
        closedir(d);
}
