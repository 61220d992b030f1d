/* msg_pairs.c: the classic message stress, through the C library only:
 * PAIRS writer/reader pairs, each on a queue of its own, the writer sending
 * MESSAGES messages that carry its pair, a sequence number and a checksum,
 * the reader checking every one (order, content, length).  It prints the
 * time taken and the time per message, and exits 1 on any wrong or lost
 * message, 2 when it could not run.  Run on the kernel (in a private IPC
 * namespace: unshare -i) and under LD_PRELOAD=libsvipc-ref.so, side by side.
 *     msg_pairs PAIRS MESSAGES
 * Must not: sleep to order anything, or leave a queue behind (the parent
 * removes every queue, also when a child failed). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct message {
    long type;
    uint32_t pair, seq, sum;
    char text[52];
};

#define TEXT_SIZE(seq) ((size_t)(8 + (seq) % 44))     /* 8..51 bytes: the length varies too */

static uint32_t checksum(uint32_t pair, uint32_t seq, const char *text, size_t n)
{
    uint32_t h = 2166136261u ^ pair ^ (seq << 8);
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)text[i]) * 16777619u;
    return h;
}

static void fill(struct message *m, uint32_t pair, uint32_t seq)
{
    size_t n = TEXT_SIZE(seq);
    for (size_t i = 0; i < n; i++)
        m->text[i] = (char)('a' + (pair + seq + i) % 26);
    m->type = 1 + seq % 3;
    m->pair = pair;
    m->seq = seq;
    m->sum = checksum(pair, seq, m->text, n);
}

static _Noreturn void writer(int q, uint32_t pair, long count)
{
    struct message m;
    for (long seq = 0; seq < count; seq++) {
        fill(&m, pair, (uint32_t)seq);
        size_t size = 12 + TEXT_SIZE(seq);
        while (msgsnd(q, &m, size, 0) < 0)
            if (errno != EINTR) {
                fprintf(stderr, "pair %u: msgsnd %ld: %s\n", pair, seq, strerror(errno));
                _exit(1);
            }
    }
    _exit(0);
}

static _Noreturn void reader(int q, uint32_t pair, long count)
{
    struct message m;
    for (long seq = 0; seq < count; seq++) {
        ssize_t n;
        while ((n = msgrcv(q, &m, sizeof(m) - sizeof(long), 0, 0)) < 0)
            if (errno != EINTR) {
                fprintf(stderr, "pair %u: msgrcv %ld: %s\n", pair, seq, strerror(errno));
                _exit(1);
            }
        size_t text = (size_t)n - 12;
        if (m.pair != pair || m.seq != (uint32_t)seq || text != TEXT_SIZE(seq) || m.type != (long)(1 + seq % 3) ||
            m.sum != checksum(pair, (uint32_t)seq, m.text, text)) {
            fprintf(stderr, "pair %u: message %ld is wrong (pair %u, seq %u, %zu bytes, type %ld)\n", pair, seq,
                    m.pair, m.seq, text, m.type);
            _exit(1);
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 3 || atol(argv[1]) < 1 || atol(argv[2]) < 1) {
        fprintf(stderr, "usage: msg_pairs PAIRS MESSAGES\n");
        return 2;
    }
    int pairs = atoi(argv[1]);
    long count = atol(argv[2]);
    int *queues = calloc((size_t)pairs, sizeof(int));
    pid_t *children = calloc((size_t)pairs * 2, sizeof(pid_t));
    if (!queues || !children)
        return 2;
    int status = 0, made = 0;
    for (; made < pairs; made++)
        if ((queues[made] = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) < 0) {
            fprintf(stderr, "msgget: %s\n", strerror(errno));
            status = 2;
            break;
        }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int started = 0;
    for (int p = 0; p < made && status == 0; p++)
        for (int side = 0; side < 2; side++) {
            pid_t pid = fork();
            if (pid < 0) {
                fprintf(stderr, "fork: %s\n", strerror(errno));
                status = 2;
                break;
            }
            if (pid == 0) {
                if (side == 0)
                    writer(queues[p], (uint32_t)p, count);
                reader(queues[p], (uint32_t)p, count);
            }
            children[started++] = pid;
        }
    if (status)                              /* a child waiting on a queue ends with its removal */
        for (int i = 0; i < made; i++)
            msgctl(queues[i], IPC_RMID, NULL);
    for (int i = 0; i < started; i++) {
        int st;
        while (waitpid(children[i], &st, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            status = status ? status : 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < made && status == 0; i++)
        msgctl(queues[i], IPC_RMID, NULL);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%d pairs x %ld messages: %.3f s, %.2f us per message%s\n", pairs, count, seconds,
           seconds * 1e6 / ((double)pairs * (double)count), status ? " (FAILED)" : "");
    return status;
}
