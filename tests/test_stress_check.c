/* test_stress_check.c: the stress checker on hand-made histories whose
 * answer is known (linearizable ones, ones that are not: a message
 * received twice, a message received before it was sent, a semop applied
 * in part, an EINTR where nothing could wait, an EIDRM without a removal;
 * pending calls, one that waited and took effect later; concurrent sends
 * ordered by their receives at once; deaths that apply
 * SEM_UNDO once, between the kill and its observation; a bound that leaves a history undecided;
 * a segment's words, its shm_nattch beside a shmat in flight, its life
 * after IPC_RMID until the last detach, a death's detach; msgmax and
 * semopm met when a call begins, while a limit writer changes them); the
 * recorded history collected (every event, in order, the shared space
 * given back as it is copied); and `svipc
 * stress` killed with SIGKILL in the middle of a run: nothing of it
 * survives (no process, no object in the host's namespace, no arena file).
 * Must not: decide by timing (instants in the histories are made up). */
#define _GNU_SOURCE
#include "stress_check.h"

#include "proc_status.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct stress_object queue = { .kind = STRESS_QUEUE, .id = 0, .qbytes = 256 };
static struct stress_object set2 = { .kind = STRESS_SET, .id = 0, .nsems = 2, .init = { 1, 0 } };

static struct stress_event snd(int proc, uint64_t call, uint64_t ret_at, long type, const char *text, int flags,
                               long ret, int err)
{
    struct stress_event e = { .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = STRESS_MSGSND,
                              .type = type, .size = (int32_t)strlen(text), .flags = flags, .ret = ret, .err = err };
    memcpy(e.text, text, strlen(text));
    return e;
}

static struct stress_event rcv(int proc, uint64_t call, uint64_t ret_at, long msgtyp, int flags, long rtype,
                               const char *text, long ret, int err)
{
    struct stress_event e = { .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = STRESS_MSGRCV,
                              .type = msgtyp, .size = STRESS_TEXT_MAX, .flags = flags, .rtype = rtype,
                              .ret = ret, .err = err };
    if (text)
        memcpy(e.text, text, strlen(text));
    return e;
}

static struct stress_event semop2(int proc, uint64_t call, uint64_t ret_at, int op0, int op1, int flg, long ret,
                                  int err)
{
    return (struct stress_event){ .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = STRESS_SEMOP,
                                  .nsops = 2, .sops = { { 0, (int16_t)op0, (int16_t)flg }, { 1, (int16_t)op1, (int16_t)flg } },
                                  .ret = ret, .err = err };
}

static struct stress_event semop1(int proc, uint64_t call, uint64_t ret_at, int num, int op, int flg, long ret,
                                  int err)
{
    return (struct stress_event){ .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = STRESS_SEMOP,
                                  .nsops = 1, .sops = { { (uint16_t)num, (int16_t)op, (int16_t)flg } },
                                  .ret = ret, .err = err };
}

static enum stress_verdict check(struct stress_object *o, struct stress_event *ev, size_t n, unsigned long steps)
{
    struct stress_history h = { .nobjects = 1, .objects = o, .nevents = n, .events = ev };
    struct stress_check_limits lim = { .max_steps = steps, .max_bytes = 64UL << 20 };
    struct stress_check_result r;
    cr_assert_eq(stress_check(&h, &lim, &r), 0);
    enum stress_verdict v = stress_check_verdict(&r);
    stress_check_result_free(&r);
    return v;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

Test(stress_check, concurrent_send_and_receive_is_linearizable)
{
    /* B's receive overlaps A's send and gets its message; C's IPC_NOWAIT
     * receive, concurrent with both, found the queue empty; the type 2
     * message sent later is taken by a negative msgtyp receive */
    struct stress_event ev[] = {
        snd(0, 10, 40, 1, "hello", 0, 0, 0),
        rcv(1, 5, 50, 0, 0, 1, "hello", 5, 0),
        rcv(2, 12, 30, 0, IPC_NOWAIT, 0, NULL, -1, ENOMSG),
        snd(0, 60, 70, 2, "two", 0, 0, 0),
        rcv(1, 80, 90, -3, 0, 2, "two", 3, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
}

static struct stress_event death(int proc, uint64_t call, uint64_t ret_at)
{
    return (struct stress_event){ .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = STRESS_DEATH,
                                  .obj = STRESS_OBJ_ALL };
}

Test(stress_check, a_pending_call_that_blocked_may_take_effect_later)
{
    /* A's semop [0:-1] finds 0, waits, and is killed after B's +1 woke it
     * (its call never returned): B's later IPC_NOWAIT -1 found 0, which
     * only A's effect, after B's +1, explains */
    struct stress_object o = { .kind = STRESS_SET, .nsems = 2, .init = { 0, 0 } };
    struct stress_event ev[] = {
        semop1(0, 10, 0, 0, -1, 0, 0, 0),
        semop1(1, 20, 30, 0, 1, 0, 0, 0),
        semop1(1, 40, 50, 0, -1, IPC_NOWAIT, -1, EAGAIN),
    };
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_LINEARIZABLE);
}

Test(stress_check, a_death_applies_its_undo_once)
{
    /* B takes 1 with SEM_UNDO and is killed: its death gives it back, once
     * (a later GETALL-like NOWAIT -2 succeeds, a -3 could not) */
    struct stress_object o = { .kind = STRESS_SET, .nsems = 2, .init = { 2, 0 } };
    struct stress_event ev[] = {
        semop1(1, 10, 20, 0, -1, SEM_UNDO, 0, 0),
        death(1, 30, 40),
        semop1(0, 50, 60, 0, -2, IPC_NOWAIT, 0, 0),
        semop1(0, 70, 80, 0, -1, IPC_NOWAIT, -1, EAGAIN),
    };
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    /* applied twice, the set would have held 3 after the death */
    ev[3] = semop1(0, 70, 80, 0, -1, IPC_NOWAIT, 0, 0);
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_VIOLATION);
    /* before the death is observed, the -2 cannot have found 2 */
    struct stress_event early[] = {
        semop1(1, 10, 20, 0, -1, SEM_UNDO, 0, 0),
        semop1(0, 22, 28, 0, -2, IPC_NOWAIT, 0, 0),
        death(1, 30, 40),
    };
    cr_assert_eq(check(&o, early, N(early), 100000), STRESS_VIOLATION);
    /* while it is being observed, it may have */
    early[1] = semop1(0, 32, 38, 0, -2, IPC_NOWAIT, 0, 0);
    cr_assert_eq(check(&o, early, N(early), 100000), STRESS_LINEARIZABLE);
}

Test(stress_check, a_killed_waiter_completed_before_it_ran_again_is_undone_at_its_exit)
{
    /* A waits in [0:-1 SEM_UNDO] and is SIGKILLed at 20; before it runs
     * again B's +1 completes A's semop on A's behalf (B's NOWAIT -1 then
     * finds 0); A's exit gives the 1 back, so B's last -1 succeeds.  Only
     * A's effect before its death explains it: the death, which changes
     * nothing while A has no adjustment, must not be fixed at the kill. */
    struct stress_object o = { .kind = STRESS_SET, .nsems = 2, .init = { 0, 0 } };
    struct stress_event ev[] = {
        semop1(0, 10, 0, 0, -1, SEM_UNDO, 0, 0),
        death(0, 20, 100),
        semop1(1, 30, 40, 0, 1, 0, 0, 0),
        semop1(1, 50, 60, 0, -1, IPC_NOWAIT, -1, EAGAIN),
        semop1(1, 110, 120, 0, -1, IPC_NOWAIT, 0, 0),
    };
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    /* a dead process acts no more: its semop cannot take effect after its
     * exit, leaving an adjustment nobody applies */
    ev[4] = semop1(1, 110, 120, 0, -1, IPC_NOWAIT, -1, EAGAIN);
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, a_death_without_undo_changes_nothing)
{
    struct stress_object o = { .kind = STRESS_SET, .nsems = 2, .init = { 2, 0 } };
    struct stress_event ev[] = {
        semop1(1, 10, 20, 0, -1, 0, 0, 0),
        death(1, 30, 40),
        semop1(0, 50, 60, 0, -2, IPC_NOWAIT, -1, EAGAIN),
    };
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_LINEARIZABLE);
}

Test(stress_check, a_message_received_twice_is_a_violation)
{
    struct stress_event ev[] = {
        snd(0, 10, 20, 1, "once", 0, 0, 0),
        rcv(1, 30, 40, 0, 0, 1, "once", 4, 0),
        rcv(2, 50, 60, 0, 0, 1, "once", 4, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, a_message_received_before_it_was_sent_is_a_violation)
{
    struct stress_event ev[] = {
        rcv(1, 10, 20, 0, 0, 1, "early", 5, 0),
        snd(0, 30, 40, 1, "early", 0, 0, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, messages_reordered_within_a_type_are_a_violation)
{
    struct stress_event ev[] = {
        snd(0, 10, 20, 1, "first", 0, 0, 0),
        snd(0, 30, 40, 1, "second", 0, 0, 0),
        rcv(1, 50, 60, 1, 0, 1, "second", 6, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
    ev[2] = rcv(1, 50, 60, 1, 0, 1, "first", 5, 0);
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
}

Test(stress_check, a_pending_send_may_have_taken_effect_or_not)
{
    /* the sender was killed inside msgsnd: its message may be there */
    struct stress_event ev[] = {
        snd(0, 10, 0, 1, "maybe", 0, 0, 0),
        rcv(1, 20, 30, 0, 0, 1, "maybe", 5, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[1] = rcv(1, 20, 30, 0, IPC_NOWAIT, 0, NULL, -1, ENOMSG);
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    /* but not a message it never sent */
    ev[1] = rcv(1, 20, 30, 0, 0, 1, "other", 5, 0);
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, eintr_only_where_the_call_would_wait)
{
    struct stress_event ev[] = {
        rcv(1, 10, 20, 0, 0, 0, NULL, -1, EINTR),          /* empty queue: it waited */
        snd(0, 30, 40, 1, "there", 0, 0, 0),
        rcv(1, 50, 60, 0, 0, 0, NULL, -1, EINTR),          /* a message all along */
    };
    cr_assert_eq(check(&queue, ev, 2, 100000), STRESS_LINEARIZABLE);
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, eidrm_only_after_a_removal)
{
    struct stress_event rmid = { .t_call = 20, .t_return = 30, .proc = 2, .op = STRESS_RMID, .ret = 0 };
    struct stress_event ev[] = {
        rcv(1, 10, 40, 0, 0, 0, NULL, -1, EIDRM),
        rmid,
        snd(0, 50, 60, 1, "late", 0, -1, EINVAL),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[1].err = EINVAL, ev[1].ret = -1;                     /* no removal after all */
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, a_semop_is_all_or_nothing)
{
    /* values 1 0: taking one of each cannot succeed; adding to the second
     * first makes it possible */
    struct stress_event ev[] = {
        semop2(0, 10, 20, -1, -1, IPC_NOWAIT, 0, 0),
    };
    cr_assert_eq(check(&set2, ev, N(ev), 100000), STRESS_VIOLATION);
    struct stress_event ok[] = {
        semop1(1, 5, 30, 1, 1, 0, 0, 0),
        semop2(0, 10, 20, -1, -1, IPC_NOWAIT, 0, 0),
    };
    cr_assert_eq(check(&set2, ok, N(ok), 100000), STRESS_LINEARIZABLE);
    struct stress_event partial[] = {
        semop2(0, 10, 20, -1, -1, IPC_NOWAIT, -1, EAGAIN),  /* nothing taken ... */
        semop1(1, 30, 40, 0, -1, IPC_NOWAIT, -1, EAGAIN),   /* ... so the first is still 1 */
    };
    cr_assert_eq(check(&set2, partial, N(partial), 100000), STRESS_VIOLATION);
}

/* ---------- segments ---------- */

static struct stress_object segment = { .kind = STRESS_SEGMENT, .id = 0, .qbytes = STRESS_SEGMENT_SIZE };

static struct stress_event seg(int proc, uint64_t call, uint64_t ret_at, int op, long ret, int err)
{
    return (struct stress_event){ .t_call = call, .t_return = ret_at, .proc = (uint16_t)proc, .op = (uint16_t)op,
                                  .ret = ret, .err = err };
}

static struct stress_event word(int proc, uint64_t call, uint64_t ret_at, int op, int w, uint64_t value)
{
    struct stress_event e = seg(proc, call, ret_at, op, 0, 0);
    e.type = w;
    e.size = 8;
    memcpy(e.text, &value, 8);
    return e;
}

static struct stress_event shmstat(int proc, uint64_t call, uint64_t ret_at, long nattch, int dest)
{
    struct stress_event e = seg(proc, call, ret_at, STRESS_SHMSTAT, nattch, 0);
    e.rtype = dest;
    return e;
}

Test(stress_check, words_stored_and_loaded_through_two_attachments_are_linearizable)
{
    /* B's load overlaps A's second store: either value will do */
    struct stress_event ev[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        seg(1, 12, 22, STRESS_SHMAT, 0, 0),
        word(1, 25, 30, STRESS_LOAD, 0, 0),
        word(0, 40, 50, STRESS_STORE, 0, 7),
        word(0, 60, 90, STRESS_STORE, 0, 8),
        word(1, 70, 80, STRESS_LOAD, 0, 7),
        word(1, 100, 110, STRESS_LOAD, 0, 8),
        word(1, 100, 110, STRESS_LOAD, 1, 0),
    };
    ev[7].proc = 2;                    /* not attached: but see below */
    cr_assert_eq(check(&segment, ev, N(ev) - 1, 100000), STRESS_LINEARIZABLE);
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "a load through no attachment");
}

Test(stress_check, a_stale_or_invented_word_is_a_violation)
{
    struct stress_event stale[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        seg(1, 12, 22, STRESS_SHMAT, 0, 0),
        word(0, 30, 40, STRESS_STORE, 2, 5),
        word(1, 50, 60, STRESS_LOAD, 2, 0),   /* the store returned before it began */
    };
    cr_assert_eq(check(&segment, stale, N(stale), 100000), STRESS_VIOLATION);
    struct stress_event invented[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        word(0, 30, 40, STRESS_LOAD, 1, 99),  /* a new segment is zeros */
    };
    cr_assert_eq(check(&segment, invented, N(invented), 100000), STRESS_VIOLATION);
}

Test(stress_check, shm_nattch_counts_a_shmat_in_flight_and_nothing_else)
{
    /* A attached; B's shmat is in flight while C's IPC_STAT runs: B may
     * be attached or not, and do_shmat's own count may show beside it,
     * so 1, 2 or 3 (C is not attached) */
    struct stress_event ev[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        seg(1, 30, 60, STRESS_SHMAT, 0, 0),
        shmstat(2, 40, 50, 2, 0),
    };
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].ret = 1;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].ret = 3;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].ret = 4;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "more than attachments and shmats in flight");
    ev[2].ret = 2;
    ev[2].t_call = 70;                 /* after B's shmat returned: exactly 2 */
    ev[2].t_return = 80;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].ret = 3;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "no shmat in flight");
}

Test(stress_check, a_removed_segment_lives_until_its_last_detach)
{
    struct stress_event ev[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        seg(1, 30, 40, STRESS_RMID, 0, 0),
        shmstat(1, 50, 60, 1, 1),          /* marked SHM_DEST, still there */
        word(0, 70, 80, STRESS_STORE, 0, 3),
        word(0, 90, 100, STRESS_LOAD, 0, 3),
        seg(1, 110, 120, STRESS_SHMAT, 0, 0),   /* Linux attaches a SHM_DEST segment */
        seg(0, 130, 140, STRESS_SHMDT, 0, 0),
        seg(1, 150, 160, STRESS_SHMDT, 0, 0),   /* the last: it goes */
        shmstat(0, 170, 180, -1, 0),
        seg(0, 190, 200, STRESS_SHMAT, -1, 0),
    };
    ev[8].err = EINVAL;
    ev[9].err = EINVAL;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].rtype = 0;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "SHM_DEST not shown");
    ev[2].rtype = 1;
    ev[9] = seg(0, 190, 200, STRESS_SHMAT, 0, 0);
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "attached after it was destroyed");
}

Test(stress_check, a_death_detaches_between_the_kill_and_the_reaping)
{
    struct stress_event ev[] = {
        seg(0, 10, 20, STRESS_SHMAT, 0, 0),
        seg(1, 30, 40, STRESS_SHMAT, 0, 0),
        death(1, 50, 90),
        shmstat(0, 60, 70, 2, 0),          /* during the death: either */
        shmstat(0, 100, 110, 1, 0),        /* after: detached */
    };
    ev[2].obj = STRESS_OBJ_ALL;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[4].ret = 2;
    cr_assert_eq(check(&segment, ev, N(ev), 100000), STRESS_VIOLATION, "an attachment outlived its process");
}

/* ---------- limits written under the calls ---------- */

static struct stress_event limit_write(uint64_t call, uint64_t ret_at, int limit, int value)
{
    return (struct stress_event){ .t_call = call, .t_return = ret_at, .proc = 99, .op = STRESS_SYSCTL,
                                  .obj = STRESS_OBJ_ALL, .type = limit, .size = value };
}

Test(stress_check, msgmax_is_met_when_a_send_begins_not_when_it_takes_effect)
{
    /* A's 30-byte send waits for room (msg_qbytes 30), msgmax is lowered
     * to 16 while it waits, B's receive makes room: Linux checked msgmax
     * when A began, so A's send completes */
    struct stress_object small = { .kind = STRESS_QUEUE, .qbytes = 30 };
    struct stress_event ev[] = {
        snd(2, 10, 20, 1, "first message, thirty bytes...", IPC_NOWAIT, 0, 0),
        snd(0, 30, 100, 2, "second message, thirty bytes..", 0, 0, 0),
        limit_write(40, 50, STRESS_LIMIT_MSGMAX, 16),
        rcv(1, 60, 70, 1, 0, 1, "first message, thirty bytes...", 30, 0),
        rcv(1, 110, 120, 0, IPC_NOWAIT, 2, "second message, thirty bytes..", 30, 0),
    };
    cr_assert_eq(check(&small, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    /* a send that began after the limit was lowered cannot have been taken */
    ev[1].t_call = 55;
    cr_assert_eq(check(&small, ev, N(ev), 100000), STRESS_VIOLATION, "a send past msgmax taken");
    /* and one that began after it was put back again can */
    struct stress_event back[] = {
        limit_write(5, 8, STRESS_LIMIT_MSGMAX, 16),
        snd(0, 10, 20, 1, "thirty bytes, sent when 16 ok.", IPC_NOWAIT, -1, EINVAL),
        limit_write(30, 40, STRESS_LIMIT_MSGMAX, 8192),
        snd(0, 50, 60, 1, "thirty bytes, sent when 8192..", IPC_NOWAIT, 0, 0),
        snd(0, 70, 80, 1, "thirty bytes, refused at 8192.", IPC_NOWAIT, -1, EINVAL),
    };
    cr_assert_eq(check(&queue, back, N(back) - 1, 100000), STRESS_LINEARIZABLE);
    cr_assert_eq(check(&queue, back, N(back), 100000), STRESS_VIOLATION, "EINVAL under a msgmax it fits");
    /* a write concurrent with the send: either value */
    back[2] = limit_write(45, 75, STRESS_LIMIT_MSGMAX, 8192);
    cr_assert_eq(check(&queue, back, N(back) - 1, 100000), STRESS_LINEARIZABLE);
}

Test(stress_check, semopm_is_met_when_a_semop_begins)
{
    struct stress_object o = { .kind = STRESS_SET, .nsems = 2, .init = { 0, 0 } };
    struct stress_event ev[] = {
        semop2(0, 10, 100, -1, -1, 0, 0, 0),     /* waits for both; began under semopm 500 */
        limit_write(20, 30, STRESS_LIMIT_SEMOPM, 1),
        semop2(1, 40, 50, 0, 0, IPC_NOWAIT, -1, E2BIG),   /* began under semopm 1 (else: 0, no change) */
        semop1(1, 60, 70, 0, 1, 0, 0, 0),
        semop1(1, 80, 90, 1, 1, 0, 0, 0),        /* the first one completes */
    };
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_LINEARIZABLE);
    ev[2].ret = 0;
    ev[2].err = 0;
    cr_assert_eq(check(&o, ev, N(ev), 100000), STRESS_VIOLATION, "two sembufs under semopm 1");
}

Test(stress_check, a_search_cut_short_is_undecided_never_a_pass)
{
    struct stress_event ev[16];
    for (int i = 0; i < 8; i++) {
        char text[8];
        snprintf(text, sizeof(text), "m%d", i);
        ev[2 * i] = snd(i, 10, 100, 1, text, 0, 0, 0);     /* all concurrent */
        ev[2 * i + 1] = rcv(8 + i, 10, 100, 0, 0, 1, text, 2, 0);
    }
    cr_assert_eq(check(&queue, ev, N(ev), 5), STRESS_UNDECIDED);
    cr_assert_eq(check(&queue, ev, N(ev), 10000000), STRESS_LINEARIZABLE);
}

/* Messages of one type leave in the order they came (stress_fifo.h): a
 * checker that knows it orders concurrent sends by their receives at
 * once, instead of trying each order of them until a receive refutes it. */
Test(stress_check, concurrent_sends_are_ordered_by_their_receives_at_once)
{
    struct stress_event ev[16];
    const int received[8] = { 7, 5, 3, 1, 6, 4, 2, 0 };   /* not the order the search tries first */
    for (int i = 0; i < 8; i++) {
        char text[16];
        snprintf(text, sizeof(text), "message%d", i);      /* 8 bytes: the tag */
        ev[i] = snd(i, 10, 100, 1, text, 0, 0, 0);          /* all concurrent */
        snprintf(text, sizeof(text), "message%d", received[i]);
        ev[8 + i] = rcv(8, 200 + 20 * (uint64_t)i, 210 + 20 * (uint64_t)i, 0, 0, 1, text, 8, 0);
    }
    cr_assert_eq(check(&queue, ev, N(ev), 100), STRESS_LINEARIZABLE);
    /* the same order broken: a receive of the second sent before the first */
    ev[0] = snd(0, 10, 20, 1, "message0", 0, 0, 0);
    ev[7] = snd(7, 30, 40, 1, "message7", 0, 0, 0);        /* sent after message0 returned */
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_VIOLATION);
}

Test(stress_check, the_receive_order_binds_only_one_type)
{
    /* two types sent in one order and received, by type, in the other */
    struct stress_event ev[] = {
        snd(0, 10, 20, 1, "typeone1", 0, 0, 0),
        snd(0, 30, 40, 2, "typetwo1", 0, 0, 0),
        rcv(1, 50, 60, 2, 0, 2, "typetwo1", 8, 0),
        rcv(1, 70, 80, 1, 0, 1, "typeone1", 8, 0),
    };
    cr_assert_eq(check(&queue, ev, N(ev), 100000), STRESS_LINEARIZABLE);
}

/* ---------- svipc stress killed ---------- */

/* The children of PID, from /proc/PID/task/PID/children. */
static int children_of(pid_t pid, pid_t *out, int max)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    int n = 0;
    if (!f)
        return 0;
    long v;
    while (n < max && fscanf(f, "%ld", &v) == 1)
        out[n++] = (pid_t)v;
    fclose(f);
    return n;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void killed_run_leaves_nothing(const char *backend)
{
    if (geteuid() != 0)
        cr_skip_test("svipc stress needs root (a PID namespace)");
    const char *svipc = getenv("SVIPC") ? getenv("SVIPC") : "./build/svipc";
    struct msginfo mi;
    struct seminfo si;
    int host_queues = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi);
    int host_sets = semctl(0, 0, SEM_INFO, &si);
    /* the runtime's default arena: a run must use its own in a memfd (other
     * programs on this machine may add files to /dev/shm meanwhile) */
    char arena[64];
    snprintf(arena, sizeof(arena), "/dev/shm/svipc-ref-%d", (int)geteuid());
    int arena_before = access(arena, F_OK) == 0;
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(svipc, svipc, "stress", "--backend", backend, "-n", "4", "--seconds", "60", "--seed", "7", (char *)NULL);
        _exit(127);
    }
    /* the session (svipc's child) and its four workers and setup exist */
    pid_t session[4], workers[64];
    int nworkers = 0;
    double deadline = now_s() + 10;
    while (now_s() < deadline) {
        if (children_of(pid, session, 4) == 1 && (nworkers = children_of(session[0], workers, 64)) >= 4)
            break;
        usleep(2000);                  /* polling for a fact, within a deadline */
    }
    cr_assert_geq(nworkers, 4, "the workers did not start");
    kill(pid, SIGKILL);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    deadline = now_s() + 10;
    int alive = 1;
    while (alive && now_s() < deadline) {
        alive = kill(session[0], 0) == 0;
        for (int i = 0; i < nworkers; i++)
            alive |= kill(workers[i], 0) == 0;
        if (alive)
            usleep(2000);
    }
    cr_assert(!alive, "processes of the killed run survived");
    cr_assert_eq(msgctl(0, MSG_INFO, (struct msqid_ds *)&mi), host_queues, "the host's queues changed");
    cr_assert_eq(semctl(0, 0, SEM_INFO, &si), host_sets, "the host's semaphore sets changed");
    cr_assert_eq(access(arena, F_OK) == 0, arena_before, "%s appeared", arena);
}

Test(stress_run, sigkill_of_svipc_leaves_nothing_kernel, .timeout = 60)
{
    killed_run_leaves_nothing("kernel");
}

Test(stress_run, sigkill_of_svipc_leaves_nothing_ref, .timeout = 60)
{
    killed_run_leaves_nothing("ref");
}

/* Two workers' 100,000 calls, interleaved in time: collected whole, in
 * invocation order, and the shared space they filled given back as it is
 * copied (a 5-minute run's history is then in memory once, not twice). */
Test(stress_history, collecting_moves_every_event_and_gives_the_shared_space_back)
{
    enum { CALLS = 100000 };
    char why[256];
    struct stress_shared *sh = stress_shared_new(2, CALLS, 2, why, sizeof(why));
    cr_assert_not_null(sh, "%s", why);
    long before = proc_status_field("RssShmem");
    cr_assert_geq(before, 0, "no RssShmem in /proc/self/status");
    for (int i = 0; i < CALLS; i++) {
        int proc = i % 2;
        struct stress_event *ev = stress_event_begin(sh, proc);
        cr_assert_not_null(ev, "the space ran out at call %d", i);
        ev->op = STRESS_MSGSND;
        ev->type = i;
        stress_event_invoke(sh, proc, ev);
        ev->ret = 0;
        stress_event_respond(ev);
    }
    long filled = proc_status_field("RssShmem");
    long bytes_kib = (long)(CALLS * sizeof(struct stress_event) / 1024);
    cr_assert_geq(filled - before, bytes_kib * 9 / 10, "the events (%ld KiB) are not in shared memory (%ld -> %ld KiB)",
                  bytes_kib, before, filled);
    struct stress_history h;
    cr_assert_eq(stress_collect(sh, &h), 0);
    long after = proc_status_field("RssShmem");
    cr_assert_leq(after - before, bytes_kib / 10, "collecting left %ld of the events' %ld KiB of shared memory",
                  after - before, bytes_kib);
    cr_assert_eq(h.nevents, (size_t)CALLS);
    for (size_t i = 0; i < h.nevents; i++) {
        cr_assert_eq(h.events[i].type, (int64_t)i, "event %zu is call %lld", i, (long long)h.events[i].type);
        cr_assert_eq(h.events[i].proc, i % 2);
        cr_assert(h.events[i].t_return >= h.events[i].t_call && h.events[i].t_call > 0);
        cr_assert(i == 0 || h.events[i].t_call >= h.events[i - 1].t_call, "event %zu is out of order", i);
    }
    stress_history_free(&h);
    stress_shared_free(sh);
}
