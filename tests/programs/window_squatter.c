/* window_squatter.c - a preload library for the exec: target's test: an
 * image whose layout takes the scenario's shmat window, as address-space
 * randomisation now and then does.  In a puppet started with a window
 * (`--puppet FD BACKEND BASE`, BASE not 0), its constructor maps a page at
 * BASE in the first SVIPC_SQUAT images of each process (an exec keeps the
 * pid and the start time: the images are counted in a file named by both
 * under SVIPC_SQUAT_DIR),
 * so those find the window taken and the next one finds it free.
 *
 * Must not: touch any process but a puppet given a window, or be loaded
 * anywhere but in a test.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* /proc/self/NAME into BUF, NUL-terminated: its length, or <= 0. */
static ssize_t read_self(const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

/* BASE from this process's command line, or 0 when it is no puppet given one. */
static uintptr_t window_of_this_puppet(void)
{
    char cmdline[4096];
    ssize_t n = read_self("cmdline", cmdline, sizeof(cmdline));
    if (n <= 0)
        return 0;
    const char *word[8];
    int count = 0;
    for (ssize_t at = 0; at < n && count < 8; at += (ssize_t)strlen(cmdline + at) + 1)
        word[count++] = cmdline + at;
    if (count != 5 || strcmp(word[1], "--puppet") != 0)
        return 0;
    return (uintptr_t)strtoull(word[4], NULL, 0);
}

/* This process's start time (clock ticks after boot), which an exec keeps
 * and a pid reused in another scenario's namespace does not; 0 unknown. */
static unsigned long long start_time(void)
{
    char stat[1024];
    if (read_self("stat", stat, sizeof(stat)) <= 0)
        return 0;
    const char *field = strrchr(stat, ')');      /* the name may hold spaces */
    for (int i = 2; field && i < 22; i++)          /* field 22: starttime */
        field = strchr(field + 1, ' ');
    return field ? strtoull(field + 1, NULL, 10) : 0;
}

/* Images of this process so far, this one counted; 0 when it cannot tell. */
static int images_of_this_process(const char *dir)
{
    char path[4096], text[16] = "";
    snprintf(path, sizeof(path), "%s/%d-%llu", dir, (int)getpid(), start_time());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return 0;
    ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
    int images = (n > 0 ? atoi(text) : 0) + 1;
    int len = snprintf(text, sizeof(text), "%d\n", images);
    int written = pwrite(fd, text, (size_t)len, 0) == len;
    close(fd);
    return written ? images : 0;
}

__attribute__((constructor)) static void squat(void)
{
    const char *squats = getenv("SVIPC_SQUAT"), *dir = getenv("SVIPC_SQUAT_DIR");
    uintptr_t base = window_of_this_puppet();
    if (!squats || !dir || !base)
        return;
    int images = images_of_this_process(dir);
    if (images > 0 && images <= atoi(squats))
        mmap((void *)base, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
}
