/* test_engine.c: the engine end to end, through the svipc command: a wrong
 * expectation is reported with file, line, step, expected and actual; a
 * hang is reported without waiting for the deadline; a silent process is
 * ended by the deadline and the run goes on; malformed input runs nothing;
 * a run killed with SIGKILL leaves no process and no IPC object behind;
 * golden traces catch a difference; the model runner stays within the
 * buffers a step needs. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char output[65536];

static const char *svipc(void)
{
    const char *path = getenv("SVIPC");
    return path ? path : "./build/svipc";
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Run svipc with ARGS; its combined output goes to 'output'.  Exit status. */
static int run(const char *args)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "SVIPC_STATE_DIR=/tmp/svipc-test-state %s %s 2>&1", svipc(), args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(output, 1, sizeof(output) - 1, p);
    output[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *last_line(void)
{
    size_t len = strlen(output);
    while (len && output[len - 1] == '\n')
        output[--len] = '\0';
    const char *nl = strrchr(output, '\n');
    return nl ? nl + 1 : output;
}

Test(engine, a_wrong_expectation_names_file_line_step_expected_and_actual)
{
    cr_assert_eq(run("run tests/fixtures/wrong-expectation.svipc"), 1, "%s", output);
    cr_expect(strstr(output, "FAIL wrong-expectation [kernel]"), "%s", output);
    cr_expect(strstr(output, "tests/fixtures/wrong-expectation.svipc:6: step 3"), "%s", output);
    cr_expect(strstr(output, "expected: 5 text=\"hello\""), "%s", output);
    cr_expect(strstr(output, "actual:   2 mtype=1 text=\"hi\""), "%s", output);
    cr_expect_str_eq(last_line(), "0 passed, 1 failed, 0 skipped");
}

Test(engine, a_hang_is_reported_at_once_and_a_silent_process_at_its_deadline, .timeout = 20)
{
    double start = now();
    cr_assert_eq(run("run tests/fixtures/hang.svipc"), 1, "%s", output);
    double took = now() - start;
    cr_expect(strstr(output, "TIMEOUT hang-then-next"), "%s", output);
    cr_expect(strstr(output, "A is asleep inside msgrcv"), "%s", output);
    cr_expect(strstr(output, "TIMEOUT stopped-process"), "%s", output);
    cr_expect(strstr(output, "no answer from A within 300 ms"), "%s", output);
    cr_expect(strstr(output, "1 timeouts") || strstr(output, "2 timeouts"), "%s", output);
    cr_expect_str_eq(last_line(), "1 passed, 2 failed, 0 skipped");
    /* the hang costs nothing, the stopped process its 300 ms deadline */
    cr_expect(took < 2.5, "the run took %.2f s; the 3 s step deadline must not be waited for", took);
}

Test(engine, malformed_input_and_bad_options_run_nothing)
{
    cr_expect_eq(run("run tests/fixtures/malformed.svipc"), 2);
    cr_expect(strstr(output, "tests/fixtures/malformed.svipc:4: $nope is used before a step binds it"), "%s", output);
    cr_expect(strstr(output, "nothing was run"), "%s", output);
    cr_expect_eq(run("run --bogus"), 2);
    cr_expect(strstr(output, "unknown option '--bogus'"), "%s", output);
    cr_expect_eq(run("run -j 0 tests/fixtures/hang.svipc"), 2);
    cr_expect_eq(run("run --backend nope"), 2);
    cr_expect_eq(run("run /nonexistent"), 2);
    cr_expect(strstr(output, "/nonexistent: No such file"), "%s", output);
    cr_expect_eq(run("show no-such-scenario tests/fixtures/hang.svipc"), 2);
}

/* Processes whose command line mentions MARK. */
static int count_processes(const char *mark)
{
    DIR *d = opendir("/proc");
    int count = 0;
    for (struct dirent *e; (e = readdir(d));) {
        char path[300], buf[4096];
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        for (size_t i = 0; i < n; i++)
            if (!buf[i])
                buf[i] = ' ';
        buf[n] = '\0';
        if (strstr(buf, mark))
            count++;
    }
    closedir(d);
    return count;
}

static int host_ipc_objects(void)
{
    const char *files[] = { "/proc/sysvipc/msg", "/proc/sysvipc/sem", "/proc/sysvipc/shm" };
    int count = 0;
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(files[i], "r");
        char line[1024];
        while (f && fgets(line, sizeof(line), f))
            count++;
        if (f)
            fclose(f);
        count--;   /* the header */
    }
    return count;
}

Test(engine, a_run_killed_with_sigkill_leaves_nothing_behind, .timeout = 30)
{
    int objects_before = host_ipc_objects();
    const char *mark = "tests/fixtures/long.svipc";
    pid_t pid = fork();
    if (pid == 0) {
        setenv("SVIPC_STATE_DIR", "/tmp/svipc-test-state", 1);
        freopen("/dev/null", "w", stdout);
        execl(svipc(), "svipc", "run", mark, (char *)NULL);
        _exit(127);
    }
    /* svipc, its runner, the namespace's init and two puppets */
    double deadline = now() + 10;
    while (count_processes(mark) < 5 && now() < deadline)
        usleep(10000);
    cr_assert_geq(count_processes(mark), 5, "the run did not get going");
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    deadline = now() + 5;
    while (count_processes(mark) > 0 && now() < deadline)
        usleep(10000);
    cr_expect_eq(count_processes(mark), 0, "processes of the killed run remain");
    cr_expect_eq(host_ipc_objects(), objects_before, "the host's IPC namespace changed");
}

Test(engine, golden_traces_catch_a_difference)
{
    cr_assert_eq(run("run tests/fixtures/hang.svipc --filter runs-after* --record /tmp/svipc-test-golden.jsonl"), 0,
                 "%s", output);
    cr_expect_eq(run("run tests/fixtures/hang.svipc --filter runs-after* --golden /tmp/svipc-test-golden.jsonl"), 0,
                 "%s", output);
    /* the same recording with the return value changed */
    cr_assert_eq(system("sed -i 's/\"ret\":\"msq#0\"/\"ret\":\"msq#1\"/' /tmp/svipc-test-golden.jsonl"), 0);
    cr_expect_eq(run("run tests/fixtures/hang.svipc --filter runs-after* --golden /tmp/svipc-test-golden.jsonl"), 1,
                 "%s", output);
    cr_expect(strstr(output, "differs from the golden trace"), "%s", output);
    cr_expect(strstr(output, "msq#1"), "%s", output);
    unlink("/tmp/svipc-test-golden.jsonl");
}

/* Whether FILE has a line that contains NEEDLE. */
static int file_mentions(const char *file, const char *needle)
{
    FILE *f = fopen(file, "r");
    cr_assert(f, "%s", file);
    char *line = NULL;
    size_t cap = 0;
    int found = 0;
    while (!found && getline(&line, &cap, f) >= 0)
        found = strstr(line, needle) != NULL;
    free(line);
    fclose(f);
    return found;
}

Test(engine, golden_recordings_are_stable_and_keep_only_what_is_compared)
{
    /* blocking, waking, a death and shared memory: entries of every kind */
    const char *sel = "suites/msg/msg-waiters.svipc suites/shm/shmat.svipc suites/common/process.svipc";
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "run %s --record /tmp/svipc-test-rec1.jsonl", sel);
    cr_assert_eq(run(cmd), 0, "%s", output);
    snprintf(cmd, sizeof(cmd), "run %s -j 2 --record /tmp/svipc-test-rec2.jsonl", sel);
    cr_assert_eq(run(cmd), 0, "%s", output);
    cr_expect_eq(system("cmp -s /tmp/svipc-test-rec1.jsonl /tmp/svipc-test-rec2.jsonl"), 0,
                 "recording the same scenarios twice gave different files");
    cr_expect(file_mentions("/tmp/svipc-test-rec1.jsonl", "\"op\":\"woke\""), "no wake-up was recorded");
    const char *volatile_keys[] = { "\"us\":", "\"raw\":", "\"line\":", "\"detail\":", "\"backend\":", "\"ms\":" };
    for (size_t i = 0; i < sizeof(volatile_keys) / sizeof(volatile_keys[0]); i++)
        cr_expect(!file_mentions("/tmp/svipc-test-rec1.jsonl", volatile_keys[i]), "the recording keeps %s",
                  volatile_keys[i]);
    unlink("/tmp/svipc-test-rec1.jsonl");
    unlink("/tmp/svipc-test-rec2.jsonl");
}

/* ---------- the model runner within its buffers ---------- */

Test(model_runner, buffers_are_as_large_as_the_step_needs_and_a_step_beyond_is_refused)
{
    cr_expect_eq(run("run --backend model tests/fixtures/model-limits.svipc -v"), 1, "%s", output);
    cr_expect(strstr(output, "PASS model-msgsnd-size-beyond-the-data [model]"), "%s", output);
    cr_expect(strstr(output, "PASS model-segment-larger-than-memory [model]"), "%s", output);
    cr_expect(strstr(output, "ERROR model-msgsnd-size-beyond-the-limit [model]"), "%s", output);
    cr_expect(strstr(output, "tests/fixtures/model-limits.svipc:20: step 4: msgsnd size=4194304: the call may read "
                             "that many bytes, beyond the harness's limit of 262144"), "%s", output);
}
