/* capacity.c: how much an implementation holds at Linux's default limits,
 * as an ordinary program finds out: sets of 250 semaphores until semget
 * refuses, then 8 KiB messages (IPC_NOWAIT) in as many queues as msgget
 * gives until every queue is full.  It prints the counts and the errno at
 * each limit, which must be the same on the kernel and on the reference
 * runtime (Linux: 32000 sets, ENOSPC; 32000 queues, ENOSPC; 64000
 * messages, EAGAIN).
 * Must not: leave an object behind: everything it made is removed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

#define MAX_OBJECTS 40000

struct message {
    long type;
    char text[8192];
};

int main(void)
{
    static int ids[MAX_OBJECTS];
    int n = 0, err = 0;
    while (n < MAX_OBJECTS) {
        int id = semget(IPC_PRIVATE, 250, IPC_CREAT | 0600);
        if (id < 0) {
            err = errno;
            break;
        }
        ids[n++] = id;
    }
    printf("sets of 250: %d, then %s\n", n, strerrorname_np(err));
    for (int i = 0; i < n; i++)
        semctl(ids[i], 0, IPC_RMID);

    n = 0;
    while (n < MAX_OBJECTS) {
        int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
        if (id < 0) {
            err = errno;
            break;
        }
        ids[n++] = id;
    }
    printf("queues: %d, then %s\n", n, strerrorname_np(err));
    static struct message m = { .type = 1 };
    memset(m.text, 'x', sizeof(m.text));
    long sent = 0;
    for (int i = 0; i < n; i++)
        while (msgsnd(ids[i], &m, sizeof(m.text), IPC_NOWAIT) == 0)
            sent++;
    printf("messages of 8 KiB: %ld, then %s\n", sent, strerrorname_np(errno));
    for (int i = 0; i < n; i++)
        msgctl(ids[i], IPC_RMID, NULL);
    return 0;
}
