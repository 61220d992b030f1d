/* ref_bench.c: the reference runtime against the kernel, side by side in
 * one run: uncontended semop, uncontended msgsnd+msgrcv (IPC_NOWAIT, 64-byte
 * messages), and two-process ping-pong through a message queue and through
 * a pair of semaphores.  Each measurement alternates kernel and ref rounds
 * and keeps the median of each, then prints the ratio ref/kernel; with
 * --json FILE it appends {"kind":"bench",...} lines (value: ref, floor: the
 * kernel) for the report.  The kernel runs in a private IPC namespace.
 * Must not: be a test (nothing here passes or fails), or touch the host's
 * IPC objects. */
#define _GNU_SOURCE
#include "ref.h"

#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

/* One implementation's calls, as the benchmarks use them. */
struct impl {
    const char *name;
    int (*msgget)(key_t, int);
    int (*msgsnd)(int, const void *, size_t, int);
    ssize_t (*msgrcv)(int, void *, size_t, long, int);
    int (*msgctl)(int, int, void *);
    int (*semget)(key_t, int, int);
    int (*semop)(int, struct sembuf *, size_t);
    int (*semctl)(int, int, int, unsigned long);
};

static int k_msgget(key_t k, int f) { return (int)syscall(SYS_msgget, k, f); }
static int k_msgsnd(int id, const void *m, size_t n, int f) { return (int)syscall(SYS_msgsnd, id, m, n, f); }
static ssize_t k_msgrcv(int id, void *m, size_t n, long t, int f) { return syscall(SYS_msgrcv, id, m, n, t, f); }
static int k_msgctl(int id, int c, void *b) { return (int)syscall(SYS_msgctl, id, c, b); }
static int k_semget(key_t k, int n, int f) { return (int)syscall(SYS_semget, k, n, f); }
static int k_semop(int id, struct sembuf *s, size_t n) { return (int)syscall(SYS_semop, id, s, n); }
static int k_semctl(int id, int n, int c, unsigned long a) { return (int)syscall(SYS_semctl, id, n, c, a); }
static int r_semop(int id, struct sembuf *s, size_t n) { return ref_semtimedop(id, s, n, NULL); }

static const struct impl kernel = { "kernel", k_msgget, k_msgsnd, k_msgrcv, k_msgctl, k_semget, k_semop, k_semctl };
static const struct impl reference = { "ref", ref_msgget, ref_msgsnd, ref_msgrcv, ref_msgctl, ref_semget, r_semop,
                                       ref_semctl };

struct msg64 {
    long type;
    char text[64];
};

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---------- the four measurements: operations per second ---------- */

static double semop_uncontended(const struct impl *im, long n)
{
    int s = im->semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    struct sembuf up = { 0, 1, 0 }, down = { 0, -1, 0 };
    double t0 = seconds();
    for (long i = 0; i < n; i += 2) {
        im->semop(s, &up, 1);
        im->semop(s, &down, 1);
    }
    double t = seconds() - t0;
    im->semctl(s, 0, IPC_RMID, 0);
    return (double)n / t;
}

static double msg_uncontended(const struct impl *im, long n)
{
    int q = im->msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msg64 m = { .type = 1 };
    memset(m.text, 'x', sizeof(m.text));
    double t0 = seconds();
    for (long i = 0; i < n; i++) {
        im->msgsnd(q, &m, sizeof(m.text), IPC_NOWAIT);
        im->msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT);
    }
    double t = seconds() - t0;
    im->msgctl(q, IPC_RMID, NULL);
    return (double)n / t;
}

static double msg_pingpong(const struct impl *im, long n)
{
    int q = im->msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    pid_t child = fork();
    if (child == 0) {
        struct msg64 m;
        for (long i = 0; i < n; i++) {
            im->msgrcv(q, &m, sizeof(m.text), 1, 0);
            m.type = 2;
            im->msgsnd(q, &m, 8, 0);
        }
        _exit(0);
    }
    struct msg64 m = { .type = 1 };
    double t0 = seconds();
    for (long i = 0; i < n; i++) {
        m.type = 1;
        im->msgsnd(q, &m, 8, 0);
        im->msgrcv(q, &m, sizeof(m.text), 2, 0);
    }
    double t = seconds() - t0;
    waitpid(child, NULL, 0);
    im->msgctl(q, IPC_RMID, NULL);
    return (double)n / t;
}

static double sem_pingpong(const struct impl *im, long n)
{
    int s = im->semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    pid_t child = fork();
    if (child == 0) {
        struct sembuf take = { 1, -1, 0 }, give = { 0, 1, 0 };
        for (long i = 0; i < n; i++) {
            im->semop(s, &take, 1);
            im->semop(s, &give, 1);
        }
        _exit(0);
    }
    struct sembuf give = { 1, 1, 0 }, take = { 0, -1, 0 };
    double t0 = seconds();
    for (long i = 0; i < n; i++) {
        im->semop(s, &give, 1);
        im->semop(s, &take, 1);
    }
    double t = seconds() - t0;
    waitpid(child, NULL, 0);
    im->semctl(s, 0, IPC_RMID, 0);
    return (double)n / t;
}

/* ---------- driver ---------- */

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), by_value);
    return v[n / 2];
}

static void record(FILE *json, const char *name, const char *unit, double ref, double kern)
{
    printf("%-34s kernel %12.0f  ref %12.0f  %-16s ref/kernel %.2f\n", name, kern, ref, unit, ref / kern);
    if (!json)
        return;
    json_t *r = json_pack("{s:s, s:s, s:f, s:s, s:f}", "kind", "bench", "name", name, "value", ref, "unit", unit,
                          "floor", kern);
    char *text = json_dumps(r, JSON_COMPACT);
    fprintf(json, "%s\n", text);
    free(text);
    json_decref(r);
}

int main(int argc, char **argv)
{
    FILE *json = NULL;
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only = argv[++i];
        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            if (!(json = fopen(argv[++i], "a"))) {
                perror(argv[i]);
                return 2;
            }
        } else {
            fprintf(stderr, "usage: svipc-ref-bench [--only NAME-PART] [--json FILE]\n");
            return 2;
        }
    }
    if (unshare(CLONE_NEWIPC) < 0) {
        fprintf(stderr, "svipc-ref-bench: a private IPC namespace for the kernel: %s\n", strerror(errno));
        return 2;
    }
    char path[64], why[256];
    snprintf(path, sizeof(path), "/dev/shm/svipc-bench-%d", (int)getpid());
    if (ref_attach(path, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc-ref-bench: %s\n", why);
        return 2;
    }
    static const struct {
        const char *name, *unit;
        double (*run)(const struct impl *, long);
        long n;
    } benches[] = {
        { "semop uncontended", "semops/s", semop_uncontended, 400000 },
        { "msgsnd+msgrcv NOWAIT 64 B", "pairs/s", msg_uncontended, 200000 },
        { "ping-pong msg queue (2 procs)", "round trips/s", msg_pingpong, 20000 },
        { "ping-pong semaphore pair (2 procs)", "round trips/s", sem_pingpong, 20000 },
    };
    printf("reference runtime against the kernel, medians of %d alternating rounds\n", ROUNDS);
    for (size_t b = 0; b < sizeof(benches) / sizeof(benches[0]); b++) {
        if (only && !strstr(benches[b].name, only))
            continue;
        double k[ROUNDS], r[ROUNDS];
        for (int i = 0; i < ROUNDS; i++) {
            k[i] = benches[b].run(&kernel, benches[b].n);
            r[i] = benches[b].run(&reference, benches[b].n);
        }
        record(json, benches[b].name, benches[b].unit, median(r, ROUNDS), median(k, ROUNDS));
    }
    unlink(path);
    if (json)
        fclose(json);
    return 0;
}
