/* test_engine.c: the engine end to end, through the svipc command: a wrong
 * expectation is reported with file, line, step, expected and actual; a
 * hang is reported without waiting for the deadline; a silent process is
 * ended by the deadline and the run goes on; malformed input runs nothing;
 * a run killed with SIGKILL leaves no process and no IPC object behind;
 * golden traces catch a difference.  And the command's outputs never lie:
 * a failed write fails the run, a file read is never written, a golden file
 * is replaced whole or not at all, a killed run leaves complete lines, bad
 * arguments are refused rather than dropped, a run that tested too little
 * says so; the model runner stays within the buffers a step needs. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Run svipc with ARGS in the environment ENV (VAR=value words, or ""); its
 * combined output goes to 'output'.  Exit status. */
static int run_env(const char *env, const char *args)
{
    char cmd[16384];
    int w = snprintf(cmd, sizeof(cmd), "SVIPC_STATE_DIR=build/test-state %s %s %s 2>&1", env, svipc(), args);
    cr_assert(w > 0 && (size_t)w < sizeof(cmd), "the command line is too long for the test");
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(output, 1, sizeof(output) - 1, p);
    output[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int run(const char *args)
{
    return run_env("", args);
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
        setenv("SVIPC_STATE_DIR", "build/test-state", 1);
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

/* ---------- outputs that never lie ---------- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* The contents of PATH (the caller frees), or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    fclose(mem);
    return text;
}

static void expect_text(const char *path, const char *want)
{
    char *text = read_text(path);
    cr_expect(text && strcmp(text, want) == 0, "%s changed: '%.200s'", path, text ? text : "(gone)");
    free(text);
}

#define QUICK "tests/fixtures/quick.svipc"

Test(outputs, a_write_that_fails_fails_the_run)
{
    cr_expect_eq(run("run " QUICK " --record /dev/full"), 2, "%s", output);
    cr_expect(strstr(output, "--record /dev/full: No space left on device"), "%s", output);
    cr_expect_eq(run("run " QUICK " --json /dev/full"), 2, "%s", output);
    cr_expect(strstr(output, "--json /dev/full: No space left on device"), "%s", output);
    /* the standard output too */
    cr_expect_eq(run("list " QUICK " >/dev/full"), 2);
}

Test(outputs, a_full_disk_leaves_the_golden_file_as_it_was, .timeout = 30)
{
    const char *golden = "/tmp/svipc-test-full.jsonl";
    write_text(golden, "{\"name\":\"old\",\"trace\":[]}\n");
    /* a file size limit of 2 KB stands for a full file system */
    cr_expect_eq(run_env("ulimit -f 4;", "run " QUICK " --record /tmp/svipc-test-full.jsonl"), 2, "%s", output);
    cr_expect(strstr(output, "--record /tmp/svipc-test-full.jsonl: File too large"), "%s", output);
    cr_expect(strstr(output, "left as it was"), "%s", output);
    expect_text(golden, "{\"name\":\"old\",\"trace\":[]}\n");
    /* and no file of the attempt is left beside it */
    cr_expect_eq(system("ls -a /tmp | grep -q 'svipc-test-full.jsonl.svipc'"), 256, "a temporary file remains");
    unlink(golden);
}

Test(outputs, an_input_is_never_an_output, .timeout = 30)
{
    const char *golden = "/tmp/svipc-test-in.jsonl";
    cr_assert_eq(run("run " QUICK " --record /tmp/svipc-test-in.jsonl"), 0, "%s", output);
    char *before = read_text(golden);
    cr_assert(before);
    /* the same file under another name, and as a hard link */
    cr_expect_eq(run("run " QUICK " --golden /tmp/svipc-test-in.jsonl --json /tmp/../tmp/svipc-test-in.jsonl"), 2,
                 "%s", output);
    cr_expect(strstr(output, "are the same file"), "%s", output);
    unlink("/tmp/svipc-test-link.jsonl");
    cr_assert_eq(link(golden, "/tmp/svipc-test-link.jsonl"), 0);
    cr_expect_eq(run("run " QUICK " --golden /tmp/svipc-test-in.jsonl --record /tmp/svipc-test-link.jsonl"), 2,
                 "%s", output);
    expect_text(golden, before);
    /* two outputs, one file (not there yet); a scenario file as an output */
    unlink("/tmp/svipc-test-new.jsonl");
    cr_expect_eq(run("run " QUICK " --json /tmp/svipc-test-new.jsonl --record /tmp/./svipc-test-new.jsonl"), 2,
                 "%s", output);
    cr_expect_eq(access("/tmp/svipc-test-new.jsonl", F_OK), -1, "a refused run created its output");
    char *fixture = read_text(QUICK);
    cr_expect_eq(run("run " QUICK " --json " QUICK), 2, "%s", output);
    expect_text(QUICK, fixture);
    /* the state directory's file */
    cr_expect_eq(run("run " QUICK " --json build/test-state/last-run.jsonl"), 2, "%s", output);
    free(fixture);
    free(before);
    unlink("/tmp/svipc-test-link.jsonl");
    unlink(golden);
}

Test(outputs, a_refused_output_leaves_the_others_as_they_were)
{
    write_text("/tmp/svipc-test-keep.jsonl", "keep me\n");
    cr_expect_eq(run("run " QUICK " --json /tmp/svipc-test-keep.jsonl --record /nonexistent/dir/golden.jsonl"), 2, "%s",
                 output);
    cr_expect(strstr(output, "nothing was run"), "%s", output);
    expect_text("/tmp/svipc-test-keep.jsonl", "keep me\n");
    unlink("/tmp/svipc-test-keep.jsonl");
}

Test(outputs, a_golden_file_empty_a_directory_or_cut_short_is_refused_before_anything_runs)
{
    write_text("/tmp/svipc-test-empty.jsonl", "");
    cr_expect_eq(run("run " QUICK " --golden /tmp/svipc-test-empty.jsonl"), 2, "%s", output);
    cr_expect(strstr(output, "no recorded trace"), "%s", output);
    cr_expect(strstr(output, "nothing was run"), "%s", output);
    cr_expect(!strstr(output, "passed"), "%s", output);
    cr_expect_eq(run("run " QUICK " --golden /tmp"), 2, "%s", output);
    cr_expect(strstr(output, "/tmp: Is a directory"), "%s", output);
    write_text("/tmp/svipc-test-empty.jsonl", "{\"name\":\"quick-1\",\"trace\":[]}\n{\"name\":\"quick-2\",\"tr");
    cr_expect_eq(run("run " QUICK " --golden /tmp/svipc-test-empty.jsonl"), 2, "%s", output);
    cr_expect(strstr(output, "svipc-test-empty.jsonl:2: the last line is cut short"), "%s", output);
    unlink("/tmp/svipc-test-empty.jsonl");
}

Test(outputs, numbers_out_of_range_and_limits_are_refused_never_dropped, .timeout = 30)
{
    cr_expect_eq(run("run " QUICK " --scenario-deadline 9223372036854775807"), 2, "%s", output);
    cr_expect(strstr(output, "--scenario-deadline takes milliseconds from 1 to 86400000"), "%s", output);
    cr_expect_eq(run("run " QUICK " --step-deadline 86400001"), 2, "%s", output);
    cr_expect_eq(run("run " QUICK " --backend model,model,model,model,model,model,model,model,model"), 2, "%s", output);
    cr_expect(strstr(output, "more than 8 backends"), "%s", output);
    cr_expect_eq(run("run " QUICK " --backend model --record /tmp/svipc-test-x.jsonl"), 2, "%s", output);
    cr_expect(strstr(output, "has no kernel"), "%s", output);
    /* 256 paths before the scenario file: every one is read */
    char args[8192] = "run --backend model";
    for (int i = 0; i < 256; i++)
        strcat(args, " /dev/null");
    strcat(args, " tests/fixtures/hang.svipc --filter runs-after*");
    cr_expect_eq(run(args), 0, "%s", output);
    cr_expect_str_eq(last_line(), "1 passed, 0 failed, 0 skipped");
}

Test(outputs, an_unwritable_state_directory_is_named_and_the_run_goes_on)
{
    cr_expect_eq(run_env("SVIPC_STATE_DIR=/dev/null/state", "run --backend model " QUICK), 0, "%s", output);
    cr_expect(strstr(output, "warning: the state directory cannot keep this run (/dev/null/state: Not a directory)"),
              "%s", output);
    cr_expect_str_eq(last_line(), "20 passed, 0 failed, 0 skipped");
}

Test(outputs, a_run_that_tested_too_little_exits_2)
{
    cr_expect_eq(run("run --backend model tests/fixtures/skips.svipc"), 2, "%s", output);
    cr_expect(strstr(output, "tested too little: 2 of the 3 selected instances were skipped"), "%s", output);
    cr_expect_str_eq(last_line(), "1 passed, 0 failed, 2 skipped");
    cr_expect_eq(run("run --backend model tests/fixtures/skips.svipc --filter kernel-only-*"), 2, "%s", output);
    cr_expect(strstr(output, "tested nothing: all 2 selected instances were skipped"), "%s", output);
    cr_expect_eq(run("run --backend kernel,model tests/fixtures/skips.svipc"), 0, "%s", output);
    cr_expect_str_eq(last_line(), "4 passed, 0 failed, 2 skipped");
}

/* Every line of PATH: a whole line (ends with a newline) holding JSON; the
 * number of lines, and whether the last is the end record. */
static int complete_lines(const char *path, int *ended)
{
    char *text = read_text(path);
    cr_assert(text, "%s", path);
    int lines = 0;
    *ended = 0;
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        cr_assert(nl, "%s: line %d is cut short: %.80s", path, lines + 1, line);
        json_t *v = json_loadb(line, (size_t)(nl - line), 0, NULL);
        cr_assert(v, "%s: line %d is not JSON", path, lines + 1);
        *ended = json_is_true(json_object_get(v, "complete"));
        json_decref(v);
        lines++;
    }
    free(text);
    return lines;
}

Test(outputs, results_are_written_line_by_line_and_a_finished_run_says_so, .timeout = 40)
{
    const char *results = "/tmp/svipc-test-killed.jsonl";
    unlink(results);
    pid_t pid = fork();
    if (pid == 0) {
        setenv("SVIPC_STATE_DIR", "build/test-state", 1);
        freopen("/dev/null", "w", stdout);
        execl(svipc(), "svipc", "run", QUICK, "tests/fixtures/long.svipc", "--json", results, (char *)NULL);
        _exit(127);
    }
    /* the twenty quick scenarios are done once the long one's puppets run */
    double deadline = now() + 20;
    while (count_processes("tests/fixtures/long.svipc") < 5 && now() < deadline)
        usleep(10000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    int ended;
    cr_expect_eq(complete_lines(results, &ended), 20, "a killed run's results are its complete lines");
    cr_expect(!ended, "a killed run has no end record");
    cr_assert_eq(run("run " QUICK " --json /tmp/svipc-test-killed.jsonl"), 0, "%s", output);
    cr_expect_eq(complete_lines(results, &ended), 21);
    cr_expect(ended, "a finished run ends with its end record");
    unlink(results);
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
