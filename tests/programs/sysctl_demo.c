/* sysctl_demo.c: an ordinary program that changes the namespace's IPC
 * limits through /proc/sys/kernel, the ways programs do (open, write and
 * close; fopen, fprintf and fclose; a shell's redirection), reads them
 * back, and meets them: a queue made after msgmnb is lowered gets it as its
 * qbytes and refuses the message beyond it; msgmax refuses a larger
 * message; msg_next_id names the next queue.  A value the kernel refuses
 * is reported where each way reports it.  Under LD_PRELOAD=libsvipc-ref.so
 * the same writes change the runtime's limits (and not the kernel's), so
 * the output must be the same.
 * Must not: print anything that differs between correct implementations. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

static const char *error_name(int err)
{
    return err == EINVAL ? "EINVAL" : err == EAGAIN ? "EAGAIN" : err == EACCES ? "EACCES" : err ? "other" : "ok";
}

/* open, write, close: what each said */
static void with_open(const char *name, const char *value)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    int fd = open(path, O_WRONLY);
    ssize_t w = fd < 0 ? -1 : write(fd, value, strlen(value));
    int write_err = w < 0 ? errno : 0;
    int c = fd < 0 ? -1 : close(fd);
    int close_err = c < 0 ? errno : 0;
    /* Linux refuses a bad value in write(2), the runtime's files at close(2): either way it was refused */
    printf("open %s=%s: %s\n", name, value, error_name(write_err ? write_err : close_err));
}

static void with_stdio(const char *name, const char *value)
{
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    FILE *f = fopen(path, "w");
    int ok = f && fprintf(f, "%s\n", value) > 0;
    int closed = f ? fclose(f) : EOF;
    printf("fopen %s=%s: %s\n", name, value, ok && closed == 0 ? "ok" : error_name(errno));
}

static void show(const char *name)
{
    char path[128], value[256] = "";
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(value, sizeof(value), f))
        snprintf(value, sizeof(value), "(unreadable)\n");
    if (f)
        fclose(f);
    printf("%s = %s", name, value);
}

int main(void)
{
    struct { long type; char text[200]; } m = { 1, "" };
    show("msgmnb");
    with_open("msgmnb", "100");
    with_stdio("msgmax", "80");
    with_open("shmmni", "70000");
    with_stdio("msgmni", "-5");
    with_open("msg_next_id", "77");
    fflush(stdout);
    if (system("echo 50 > /proc/sys/kernel/shmmni") != 0)
        printf("the shell's write failed\n");
    show("msgmnb");
    show("msgmax");
    show("shmmni");
    show("msgmni");
    show("msg_next_id");
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    printf("the new queue is id 77: %s, its qbytes %lu\n", q == 77 ? "yes" : "no", (unsigned long)ds.msg_qbytes);
    printf("msgsnd 60: %s\n", msgsnd(q, &m, 60, IPC_NOWAIT) == 0 ? "ok" : error_name(errno));
    printf("msgsnd 60 more: %s\n", msgsnd(q, &m, 60, IPC_NOWAIT) == 0 ? "ok" : error_name(errno));
    printf("msgsnd 81 (beyond msgmax): %s\n", msgsnd(q, &m, 81, IPC_NOWAIT) == 0 ? "ok" : error_name(errno));
    msgctl(q, IPC_RMID, NULL);
    fflush(stdout);
    if (system("ipcs -l | grep -E 'queues|message|queue \\(|segments'") != 0)
        printf("ipcs failed\n");
    return 0;
}
