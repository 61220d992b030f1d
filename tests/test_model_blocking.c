/* test_model_blocking.c: blocking and wake-up order, model and reference
 * runtime against the kernel.
 * Seeded random scenarios, written as scenario text: processes W1..W4 each
 * block (or not) in msgrcv, msgsnd, semop or a wait for zero; a driver
 * process D, which never blocks, then sends, receives, changes values,
 * signals and removes, and the waiters are settled after every step.
 * `svipc run --backend kernel,model,ref` compares each trace with the
 * kernel's entry by entry, so who is woken, in which order and with what,
 * must agree: in the model's callers and in the runtime's real processes.
 * Must not: decide outcomes itself; expectations are 'any', the kernel's
 * trace is the reference. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCENARIOS 240
#define WAITERS 4

static unsigned long long rng;

static unsigned pick(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)((rng >> 33) % n);
}

/* A step that may block, for waiter W. */
static void blocking_step(FILE *f, int w)
{
    switch (pick(6)) {
    case 0: fprintf(f, "  W%d: msgrcv $q %d %d %s => any\n", w, (int)(pick(3) ? 64 : 2), (int)pick(4) - 1,
                    pick(4) == 0 ? "MSG_NOERROR" : pick(4) == 0 ? "MSG_EXCEPT" : "0"); break;
    case 1: fprintf(f, "  W%d: msgsnd $q %d fill(%d) 0 => any\n", w, 1 + (int)pick(3), (int)(pick(2) ? 100 : 200)); break;
    case 2: fprintf(f, "  W%d: semop $s %d:-%d%s => any\n", w, (int)pick(2), 1 + (int)pick(2), pick(2) ? ":SEM_UNDO" : ""); break;
    case 3: fprintf(f, "  W%d: semop $s %d:0 => any\n", w, (int)pick(2)); break;
    case 4: fprintf(f, "  W%d: semop $s 0:-1 1:-1 => any\n", w); break;
    default: fprintf(f, "  W%d: semop $s 0:0 1:-1 => any\n", w); break;
    }
}

/* A step of the driver: it never blocks. */
static void driver_step(FILE *f)
{
    switch (pick(12)) {
    case 0: case 1: fprintf(f, "  D: msgsnd $q %d fill(%d) IPC_NOWAIT => any\n", 1 + (int)pick(3), (int)(pick(3) ? 10 : 150)); break;
    case 2: fprintf(f, "  D: msgrcv $q 256 %d IPC_NOWAIT => any\n", (int)pick(4) - 1); break;
    case 3: case 4: fprintf(f, "  D: semop $s %d:+%d:IPC_NOWAIT => any\n", (int)pick(2), 1 + (int)pick(2)); break;
    case 5: fprintf(f, "  D: semop $s %d:-1:IPC_NOWAIT => any\n", (int)pick(2)); break;
    case 6: fprintf(f, "  D: semctl $s %d SETVAL %d => any\n", (int)pick(2), (int)pick(3)); break;
    case 7: fprintf(f, "  D: semctl $s 0 SETALL %d,%d => any\n", (int)pick(3), (int)pick(3)); break;
    case 8: fprintf(f, "  D: msgctl $q IPC_SET qbytes=%d => any\n", (int)(pick(2) ? 400 : 16384)); break;
    case 9: fprintf(f, "  D: semctl $s %d GETNCNT => any\n  D: semctl $s %d GETZCNT => any\n", (int)pick(2), (int)pick(2)); break;
    case 10: fprintf(f, "  signal W%d SIGUSR1\n", 1 + (int)pick(WAITERS)); break;
    default: fprintf(f, "  D: msgctl $q IPC_STAT => any\n"); break;
    }
}

static void write_scenarios(const char *path, int n)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    for (int s = 0; s < n; s++) {
        rng = (unsigned long long)s * 2654435761ULL + 99;
        fprintf(f, "scenario blocking-%d\n  deadline step=2s\n  procs D W1 W2 W3 W4\n", s);
        fprintf(f, "  D: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n");
        fprintf(f, "  D: msgctl $q IPC_SET qbytes=%d\n", (int)(pick(2) ? 300 : 16384));
        fprintf(f, "  D: semget IPC_PRIVATE 2 IPC_CREAT|0600 -> $s\n");
        fprintf(f, "  D: semctl $s 0 SETALL %d,%d\n", (int)pick(2), (int)pick(2));
        for (int k = 0; k < 2; k++)
            driver_step(f);
        /* each waiter does one step that may block, then only the driver acts */
        for (int w = 1; w <= WAITERS; w++)
            blocking_step(f, w);
        int steps = 6 + (int)pick(10);
        for (int k = 0; k < steps; k++)
            driver_step(f);
        if (pick(3) == 0)
            fprintf(f, "  signal W%d SIGKILL\n", 1 + (int)pick(WAITERS));
        fprintf(f, "  D: %s\n", pick(2) ? "msgctl $q IPC_RMID => any" : "semctl $s 0 IPC_RMID => any");
        fprintf(f, "end\n\n");
    }
    fclose(f);
}

Test(model_blocking, wake_ups_agree_with_the_kernel, .timeout = 240)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for the kernel backend's namespaces");
    const char *svipc = getenv("SVIPC") ? getenv("SVIPC") : "./build/svipc";
    char path[] = "/tmp/svipc-blocking-XXXXXX.svipc";
    int fd = mkstemps(path, 6);
    cr_assert(fd >= 0);
    close(fd);
    write_scenarios(path, SCENARIOS);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "SVIPC_STATE_DIR=build/test-state %s run %s --backend kernel,model,ref 2>&1", svipc, path);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    static char out[1 << 20];
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    char want[64];
    snprintf(want, sizeof(want), "%d passed, 0 failed, 0 skipped", 3 * SCENARIOS);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0 && strstr(out, want),
              "the model or the runtime disagrees with the kernel (scenarios in %s):\n%s", path, out);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        unlink(path);
    printf("%d random blocking scenarios: kernel, model and ref traces agree\n", SCENARIOS);
}
