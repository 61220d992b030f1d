/* test_parse.c: the scenario format: what it accepts, how it expands
 * parameter matrices, and that every malformed input is refused with the
 * file, the line and a reason, leaving the catalog untouched. */
#include "ops.h"
#include "catalog.h"
#include "wire.h"

#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct catalog cat;
static struct parse_error err;

static int parse(const char *text)
{
    catalog_free(&cat);         /* the previous catalog, if any */
    memset(&err, 0, sizeof(err));
    return parse_text(&cat, "t.svipc", text, &err);
}

static void expect_error(const char *text, int line, const char *reason_part)
{
    cr_assert_eq(parse(text), -1, "accepted: %s", text);
    cr_expect_str_eq(err.file, "t.svipc");
    cr_expect_eq(err.line, line, "line %d, expected %d (%s)", err.line, line, err.reason);
    cr_expect(strstr(err.reason, reason_part), "reason '%s' lacks '%s'", err.reason, reason_part);
    cr_expect_eq(cat.count, 0);
}

Test(parse, a_scenario_with_steps_expectations_and_bindings)
{
    cr_assert_eq(parse("# comment\n"
                       "scenario s1\n"
                       "  doc  what it shows\n"
                       "  procs A B\n"
                       "  A: msgget IPC_PRIVATE IPC_CREAT|0600 => 0 -> $q\n"
                       "  B: msgrcv $q 64 -3 MSG_NOERROR|IPC_NOWAIT => 5 mtype=2 text=\"hi\\n\"  # trailing\n"
                       "  signal B SIGUSR1\n"
                       "end\n"), 0, "%s", err.reason);
    cr_assert_eq(cat.count, 1);
    const struct scenario *s = &cat.items[0];
    cr_expect_str_eq(s->name, "s1");
    cr_expect_str_eq(s->doc, "what it shows");
    cr_expect_eq(s->nprocs, 2);
    cr_expect_eq(s->nsteps, 3);
    const struct step *st = &s->steps[0];
    cr_expect_eq(st->op, OP_MSGGET);
    cr_expect_eq(st->line, 5);
    cr_expect_eq(st->arg[1].nterms, 2);
    cr_expect_eq(st->arg[1].term[1].op, '|');
    cr_expect_eq(st->arg[1].term[1].value, 0600);
    cr_expect_eq(st->expect.kind, EXPECT_RET);
    cr_expect_eq(st->bind, 0);
    st = &s->steps[1];
    cr_expect_eq(st->proc, 1);
    cr_expect_eq(st->arg[2].term[0].value, -3);
    cr_expect_eq(st->expect.nfields, 2);
    cr_expect(st->expect.field[1].is_bytes);
    cr_expect_eq(st->expect.field[1].bytes.len, 3);
    cr_expect_eq(st->expect.field[1].bytes.ptr[2], '\n');
    cr_expect_eq(s->steps[2].op, OP_SIGNAL);
    cr_expect_eq(s->steps[2].target, 1);
}

Test(parse, a_matrix_expands_to_stable_names)
{
    cr_assert_eq(parse("scenario m-{size}\n"
                       "  for size in 0 1 2\n"
                       "  for flags in 0 IPC_NOWAIT\n"
                       "  procs A\n"
                       "  A: msgsnd 0 1 fill({size}) {flags}\n"
                       "end\n"
                       "scenario z\n"
                       "  for n e in (1 0) (9 EINVAL)\n"
                       "  procs A\n"
                       "  A: semget 0 {n} 0 => {e}\n"
                       "end\n"), 0, "%s", err.reason);
    cr_assert_eq(cat.count, 8);
    cr_expect_str_eq(cat.items[0].name, "m-0[flags=0]");
    cr_expect_str_eq(cat.items[1].name, "m-0[flags=IPC_NOWAIT]");
    cr_expect_str_eq(cat.items[5].name, "m-2[flags=IPC_NOWAIT]");
    cr_expect_eq(cat.items[4].steps[0].data.len, 2);
    cr_expect_str_eq(cat.items[7].name, "z[n=9,e=EINVAL]");
    cr_expect_eq(cat.items[7].steps[0].expect.kind, EXPECT_ERRNO);
}

Test(parse, semop_sembufs_keywords_and_fork)
{
    cr_assert_eq(parse("scenario s\n procs A\n"
                       " A: semget 0 2 0 -> $s\n"
                       " A: semtimedop $s 0:-1:SEM_UNDO|IPC_NOWAIT 1:+2 timeout=0:5000000 => blocks\n"
                       " A: fork C\n"
                       " C: semctl $s 0 SETALL 1,2\n"
                       " C: msgctl 0 IPC_SET mode=0644 qbytes=100\n"
                       "end\n"), 0, "%s", err.reason);
    const struct step *st = &cat.items[0].steps[1];
    cr_expect_eq(st->nsops, 2);
    cr_expect_eq(st->sop[1].op.term[0].value, 2);
    cr_expect_eq(step_keyword(st, "timeout")->value2, 5000000);
    cr_expect_eq(cat.items[0].nprocs, 2);
    cr_expect_eq(cat.items[0].steps[3].nlist, 2);
    cr_expect_eq(cat.items[0].steps[4].nkeywords, 2);
}

Test(parse, errors_name_file_line_and_reason)
{
    expect_error("scenario a\n procs A\n A: msgfoo 1\nend\n", 3, "unknown operation 'msgfoo'");
    expect_error("scenario a\n procs A\n Z: msgget 0 0\nend\n", 3, "unknown process 'Z'");
    expect_error("scenario a\n procs A\n A: msgget 0 BOGUS\nend\n", 3, "'BOGUS' is not a number");
    expect_error("scenario a\n procs A\n A: msgsnd $q 1 \"x\" 0\nend\n", 3, "$q is used before");
    expect_error("scenario a\n procs A\n A: msgget 0 0\n", 1, "has no 'end'");
    expect_error("scenario a\n A: msgget 0 0\nend\n", 1, "declares no processes");
    expect_error("scenario a\n procs A\n A: msgget 0\nend\n", 3, "missing argument");
    expect_error("scenario a\n procs A\n A: msgget 0 0 1\nend\n", 3, "unexpected argument");
    expect_error("scenario a\n procs A\n A: sysctl hostname x\nend\n", 3, "not an IPC sysctl");
    expect_error("scenario a\n procs A\n A: msgget 0 0 => 0 garbage\nend\n", 3, "name=value");
    expect_error("scenario a\n procs A\n A: msgsnd 0 1 \"unterminated 0\nend\n", 3, "unterminated string");
    expect_error("scenario a\n procs A\n A: msgctl 0 IPC_SET colour=3\nend\n", 3, "takes no argument 'colour'");
    expect_error("scenario a-{x}\n for x in 1 1\n procs A\n A: msgget {x} 0\nend\n", 1, "already used");
    expect_error("scenario a-{x}\n for x in 1 2\n procs A\n A: msgget 0 0\nend\n", 1, "used by no step");
    expect_error("scenario a\n only kernel\n procs A\n A: msgget 0 0\nend\n", 2, "why the others");
    expect_error("scenario a\n only kernel,bsd no reason\n procs A\n A: msgget 0 0\nend\n", 2, "only BACKEND");
    expect_error("scenario a\n only kernel x\n procs A\n A: msgrcv 0 8 0 0 buf=0\nend\n", 4, "buf takes only null");
    expect_error("scenario a\n procs A\n A: unshare ipc\nend\n", 3, "only the kernel has");
    expect_error("scenario a\n only kernel x\n procs A\n A: unshare net\nend\n", 4, "unshare takes ipc");
    expect_error("scenario a\n for x y in (1 2) (3)\n procs A\nend\n", 2, "2 parameters");
    expect_error("scenario a\n procs A\n A: msgget {nope} 0\nend\n", 3, "unknown parameter {nope}");
    expect_error("hello\n", 1, "expected 'scenario NAME'");
    expect_error("scenario a\n procs A\n A: resumes => 1\n signal A SIGNOPE\nend\n", 4, "not a signal");
    expect_error("scenario a\n procs A\n msgget 0 0\nend\n", 3, "done by a process");
    expect_error("scenario a\n procs A\n A: fork A\nend\n", 3, "already exists");
    expect_error("scenario a\n procs A\n A: blocked => 0\nend\n", 3, "itself an expectation");
}

Test(parse, an_error_leaves_the_catalog_as_it_was)
{
    cr_assert_eq(parse("scenario good\n procs A\n A: msgget 0 0\nend\n"), 0);
    cr_assert_eq(cat.count, 1);
    struct scenario *before = cat.items;
    cr_assert_eq(parse_text(&cat, "bad.svipc",
                            "scenario more\n procs A\n A: msgget 0 0\nend\nscenario x\n procs A\n A: nope\nend\n",
                            &err), -1);
    cr_expect_eq(cat.count, 1, "a half-parsed file must add nothing");
    cr_expect_eq(cat.items, before);
    cr_expect_str_eq(err.file, "bad.svipc");
    cr_expect_eq(err.line, 7);
}

Test(parse, catalog_load_reports_missing_paths)
{
    char *paths[] = { "/nonexistent/suite.svipc" };
    catalog_free(&cat);         /* the previous catalog, if any */
    cr_assert_eq(catalog_load(&cat, paths, 1, &err), -1);
    cr_expect_str_eq(err.file, "/nonexistent/suite.svipc");
    cr_expect(strstr(err.reason, "No such file"));
}

Test(parse, only_backends_and_null_buffers)
{
    cr_assert_eq(parse("scenario k\n only kernel a reason\n procs A\n"
                       " A: msgctl 0 IPC_STAT buf=null => EFAULT\nend\n"), 0, "%s", err.reason);
    cr_expect_str_eq(cat.items[0].only_backend, "kernel");
    cr_expect_str_eq(cat.items[0].only_reason, "a reason");
    cr_expect(step_keyword(&cat.items[0].steps[0], "buf") != NULL);
    cr_assert_eq(parse("scenario n\n procs A\n A: msgrcv 0 8 0 0 buf=null => EINVAL\nend\n"), 0, "%s", err.reason);
    cr_assert_eq(parse("scenario m\n only kernel,model the reference runtime cannot\n procs A\n"
                       " A: msgget 0 0\nend\n"), 0, "%s", err.reason);
    cr_expect_str_eq(cat.items[0].only_backend, "kernel,model");
}

Test(parse, needs_host_root_keeps_its_reason)
{
    cr_assert_eq(parse("scenario h\n needs host-root  capable(CAP_IPC_LOCK) in hugetlb_file_setup\n procs A\n"
                       " A: msgget 0 0 => any\nend\n"), 0, "%s", err.reason);
    cr_expect_str_eq(cat.items[0].needs_host_root, "capable(CAP_IPC_LOCK) in hugetlb_file_setup");
    cr_assert_eq(parse("scenario h\n procs A\n A: msgget 0 0 => any\nend\n"), 0, "%s", err.reason);
    cr_expect_null(cat.items[0].needs_host_root);
    expect_error("scenario a\n needs host-root\n procs A\n A: msgget 0 0\nend\n", 2, "needs host-root REASON");
    expect_error("scenario a\n needs gpu because\n procs A\n A: msgget 0 0\nend\n", 2, "needs host-root REASON");
    expect_error("scenario a\n needs host-root x\n needs host-root y\n procs A\n A: msgget 0 0\nend\n", 3,
                 "given twice");
}

Test(parse, a_for_line_repeating_the_names_adds_rows)
{
    cr_assert_eq(parse("scenario r-{x}\n for x y in (1 a) (2 b)\n for x y in (3 c)\n for z in 7 8\n procs A\n"
                       " A: msgget {x}+{z} 0 => any\nend\n"), 0, "%s", err.reason);
    cr_expect_eq(cat.count, 6);
    cr_expect_str_eq(cat.items[4].name, "r-3[y=c,z=7]");
}

Test(parse, a_name_used_by_an_earlier_file_is_refused)
{
    cr_assert_eq(parse("scenario x\n procs A\n A: msgget 0 0\nend\n"), 0);
    cr_assert_eq(parse_text(&cat, "second.svipc", "scenario y\n procs A\n A: msgget 0 0\nend\n"
                                                  "scenario x\n procs A\n A: msgget 0 0\nend\n", &err), -1);
    cr_expect_str_eq(err.file, "second.svipc");
    cr_expect_eq(err.line, 5);
    cr_expect(strstr(err.reason, "already used at t.svipc:1"), "%s", err.reason);
    cr_expect_eq(cat.count, 1);
    cr_expect_eq(catalog_find(&cat, "y"), -1);
    cr_expect_eq(catalog_find(&cat, "x"), 0);
}

Test(parse, every_operation_has_one_row_found_by_its_name)
{
    for (int op = 0; op < OP_COUNT; op++) {
        const struct op_desc *d = op_desc((enum op)op);
        cr_assert(d && d->name, "operation %d has no row in ops.c", op);
        cr_expect_eq(d->op, (enum op)op, "the row of %s is at another index", d->name);
        cr_expect_eq(op_find(d->name, (d->flags & OPF_DIRECTIVE) != 0), d, "%s is not found by its name", d->name);
        if (d->flags & OPF_BLOCKS)
            cr_expect_geq(d->host_nr, 0, "%s can block but names no system call to sleep in", d->name);
    }
}

/* ---------- hostile input: every file gives a catalog or file:line: reason,
 * in bounded time and memory ---------- */

Test(parse, tool_steps_their_words_values_and_bound_fields)
{
    cr_assert_eq(parse("scenario t\n"
                       "  only kernel,ref programs\n"
                       "  procs A\n"
                       "  A: tool ipcmk -Q --mode=0600 => 0 -> $q=msqid\n"
                       "  A: tool lsipc -q -i $q --time-format=iso => 0 rows=1 id.0=$q\n"
                       "  A: msgctl $q IPC_STAT -> $k=key\n"
                       "end\n"), 0, "%s", err.reason);
    const struct scenario *s = &cat.items[0];
    const struct step *st = &s->steps[0];
    cr_expect_eq(st->op, OP_TOOL);
    cr_assert_eq(st->nargv, 3);
    cr_expect_str_eq(st->argv[0], "ipcmk");
    cr_expect_str_eq(st->argv[2], "--mode=0600", "a word with '=' is an argument, not a keyword");
    cr_expect_eq(st->argv_value[1].nterms, 0);
    cr_expect_str_eq(st->bind_field, "msqid");
    st = &s->steps[1];
    cr_assert_eq(st->nargv, 5);
    cr_expect_eq(st->argv_value[3].nterms, 1, "$q is a value");
    cr_expect_eq(st->expect.nfields, 2);
    cr_expect_str_eq(s->steps[2].bind_field, "key");
    cr_expect_eq(s->steps[0].expect.nfields, 0, "=> 0 has no fields");
}

Test(parse, tool_steps_are_refused_where_they_cannot_run)
{
    expect_error("scenario t\n  procs A\n  A: tool ipcs\nend\n", 3, "only kernel,ref");
    expect_error("scenario t\n  only kernel,model x\n  procs A\n  A: tool ipcs\nend\n", 4, "only kernel,ref");
    expect_error("scenario t\n  only kernel x\n  procs A\n  A: tool sh -c true\nend\n", 4, "not 'sh'");
    expect_error("scenario t\n  only kernel x\n  procs A\n  A: tool\nend\n", 4, "missing argument: a program");
    expect_error("scenario t\n  only kernel x\n  procs A\n  A: tool ipcs -> $x=\nend\n", 4, "$name=FIELD");
}

Test(parse, via_names_the_ipc_multiplexer_and_needs_only_kernel)
{
    cr_assert_eq(parse("scenario v\n"
                       "  only kernel ipc(2)\n"
                       "  procs A\n"
                       "  A: msgget 1 IPC_CREAT|0600 via=ipc -> $q\n"
                       "  A: msgctl $q IPC_STAT via=ipc-old\n"
                       "  A: msgrcv $q 8 0 IPC_NOWAIT via=ipc-v1 => ENOMSG\n"
                       "end\n"), 0, "%s", err.reason);
    cr_expect(cat.items[0].needs_ipc_multiplexer);
    cr_expect_eq(step_keyword(&cat.items[0].steps[1], "via")->value2, WIRE_VIA_IPC | WIRE_IPC_OLD);
    cr_assert_eq(parse("scenario w\n  procs A\n  A: msgget 1 0\nend\n"), 0);
    cr_expect(!cat.items[0].needs_ipc_multiplexer);
    expect_error("scenario v\n  procs A\n  A: msgget 1 0 via=ipc\nend\n", 3, "only kernel");
    expect_error("scenario v\n  only kernel x\n  procs A\n  A: msgget 1 0 via=ipc64\nend\n", 4, "via takes");
    expect_error("scenario v\n  only kernel x\n  procs A\n  A: fork B via=ipc\nend\n", 4, "takes no argument 'via'");
}

Test(hostile, a_step_word_starting_with_an_arrow_is_refused_at_once, .timeout = 5)
{
    expect_error("scenario a\n procs A\n A: msgsnd 0 1 \"x\" 0 =>ENOMSG\nend\n", 3, "space after '=>'");
    expect_error("scenario a\n procs A\n A: msgget 0 0 =>ENOMSG\nend\n", 3, "space after '=>'");
    expect_error("scenario a\n procs A\n A: msgsnd 0 1 \"x\" 0 =ENOMSG\nend\n", 3, "takes no argument ''");
}

Test(hostile, ranges_at_the_ends_of_long, .timeout = 5)
{
    cr_assert_eq(parse("scenario a-{x}\n for x in 9223372036854775807..9223372036854775807\n procs A\n"
                       " A: msgget {x} 0\nend\n"), 0, "%s", err.reason);
    cr_expect_eq(cat.count, 1);
    cr_expect_str_eq(cat.items[0].name, "a-9223372036854775807");
    cr_assert_eq(parse("scenario a-{x}\n for x in -9223372036854775808..-9223372036854775807\n procs A\n"
                       " A: msgget {x} 0\nend\n"), 0, "%s", err.reason);
    cr_expect_eq(cat.count, 2);
    expect_error("scenario a-{x}\n for x in -9223372036854775807..9223372036854775807\n procs A\n"
                 " A: msgget {x} 0\nend\n", 2, "at most 1024");
    expect_error("scenario a-{x}\n for x in -9223372036854775808..9223372036854775807\n procs A\n"
                 " A: msgget {x} 0\nend\n", 2, "at most 1024");
    expect_error("scenario a-{x}\n for x in 0..1023\n for x in 5..6\n procs A\n A: msgget {x} 0\nend\n", 3,
                 "at most 1024");
}

Test(hostile, numbers_beyond_long_are_refused_not_wrapped)
{
    expect_error("scenario a\n procs A\n A: msgget -9223372036854775809 0\nend\n", 3, "is not a number");
    expect_error("scenario a\n procs A\n A: msgget 18446744073709551616 0\nend\n", 3, "is not a number");
    cr_assert_eq(parse("scenario a\n procs A\n A: msgget 18446744073709551615 0\nend\n"), 0, "%s", err.reason);
    cr_expect_eq(cat.items[0].steps[0].arg[0].term[0].value, -1, "beyond LONG_MAX reads as unsigned");
}

Test(hostile, an_empty_group_leaves_no_empty_step)
{
    expect_error("scenario a-{x}\n for x in []\n procs A\n {x}\nend\n", 4, "empty");
    expect_error("scenario a-{x}\n for x in []\n procs A\n A: {x}\nend\n", 4, "not followed by an operation");
    expect_error("scenario a-{x}\n for x in []\n procs A\n A: msgget {x} 0\nend\n", 4, "missing argument");
}

Test(hostile, every_parameter_not_in_the_name_is_appended)
{
    cr_assert_eq(parse("scenario s-{e}\n for a in 1\n for b in 2\n for c in 3\n for d in 4\n for e in 5\n"
                       " procs A\n A: msgget {a}+{b}+{c}+{d}+{e} 0\nend\n"), 0, "%s", err.reason);
    cr_expect_str_eq(cat.items[0].name, "s-5[a=1,b=2,c=3,d=4]");
    cr_assert_eq(parse("scenario t-{h8}\n for a1 a2 in (1 2)\n for b in 3\n for c in 4\n for d in 5\n"
                       " for e in 6\n for f in 7\n for g in 8\n for h1 h2 h3 h4 h5 h6 h7 h8 in (a b c d e f g h)\n"
                       " procs A\n A: msgget {a1}+{a2}+{b}+{c}+{d}+{e}+{f}+{g} 0 => any x={h1}{h2}{h3}{h4}{h5}{h6}{h7}{h8}\n"
                       "end\n"), 0, "%s", err.reason);
    cr_expect_str_eq(cat.items[0].name, "t-h[a1=1,a2=2,b=3,c=4,d=5,e=6,f=7,g=8,h1=a,h2=b,h3=c,h4=d,h5=e,h6=f,h7=g]");
}

Test(hostile, an_expansion_beyond_the_cap_is_refused_with_the_cap, .timeout = 10)
{
    expect_error("scenario a-{x}-{y}\n for x in 0..1023\n for y in 0..1023\n procs A\n"
                 " A: msgget {x}+{y} 0\nend\n", 3, "at most 10000 instances");
    expect_error("scenario a-{x}-{y}-{z}\n for x in 1..1000\n for y in 1..1000\n for z in 1..1000\n procs A\n"
                 " A: msgget {x}+{y}+{z} 0\nend\n", 3, "at most 10000 instances");
    /* each fits, together they do not */
    expect_error("scenario a-{x}-{y}\n for x in 0..99\n for y in 0..59\n procs A\n A: msgget {x}+{y} 0\nend\n"
                 "scenario b-{x}-{y}\n for x in 0..99\n for y in 0..59\n procs A\n A: msgget {x}+{y} 0\nend\n",
                 9, "at most 10000 instances");
    /* bytes rather than instances */
    expect_error("scenario a-{x}\n for x in 1..300\n procs A\n A: msgsnd {x} 1 fill(262144) 0\nend\n", 4,
                 "at most 64 MiB a file");
    expect_error("scenario a\n procs A\n A: msgsnd 0 1 fill(262145) 0\nend\n", 3, "data size 262145 outside");
}

Test(hostile, long_words_are_refused_or_read_whole_never_cut)
{
    char text[2048], zeros[301];
    memset(zeros, '0', 300);
    zeros[300] = '\0';
    snprintf(text, sizeof(text), "scenario a\n procs A\n A: semop 0 0:-1:%s1\nend\n", zeros);
    cr_assert_eq(parse(text), 0, "%s", err.reason);
    cr_expect_eq(cat.items[0].steps[0].sop[0].flg.term[0].value, 1);
    char caps[2048] = "";
    for (int i = 0; i < 30; i++)
        strcat(caps, "CAP_CHOWN,");
    snprintf(text, sizeof(text), "scenario a\n procs A\n A: capdrop %sCAP_BOGUS\nend\n", caps);
    expect_error(text, 3, "unknown capability 'CAP_BOGUS'");
    char only[2048] = "";
    for (int i = 0; i < 12; i++)
        strcat(only, "kernel,");
    snprintf(text, sizeof(text), "scenario a\n only %sbsd a reason\n procs A\n A: msgget 0 0\nend\n", only);
    expect_error(text, 2, "only BACKEND");
}

Test(hostile, deadlines_are_bounded)
{
    expect_error("scenario a\n deadline step=1e300s\n procs A\n A: msgget 0 0\nend\n", 2, "at most");
    expect_error("scenario a\n deadline scenario=9223372036854775807ms\n procs A\n A: msgget 0 0\nend\n", 2, "at most");
    expect_error("scenario a\n deadline step=nans\n procs A\n A: msgget 0 0\nend\n", 2, "not a duration");
}

Test(hostile, a_nul_byte_is_refused_with_its_line)
{
    char path[] = "/tmp/svipc-nul-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    static const char text[] = "scenario a\n procs A\n A: msgget 0 0\0\nend\n";
    cr_assert_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
    close(fd);
    char *paths[] = { path };
    catalog_free(&cat);         /* the previous catalog, if any */
    cr_assert_eq(catalog_load(&cat, paths, 1, &err), -1);
    unlink(path);
    cr_expect_eq(err.line, 3, "line %d: %s", err.line, err.reason);
    cr_expect(strstr(err.reason, "NUL"), "%s", err.reason);
}

Test(hostile, a_refused_file_keeps_nothing_and_a_freed_catalog_gives_everything_back)
{
    static const char good[] = "scenario a-{x}\n for x in 1..100\n procs A B\n A: msgget {x} IPC_CREAT -> $q\n"
                               " B: msgsnd $q 1 fill(100) 0 => 0\n A: msgrcv $q 100 0 0 => 100 text=fill(100)\nend\n";
    static const char bad[] = "scenario b-{x}\n for x in 1..100\n procs A\n A: msgget {x} 0\nend\n"
                              "scenario c\n procs A\n A: nope\nend\n";
    /* Rounds of parsing: what the allocator keeps cached is bounded, a
     * leak grows with the rounds (each round makes some 100 KB).  No
     * assertion between the measures: Criterion's bookkeeping allocates. */
    struct catalog c = { 0 };
    struct parse_error e;
    int refused = 0, parsed = 0;
    for (int round = 0; round < 5; round++) {
        refused += parse_text(&c, "bad.svipc", bad, &e) == -1;
        parsed += parse_text(&c, "good.svipc", good, &e) == 0;
        catalog_free(&c);
    }
    size_t before = mallinfo2().uordblks;
    for (int round = 0; round < 100; round++) {
        refused += parse_text(&c, "bad.svipc", bad, &e) == -1;
        parsed += parse_text(&c, "good.svipc", good, &e) == 0;
        refused += parse_text(&c, "bad.svipc", bad, &e) == -1;
        catalog_free(&c);
    }
    size_t after = mallinfo2().uordblks;
    cr_expect_eq(refused, 205);
    cr_expect_eq(parsed, 105);
    cr_expect_lt(after, before + 256 * 1024, "100 rounds kept %zu bytes", after - before);
    cr_expect_eq(c.count, 0);
}

Test(parse, a_sysctl_value_joins_its_words_and_decodes_quoted_ones)
{
    cr_assert_eq(parse("scenario t\n"
                       "  procs A\n"
                       "  A: sysctl sem 1 2 3 4x\n"
                       "  A: sysctl msgmax \"100 7\"\n"
                       "  A: sysctl msgmax \"5\\t6\\n\" \"\\xa0\"\n"
                       "  A: sysctl msgmax\n"
                       "end\n"), 0, "%s", err.reason);
    const struct step *st = cat.items[0].steps;
    cr_expect_str_eq(st[0].word_value, "1 2 3 4x");
    cr_expect_str_eq(st[1].word_value, "100 7", "a quoted word keeps its space");
    cr_expect_str_eq(st[2].word_value, "5\t6\n \xa0", "C escapes, the words joined by one space");
    cr_expect_null(st[3].word_value, "no value: a read");
    expect_error("scenario t\n procs A\n A: sysctl msgmax \"1\\0\"\nend\n", 3, "cannot hold \\0");
    expect_error("scenario t\n procs A\n A: sysctl msgmax \"1\\q\"\nend\n", 3, "unknown escape");
}
