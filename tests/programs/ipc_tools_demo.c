/* ipc_tools_demo.c: an ordinary program that makes some objects of each
 * kind with keys of its own (a queue with messages, a set with values, a
 * segment attached, another removed while attached), then runs util-linux's
 * ipcs and lsipc on them (system(3): they inherit its environment, so
 * under LD_PRELOAD=libsvipc-ref.so they read the runtime's /proc/sysvipc
 * and sysctls) and prints what they print.  Nothing it prints differs
 * between correct implementations: no pids, no times, no ids but the
 * first of each table's, fixed keys.
 * Must not: touch the memory of its segments (the kernel would count the
 * page as resident, which the runtime does not). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

static void run(const char *command)
{
    printf("$ %s\n", command);
    fflush(stdout);
    int status = system(command);
    if (status != 0)
        printf("(status %d)\n", status);
    fflush(stdout);
}

int main(void)
{
    struct { long type; char text[32]; } m = { 1, "twelve bytes" };
    int q = msgget(0x5301, IPC_CREAT | 0600);
    int s = semget(0x5302, 3, IPC_CREAT | 0640);
    int keep = shmget(0x5303, 8192, IPC_CREAT | 0600);
    int gone = shmget(0x5304, 4096, IPC_CREAT | 0644);
    unsigned short vals[3] = { 4, 0, 9 };
    if (q < 0 || s < 0 || keep < 0 || gone < 0 || msgsnd(q, &m, 12, 0) < 0 || msgsnd(q, &m, 5, 0) < 0 ||
        semctl(s, 0, SETALL, vals) < 0 || shmat(keep, NULL, SHM_RDONLY) == (void *)-1 ||
        shmat(gone, NULL, 0) == (void *)-1 || shmctl(gone, IPC_RMID, NULL) < 0) {
        perror("ipc_tools_demo");
        return 1;
    }
    run("ipcs");
    run("ipcs -a -c");
    run("ipcs -u");
    run("ipcs -l");
    run("ipcs -q -i 0 | grep -v time | sed 's/lspid=[0-9]*/lspid=PID/'");
    run("lsipc");
    run("lsipc -q -o KEY,ID,PERMS,OWNER,USEDBYTES,MSGS --json");
    run("lsipc -m -o KEY,ID,PERMS,OWNER,SIZE,NATTCH,STATUS");
    run("lsipc -s -o KEY,ID,PERMS,OWNER,NSEMS -r");
    run("lsipc -g -m --json");
    return 0;
}
