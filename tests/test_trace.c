/* test_trace.c: trace comparison (what counts as a difference) and golden
 * files (malformed input named by file and line). */
#include "trace.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static json_t *entry(const char *proc, const char *ret, const char *qnum, long raw_ret, int line)
{
    return json_pack("{s:i, s:i, s:s, s:s, s:s, s:s, s:{s:s}, s:{s:i}}", "step", 0, "line", line,
                     "proc", proc, "op", "msgctl", "status", "done", "ret", ret, "fields",
                     "msg_qnum", qnum, "raw", "ret", raw_ret);
}

Test(trace, raw_values_and_lines_do_not_count_normalised_ones_do)
{
    json_t *a = json_pack("[o]", entry("A", "msq#0", "1", 32768, 10));
    json_t *b = json_pack("[o]", entry("A", "msq#0", "1", 99, 12));
    json_t *c = json_pack("[o]", entry("A", "msq#0", "2", 32768, 10));
    json_t *d = json_pack("[o, o]", entry("A", "msq#0", "1", 32768, 10), entry("B", "0", "0", 0, 11));
    char why[1024];
    size_t at = 99;
    cr_expect_eq(trace_compare(a, b, &at, why, sizeof(why)), 0, "%s", why);
    cr_expect_eq(trace_compare(a, c, &at, why, sizeof(why)), -1);
    cr_expect_eq(at, 0);
    cr_expect(strstr(why, "entry 1 (step 1, line 10, A msgctl): msg_qnum: 1 against 2"), "%s", why);
    cr_expect_eq(trace_compare(a, d, &at, why, sizeof(why)), -1, "a missing entry is a difference");
    cr_expect_eq(at, 1);
    cr_expect(strstr(why, "only the other has it"), "%s", why);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
}

static json_t *step(const char *proc, const char *op, const char *status, const char *ret)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:{}}", "step", 0, "proc", proc, "op", op, "status", status,
                     "ret", ret, "fields");
}

/* A semtimedop's timeout is the clock's: seen while the next step runs on a
 * slow implementation, by the resumes step on a fast one.  Any other wake
 * is the step's doing, and when it is seen is compared. */
Test(trace, a_timeout_seen_early_is_the_same_trace_other_wakes_are_not)
{
    json_t *fast = json_pack("[o, o, o]", step("A", "semtimedop", "blocked", "blocked"),
                             step("A", "resumes", "done", "EAGAIN"), step("A", "semctl", "done", "0"));
    json_t *slow = json_pack("[o, o, o, o]", step("A", "semtimedop", "blocked", "blocked"),
                             step("A", "woke", "done", "EAGAIN"), step("A", "resumes", "done", "EAGAIN"),
                             step("A", "semctl", "done", "0"));
    json_t *semop = json_pack("[o, o, o, o]", step("A", "semop", "blocked", "blocked"),
                              step("A", "woke", "done", "EAGAIN"), step("A", "resumes", "done", "EAGAIN"),
                              step("A", "semctl", "done", "0"));
    json_t *semop_fast = json_pack("[o, o, o]", step("A", "semop", "blocked", "blocked"),
                                   step("A", "resumes", "done", "EAGAIN"), step("A", "semctl", "done", "0"));
    char why[1024];
    size_t at;
    cr_expect_eq(trace_compare(fast, slow, &at, why, sizeof(why)), 0, "%s", why);
    cr_expect_eq(trace_compare(slow, fast, &at, why, sizeof(why)), 0, "%s", why);
    cr_expect_eq(trace_compare(semop_fast, semop, &at, why, sizeof(why)), -1);
    cr_expect_eq(at, 1);
    json_decref(fast);
    json_decref(slow);
    json_decref(semop);
    json_decref(semop_fast);
}

Test(trace, golden_files_load_and_malformed_lines_are_named)
{
    char path[] = "/tmp/svipc-golden-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{\"name\":\"a\",\"trace\":[]}\n\n{\"name\":\"b\",\"trace\":[{\"op\":\"x\"}]}\n");
    fclose(f);
    char why[512];
    json_t *g = golden_load(path, why, sizeof(why));
    cr_assert(g, "%s", why);
    cr_expect_eq(json_object_size(g), 2);
    cr_expect_eq(json_array_size(json_object_get(g, "b")), 1);
    json_decref(g);

    f = fopen(path, "w");
    fprintf(f, "{\"name\":\"a\",\"trace\":[]}\n{\"name\":\"b\"}\n");
    fclose(f);
    cr_expect_null(golden_load(path, why, sizeof(why)));
    char want[600];
    snprintf(want, sizeof(want), "%s:2:", path);
    cr_expect(strstr(why, want), "%s", why);

    f = fopen(path, "w");
    fprintf(f, "not json\n");
    fclose(f);
    cr_expect_null(golden_load(path, why, sizeof(why)));
    snprintf(want, sizeof(want), "%s:1:", path);
    cr_expect(strstr(why, want), "%s", why);
    unlink(path);
}

/* golden_load of TEXT written to a file; WHY gets the reason of a refusal. */
static json_t *golden_of(const char *text, char *why, size_t size)
{
    char path[] = "/tmp/svipc-golden-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    json_t *g = golden_load(path, why, size);
    unlink(path);
    return g;
}

Test(trace, a_golden_file_without_traces_or_cut_short_is_refused)
{
    char why[1024];
    cr_expect_null(golden_of("", why, sizeof(why)));
    cr_expect(strstr(why, "no recorded trace"), "%s", why);
    cr_expect_null(golden_of("\n\n", why, sizeof(why)));
    cr_expect_null(golden_load("/tmp", why, sizeof(why)));
    cr_expect(strstr(why, "/tmp: Is a directory"), "%s", why);
    cr_expect_null(golden_of("{\"name\":\"a\",\"trace\":[]}\n{\"name\":\"b\",\"tra", why, sizeof(why)));
    cr_expect(strstr(why, ":2: the last line is cut short"), "%s", why);
    /* a result file serves as a golden file: its end record is not a trace */
    json_t *g = golden_of("{\"name\":\"a\",\"backend\":\"kernel\",\"status\":\"pass\",\"trace\":[]}\n"
                          "{\"kind\":\"run\",\"complete\":true,\"results\":1}\n", why, sizeof(why));
    cr_assert(g, "%s", why);
    cr_expect_eq(json_object_size(g), 1);
    json_decref(g);
    /* the last line without its newline, but whole, is read */
    g = golden_of("{\"name\":\"a\",\"trace\":[]}", why, sizeof(why));
    cr_expect(g, "%s", why);
    json_decref(g);
}
