/* test_coverage.c: svipc coverage's rules.  An item counts only when its
 * scenarios exist, ran, passed, and one of them asserts it in a step of the
 * page's calls; an untestable item needs a reason; a malformed map is
 * refused with its file and line. */
#include "coverage.h"
#include "catalog.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct catalog cat;
static char map_path[] = "/tmp/svipc-cov-map-XXXXXX";
static char results_path[] = "/tmp/svipc-cov-res-XXXXXX";

static const char catalog_text[] =
    "scenario too-big\n"
    "  procs A\n"
    "  A: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n"
    "  A: msgsnd $q 1 \"abcdef\" 0\n"
    "  A: msgrcv $q 3 0 IPC_NOWAIT => E2BIG\n"
    "end\n"
    "scenario except-recorded-only\n"
    "  procs A\n"
    "  A: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n"
    "  A: msgrcv $q 3 1 MSG_EXCEPT|IPC_NOWAIT => any\n"
    "end\n"
    "scenario woken-by-rmid\n"
    "  procs A B\n"
    "  A: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n"
    "  B: msgrcv $q 8 0 MSG_NOERROR => blocks\n"
    "  A: msgctl $q IPC_RMID\n"
    "  B: resumes => EIDRM\n"
    "end\n";

static void write_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* The result of coverage_check for MAP, with RESULTS as the run; OUT gets its report. */
static int check(const char *map, const char *results, char *out, size_t size)
{
    catalog_free(&cat);         /* the previous catalog, if any */
    struct parse_error err;
    cr_assert_eq(parse_text(&cat, "t.svipc", catalog_text, &err), 0, "%s", err.reason);
    strcpy(map_path, "/tmp/svipc-cov-map-XXXXXX");
    strcpy(results_path, "/tmp/svipc-cov-res-XXXXXX");
    write_file(map_path, map);
    write_file(results_path, results);
    FILE *f = fmemopen(out, size, "w");
    int rc = coverage_check(&cat, map_path, results_path, 0, f);
    fclose(f);
    unlink(map_path);
    unlink(results_path);
    return rc;
}

static const char all_passed[] =
    "{\"name\":\"too-big\",\"backend\":\"kernel\",\"status\":\"pass\"}\n"
    "{\"name\":\"except-recorded-only\",\"backend\":\"kernel\",\"status\":\"pass\"}\n"
    "{\"name\":\"woken-by-rmid\",\"backend\":\"kernel\",\"status\":\"pass\"}\n"
    "{\"kind\":\"run\",\"complete\":true,\"results\":3}\n";

Test(coverage, an_asserted_errno_of_a_passing_scenario_is_covered)
{
    char out[4096];
    cr_expect_eq(check("msgop(2) errno E2BIG too-*\n", all_passed, out, sizeof(out)), 0, "%s", out);
    cr_expect(strstr(out, "1 of 1 items exercised"), "%s", out);
}

Test(coverage, an_errno_of_a_resumed_call_counts_for_that_call)
{
    char out[4096];
    cr_expect_eq(check("msgop(2) errno EIDRM woken-*\nmsgop(2) flag MSG_NOERROR woken-*\n", all_passed, out,
                       sizeof(out)), 0, "%s", out);
}

Test(coverage, the_errno_must_come_from_the_pages_calls)
{
    char out[4096];
    /* E2BIG is asserted on msgrcv, not on msgctl */
    cr_expect_eq(check("msgctl(2) errno E2BIG too-big\n", all_passed, out, sizeof(out)), 1);
    cr_expect(strstr(out, "asserts it"), "%s", out);
}

Test(coverage, a_flag_in_a_step_recorded_with_any_is_not_asserted)
{
    char out[4096];
    cr_expect_eq(check("msgop(2) flag MSG_EXCEPT except-recorded-only\n", all_passed, out, sizeof(out)), 1);
    cr_expect(strstr(out, "not covered"), "%s", out);
}

Test(coverage, a_scenario_that_failed_or_did_not_run_does_not_count)
{
    char out[4096];
    const char failed[] = "{\"name\":\"too-big\",\"backend\":\"kernel\",\"status\":\"pass\"}\n"
                          "{\"name\":\"too-big\",\"backend\":\"ref\",\"status\":\"fail\"}\n"
                          "{\"kind\":\"run\",\"complete\":true,\"results\":2}\n";
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\n", failed, out, sizeof(out)), 1);
    cr_expect(strstr(out, "too-big failed"), "%s", out);
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\n", "", out, sizeof(out)), 1);
    cr_expect(strstr(out, "did not run"), "%s", out);
}

Test(coverage, the_results_of_an_incomplete_run_are_read_and_said_incomplete)
{
    char out[4096];
    /* killed after its first results: no end record, and a last line cut short */
    const char killed[] = "{\"name\":\"too-big\",\"backend\":\"kernel\",\"status\":\"pass\"}\n"
                          "{\"name\":\"woken-by-rmid\",\"backend\":\"ker";
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\n", killed, out, sizeof(out)), 1, "%s", out);
    cr_expect(strstr(out, "1 of 1 items exercised"), "%s", out);
    cr_expect(strstr(out, "incomplete run"), "%s", out);
    cr_expect(strstr(out, ":2: the last line is cut short"), "%s", out);
    const char stopped[] = "{\"name\":\"too-big\",\"backend\":\"kernel\",\"status\":\"pass\"}\n";
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\n", stopped, out, sizeof(out)), 1, "%s", out);
    cr_expect(strstr(out, "has no end record"), "%s", out);
    /* a line that is not JSON before the last is a malformed file, not a cut one */
    const char broken[] = "{\"name\":\n{\"kind\":\"run\",\"complete\":true,\"results\":0}\n";
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\n", broken, out, sizeof(out)), 2, "%s", out);
}

Test(coverage, a_glob_that_names_nothing_is_reported)
{
    char out[4096];
    cr_expect_eq(check("msgop(2) errno E2BIG too-big nothing-*\n", all_passed, out, sizeof(out)), 1);
    cr_expect(strstr(out, "'nothing-*' names no scenario"), "%s", out);
}

Test(coverage, untestable_needs_a_reason_and_counts_as_accounted_for)
{
    char out[4096];
    cr_expect_eq(check("msgop(2) errno ENOSYS untestable: no kernel without MSG_COPY here\n", all_passed, out,
                       sizeof(out)), 0, "%s", out);
    cr_expect(strstr(out, "100.0% accounted for"), "%s", out);
    cr_expect_eq(check("msgop(2) errno ENOSYS untestable:\n", all_passed, out, sizeof(out)), 2);
}

Test(coverage, malformed_lines_are_refused)
{
    char out[4096];
    cr_expect_eq(check("msgop(3) errno E2BIG too-big\n", all_passed, out, sizeof(out)), 2);
    cr_expect_eq(check("msgop(2) errno EWHAT too-big\n", all_passed, out, sizeof(out)), 2);
    cr_expect_eq(check("msgop(2) flag NO_SUCH_FLAG too-big\n", all_passed, out, sizeof(out)), 2);
    cr_expect_eq(check("msgop(2) call shmat too-big\n", all_passed, out, sizeof(out)), 2);
    cr_expect_eq(check("msgop(2) errno E2BIG\n", all_passed, out, sizeof(out)), 2);
    cr_expect_eq(check("msgop(2) errno E2BIG too-big\nmsgop(2) errno E2BIG too-big\n", all_passed, out,
                       sizeof(out)), 2);
}
