/* procfs.c - what /proc says about a process (procfs.h).
 *
 * A woken task can still show its system call in /proc/PID/syscall: a
 * wake-up queued to another CPU leaves the task TASK_WAKING, which
 * task_current_syscall() (lib/syscall.c) does not tell from a sleep, while
 * /proc/PID/stat reports it as R (TASK_WAKING is outside TASK_REPORT,
 * fs/proc/array.c). So a sleep is the call read first and S read after:
 * a task that sleeps now was asleep in that call, or is again.
 *
 * Must not: keep state; every answer is read fresh.
 */
#include "procfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ssize_t read_proc_file(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return n;
}

char proc_state_letter(pid_t pid)
{
    char buf[512];
    if (read_proc_file(pid, "stat", buf, sizeof(buf)) < 0)
        return 0;
    const char *paren = strrchr(buf, ')');   /* the name may hold anything */
    return paren && paren[1] && paren[2] ? paren[2] : 0;
}

int proc_has_exited(pid_t pid)
{
    char state = proc_state_letter(pid);
    if (state == 0 || state == 'X')
        return 1;
    if (state != 'Z')
        return 0;
    char status[2048];
    if (read_proc_file(pid, "status", status, sizeof(status)) < 0)
        return 1;
    const char *threads = strstr(status, "\nThreads:");
    return !threads || strtol(threads + 9, NULL, 10) <= 1;
}

int proc_sleeping_call(pid_t pid, char *buf, size_t size)
{
    if (read_proc_file(pid, "syscall", buf, size) < 0)
        return -1;
    /* "running", or "NR args... sp pc" for a task that is not on a CPU */
    if (buf[0] < '0' || buf[0] > '9')
        return 0;
    char state = proc_state_letter(pid);
    return state == 0 ? -1 : state == 'S';
}

int proc_asleep_in_function(pid_t pid, const char *suffix)
{
    char name[128];
    if (read_proc_file(pid, "wchan", name, sizeof(name)) < 0)
        return -1;
    size_t len = strlen(name), want = strlen(suffix);
    if (len < want || strcmp(name + len - want, suffix) != 0)
        return 0;
    char state = proc_state_letter(pid);
    return state == 0 ? -1 : state == 'S';
}
