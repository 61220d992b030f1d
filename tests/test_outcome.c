/* test_outcome.c: normalisation (processes by name, times as 0/set, ids and
 * addresses by order of appearance) and expectation checks. */
#include "abi.h"
#include "outcome.h"
#include "catalog.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>

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
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0 });
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
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, 8 + 5, 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "mtype"), "7");
    cr_expect_str_eq(field(&o, "text"), "\"hello\"");
    outcome_clear(&o);
    memset(msg + 8, 0, 300);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, 8 + 300, 0, 0 });
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
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_X86_64, (const unsigned char *)&ds, sizeof(ds), 0, 0 });
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
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_ARMHF, ds, sizeof(ds), 0, 0 });
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
    outcome_decode(&o, OP_MSGCTL, args, &(struct returned){ ABI_ARMHF, ds, sizeof(ds), 0, 0 });
    outcome_normalise(&o, OP_MSGCTL, &n);
    cr_expect_str_eq(field(&o, "pad"), "4");
    outcome_clear(&o);
    /* a failed call that wrote into its buffer, and one that wrote past what it returned */
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = -1;
    o.err = ENOMSG;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, NULL, 0, 8, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "wrote"), "8");
    outcome_clear(&o);
    unsigned char msg[8 + 5] = { 1, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' };
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 5;
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_X86_64, msg, sizeof(msg), 0, 1 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "beyond"), "1");
    /* an i386 message's type is 4 bytes */
    outcome_clear(&o);
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    o.ret = 1;
    unsigned char msg32[4 + 1] = { 0xfe, 0xff, 0xff, 0xff, 'x' };
    outcome_decode(&o, OP_MSGRCV, args, &(struct returned){ ABI_I386, msg32, sizeof(msg32), 0, 0 });
    outcome_normalise(&o, OP_MSGRCV, &n);
    cr_expect_str_eq(field(&o, "mtype"), "-2");
    cr_expect_str_eq(field(&o, "text"), "\"x\"");
    outcome_clear(&o);
}
