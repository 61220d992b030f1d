/* engine_bench.c: the engine's speed beside the raw floor, in one run.
 *   floor:  per scenario, a fresh IPC namespace, 3 processes forked, exited, waited;
 *   engine: `svipc run` over N instances of a 3-process, 10-step scenario.
 * Both at 1 and 2 in parallel; prints scenarios per second and the ratio,
 * and with --json FILE appends them as {"kind":"bench",...} lines for reports.
 * Must not: be used as a test (it asserts nothing); `make bench` runs it. */
#define _GNU_SOURCE
#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void floor_worker(int n)
{
    for (int i = 0; i < n; i++) {
        pid_t s = fork();
        if (s == 0) {
            if (unshare(CLONE_NEWIPC) < 0)
                _exit(1);
            for (int k = 0; k < 3; k++)
                if (fork() == 0)
                    _exit(0);
            while (wait(NULL) > 0)
                ;
            _exit(0);
        }
        waitpid(s, NULL, 0);
    }
}

/* Scenarios per second of the floor with PARALLEL workers. */
static double floor_rate(int n, int parallel)
{
    double start = now();
    for (int w = 0; w < parallel; w++)
        if (fork() == 0) {
            floor_worker(n / parallel);
            _exit(0);
        }
    while (wait(NULL) > 0)
        ;
    return (double)(n / parallel * parallel) / (now() - start);
}

static double engine_rate(const char *svipc, const char *file, int n, int parallel)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s run %s -j %d > /dev/null", svipc, file, parallel);
    double start = now();
    int rc = system(cmd);
    double took = now() - start;
    if (rc != 0) {
        fprintf(stderr, "svipc-bench: '%s' failed (%d)\n", cmd, rc);
        exit(1);
    }
    return n / took;
}

static void record(FILE *json, const char *name, double value, double floor)
{
    if (!json)
        return;
    json_t *r = json_pack("{s:s, s:s, s:f, s:s, s:f}", "kind", "bench", "name", name, "value", value,
                          "unit", "scenarios/s", "floor", floor);
    char *text = json_dumps(r, JSON_COMPACT);
    fprintf(json, "%s\n", text);
    free(text);
    json_decref(r);
}

int main(int argc, char **argv)
{
    const char *svipc = "./build/svipc";
    int n = 400;
    FILE *json = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            if (!(json = fopen(argv[++i], "a"))) {
                perror(argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            n = atoi(argv[++i]);
        } else {
            svipc = argv[i];
        }
    }
    char file[] = "/tmp/svipc-bench-XXXXXX.svipc";
    int fd = mkstemps(file, 6);
    FILE *f = fdopen(fd, "w");
    /* 3 processes, 10 steps: messages, semaphores, a blocked step and its
     * wake-up; each instance sends its own number as the message type */
    fprintf(f, "scenario bench-{i}\n  for i in 1..%d\n", n);
    fprintf(f, "  procs A B C\n"
               "  A: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n"
               "  B: msgrcv $q 64 0 0 => blocks\n"
               "  C: msgsnd $q {i} \"ping\" 0 => 0\n"
               "  B: resumes => 4 text=\"ping\"\n"
               "  A: semget IPC_PRIVATE 1 IPC_CREAT|0600 -> $s\n"
               "  B: semop $s 0:+1:SEM_UNDO => 0\n"
               "  C: semop $s 0:-1 => 0\n"
               "  A: msgctl $q IPC_STAT => 0 msg_qnum=0 msg_lrpid=B\n"
               "  C: semctl $s 0 GETVAL => 0\n"
               "  A: msgctl $q IPC_RMID => 0\n"
               "end\n");
    fclose(f);

    printf("svipc-bench: %d scenarios of 3 processes and 10 steps, on %ld CPUs\n", n,
           sysconf(_SC_NPROCESSORS_ONLN));
    for (int parallel = 1; parallel <= 2; parallel++) {
        double fl = floor_rate(n, parallel);
        double en = engine_rate(svipc, file, n, parallel);
        printf("  -j%d  floor %7.1f scenarios/s   engine %7.1f scenarios/s   engine/floor %.2f\n",
               parallel, fl, en, en / fl);
        char name[32];
        snprintf(name, sizeof(name), "engine -j%d", parallel);
        record(json, name, en, fl);
    }
    unlink(file);
    if (json)
        fclose(json);
    return 0;
}
