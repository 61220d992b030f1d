/* test_targets.c: svipc judges an implementation it does not know.  A
 * wrapper that changes nothing (exec:env) passes everything; a deliberately
 * wrong one (tests/programs/wrong_wrapper.c: a preload library in the
 * puppets) is caught, whether it breaks what a call returns or writes into
 * the caller's buffer when the call fails; a started puppet whose image
 * finds the shmat window taken is started again; a target this machine
 * lacks is refused with what to install, and `svipc targets` names each. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char output[1 << 20];

static int run(const char *args)
{
    char cmd[8192];
    const char *svipc = getenv("SVIPC") ? getenv("SVIPC") : "./build/svipc";
    snprintf(cmd, sizeof(cmd), "SVIPC_STATE_DIR=build/test-state %s %s 2>&1", svipc, args);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    size_t n = fread(output, 1, sizeof(output) - 1, p);
    output[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The catalog's msgrcv file through exec:env with the wrong wrapper set to HOW. */
static int wrapped(const char *how)
{
    char cwd[4096], args[8192];
    cr_assert(getcwd(cwd, sizeof(cwd)));
    snprintf(args, sizeof(args),
             "run suites/msg/msgrcv.svipc --golden suites/golden/linux.jsonl "
             "--target 'exec:env LD_PRELOAD=%s/build/tests/libsvipc-wrong.so SVIPC_WRONG=%s'",
             cwd, how);
    return run(args);
}

Test(targets, a_wrapper_that_changes_nothing_passes)
{
    cr_assert_eq(wrapped("none"), 0, "%s", output);
    cr_expect(strstr(output, " passed, 0 failed, 0 skipped"), "%s", output);
}

/* Started by a wrapper, each process is a program of its own: it must
 * still see the layout the golden traces saw (two processes' shmat(NULL)
 * at one address), and an exec step must find the wrapper on $PATH. */
Test(targets, a_wrapper_that_changes_nothing_passes_addresses_and_exec)
{
    cr_assert_eq(run("run suites/shm/shmat.svipc --golden suites/golden/linux.jsonl --target exec:env"), 0, "%s",
                 output);
    cr_expect(strstr(output, " passed, 0 failed, 0 skipped"), "%s", output);
}

Test(targets, a_wrapper_that_flips_a_bit_of_msgrcvs_return_is_caught)
{
    cr_assert_eq(wrapped("flip"), 1, "%s", output);
    cr_expect(strstr(output, "expected: 2 mtype=3 text=\"c1\"\n    actual:   3 mtype=3"), "%s", output);
}

Test(targets, a_wrapper_that_writes_into_the_buffer_of_a_failed_msgrcv_is_caught)
{
    cr_assert_eq(wrapped("scribble"), 1, "%s", output);
    /* the call's outcome is Linux's; only what it wrote tells it */
    cr_expect(strstr(output, "A msgrcv): wrote: (absent) against 1"), "%s", output);
}

/* The catalog's SCENARIOS through exec:env with the window squatter
 * (tests/programs/window_squatter.c): each puppet process's first SQUATS
 * images find the shmat window taken; DIR counts each process's images. */
static int squatted(const char *scenarios, int squats, const char *dir)
{
    char cwd[4096], args[8192];
    cr_assert(getcwd(cwd, sizeof(cwd)));
    snprintf(args, sizeof(args),
             "run %s --golden suites/golden/linux.jsonl "
             "--target 'exec:env LD_PRELOAD=%s/build/tests/libsvipc-squatter.so SVIPC_SQUAT=%d SVIPC_SQUAT_DIR=%s'",
             scenarios, cwd, squats, dir);
    return run(args);
}

#define TWO_PROCESSES "suites/msg/msgrcv.svipc"
#define AN_EXEC_STEP "suites/shm/shmat.svipc --name shm-nattch-through-fork-exec-exit"

static void remove_dir(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(targets, a_puppet_whose_image_takes_the_window_is_started_again)
{
    char dir[] = "/tmp/svipc-squat-XXXXXX", counts[8192];
    cr_assert(mkdtemp(dir));
    cr_assert_eq(squatted(TWO_PROCESSES, 3, dir), 0, "%s", output);
    cr_expect(strstr(output, " passed, 0 failed, 0 skipped"), "%s", output);
    cr_assert_eq(squatted(AN_EXEC_STEP, 3, dir), 0, "%s", output);
    cr_expect(strstr(output, "1 passed, 0 failed, 0 skipped"), "%s", output);
    /* every process given a window went through 3 taken images, then a
     * 4th; an exec step's new image is randomised, so now and then its
     * libraries land in the window of their own accord and it takes one
     * more (of the 8 tries): 4 images mostly, never fewer, never more
     * than 3 taken + 8 tries */
    snprintf(counts, sizeof(counts), "cat %s/* | sort -n | uniq -c", dir);
    FILE *p = popen(counts, "r");
    size_t n = fread(counts, 1, sizeof(counts) - 1, p);
    counts[n] = '\0';
    pclose(p);
    remove_dir(dir);
    int four = 0, images = 0, more = 0, offset = 0, used;
    cr_assert(sscanf(counts, " %d 4\n%n", &four, &offset) == 1, "%s", counts);
    for (int k, img; sscanf(counts + offset, " %d %d\n%n", &k, &img, &used) == 2; offset += used) {
        cr_expect(img > 4 && img <= 3 + 8, "a process went through %d images: %s", img, counts);
        more += k;
        images = img;
    }
    /* the count of processes, not of those that took exactly 4: one
     * more image for one of 11 is the randomisation above, not a fault */
    cr_expect(four + more > 10, "%d processes counted: %s", four + more, counts);
    cr_expect(more <= (four + more) / 4, "%d processes took more than 4 images (up to %d): %s", more, images, counts);
}

Test(targets, a_window_taken_in_every_image_is_an_error_that_says_so)
{
    char dir[] = "/tmp/svipc-squat-XXXXXX";
    cr_assert(mkdtemp(dir));
    cr_assert_eq(squatted(TWO_PROCESSES, 100, dir), 1, "%s", output);
    cr_expect(strstr(output, "process B did not start: the shmat window 0x"), "%s", output);
    cr_expect(strstr(output, "is taken in each new image (8 tries)"), "%s", output);
    cr_assert_eq(squatted(AN_EXEC_STEP, 100, dir), 1, "%s", output);
    cr_expect(strstr(output, "B: exec\n    expected: success\n    actual:   error: the shmat window"), "%s", output);
    remove_dir(dir);
}

Test(targets, a_missing_target_is_refused_with_what_to_install)
{
    cr_assert_eq(run("run suites/msg/msgrcv.svipc --target 'exec:/nonexistent/wrapper'"), 2, "%s", output);
    cr_expect(strstr(output, "exec: no program /nonexistent/wrapper"), "%s", output);
    cr_assert_eq(run("run suites/msg/msgrcv.svipc --target qemu-mips"), 2, "%s", output);
    cr_expect(strstr(output, "qemu-mips"), "%s", output);
    cr_assert_eq(run("run suites/msg/msgrcv.svipc --target nowhere"), 2, "%s", output);
    cr_expect(strstr(output, "unknown target nowhere (known: native, exec:CMD"), "%s", output);
    cr_assert_eq(run("targets"), 0, "%s", output);
    cr_expect(strstr(output, "native         available"), "%s", output);
    cr_expect(strstr(output, "linux-6.1"), "%s", output);
}

/* runsc chowns its standard streams to its sandbox's user: svipc gives it
 * pipes, so the user's terminal or log file keeps its owner. */
Test(targets, gvisor_leaves_the_users_files_as_they_were)
{
    if (run("targets") != 0 || !strstr(output, "gvisor         available"))
        cr_skip_test("gvisor is not available here (svipc targets)");
    char log[] = "/tmp/svipc-test-stderr-XXXXXX";
    int fd = mkstemp(log);
    cr_assert(fd >= 0);
    struct stat before, after;
    cr_assert_eq(fstat(fd, &before), 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "%s run suites/common/ftok.svipc --target gvisor >/dev/null 2>>%s",
             getenv("SVIPC") ? getenv("SVIPC") : "./build/svipc", log);
    cr_assert(system(cmd) != -1);
    cr_assert_eq(stat(log, &after), 0);
    unlink(log);
    cr_expect(after.st_uid == before.st_uid && after.st_gid == before.st_gid,
              "the log file's owner changed from %d:%d to %d:%d", (int)before.st_uid, (int)before.st_gid,
              (int)after.st_uid, (int)after.st_gid);
}
