/* test_outcome.c: normalisation (processes by name, times as 0/set and
 * by the tick steps they follow, ids,
 * addresses and unwritten keys by order of appearance), expectation checks,
 * the layouts of each architecture (i386's old ones as Linux fills them),
 * and what util-linux's programs print, read into fields (tool_output.c). */
#include "abi.h"
#include "clock_tick.h"
#include "outcome.h"
#include "catalog.h"
#include "tool.h"
#include "wire.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <time.h>

static const char *const names[] = { "A", "B" };

static struct normaliser fresh(void)
{
    struct normaliser n;
    memset(&n, 0, sizeof(n));
    n.nprocs = 2;
    n.pid[0] = 100;
    n.pid[1] = 200;
    n.name = names;
    n.base = 0x10000000;
    n.base_span = 0x1000000;
    return n;
}

static const char *field(const struct outcome *o, const char *name)
{
    for (int i = 0; i < o->nfields; i++)
        if (strcmp(o->field[i].name, name) == 0)
            return o->field[i].norm;
    return NULL;
}

Test(outcome, msqid_ds_fields_are_normalised)
{
    struct normaliser n = fresh();
    struct msqid_ds ds;
    memset(&ds, 0, sizeof(ds));
    ds.msg_perm.mode = 0600;
    ds.msg_stime = 1700000000;
    ds.msg_qnum = 3;
    ds.msg_lspid = 200;
    ds.msg_lrpid = 999;
    int64_t args[8] = { 0, IPC_STAT };
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect_str_eq(field(&o, "mode"), "0600");
    cr_expect_str_eq(field(&o, "msg_stime"), "set");
    cr_expect_str_eq(field(&o, "msg_rtime"), "0");
    cr_expect_str_eq(field(&o, "msg_qnum"), "3");
    cr_expect_str_eq(field(&o, "msg_lspid"), "B");
    cr_expect_str_eq(field(&o, "msg_lrpid"), "pid?", "an unknown pid is not given a name");
    cr_expect_str_eq(o.ret_norm, "0");
    outcome_clear(&o);
}

/* A time is shown by the tick steps at or before it: set, set+1, set+2. */
static const char *stime_after(struct normaliser *n, long stime)
{
    struct msqid_ds ds;
    memset(&ds, 0, sizeof(ds));
    ds.msg_stime = stime;
    int64_t args[8] = { 0, IPC_STAT };
    static struct outcome o;
    outcome_clear(&o);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, n);
    return field(&o, "msg_stime");
}

static const char *tick(struct normaliser *n, long second)
{
    static struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret_type = op_desc(OP_TICK)->ret_type;
    o.ret = second;
    outcome_normalise(&o, OP_TICK, n);
    return o.ret_norm;
}

Test(outcome, times_are_shown_by_the_ticks_they_follow)
{
    struct normaliser n = fresh();
    cr_expect_str_eq(stime_after(&n, 1700000005), "set", "no tick yet: any time is set");
    cr_expect_str_eq(tick(&n, 1700000006), "set+1", "a tick is the first second of its own interval");
    cr_expect_str_eq(stime_after(&n, 1700000005), "set", "before the first tick");
    cr_expect_str_eq(stime_after(&n, 1700000006), "set+1", "the tick's own second");
    cr_expect_str_eq(stime_after(&n, 1700000009), "set+1", "later, before the next tick");
    cr_expect_str_eq(tick(&n, 1700000010), "set+2");
    cr_expect_str_eq(stime_after(&n, 1700000009), "set+1");
    cr_expect_str_eq(stime_after(&n, 1700000011), "set+2");
    cr_expect_str_eq(stime_after(&n, 0), "0", "never set stays 0 whatever the ticks");
}

Test(clock, a_tick_is_past_every_second_seen_before_it)
{
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    long second = clock_next_second();
    clock_gettime(CLOCK_REALTIME, &after);
    cr_expect_gt(second, (long)before.tv_sec, "a later second than the fine clock's at the start");
    cr_expect_geq((long)time(NULL), second, "time(2) has reached it");
    cr_expect_geq((long)after.tv_sec, second);
    cr_expect_leq((long)after.tv_sec, (long)before.tv_sec + 2, "the next second, not one after it");
}

Test(outcome, ids_and_addresses_by_order_of_appearance)
{
    struct normaliser n = fresh();
    struct outcome o;
    int64_t args[8] = { 0 };
    long ids[] = { 32768, 0, 32768, 65537 };
    const char *want[] = { "msq#0", "msq#1", "msq#0", "msq#2" };
    for (int i = 0; i < 4; i++) {
        memset(&o, 0, sizeof(o));
        o.status = OUT_DONE;
        o.ret = ids[i];
        outcome_decode(&o, OP_MSGGET, args, NULL);
        outcome_normalise(&o, OP_MSGGET, &n);
        cr_expect_str_eq(o.ret_norm, want[i]);
    }
    /* an attachment at an address the scenario gave: inside the window, by offset */
    int64_t at[8] = { 0, 0x10002000 };
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 0x10002000;
    outcome_decode(&o, OP_SHMAT, at, NULL);
    outcome_normalise(&o, OP_SHMAT, &n);
    cr_expect_str_eq(o.ret_norm, "base+0x2000");
    o.ret = 0x7f0000000000;
    outcome_normalise(&o, OP_SHMAT, &n);
    cr_expect_str_eq(o.ret_norm, "addr#0");
    /* at NULL the system chooses, maybe inside the window: by order only */
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 0x10004000;
    outcome_decode(&o, OP_SHMAT, args, NULL);
    outcome_normalise(&o, OP_SHMAT, &n);
    cr_expect_str_eq(o.ret_norm, "addr#1");
    o.ret = -1;
    o.err = EINVAL;
    outcome_normalise(&o, OP_SHMAT, &n);
    cr_expect_str_eq(o.ret_norm, "EINVAL");
}

Test(outcome, bytes_are_quoted_or_summarised)
{
    struct normaliser n = fresh();
    unsigned char msg[8 + 300];
    long type = 7;
    memcpy(msg, &type, sizeof(type));
    memcpy(msg + 8, "hello", 5);
    int64_t args[8] = { 0 };
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 5;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, 8 + 5, 0, 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "mtype"), "7");
    cr_expect_str_eq(field(&o, "text"), "\"hello\"");
    outcome_clear(&o);
    memset(msg + 8, 0, 300);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, 8 + 300, 0, 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect(strncmp(field(&o, "text"), "len=300,fnv=", 12) == 0, "%s", field(&o, "text"));
    outcome_clear(&o);
}

/* Parse one step so expectation checks see what a scenario would give. */
static const struct step *step_of(const char *line)
{
    static struct catalog cat;
    struct parse_error err;
    char text[512];
    catalog_free(&cat);         /* the previous catalog, if any */
    snprintf(text, sizeof(text), "scenario x\n procs A B\n A: msgget 0 0 -> $q\n%s\nend\n", line);
    cr_assert_eq(parse_text(&cat, "x", text, &err), 0, "%s", err.reason);
    return &cat.items[0].steps[1];
}

Test(outcome, expectations_hold_or_say_why)
{
    struct normaliser n = fresh();
    long vars[4] = { 65536 };
    char why[256];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = -1;
    o.err = ENOMSG;
    cr_expect(expect_holds(step_of(" A: msgrcv $q 1 0 0 => ENOMSG"), &o, vars, 0, why, sizeof(why)));
    cr_expect_not(expect_holds(step_of(" A: msgrcv $q 1 0 0 => EINVAL"), &o, vars, 0, why, sizeof(why)));
    cr_expect(strstr(why, "EINVAL"), "%s", why);
    cr_expect_not(expect_holds(step_of(" A: msgrcv $q 1 0 0"), &o, vars, 0, why, sizeof(why)),
                  "no expectation written means success is expected");
    cr_expect(expect_holds(step_of(" A: msgrcv $q 1 0 0 => any"), &o, vars, 0, why, sizeof(why)));

    o.ret = 65536;
    o.err = 0;
    cr_expect(expect_holds(step_of(" A: msgctl 0 MSG_STAT => $q"), &o, vars, 0, why, sizeof(why)));
    cr_expect_not(expect_holds(step_of(" A: msgctl 0 MSG_STAT => 1"), &o, vars, 0, why, sizeof(why)));

    struct msqid_ds ds;
    memset(&ds, 0, sizeof(ds));
    ds.msg_lspid = 100;
    ds.msg_perm.mode = 0640;
    int64_t args[8] = { 0, IPC_STAT };
    o.ret = 0;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect(expect_holds(step_of(" A: msgctl $q IPC_STAT => 0 msg_lspid=A mode=0640 msg_stime=0"),
                           &o, vars, 0, why, sizeof(why)), "%s", why);
    cr_expect_not(expect_holds(step_of(" A: msgctl $q IPC_STAT => 0 msg_lspid=B"), &o, vars, 0, why, sizeof(why)));
    cr_expect(strstr(why, "expected B, got A"), "%s", why);
    cr_expect_not(expect_holds(step_of(" A: msgctl $q IPC_STAT => 0 nosuch=1"), &o, vars, 0, why, sizeof(why)));
    cr_expect(strstr(why, "no field 'nosuch'"), "%s", why);
    /* 'any' takes any return value, but the fields written after it count */
    cr_expect(expect_holds(step_of(" A: msgctl $q IPC_STAT => any msg_lspid=A"), &o, vars, 0, why, sizeof(why)),
              "%s", why);
    cr_expect_not(expect_holds(step_of(" A: msgctl $q IPC_STAT => any msg_lspid=B"), &o, vars, 0, why,
                               sizeof(why)));
    outcome_clear(&o);

    o.status = OUT_BLOCKED;
    cr_expect(expect_holds(step_of(" B: msgrcv $q 1 0 0 => blocks"), &o, vars, 0, why, sizeof(why)));
    cr_expect_not(expect_holds(step_of(" B: msgrcv $q 1 0 0 => 0"), &o, vars, 0, why, sizeof(why)));
    o.status = OUT_FAULT;
    o.sig = 11;
    cr_expect(expect_holds(step_of(" A: write 0 \"x\" => SIGSEGV"), &o, vars, 0, why, sizeof(why)));
    cr_expect_not(expect_holds(step_of(" A: write 0 \"x\""), &o, vars, 0, why, sizeof(why)));
}

Test(outcome, other_architectures_layouts_and_what_was_written_where_it_should_not)
{
    struct normaliser n = fresh();
    /* an armhf msqid64_ds: 32-bit fields, the time's high word after it */
    unsigned char ds[88];
    memset(ds, 0, sizeof(ds));
    uint32_t mode = 0600, qnum = 4, lspid = 200, stime = 1700000000;
    memcpy(ds + 20, &mode, 4);
    memcpy(ds + 36, &stime, 4);
    memcpy(ds + 64, &qnum, 4);
    memcpy(ds + 72, &lspid, 4);
    int64_t args[8] = { 0, IPC_STAT };
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_ARMHF, ds, sizeof(ds), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect_str_eq(field(&o, "mode"), "0600");
    cr_expect_str_eq(field(&o, "msg_qnum"), "4");
    cr_expect_str_eq(field(&o, "msg_lspid"), "B");
    cr_expect_str_eq(field(&o, "msg_stime"), "set");
    cr_expect_null(field(&o, "pad"), "Linux zero-fills: no pad field");
    outcome_clear(&o);
    /* the high word of the time left as the caller filled it (qemu's armhf) */
    memset(ds + 40, 0xa5, 4);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_ARMHF, ds, sizeof(ds), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect_str_eq(field(&o, "pad"), "4");
    outcome_clear(&o);
    /* a failed call that wrote into its buffer, and one that wrote past what it returned */
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = -1;
    o.err = ENOMSG;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, NULL, 0, 8, 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "wrote"), "8");
    outcome_clear(&o);
    unsigned char msg[8 + 5] = { 1, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 5;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, sizeof(msg), 0, 1, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "beyond"), "1");
    /* an i386 message's type is 4 bytes */
    outcome_clear(&o);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 1;
    unsigned char msg32[4 + 1] = { 0xfe, 0xff, 0xff, 0xff, 'x' };
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_I386, msg32, sizeof(msg32), 0, 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "mtype"), "-2");
    cr_expect_str_eq(field(&o, "text"), "\"x\"");
    outcome_clear(&o);
}

/* ---------- tool steps (tool_output.c) ---------- */

/* A puppet's reply to a tool step: ARGV (words separated by '|'), what it
 * printed, its exit status. */
static size_t tool_reply(unsigned char *buf, const char *argv, const char *out, const char *err, int status)
{
    struct tool_reply head = { .status = status << 8, .pid = 4242 };
    size_t at = sizeof(head);
    for (const char *c = argv; *c; c++)
        buf[at++] = *c == '|' ? '\0' : (unsigned char)*c;
    buf[at++] = '\0';
    head.argv_len = (uint32_t)(at - sizeof(head));
    memcpy(buf + at, out, strlen(out));
    at += strlen(out);
    memcpy(buf + at, err, strlen(err));
    at += strlen(err);
    head.out_len = (uint32_t)strlen(out);
    head.err_len = (uint32_t)strlen(err);
    memcpy(buf, &head, sizeof(head));
    return at;
}

static void decode_tool(struct outcome *o, struct normaliser *n, const char *argv, const char *out,
                        const char *err, int status)
{
    static unsigned char buf[65536];
    size_t len = tool_reply(buf, argv, out, err, status);
    memset(o, 0, sizeof(*o));
    o->status = OUT_DONE;
    o->ret = status;
    outcome_decode(o, OP_TOOL, NULL, &(struct returned){ ABI_X86_64, buf, len, 0, 0, 0 });
    outcome_normalise(o, OP_TOOL, n);
}

Test(tool, ipcmk_ids_and_its_own_process)
{
    struct normaliser n = fresh();
    struct outcome o;
    normaliser_name_pid(&n, 4242, "A/ipcmk");
    decode_tool(&o, &n, "ipcmk|-Q|-S|2", "Message queue id: 32768\nSemaphore id: 0\n", "", 0);
    cr_expect_eq(o.tool_pid, 4242);
    cr_expect_str_eq(o.tool_name, "ipcmk");
    cr_expect_str_eq(field(&o, "msqid"), "msq#0");
    cr_expect_str_eq(field(&o, "semid"), "sem#0");
    cr_expect_null(field(&o, "unparsed"));
    outcome_clear(&o);
    /* a process named twice is told apart */
    normaliser_name_pid(&n, 4343, "A/ipcmk");
    cr_expect_str_eq(n.spawned[1].name, "A/ipcmk#2");
}

Test(tool, ipcs_tables_times_status_and_rows)
{
    struct normaliser n = fresh();
    struct outcome o;
    decode_tool(&o, &n, "ipcs|-m|-t",
                "\n------ Shared Memory Attach/Detach/Change Times --------\n"
                "shmid      owner      attached             detached             changed             \n"
                "0          root       Not set              Not set              Dec  2 05:57:32     \n"
                "32769      root       Dec  2 05:58:01      Not set              Dec  2 05:57:32     \n\n",
                "", 0);
    cr_expect_str_eq(field(&o, "rows"), "2");
    cr_expect_str_eq(field(&o, "shmid.0"), "shm#0");
    cr_expect_str_eq(field(&o, "shmid.1"), "shm#1");
    cr_expect_str_eq(field(&o, "attached.0"), "0");
    cr_expect_str_eq(field(&o, "attached.1"), "set");
    cr_expect_str_eq(field(&o, "detached.1"), "0");
    cr_expect_str_eq(field(&o, "changed.0"), "set");
    outcome_clear(&o);
    /* a cell left empty (status), a mode in octal, a pid named */
    decode_tool(&o, &n, "ipcs|-m",
                "------ Shared Memory Segments --------\n"
                "key        shmid      owner      perms      bytes      nattch     status      \n"
                "0x00000000 0          root       600        4096       1          dest         \n"
                "0x00004711 1          root       644        8192       0                       \n",
                "", 0);
    cr_expect_str_eq(field(&o, "status.0"), "dest");
    cr_expect_str_eq(field(&o, "status.1"), "");
    cr_expect_str_eq(field(&o, "perms.1"), "0644");
    cr_expect_str_eq(field(&o, "key.0"), "0x00000000");
    cr_expect_str_eq(field(&o, "key.1"), "key#0", "a key the scenario did not write: by order");
    outcome_clear(&o);
    decode_tool(&o, &n, "ipcs|-q|-p",
                "------ Message Queues PIDs --------\nmsqid      owner      lspid      lrpid     \n"
                "0        root            100         0\n", "", 0);
    cr_expect_str_eq(field(&o, "lspid.0"), "A");
    cr_expect_str_eq(field(&o, "lrpid.0"), "0");
    outcome_clear(&o);
}

Test(tool, ipcs_limits_summary_and_detail)
{
    struct normaliser n = fresh();
    struct outcome o;
    decode_tool(&o, &n, "ipcs|-l|-u",
                "------ Messages Limits --------\nmax queues system wide = 100\n"
                "max size of message (bytes) = 8192\n\n"
                "------ Messages Status --------\nused space = 17 bytes\n"
                "------ Shared Memory Status --------\nsegments allocated 2\npages resident  0\n"
                "Swap performance: 0 attempts\t 3 successes\n",
                "", 0);
    cr_expect_str_eq(field(&o, "max_queues_system_wide"), "100");
    cr_expect_str_eq(field(&o, "max_size_of_message_bytes"), "8192");
    cr_expect_str_eq(field(&o, "used_space"), "17");
    cr_expect_str_eq(field(&o, "segments_allocated"), "2");
    cr_expect_str_eq(field(&o, "pages_resident"), "0");
    cr_expect_str_eq(field(&o, "swap_performance_successes"), "3");
    cr_expect_null(field(&o, "unparsed"));
    outcome_clear(&o);
    decode_tool(&o, &n, "ipcs|-s|-i|0",
                "\nSemaphore Array semid=0\nuid=0\t gid=0\t cuid=0\t cgid=0\nmode=0600, access_perms=0600\n"
                "nsems = 2\notime = Not set                   \nctime = Wed Dec  2 05:57:32 2026  \n"
                "semnum     value      ncount     zcount     pid       \n"
                "0          7          0          1          200       \n"
                "1          0          0          0          0         \n\n",
                "", 0);
    cr_expect_str_eq(field(&o, "semid"), "sem#0");
    cr_expect_str_eq(field(&o, "access_perms"), "0600");
    cr_expect_str_eq(field(&o, "nsems"), "2");
    cr_expect_str_eq(field(&o, "otime"), "0");
    cr_expect_str_eq(field(&o, "ctime"), "set");
    cr_expect_str_eq(field(&o, "value.0"), "7");
    cr_expect_str_eq(field(&o, "zcount.0"), "1");
    cr_expect_str_eq(field(&o, "pid.0"), "B");
    cr_expect_str_eq(field(&o, "rows"), "2");
    outcome_clear(&o);
}

Test(tool, lsipc_formats)
{
    struct normaliser n = fresh();
    struct outcome o;
    decode_tool(&o, &n, "lsipc|-q|--json",
                "{\"messages\": [ {\"key\": \"0x00001234\", \"id\": \"0\", \"perms\": \"rw-r-----\", "
                "\"usedbytes\": \"5B\", \"lspid\": \"100\", \"command\": \"ipcmk -Q\", \"status\": null} ]}\n",
                "", 0);
    cr_expect_str_eq(field(&o, "rows"), "1");
    cr_expect_str_eq(field(&o, "id.0"), "msq#0");
    cr_expect_str_eq(field(&o, "perms.0"), "0640");
    cr_expect_str_eq(field(&o, "usedbytes.0"), "5B");
    cr_expect_str_eq(field(&o, "lspid.0"), "A");
    cr_expect_str_eq(field(&o, "status.0"), "");
    cr_expect_null(field(&o, "command.0"), "the creator's command is the host's /proc's: left out");
    outcome_clear(&o);
    decode_tool(&o, &n, "lsipc|-s|-e",
                "KEY=\"0x00000001\" ID=\"0\" NSEMS=\"3\"\nKEY=\"0x00000002\" ID=\"32768\" NSEMS=\"1\"\n", "", 0);
    cr_expect_str_eq(field(&o, "rows"), "2");
    cr_expect_str_eq(field(&o, "id.1"), "sem#1");
    cr_expect_str_eq(field(&o, "nsems.1"), "1");
    outcome_clear(&o);
    decode_tool(&o, &n, "lsipc|-s|-n", "KEY=\"0x00000001\"\nID=\"0\"\nKEY=\"0x00000002\"\nID=\"32768\"\n", "", 0);
    cr_expect_str_eq(field(&o, "rows"), "2");
    cr_expect_str_eq(field(&o, "id.1"), "sem#1");
    outcome_clear(&o);
    decode_tool(&o, &n, "lsipc|-g|-r", "RESOURCE DESCRIPTION LIMIT\nMSGMNI Number\\x20of\\x20queues 32000\n", "", 0);
    cr_expect_str_eq(field(&o, "description.0"), "Number of queues");
    cr_expect_str_eq(field(&o, "limit.0"), "32000");
    outcome_clear(&o);
    decode_tool(&o, &n, "lsipc|-q|-i|5", "", "lsipc: id 5 not found\n", 0);
    cr_expect_str_eq(field(&o, "error"), "id 5 not found");
    cr_expect_str_eq(field(&o, "errors"), "1");
    outcome_clear(&o);
}

Test(tool, what_cannot_be_read_is_counted_and_a_deadline_is_a_timeout)
{
    struct normaliser n = fresh();
    struct outcome o;
    decode_tool(&o, &n, "ipcrm|-v|-q|0", "removing message queue id `0'\nsomething else\n", "", 0);
    cr_expect_str_eq(field(&o, "removed.0"), "msq#0");
    cr_expect_str_eq(field(&o, "unparsed"), "1");
    outcome_clear(&o);
    static unsigned char buf[4096];
    size_t len = tool_reply(buf, "ipcs", "", "", 0);
    struct tool_reply head;
    memcpy(&head, buf, sizeof(head));
    head.flags = TOOL_TIMED_OUT;
    memcpy(buf, &head, sizeof(head));
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_TOOL, NULL, &(struct returned){ ABI_X86_64, buf, len, 0, 0, 0 });
    cr_expect_eq(o.status, OUT_TIMEOUT);
    cr_expect(strstr(o.detail, "deadline"), "%s", o.detail);
}

Test(outcome, keys_the_scenario_wrote_are_shown_the_others_by_order)
{
    struct normaliser n = fresh();
    long written[] = { 0x4711 };
    n.written_keys = written;
    n.nwritten_keys = 1;
    struct msqid_ds ds;
    int64_t args[8] = { 0, IPC_STAT };
    const char *want[] = { "0x00004711", "key#0", "key#1", "key#0", "0x00000000" };
    const key_t keys[] = { 0x4711, (key_t)0x9abcdef0, 0x1234, (key_t)0x9abcdef0, 0 };
    for (int i = 0; i < 5; i++) {
        memset(&ds, 0, sizeof(ds));
        ds.msg_perm.__key = keys[i];
        struct outcome o;
        memset(&o, 0, sizeof(o));
        o.status = OUT_DONE;
        outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0, 0 });
        outcome_normalise(&o, OP_MSGCTL, &n);
        cr_expect_str_eq(field(&o, "key"), want[i], "key %#x", (unsigned)keys[i]);
        outcome_clear(&o);
    }
}

Test(outcome, i386_old_layouts_as_linux_fills_them)
{
    /* msgctl(IPC_STAT) through ipc(2) without IPC_64, as Linux 6.1's compat
     * path filled it for an i386 process (a queue of mode 0600 holding one
     * message of 3000 bytes, qbytes set to 70000: 16 bits of it kept) */
    static const unsigned char ds[56] = {
        0x02, 0x49, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x6f, 0xbb, 0x0f, 0x6b, 0x00, 0x00, 0x00, 0x00,
        0x6f, 0xbb, 0x0f, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xb8, 0x0b, 0x01, 0x00,
        0x70, 0x11, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    struct normaliser n = fresh();
    int64_t args[8] = { 0, IPC_STAT };
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_I386, ds, sizeof(ds), 0, 0, WIRE_IPC_OLD });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect_str_eq(field(&o, "mode"), "0600");
    cr_expect_str_eq(field(&o, "msg_cbytes"), "3000");
    cr_expect_str_eq(field(&o, "msg_qnum"), "1");
    cr_expect_str_eq(field(&o, "msg_qbytes"), "4464");
    cr_expect_str_eq(field(&o, "msg_lspid"), "A");
    cr_expect_str_eq(field(&o, "msg_stime"), "set");
    cr_expect_str_eq(field(&o, "msg_rtime"), "0");
    cr_expect_null(field(&o, "pad"), "Linux zero-fills the pointers and the padding");
    outcome_clear(&o);
    /* the same bytes read as the IPC_64 layout make no sense: the flag decides */
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_I386, ds, sizeof(ds), 0, 0, 0 });
    cr_expect_null(field(&o, "msg_qnum"), "56 bytes are not an IPC_64 msqid_ds");
    outcome_clear(&o);
}
