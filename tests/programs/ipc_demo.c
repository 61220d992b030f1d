/* ipc_demo.c: an ordinary program that uses System V IPC through the C
 * library, nothing of svipc's: message priorities and a blocked receiver,
 * SEM_UNDO at a child's exit and at SIGKILL, wait-for-zero, shared memory
 * written by a child and read by its parent, nattch through fork and exit,
 * huge page segments as the host's pools allow them, a child that drops
 * its privileges before its first call (run as root).
 * It prints only what must be the same on every correct implementation
 * (no ids, pids or times), so its output on the kernel and under
 * LD_PRELOAD=libsvipc-ref.so must be identical.
 * Must not: sleep to order events; pipes order them. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct message {
    long type;
    char text[64];
};

static void say(const char *what, long value)
{
    printf("%s: %ld\n", what, value);
}

static void messages(void)
{
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct message m;
    for (long t = 3; t >= 1; t--) {
        m.type = t;
        snprintf(m.text, sizeof(m.text), "type %ld", t);
        msgsnd(q, &m, strlen(m.text) + 1, 0);
    }
    ssize_t n = msgrcv(q, &m, sizeof(m.text), -2, 0);
    printf("msgrcv -2: %zd '%s'\n", n, m.text);
    n = msgrcv(q, &m, 3, 0, IPC_NOWAIT);
    say("msgrcv too small errno", n < 0 ? errno : 0);
    n = msgrcv(q, &m, 3, 0, IPC_NOWAIT | MSG_NOERROR);
    printf("msgrcv noerror: %zd\n", n);
    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    say("qnum", (long)ds.msg_qnum);

    /* a child blocks in msgrcv on type 7; the parent's send wakes it */
    int ready[2];
    if (pipe(ready) < 0)
        exit(1);
    pid_t child = fork();
    if (child == 0) {
        struct message got;
        close(ready[0]);
        if (write(ready[1], "r", 1) != 1)
            _exit(2);
        ssize_t k = msgrcv(q, &got, sizeof(got.text), 7, 0);
        _exit(k > 0 && strcmp(got.text, "seven") == 0 ? 7 : 1);
    }
    char c;
    close(ready[1]);
    if (read(ready[0], &c, 1) != 1)
        exit(1);
    m.type = 7;
    strcpy(m.text, "seven");
    msgsnd(q, &m, 6, 0);
    int status;
    waitpid(child, &status, 0);
    say("blocked receiver got its message", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    msgctl(q, IPC_RMID, NULL);
    say("msgsnd after rmid errno", msgsnd(q, &m, 6, 0) < 0 ? errno : 0);
}

static void semaphores(void)
{
    int s = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    unsigned short init[2] = { 5, 0 };
    semctl(s, 0, SETALL, init);
    /* a child takes 2 with SEM_UNDO and exits: the 2 come back */
    pid_t child = fork();
    if (child == 0) {
        struct sembuf op = { 0, -2, SEM_UNDO };
        semop(s, &op, 1);
        _exit(semctl(s, 0, GETVAL) == 3 ? 0 : 1);
    }
    int status;
    waitpid(child, &status, 0);
    say("child saw", WEXITSTATUS(status) == 0 ? 3 : -1);
    say("after exit undo", semctl(s, 0, GETVAL));
    /* a child takes 4 with SEM_UNDO, then is killed: the 4 come back */
    int ready[2];
    if (pipe(ready) < 0)
        exit(1);
    child = fork();
    if (child == 0) {
        struct sembuf op = { 0, -4, SEM_UNDO };
        semop(s, &op, 1);
        if (write(ready[1], "t", 1) != 1)
            _exit(2);
        for (;;)
            pause();
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        exit(1);
    say("while the child holds 4", semctl(s, 0, GETVAL));
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    say("after SIGKILL undo", semctl(s, 0, GETVAL));
    /* non-blocking failure, then all-or-nothing */
    struct sembuf two[2] = { { 0, -1, IPC_NOWAIT }, { 1, -1, IPC_NOWAIT } };
    say("all-or-nothing errno", semop(s, two, 2) < 0 ? errno : 0);
    say("sem 0 untouched", semctl(s, 0, GETVAL));
    say("zero-wait on 0 NOWAIT errno", semop(s, &(struct sembuf){ 1, 0, IPC_NOWAIT }, 1) < 0 ? errno : 0);
    semctl(s, 0, IPC_RMID);
}

static void shared_memory(void)
{
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    char *p = shmat(id, NULL, 0);
    struct shmid_ds ds;
    shmctl(id, IPC_STAT, &ds);
    say("size", (long)ds.shm_segsz);
    say("nattch after attach", (long)ds.shm_nattch);
    int ready[2], go[2];
    if (pipe(ready) < 0 || pipe(go) < 0)
        exit(1);
    pid_t child = fork();
    if (child == 0) {
        strcpy(p + 5000, "written by the child");
        if (write(ready[1], "w", 1) != 1)
            _exit(2);
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(2);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1)
        exit(1);
    printf("parent reads: '%s'\n", p + 5000);
    shmctl(id, IPC_STAT, &ds);
    say("nattch with the child", (long)ds.shm_nattch);
    if (write(go[1], "g", 1) != 1)
        exit(1);
    int status;
    waitpid(child, &status, 0);
    shmctl(id, IPC_STAT, &ds);
    say("nattch after the child", (long)ds.shm_nattch);
    shmctl(id, IPC_RMID, NULL);
    shmctl(id, IPC_STAT, &ds);
    say("SHM_DEST set", (ds.shm_perm.mode & SHM_DEST) != 0);
    shmdt(p);
    say("stat after last detach errno", shmctl(id, IPC_STAT, &ds) < 0 ? errno : 0);
    char *ro = NULL;
    int id2 = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    ro = shmat(id2, NULL, SHM_RDONLY);
    say("read-only attach reads zero", ro[100]);
    shmdt(ro);
    shmctl(id2, IPC_RMID, NULL);
}

/* SHM_HUGETLB segments of each page size a program may name (bits 26-31
 * of the flags): which the host's pools can give, which sizes it has no
 * pool of (EINVAL), which pool is empty (ENOMEM). */
static void huge_pages(void)
{
    static const int logs[] = { 0, 16, 21, 25, 30 };
    for (size_t i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
        int id = shmget(IPC_PRIVATE, 2UL << 20, IPC_CREAT | SHM_HUGETLB | (logs[i] << 26) | 0600);
        char what[64];
        snprintf(what, sizeof(what), "huge page size 2^%d: shmget errno", logs[i]);
        say(what, id < 0 ? errno : 0);
        if (id >= 0)
            shmctl(id, IPC_RMID, NULL);
    }
}

/* A worker forked by a privileged parent gives its privileges up before
 * its first call; the queue's mode lets others write, so its send is
 * allowed as any process's is. */
static void dropped_privileges(void)
{
    if (geteuid() != 0) {
        say("send after dropping privileges", -1);   /* not tried */
        return;
    }
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0622);
    pid_t child = fork();
    if (child == 0) {
        struct message m = { .type = 1, .text = "from nobody" };
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(100);
        _exit(msgsnd(q, &m, 12, IPC_NOWAIT) < 0 ? errno : 0);
    }
    int status;
    waitpid(child, &status, 0);
    say("send after dropping privileges", WIFEXITED(status) ? WEXITSTATUS(status) : -2);
    struct msqid_ds ds;
    msgctl(q, IPC_STAT, &ds);
    say("qnum after it", (long)ds.msg_qnum);
    msgctl(q, IPC_RMID, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    dropped_privileges();              /* first: before this process attaches anything */
    messages();
    semaphores();
    shared_memory();
    huge_pages();
    return 0;
}
