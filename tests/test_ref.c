/* test_ref.c: the reference runtime's crash recovery, one operation at a
 * time.  A child process is killed (SIGKILL, by fault injection) inside an
 * operation while it holds the arena's lock, after the model applied the
 * operation and before it was committed; the next process to take the lock
 * must find the state of "never started": the message not sent (or still
 * queued), the semaphore untouched, nattch unchanged, the object not
 * removed; a process blocked meanwhile must not lose its wake-up; and the
 * state rebuilt from the log must equal the live one byte for byte.  And a
 * woken waiter takes its decided outcome without the lock, its record's
 * removal logged at its next call or applied with its exit.
 * Must not: share an arena between tests (each makes its own). */
#define _GNU_SOURCE
#include "ref.h"
#include "ref_arena.h"
#include "ref_runtime.h"
#include "ref_signals.h"

#include "proc_status.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <grp.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct msg64 {
    long type;
    char text[64];
};

static char arena_path[64];

static void fresh_arena(void)
{
    snprintf(arena_path, sizeof(arena_path), "/dev/shm/svipc-test-ref-%d", (int)getpid());
    unlink(arena_path);
    setenv("SVIPC_REF_LOG_BYTES", "65536", 1);          /* checkpoints within the tests' sequences */
    char why[256];
    cr_assert_eq(ref_attach(arena_path, why, sizeof(why)), 0, "%s", why);
    unlink(arena_path);      /* the mapping keeps it: a crashed test leaves no file */
}

static void drop_arena(void)
{
    unlink(arena_path);
}

TestSuite(ref, .init = fresh_arena, .fini = drop_arena, .timeout = 30);

/* Run the statements in a child that dies inside its first transaction
 * after registering; its exit is then applied (as a parent's wait does). */
#define CRASH_CHILD(...)                                                        \
    do {                                                                        \
        pid_t child_ = fork();                                                  \
        cr_assert(child_ >= 0);                                                 \
        if (child_ == 0) {                                                      \
            ref_msgget(IPC_PRIVATE, 0); /* registers: not a crash point */      \
            ref_inject_crash(1);                                                \
            __VA_ARGS__;                                                        \
            _exit(0);                                                           \
        }                                                                       \
        int status_;                                                            \
        cr_assert_eq(waitpid(child_, &status_, 0), child_);                     \
        cr_assert(WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL,         \
                  "the child was to die inside the operation");                 \
        ref_process_gone(child_);                                               \
    } while (0)

static void assert_recovered(unsigned long before)
{
    struct ref_stats st;
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_stats(&st);
    cr_assert_eq(st.recoveries, before + 1, "recoveries %lu, expected %lu", st.recoveries, before + 1);
}

static unsigned long recoveries(void)
{
    struct ref_stats st;
    ref_stats(&st);
    return st.recoveries;
}

Test(ref, crash_in_msgsnd_sends_nothing)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msg64 m = { 1, "first" };
    cr_assert_eq(ref_msgsnd(q, &m, 6, 0), 0);
    unsigned long before = recoveries();
    CRASH_CHILD(ref_msgsnd(q, &(struct msg64){ 2, "lost" }, 5, 0));
    struct msqid_ds ds;
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
    cr_expect_eq(ds.msg_qnum, 1);
    cr_expect_eq(ds.msg_cbytes, 6);
    assert_recovered(before);
    cr_assert_eq(ref_msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), 6);
    cr_expect_str_eq(m.text, "first");
}

Test(ref, crash_in_msgrcv_leaves_the_message_queued)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msg64 m = { 3, "keep me" };
    cr_assert_eq(ref_msgsnd(q, &m, 8, 0), 0);
    unsigned long before = recoveries();
    CRASH_CHILD(ref_msgrcv(q, &(struct msg64){ 0, "" }, 64, 0, 0));
    assert_recovered(before);
    memset(&m, 0, sizeof(m));
    cr_assert_eq(ref_msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), 8);
    cr_expect_eq(m.type, 3);
    cr_expect_str_eq(m.text, "keep me");
}

Test(ref, crash_in_semop_with_undo_changes_nothing)
{
    int s = ref_semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    unsigned short init[2] = { 5, 7 };
    cr_assert_eq(ref_semctl(s, 0, SETALL, (unsigned long)init), 0);
    unsigned long before = recoveries();
    struct sembuf ops[2] = { { 0, -2, SEM_UNDO }, { 1, 3, SEM_UNDO } };
    CRASH_CHILD(ref_semtimedop(s, ops, 2, NULL));
    assert_recovered(before);
    /* neither the operation nor an undo of it: the child's exit found no
     * adjustment to apply */
    cr_expect_eq(ref_semctl(s, 0, GETVAL, 0), 5);
    cr_expect_eq(ref_semctl(s, 1, GETVAL, 0), 7);
}

Test(ref, crash_in_shmat_leaves_nattch)
{
    int id = ref_shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    unsigned long before = recoveries();
    CRASH_CHILD(ref_shmat(id, NULL, 0));
    assert_recovered(before);
    struct shmid_ds ds;
    cr_assert_eq(ref_shmctl(id, IPC_STAT, &ds), 0);
    cr_expect_eq(ds.shm_nattch, 0);
}

Test(ref, crash_in_rmid_keeps_the_object)
{
    int s = ref_semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    unsigned long before = recoveries();
    CRASH_CHILD(ref_semctl(s, 0, IPC_RMID, 0));
    assert_recovered(before);
    cr_expect_eq(ref_semctl(s, 0, GETVAL, 0), 0, "the set is gone: errno %d", errno);
}

/* Until one process of the arena waits in a call (its pending call shows in
 * the stats), for at most 10 s. */
static void await_one_waiter(const char *who)
{
    struct ref_stats st;
    for (int i = 0; i < 100000; i++) {
        ref_stats(&st);
        if (st.nwaiting == 1)
            return;
        usleep(100);
    }
    cr_assert_fail("%s never blocked", who);
}

/* A receiver blocked while a sender dies inside the send that would have
 * woken it: it must stay blocked (nothing was sent), then get the next one. */
Test(ref, crash_does_not_lose_or_invent_a_wake_up)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int result[2];
    cr_assert_eq(pipe(result), 0);
    pid_t receiver = fork();
    if (receiver == 0) {
        struct msg64 m;
        ssize_t n = ref_msgrcv(q, &m, sizeof(m.text), 9, 0);
        char verdict = n == 5 && strcmp(m.text, "real") == 0 ? 'y' : 'n';
        if (write(result[1], &verdict, 1) != 1)
            _exit(2);
        _exit(0);
    }
    /* until the receiver waits: its pending receive shows in the stats */
    await_one_waiter("the receiver");
    struct ref_stats st;
    unsigned long before = recoveries();
    CRASH_CHILD(ref_msgsnd(q, &(struct msg64){ 9, "lost" }, 5, 0));
    assert_recovered(before);
    ref_stats(&st);
    cr_expect_eq(st.nwaiting, 1, "the receiver stopped waiting for a message that was never sent");
    struct msg64 m = { 9, "real" };
    cr_assert_eq(ref_msgsnd(q, &m, 5, 0), 0);
    char verdict = 0;
    cr_assert_eq(read(result[0], &verdict, 1), 1);
    cr_expect_eq(verdict, 'y', "the receiver did not get the message sent after the crash");
    waitpid(receiver, NULL, 0);
}

/* The slot of PID, or NULL. */
static struct ref_proc_slot *slot_of_pid(pid_t pid)
{
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    for (int i = 0; i <= h->proc_high; i++)
        if (h->procs[i].pid == pid)
            return &h->procs[i];
    return NULL;
}

/* PID's state letter in /proc (S: asleep), or 0. */
static char proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *end = strrchr(buf, ')');
    return end && end[1] == ' ' ? end[2] : 0;
}

/* Until PID sleeps in its wait (its wake-up then takes a system call). */
static void await_asleep(pid_t pid, const char *who)
{
    for (int i = 0; i < 100000; i++) {
        struct ref_proc_slot *s = slot_of_pid(pid);
        if (s && __atomic_load_n(&s->sleeping, __ATOMIC_SEQ_CST) && proc_state(pid) == 'S')
            return;
        usleep(100);
    }
    cr_assert_fail("%s never slept", who);
}

/* A child that takes semaphore NUM of SET (blocking), reports 'y' on
 * REPORT once it has, and exits; ARM_KILL: killed at its wake-ups instead. */
static pid_t taker(int set, int num, int report, int arm_kill)
{
    pid_t pid = ref_fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        if (arm_kill)
            ref_inject_signal(REF_AT_WAKING, SIGKILL);
        struct sembuf take = { (unsigned short)num, -1, 0 };
        char verdict = ref_semtimedop(set, &take, 1, NULL) == 0 ? 'y' : 'n';
        _exit(write(report, &verdict, 1) == 1 ? 0 : 2);
    }
    return pid;
}

/* Whether a byte came on FD within ten seconds ('y' in *VERDICT). */
static int reported(int fd, char *verdict)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 10000) == 1 && read(fd, verdict, 1) == 1;
}

/* A set of one semaphore (at 0) in *SET, a pipe for verdicts in REPORT,
 * and the first in line taking it, asleep; its pid. */
static pid_t first_in_line_asleep(int *set, int report[2])
{
    *set = ref_semget(IPC_PRIVATE, 1, 0600);
    cr_assert(*set >= 0);
    cr_assert_eq(pipe(report), 0);
    pid_t first = taker(*set, 0, report[1], 0);
    await_asleep(first, "the first in line");
    return first;
}

/* A process killed after its semop decided a sleeper's wait and dropped
 * the lock, before it made the wake-up: the sleeper is woken when the
 * death is applied (by the keeper, here by hand) and has its outcome; a
 * sleeper whose wait nothing decided is left asleep, not woken to look. */
Test(ref, a_waker_killed_before_its_wake_up_still_wakes_the_sleeper)
{
    int set = ref_semget(IPC_PRIVATE, 2, 0600);
    cr_assert(set >= 0);
    int report[2];
    cr_assert_eq(pipe(report), 0);
    pid_t sleepers[2];
    for (int k = 0; k < 2; k++) {
        sleepers[k] = taker(set, k, report[1], 0);
        await_asleep(sleepers[k], k ? "the other sleeper" : "the sleeper");
    }
    struct ref_proc_slot *other = slot_of_pid(sleepers[1]);
    uint32_t other_word = __atomic_load_n(&other->wake, __ATOMIC_SEQ_CST);
    pid_t waker = ref_fork();
    cr_assert(waker >= 0);
    if (waker == 0) {
        ref_inject_signal(REF_AT_WAKING, SIGKILL);
        struct sembuf give = { 0, 1, 0 };
        ref_semtimedop(set, &give, 1, NULL);
        _exit(3);                      /* not reached: killed before the wake-up */
    }
    int status;
    cr_assert_eq(waitpid(waker, &status, 0), waker);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "the waker was not killed at the wake-up (%#x)",
              status);
    cr_assert_eq(ref_semctl(set, 0, GETNCNT, 0), 0, "the waker's semop did not decide the sleeper's wait");
    ref_process_gone(waker);
    char verdict = 0;
    int woken = reported(report[0], &verdict);
    for (int k = 0; !woken && k < 2; k++) {   /* nothing left asleep behind a failure */
        kill(sleepers[k], SIGKILL);
        waitpid(sleepers[k], NULL, 0);
        ref_process_gone(sleepers[k]);
    }
    cr_assert(woken, "the sleeper whose wake-up died with its waker sleeps on");
    cr_expect_eq(verdict, 'y', "the sleeper got the wrong outcome");
    cr_assert_eq(waitpid(sleepers[0], &status, 0), sleepers[0]);
    ref_process_gone(sleepers[0]);
    cr_expect_eq(__atomic_load_n(&other->wake, __ATOMIC_SEQ_CST), other_word,
                 "a sleeper whose wait nothing decided was woken by an exit");
    cr_expect_eq(ref_semctl(set, 1, GETNCNT, 0), 1);
    struct sembuf give = { 1, 1, 0 };
    cr_assert_eq(ref_semtimedop(set, &give, 1, NULL), 0);
    cr_assert_eq(waitpid(sleepers[1], &status, 0), sleepers[1]);
    ref_process_gone(sleepers[1]);
    ref_semctl(set, 0, IPC_RMID, 0);
}

/* A process that sleeps behind a sleeper first in line on a semaphore
 * hands it its CPU: the first is woken to look for its outcome before it
 * sleeps again (the operation that completes it then finds it awake), the
 * one behind is not; each still gets the semaphore in its turn. */
Test(ref, a_process_queued_behind_a_sleeper_wakes_the_first_in_line_to_look)
{
    int set, report[2];
    pid_t first = first_in_line_asleep(&set, report);
    struct ref_proc_slot *s = slot_of_pid(first);
    uint32_t word = __atomic_load_n(&s->wake, __ATOMIC_SEQ_CST);
    pid_t second = taker(set, 0, report[1], 0);
    await_asleep(second, "the second in line");
    cr_expect_neq(__atomic_load_n(&s->wake, __ATOMIC_SEQ_CST), word, "the first in line was not woken to look");
    await_asleep(first, "the first in line, after its look");
    uint32_t second_word = __atomic_load_n(&slot_of_pid(second)->wake, __ATOMIC_SEQ_CST);
    cr_expect_eq(ref_semctl(set, 0, GETNCNT, 0), 2);
    struct sembuf give = { 0, 1, 0 };
    cr_assert_eq(ref_semtimedop(set, &give, 1, NULL), 0);
    char verdict = 0;
    int status;
    cr_assert(reported(report[0], &verdict), "the first in line, woken to look before, slept past its turn");
    cr_expect_eq(verdict, 'y');
    cr_assert_eq(waitpid(first, &status, 0), first, "the second took the semaphore before the first");
    ref_process_gone(first);
    cr_expect_eq(__atomic_load_n(&slot_of_pid(second)->wake, __ATOMIC_SEQ_CST), second_word,
                 "the second in line was woken though nothing decided its wait and none slept behind it");
    cr_assert_eq(ref_semtimedop(set, &give, 1, NULL), 0);
    cr_assert(reported(report[0], &verdict), "the second in line slept past its turn");
    cr_assert_eq(waitpid(second, &status, 0), second);
    ref_process_gone(second);
    cr_expect_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_semctl(set, 0, IPC_RMID, 0);
}

/* A process killed after it decided to wake the first in line to look
 * (under the lock) and before it did: the flag that says a wake-up is on
 * its way must not keep the operation that completes the sleeper from
 * waking it, whether that operation comes before the death is applied or
 * after. */
Test(ref, a_process_killed_before_it_wakes_the_first_in_line_to_look_loses_no_wake_up)
{
    for (int completed_first = 0; completed_first < 2; completed_first++) {
        int set, report[2];
        pid_t first = first_in_line_asleep(&set, report);
        pid_t doomed = taker(set, 0, report[1], 1);
        int status;
        cr_assert_eq(waitpid(doomed, &status, 0), doomed);
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "the process behind was not killed at its wake-up (%#x)", status);
        struct sembuf give = { 0, 1, 0 };
        if (completed_first)
            cr_assert_eq(ref_semtimedop(set, &give, 1, NULL), 0);
        ref_process_gone(doomed);
        if (!completed_first)
            cr_assert_eq(ref_semtimedop(set, &give, 1, NULL), 0);
        char verdict = 0;
        int woken = reported(report[0], &verdict);
        if (!woken) {                  /* nothing left asleep behind a failure */
            kill(first, SIGKILL);
            waitpid(first, NULL, 0);
            ref_process_gone(first);
        }
        cr_assert(woken, "the first in line sleeps on past its turn (completed %s the death was applied)",
                  completed_first ? "before" : "after");
        cr_expect_eq(verdict, 'y');
        cr_assert_eq(waitpid(first, &status, 0), first);
        ref_process_gone(first);
        ref_semctl(set, 0, IPC_RMID, 0);
        close(report[0]);
        close(report[1]);
    }
}

/* An arena whose log is sized as a drop-in's is (no fixed size). */
static void fresh_arena_sized_by_its_state(void)
{
    unsetenv("SVIPC_REF_LOG_BYTES");
    snprintf(arena_path, sizeof(arena_path), "/dev/shm/svipc-test-ref-%d", (int)getpid());
    unlink(arena_path);
    char why[256];
    cr_assert_eq(ref_attach(arena_path, why, sizeof(why)), 0, "%s", why);
    unlink(arena_path);
}

/* Operations until the next checkpoint; its log's size. */
static uint64_t log_after_a_checkpoint(int set)
{
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    struct ref_stats before, now;
    ref_stats(&before);
    struct sembuf up = { 0, 1, 0 }, down = { 0, -1, 0 };
    for (int i = 0; i < 200000; i++) {
        cr_assert_eq(ref_semtimedop(set, i & 1 ? &down : &up, 1, NULL), 0);
        ref_stats(&now);
        if (now.checkpoints != before.checkpoints)
            return h->log_limit;
    }
    cr_assert_fail("no checkpoint in 200,000 operations");
    return 0;
}

/* Each checkpoint costs the operation that makes it a copy of the state,
 * and each process writes its share of the log to pages of its own: the
 * log holds REF_LOG_PER_STATE times the state's copy, REF_LOG_LEAST at
 * least, however many processes share the arena. */
TestSuite(ref_sizing, .init = fresh_arena_sized_by_its_state, .fini = drop_arena, .timeout = 60);

Test(ref_sizing, a_log_holds_a_multiple_of_the_state_whatever_the_processes)
{
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    int set = ref_semget(IPC_PRIVATE, 1, 0600);
    cr_assert(set >= 0);
    uint64_t one = log_after_a_checkpoint(set);
    cr_assert_eq(one, REF_LOG_LEAST, "one process: %llu", (unsigned long long)one);
    int hold[2], ready[2];
    cr_assert_eq(pipe(hold), 0);
    cr_assert_eq(pipe(ready), 0);
    enum { KIDS = 31, QUEUES = 48 };
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = ref_fork();
        cr_assert(kids[k] >= 0);
        if (kids[k] == 0) {
            char c;
            close(hold[1]);
            int ok = ref_semctl(set, 0, GETVAL, 0) == 0;   /* registers */
            if (write(ready[1], ok ? "r" : "x", 1) != 1)
                _exit(2);
            _exit(read(hold[0], &c, 1) == 0 ? 0 : 2);   /* until the parent lets go */
        }
    }
    for (int k = 0; k < KIDS; k++) {
        char c = 0;
        cr_assert_eq(read(ready[0], &c, 1), 1);
        cr_assert_eq(c, 'r', "a child's first call failed");
    }
    close(ready[0]), close(ready[1]);
    struct ref_stats st;
    ref_stats(&st);
    cr_assert_eq(st.nprocs, KIDS + 1);
    cr_expect_eq(log_after_a_checkpoint(set), REF_LOG_LEAST, "%d processes", KIDS + 1);
    close(hold[1]);
    for (int k = 0; k < KIDS; k++) {
        cr_assert_eq(waitpid(kids[k], NULL, 0), kids[k]);
        ref_process_gone(kids[k]);
    }
    /* a state of some hundreds of kilobytes: queues full of messages */
    int q[QUEUES];
    struct { long type; char text[2000]; } m = { 1, "x" };
    for (int i = 0; i < QUEUES; i++) {
        cr_assert((q[i] = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600)) >= 0);
        while (ref_msgsnd(q[i], &m, sizeof(m.text), IPC_NOWAIT) == 0)
            ;
        cr_assert_eq(errno, EAGAIN);
    }
    uint64_t limit = log_after_a_checkpoint(set);
    uint64_t packed = h->checkpoint[h->current].packed;
    cr_assert_gt(packed * REF_LOG_PER_STATE, REF_LOG_LEAST, "the state is too small (%llu bytes) to prove anything",
                 (unsigned long long)packed);
    cr_expect_eq(limit, (packed * REF_LOG_PER_STATE + 4095) & ~4095ULL, "a state of %llu bytes: a log of %llu",
                 (unsigned long long)packed, (unsigned long long)limit);
    for (int i = 0; i < QUEUES; i++)
        ref_msgctl(q[i], IPC_RMID, NULL);
    ref_semctl(set, 0, IPC_RMID, 0);
}

/* The committed bytes of AREA in the log in use. */
static uint32_t area_used(int area)
{
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    uint32_t k = h->current;
    uint64_t w = __atomic_load_n(&h->area_end[area].word[k], __ATOMIC_SEQ_CST);
    return (uint32_t)(w >> 32) == h->checkpoint[k].epoch ? (uint32_t)w : 0;
}

/* A process's area holds REF_AREA_SIZE bytes; what the log's limit allows
 * beyond that goes to the common log, in the same order, without a
 * checkpoint (a small state's log is REF_LOG_LEAST, more than an area). */
Test(ref_sizing, records_that_fill_a_process_area_go_on_in_the_common_log)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    cr_assert(q >= 0);
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    struct ref_stats before, now;
    ref_stats(&before);
    int mine = (int)(slot_of_pid(getpid()) - h->procs);
    struct { long type; char text[1000]; } m = { 1, "x" };
    for (int i = 0; i < 1000 && area_used(REF_AREA_COMMON) < 8192; i++) {
        cr_assert_eq(ref_msgsnd(q, &m, sizeof(m.text), 0), 0);
        cr_assert_eq(ref_msgrcv(q, &m, sizeof(m.text), 0, 0), (ssize_t)sizeof(m.text));
    }
    ref_stats(&now);
    cr_assert_eq(now.checkpoints, before.checkpoints, "a checkpoint came first");
    cr_expect_gt(area_used(mine), REF_AREA_SIZE - 2048, "the process's area holds only %u bytes", area_used(mine));
    cr_expect_leq(area_used(mine), REF_AREA_SIZE);
    cr_assert_geq(area_used(REF_AREA_COMMON), 8192, "nothing went to the common log");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_msgctl(q, IPC_RMID, NULL);
}

/* A process whose area is full logs to the common log: a death inside
 * such an operation undoes it, and what it committed there before stays. */
Test(ref_sizing, a_death_in_an_operation_logged_in_the_common_log_undoes_it)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    cr_assert(q >= 0);
    unsigned long before = recoveries();
    struct ref_stats st0, st1;
    ref_stats(&st0);
    CRASH_CHILD({
        struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
        int mine = (int)(slot_of_pid(getpid()) - h->procs);
        struct { long type; char text[1000]; } m = { 1, "x" };
        ref_inject_crash(0);
        for (int i = 0; i < 1000 && area_used(REF_AREA_COMMON) < 8192; i++)
            if (ref_msgsnd(q, &m, sizeof(m.text), 0) != 0 || ref_msgrcv(q, &m, sizeof(m.text), 0, 0) < 0)
                _exit(3);
        /* one kept in the common log, then the one the death interrupts */
        if (area_used(mine) < REF_AREA_SIZE - 2048 || ref_msgsnd(q, &m, sizeof(m.text), 0) != 0)
            _exit(4);
        ref_inject_crash(1);
        ref_msgsnd(q, &m, sizeof(m.text), 0);
    });
    ref_stats(&st1);
    cr_assert_eq(st1.checkpoints, st0.checkpoints, "a checkpoint came between: the common log held nothing");
    struct msqid_ds ds;
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
    int kept = (int)ds.msg_qnum;
    cr_expect_eq(kept, 1, "%d messages: the one sent before the death is lost, or the interrupted one counts", kept);
    assert_recovered(before);
    ref_msgctl(q, IPC_RMID, NULL);
}

/* Deaths at every point of a run of mixed operations. */
Test(ref, crash_at_each_step_of_a_sequence, .timeout = 60)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int s = ref_semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    int m = ref_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    for (unsigned long at = 1; at <= 12; at++) {
        unsigned long before = recoveries();
        pid_t child = fork();
        if (child == 0) {
            ref_msgget(IPC_PRIVATE, 0);
            ref_inject_crash(at);
            struct msg64 x = { 4, "step" };
            struct sembuf up = { (unsigned short)(at % 3), 1, SEM_UNDO };
            struct sembuf plain = { 2, 1, 0 };
            ref_msgsnd(q, &x, 5, 0);
            ref_semtimedop(s, &up, 1, NULL);
            void *p = ref_shmat(m, NULL, 0);
            ref_semtimedop(s, &plain, 1, NULL);
            ref_msgrcv(q, &x, sizeof(x.text), 0, IPC_NOWAIT);
            ref_shmdt(p);
            ref_semctl(s, 0, SETVAL, 2);
            ref_msgsnd(q, &x, 5, 0);
            ref_shmctl(m, IPC_STAT, &(struct shmid_ds){ 0 });
            ref_semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
            ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
            ref_shmget(IPC_PRIVATE, 100, IPC_CREAT | 0600);
            _exit(0);
        }
        int status;
        cr_assert_eq(waitpid(child, &status, 0), child);
        ref_process_gone(child);
        if (WIFSIGNALED(status))
            assert_recovered(before);
        cr_assert_eq(ref_verify_replay(), 0, "step %lu: the rebuilt state differs", at);
        struct shmid_ds ds;
        cr_assert_eq(ref_shmctl(m, IPC_STAT, &ds), 0);
        cr_expect_eq(ds.shm_nattch, 0, "step %lu: nattch %lu after the child's end", at, (unsigned long)ds.shm_nattch);
        cr_expect_eq(ref_semctl(s, 1, GETVAL, 0), 0, "step %lu: an undo was lost or doubled", at);
    }
}

Test(ref, checkpoints_hold_objects_at_any_index)
{
    /* a checkpoint leaves out the id tables above their highest index:
     * objects at the first, a middle and the last index of each table,
     * then enough operations for several checkpoints, and one of them
     * removed (the highest index moves down), rebuild exactly */
    static const int at[] = { 0, 12345, 32767 };
    int msq[3], sem[3], shm[3];
    char buf[32];
    for (int i = 0; i < 3; i++) {
        snprintf(buf, sizeof(buf), "%d", at[i]);
        cr_assert_eq(ref_sysctl("msg_next_id", buf, NULL, 0), 0);
        cr_assert_eq(msq[i] = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600), at[i]);
        cr_assert_eq(ref_sysctl("sem_next_id", buf, NULL, 0), 0);
        cr_assert_eq(sem[i] = ref_semget(IPC_PRIVATE, 2, IPC_CREAT | 0600), at[i]);
        cr_assert_eq(ref_sysctl("shm_next_id", buf, NULL, 0), 0);
        cr_assert_eq(shm[i] = ref_shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600), at[i]);
    }
    struct ref_stats before, after;
    ref_stats(&before);
    struct { long type; char text[200]; } m = { 1, "x" };
    for (int n = 0; n < 2000; n++) {
        cr_assert_eq(ref_msgsnd(msq[n % 3], &m, sizeof(m.text), 0), 0);
        cr_assert_eq(ref_msgrcv(msq[n % 3], &m, sizeof(m.text), 0, 0), (ssize_t)sizeof(m.text));
        if (n == 1000) {
            cr_assert_eq(ref_msgctl(msq[2], IPC_RMID, NULL), 0);
            cr_assert_eq(ref_semctl(sem[2], 0, IPC_RMID, 0), 0);
            msq[2] = msq[1];
        }
    }
    ref_stats(&after);
    cr_assert_geq(after.checkpoints, before.checkpoints + 3, "too few checkpoints (%lu) to prove anything",
                  after.checkpoints - before.checkpoints);
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the last checkpoint differs from the live one");
    for (int i = 0; i < 3; i++) {
        struct msqid_ds ds;
        cr_expect_eq(ref_msgctl(at[i], IPC_STAT, &ds), i == 2 ? -1 : 0, "queue at index %d", at[i]);
        struct shmid_ds sds;
        cr_expect_eq(ref_shmctl(shm[i], IPC_STAT, &sds), 0, "segment at index %d", at[i]);
    }
}

/* ---------- who a process is: its pid and start time ---------- */

/* Field 22 of /proc/PID/stat (0: this process), read with stdio. */
static unsigned long long start_time_by_stdio(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), pid ? "/proc/%d/stat" : "/proc/self/stat", (int)pid);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    cr_assert_not_null(p);
    unsigned long long v = 0;
    cr_assert_eq(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &v), 1);
    return v;
}

/* A process is known by its pid and start time (an exec or a reused pid
 * tells from them): read from /proc as Linux writes it, after a name that
 * may hold spaces and parentheses of its own. */
Test(ref, a_start_time_is_read_from_proc_whatever_the_name)
{
    cr_assert_eq(ref_start_time(0), start_time_by_stdio(0));
    cr_assert_eq(ref_start_time(getpid()), start_time_by_stdio(0));
    int ready[2], hold[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(pipe(hold), 0);
    pid_t child = fork();
    cr_assert(child >= 0);
    if (child == 0) {
        char c;
        prctl(PR_SET_NAME, "a) 1 2 (b", 0, 0, 0);
        close(hold[1]);
        if (write(ready[1], "r", 1) != 1 || read(hold[0], &c, 1) < 0)
            _exit(2);
        _exit(0);
    }
    char c;
    cr_assert_eq(read(ready[0], &c, 1), 1);
    uint64_t seen = ref_start_time(child);
    unsigned long long want = start_time_by_stdio(child);
    close(hold[1]);
    waitpid(child, NULL, 0);
    cr_expect_neq(seen, 0);
    cr_expect_eq(seen, want, "start time %llu, /proc says %llu", (unsigned long long)seen, want);
}

/* ---------- the log's areas: one a process, merged in their order ---------- */

/* The areas holding records in the log in use (an end written in another
 * epoch is none). */
static int areas_with_records(void)
{
    int n = 0;
    for (int i = 0; i < REF_AREAS; i++)
        n += area_used(i) != 0;
    return n;
}

/* KIDS processes (ref_fork) take turns, passed round by a semaphore each,
 * sending ROUNDS messages "kid:round" to Q, with type kid + 1. */
static void take_turns_sending(int q, int kids, int rounds)
{
    int turns = ref_semget(IPC_PRIVATE, kids, IPC_CREAT | 0600);
    cr_assert(turns >= 0);
    pid_t pid[8];
    cr_assert(kids <= 8);
    for (int k = 0; k < kids; k++) {
        pid[k] = ref_fork();
        cr_assert(pid[k] >= 0);
        if (pid[k] == 0) {
            for (int r = 0; r < rounds; r++) {
                struct sembuf mine = { (unsigned short)k, -1, 0 }, next = { (unsigned short)((k + 1) % kids), 1, 0 };
                struct msg64 m = { 1 + k, "" };
                snprintf(m.text, sizeof(m.text), "%d:%d", k, r);
                if (ref_semtimedop(turns, &mine, 1, NULL) != 0 || ref_msgsnd(q, &m, strlen(m.text) + 1, 0) != 0 ||
                    ref_semtimedop(turns, &next, 1, NULL) != 0)
                    _exit(1);
            }
            _exit(0);
        }
    }
    struct sembuf start = { 0, 1, 0 };
    cr_assert_eq(ref_semtimedop(turns, &start, 1, NULL), 0);
    for (int k = 0; k < kids; k++) {
        int status;
        cr_assert_eq(waitpid(pid[k], &status, 0), pid[k]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "sender %d failed", k);
        ref_process_gone(pid[k]);
    }
    ref_semctl(turns, 0, IPC_RMID, 0);
}

/* Each process writes its records to its own area; a rebuild merges them
 * by their sequence numbers: three processes take turns sending to one
 * queue, so the queue's order is the log's order across their areas (an
 * area replayed after another would reorder it). */
Test(ref, records_in_several_areas_are_replayed_in_their_order)
{
    enum { KIDS = 3, ROUNDS = 5 };
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    cr_assert(q >= 0);
    struct ref_stats before, after;
    ref_stats(&before);
    take_turns_sending(q, KIDS, ROUNDS);
    ref_stats(&after);
    cr_assert_eq(after.checkpoints, before.checkpoints, "a checkpoint came between: too little left to replay");
    cr_assert_geq(areas_with_records(), KIDS + 1, "the records are not in the processes' own areas");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    for (int i = 0; i < KIDS * ROUNDS; i++) {
        struct msg64 m;
        char want[16];
        snprintf(want, sizeof(want), "%d:%d", i % KIDS, i / KIDS);
        cr_assert_gt(ref_msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), 0, "message %d is missing", i);
        cr_expect_str_eq(m.text, want);
    }
}

/* The record in the log in use whose bytes hold TEXT, or NULL. */
static struct ref_record *record_holding(const char *text)
{
    uint32_t k = ((struct ref_header *)REF_ARENA_ADDR)->current;
    for (int i = 0; i < REF_AREAS; i++) {
        unsigned char *log = (unsigned char *)REF_ARENA_ADDR + ref_arena_area_offset(i, (int)k);
        for (uint64_t off = 0, end = area_used(i); off < end;) {
            struct ref_record *rec = (struct ref_record *)(log + off);
            if (memmem(rec, rec->size, text, strlen(text)))
                return rec;
            off += rec->size;
        }
    }
    return NULL;
}

/* A damaged record stops a rebuild where it is: it and every record made
 * after it, whatever their area, are dropped, and the numbers after the
 * last one applied go to the records made next (two records with one
 * number would stop the next rebuild, or reorder it), in areas that end
 * where the dropped records began. */
Test(ref, a_rebuild_stopped_by_a_damaged_record_drops_what_came_after_it)
{
    enum { KIDS = 2, ROUNDS = 3 };
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    cr_assert(q >= 0);
    take_turns_sending(q, KIDS, ROUNDS);   /* 0:0 1:0 0:1 1:1 0:2 1:2 */
    struct msg64 later = { 9, "parent" };
    cr_assert_eq(ref_msgsnd(q, &later, 7, 0), 0);
    struct ref_record *rec = record_holding("1:1");
    cr_assert_not_null(rec, "the fourth message's record is not in the log");
    ((unsigned char *)memmem(rec, rec->size, "1:1", 3))[2] ^= 1;
    unsigned long before = recoveries();
    CRASH_CHILD(ref_msgsnd(q, &later, 7, 0));
    struct msg64 m;
    cr_assert_eq(ref_msgsnd(q, &(struct msg64){ 10, "after" }, 6, 0), 0);
    assert_recovered(before);
    static const char *const kept[] = { "0:0", "1:0", "0:1", "after" };
    for (int i = 0; i < 4; i++) {
        cr_assert_gt(ref_msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), 0, "message %d is missing", i);
        cr_expect_str_eq(m.text, kept[i]);
    }
    cr_expect_eq(ref_msgrcv(q, &m, sizeof(m.text), 0, IPC_NOWAIT), -1, "a message made after the damage is kept");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    /* new processes in the same slots: their records follow the damaged
     * one's place in its area, which must be gone too */
    take_turns_sending(q, KIDS, 1);
    cr_assert_eq(ref_verify_replay(), 0, "records written where the damaged one was are lost to a rebuild");
}

Test(ref, null_buffers_fail_with_efault_and_replay_the_same)
{
    int q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    int s = ref_semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
    struct msg64 m = { 5, "gone" };
    cr_assert_eq(ref_msgsnd(q, NULL, 4, 0), -1);
    cr_expect_eq(errno, EFAULT);
    cr_assert_eq(ref_msgsnd(q, &m, 5, 0), 0);
    /* the message is taken off the queue, then the copy out fails: lost */
    cr_assert_eq(ref_msgrcv(q, NULL, 64, 0, IPC_NOWAIT), -1);
    cr_expect_eq(errno, EFAULT);
    struct msqid_ds ds;
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
    cr_expect_eq(ds.msg_qnum, 0);
    cr_assert_eq(ref_msgctl(q, IPC_STAT, NULL), -1);
    cr_expect_eq(errno, EFAULT);
    cr_assert_eq(ref_semtimedop(s, NULL, 1, NULL), -1);
    cr_expect_eq(errno, EFAULT);
    cr_assert_eq(ref_semctl(s, 0, GETALL, 0), -1);
    cr_expect_eq(errno, EFAULT);
    cr_assert_eq(ref_semctl(s, 0, SETVAL, 0), 0, "SETVAL's 0 is a value, not a pointer");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
}

/* ---------- a handler run before the sleep: EINTR, as on Linux ---------- */

static volatile sig_atomic_t handled;

static void count_handler(int sig)
{
    (void)sig;
    handled++;
}

/* HANDLER for SIG through the runtime's sigaction, as a program would. */
static void install_handler(int sig, void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(ref_sigaction(sig, &sa, NULL), 0);
}

/* A blocking call with SIGUSR1 raised (once, by the runtime's fault
 * injection) at POINT: the call fails with EINTR after the handler ran
 * once; without the handler's wrapper it would sleep on (SIGALRM, never
 * handled here, then ends the test as a crash). */
static void assert_interrupted_at(int point, int semaphore)
{
    install_handler(SIGUSR1, count_handler, SA_RESTART);   /* SysV IPC is never restarted */
    handled = 0;
    alarm(5);
    long r;
    int id;
    if (semaphore) {
        id = ref_semget(IPC_PRIVATE, 1, 0600);
        struct sembuf down = { 0, -1, 0 };
        ref_inject_signal(point, SIGUSR1);
        r = ref_semtimedop(id, &down, 1, NULL);
    } else {
        id = ref_msgget(IPC_PRIVATE, 0600);
        struct msg64 m;
        ref_inject_signal(point, SIGUSR1);
        r = ref_msgrcv(id, &m, sizeof(m.text), 0, 0);
    }
    int err = errno;
    alarm(0);
    cr_assert_eq(r, -1, "point %d: the call returned %ld", point, r);
    cr_assert_eq(err, EINTR, "point %d: errno %d", point, err);
    cr_assert_eq(handled, 1, "point %d: the handler ran %d times", point, (int)handled);
    if (semaphore) {
        cr_assert_eq(ref_semctl(id, 0, GETNCNT, 0), 0, "point %d: the interrupted wait is still counted", point);
        ref_semctl(id, 0, IPC_RMID, 0);
    } else {
        ref_msgctl(id, IPC_RMID, NULL);
    }
    struct sigaction back;
    cr_assert_eq(ref_sigaction(SIGUSR1, NULL, &back), 0);
    cr_assert_eq(back.sa_handler, count_handler, "sigaction reports the program's own handler");
}

Test(ref, a_handler_before_the_sleep_interrupts_msgrcv)
{
    assert_interrupted_at(REF_AT_START, 0);
    assert_interrupted_at(REF_AT_DECIDED, 0);
    assert_interrupted_at(REF_AT_UNLOCKED, 0);
}

Test(ref, a_handler_before_the_sleep_interrupts_semop)
{
    assert_interrupted_at(REF_AT_START, 1);
    assert_interrupted_at(REF_AT_DECIDED, 1);
    assert_interrupted_at(REF_AT_UNLOCKED, 1);
}

/* A handler that ran before the call began is not the call's business. */
Test(ref, a_handler_before_the_call_does_not_interrupt)
{
    install_handler(SIGUSR1, count_handler, 0);
    handled = 0;
    raise(SIGUSR1);
    cr_assert_eq(handled, 1);
    int id = ref_msgget(IPC_PRIVATE, 0600);
    struct msg64 m = { .type = 1, .text = "x" };
    cr_assert_eq(ref_msgsnd(id, &m, 1, 0), 0);
    cr_assert_eq(ref_msgrcv(id, &m, sizeof(m.text), 0, 0), 1);
    ref_msgctl(id, IPC_RMID, NULL);
}

/* A handler that makes a call of its own after a call began and before it
 * takes the lock (the call's record is built by then, outside the lock)
 * leaves the call its own operation: here the handler sends a message, and
 * the call it interrupted then sends its own, not the handler's again. */
static int handler_queue = -1;

static void send_from_handler(int sig)
{
    (void)sig;
    struct msg64 m = { .type = 2, .text = "the handler's" };
    ref_msgsnd(handler_queue, &m, strlen(m.text) + 1, IPC_NOWAIT);
}

static void expect_message(int q, long type, const char *text)
{
    struct msg64 got;
    memset(&got, 0, sizeof(got));
    cr_assert_eq(ref_msgrcv(q, &got, sizeof(got.text), 0, IPC_NOWAIT), (ssize_t)strlen(text) + 1);
    cr_expect_eq(got.type, type);
    cr_expect_str_eq(got.text, text);
}

Test(ref, a_call_a_handler_makes_before_the_lock_leaves_the_interrupted_call_its_own)
{
    install_handler(SIGUSR1, send_from_handler, 0);
    handler_queue = ref_msgget(IPC_PRIVATE, 0600);
    cr_assert_geq(handler_queue, 0);
    struct msg64 m = { .type = 1, .text = "the program's" };
    ref_inject_signal(REF_AT_START, SIGUSR1);
    cr_assert_eq(ref_msgsnd(handler_queue, &m, strlen(m.text) + 1, 0), 0);
    expect_message(handler_queue, 2, "the handler's");
    expect_message(handler_queue, 1, "the program's");
    struct msg64 none;
    cr_assert_eq(ref_msgrcv(handler_queue, &none, sizeof(none.text), 0, IPC_NOWAIT), -1);
    cr_expect_eq(errno, ENOMSG);
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_msgctl(handler_queue, IPC_RMID, NULL);
}

/* ---------- bad pointers: EFAULT, as on Linux, never a crash ---------- */

Test(ref, unreadable_or_unwritable_memory_is_efault)
{
    long page = sysconf(_SC_PAGESIZE);
    void *none = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *ro = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert(none != MAP_FAILED && ro != MAP_FAILED);
    int q = ref_msgget(IPC_PRIVATE, 0600), s = ref_semget(IPC_PRIVATE, 2, 0600), m = ref_shmget(IPC_PRIVATE, 4096, 0600);
    cr_assert(q >= 0 && s >= 0 && m >= 0);
    struct msg64 msg = { .type = 1, .text = "abc" };
    struct msqid_ds qs;

    errno = 0;
    cr_assert_eq(ref_msgsnd(q, none, 3, IPC_NOWAIT), -1);
    cr_assert_eq(errno, EFAULT, "msgsnd from PROT_NONE: errno %d", errno);
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &qs), 0);
    cr_assert_eq(qs.msg_qnum, 0, "a message that could not be read was queued");

    /* msgrcv: the message is taken off the queue, then the copy fails (Linux loses it) */
    cr_assert_eq(ref_msgsnd(q, &msg, 3, 0), 0);
    errno = 0;
    cr_assert_eq(ref_msgrcv(q, ro, 64, 0, IPC_NOWAIT), -1);
    cr_assert_eq(errno, EFAULT, "msgrcv into PROT_READ: errno %d", errno);
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &qs), 0);
    cr_assert_eq(qs.msg_qnum, 0, "Linux dequeues the message before its copy fails");

    errno = 0;
    cr_assert_eq(ref_msgctl(q, IPC_STAT, none), -1);
    cr_assert_eq(errno, EFAULT);
    errno = 0;
    cr_assert_eq(ref_msgctl(q, IPC_SET, none), -1);
    cr_assert_eq(errno, EFAULT);
    errno = 0;
    cr_assert_eq(ref_shmctl(m, IPC_STAT, ro), -1);
    cr_assert_eq(errno, EFAULT);

    errno = 0;
    cr_assert_eq(ref_semtimedop(s, none, 1, NULL), -1);
    cr_assert_eq(errno, EFAULT, "semop with PROT_NONE sops: errno %d", errno);
    struct sembuf up = { 0, 1, 0 };
    errno = 0;
    cr_assert_eq(ref_semtimedop(s, &up, 1, none), -1);
    cr_assert_eq(errno, EFAULT, "semtimedop with a PROT_NONE timeout: errno %d", errno);
    cr_assert_eq(ref_semctl(s, 0, GETVAL, 0), 0, "an operation with an unreadable timeout was applied");
    errno = 0;
    cr_assert_eq(ref_semctl(s, 0, GETALL, (unsigned long)ro), -1);
    cr_assert_eq(errno, EFAULT);
    errno = 0;
    cr_assert_eq(ref_semctl(s, 0, SETALL, (unsigned long)none), -1);
    cr_assert_eq(errno, EFAULT);

    /* a fault that is not the runtime's still kills */
    pid_t child = fork();
    if (child == 0) {
        ref_msgget(IPC_PRIVATE, 0600);
        *(volatile char *)ro = 1;
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "the program's own fault did not kill it");
    ref_process_gone(child);

    ref_msgctl(q, IPC_RMID, NULL);
    ref_semctl(s, 0, IPC_RMID, 0);
    ref_shmctl(m, IPC_RMID, NULL);
    munmap(none, (size_t)page);
    munmap(ro, (size_t)page);
}

/* ---------- a fork child runs on at once ---------- */

static long voluntary_switches(void)
{
    return proc_status_field("voluntary_ctxt_switches");
}

/* A child of ref_fork has not slept (registering, waiting for the lock or
 * the keeper) when fork returns in it; its first call then works on the
 * attachments and objects it inherited. */
Test(ref, a_fork_child_has_not_slept_when_fork_returns)
{
    int q = ref_msgget(IPC_PRIVATE, 0600);
    cr_assert(q >= 0);
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t child = ref_fork();
    cr_assert(child >= 0);
    if (child == 0) {
        long slept = voluntary_switches();
        struct msg64 m = { .type = 1, .text = "from the child" };
        long sent = ref_msgsnd(q, &m, 14, IPC_NOWAIT);
        long report[2] = { slept, sent };
        _exit(write(pipefd[1], report, sizeof(report)) == sizeof(report) ? 0 : 1);
    }
    long report[2];
    cr_assert_eq(read(pipefd[0], report, sizeof(report)), (ssize_t)sizeof(report));
    int status;
    cr_assert_eq(waitpid(child, &status, 0), child);
    ref_process_gone(child);
    cr_assert_eq(report[0], 0, "the child had slept %ld times when fork returned", report[0]);
    cr_assert_eq(report[1], 0, "the child's first call failed");
    struct msg64 got;
    cr_assert_eq(ref_msgrcv(q, &got, sizeof(got.text), 0, IPC_NOWAIT), 14);
    ref_msgctl(q, IPC_RMID, NULL);
}

/* A child's last step: it waits until FD (the write end held by the test)
 * is closed, by the test being done or dying, or until it is killed. */
static _Noreturn void stay_until_closed(int fd)
{
    char c;
    ssize_t n;
    while ((n = read(fd, &c, 1)) > 0 || (n < 0 && errno == EINTR))
        ;
    _exit(0);
}

/* A parent without attachments puts nothing of its fork in the model: a
 * child that makes no call costs nothing, and one that does registers at
 * its first call as a new process, watched by the keeper: killed, its
 * SEM_UNDO is applied without anyone applying its exit by hand. */
Test(ref, a_child_of_a_parent_without_attachments_registers_at_its_first_call)
{
    int set = ref_semget(IPC_PRIVATE, 1, 0600);
    cr_assert(set >= 0);
    struct ref_stats before, after;
    ref_stats(&before);
    pid_t quiet = ref_fork();
    cr_assert(quiet >= 0);
    if (quiet == 0)
        _exit(0);
    cr_assert_eq(waitpid(quiet, NULL, 0), quiet);
    ref_process_gone(quiet);
    int go[2], report[2];
    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(pipe(report), 0);
    pid_t child = ref_fork();
    cr_assert(child >= 0);
    if (child == 0) {
        char c;
        struct sembuf up = { .sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO };
        long r = read(go[0], &c, 1) == 1 ? ref_semtimedop(set, &up, 1, NULL) : -2;
        if (write(report[1], &r, sizeof(r)) != sizeof(r))
            _exit(1);
        stay_until_closed(go[0]);
    }
    close(go[0]), close(report[1]);
    ref_stats(&after);
    cr_assert_eq(after.transactions, before.transactions, "the forks were logged (%lu records)",
                 after.transactions - before.transactions);
    cr_assert_null(slot_of_pid(child), "the child has a slot before its first call");
    cr_assert_eq(write(go[1], "g", 1), 1);
    long r = -3;
    cr_assert_eq(read(report[0], &r, sizeof(r)), (ssize_t)sizeof(r));
    cr_assert_eq(r, 0, "the child's first call failed (%ld)", r);
    cr_assert_not_null(slot_of_pid(child), "the child's first call left it without a slot");
    cr_assert_eq(ref_semctl(set, 0, GETVAL, 0), 1);
    cr_assert_eq(kill(child, SIGKILL), 0);
    cr_assert_eq(waitpid(child, NULL, 0), child);
    int value = 1;
    for (int i = 0; i < 100000 && (value = ref_semctl(set, 0, GETVAL, 0)) != 0; i++)
        usleep(100);
    cr_assert_eq(value, 0, "the child's SEM_UNDO was not applied: the keeper did not watch it");
    cr_assert_null(slot_of_pid(child), "the dead child's slot is left");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    close(go[1]), close(report[0]);
    ref_semctl(set, 0, IPC_RMID, 0);
}

/* ---------- a caller's groups are in its records ---------- */

/* A record keeps only the supplementary groups its caller has: a send
 * that only a group allows (the queue's group is one of the sender's
 * supplementary groups, the sender neither its owner nor privileged) is
 * allowed live and again when the state is rebuilt from the log. */
Test(ref, a_callers_groups_are_logged_and_replayed)
{
    if (geteuid() != 0)
        cr_skip_test("setting supplementary groups needs root");
    /* made in a group of its own (a creator's group allows as its group does) */
    cr_assert_eq(setegid(7777), 0);
    ref_credentials_changed();
    int q = ref_msgget(IPC_PRIVATE, 0020);
    cr_assert_eq(setegid(0), 0);
    ref_credentials_changed();
    cr_assert(q >= 0);
    struct msqid_ds ds;
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
    ds.msg_perm.gid = 4321;
    cr_assert_eq(ref_msgctl(q, IPC_SET, &ds), 0);
    int report[2];
    cr_assert_eq(pipe(report), 0);
    pid_t child = ref_fork();
    cr_assert(child >= 0);
    if (child == 0) {
        gid_t groups[] = { 1111, 4321 };
        ref_credentials_changing();    /* as the library's setgroups does */
        if (setgroups(2, groups) < 0 || setegid(5555) < 0 || seteuid(1000) < 0)
            _exit(2);
        ref_credentials_changed();
        struct msg64 m = { .type = 1, .text = "by group" };
        long sent = ref_msgsnd(q, &m, 8, IPC_NOWAIT) < 0 ? -errno : 0;
        _exit(write(report[1], &sent, sizeof(sent)) == sizeof(sent) ? 0 : 1);
    }
    long sent = -2;
    cr_assert_eq(read(report[0], &sent, sizeof(sent)), (ssize_t)sizeof(sent));
    cr_assert_eq(waitpid(child, NULL, 0), child);
    ref_process_gone(child);
    cr_assert_eq(sent, 0, "the send its group allows failed (errno %ld)", -sent);
    cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
    cr_assert_eq(ds.msg_qnum, 1);
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_msgctl(q, IPC_RMID, NULL);
    close(report[0]), close(report[1]);
}

/* ---------- a fork is put in the model once, by whichever comes first ---------- */

/* A fork child's part: its first call reads the nattch of segment M, it
 * reports its pid and that on REPORT, and (WAIT) it ends once GO is
 * written or closed. */
static _Noreturn void report_first_call(int m, const int report[2], const int go[2], int wait)
{
    close(go[1]);                      /* a parent that fails ends it (EOF) */
    struct shmid_ds ds;
    long saw[2] = { getpid(), ref_shmctl(m, IPC_STAT, &ds) == 0 ? (long)ds.shm_nattch : -1 };
    char c;
    if (write(report[1], saw, sizeof(saw)) != sizeof(saw) || (wait && read(go[0], &c, 1) != 1))
        _exit(1);
    _exit(0);
}

/* The parent's part, raised in it after the fork and before it puts the
 * fork in the model (REF_AT_FORKED): it lets the child's first call come
 * first, and (REAP) the child end and its end be applied. */
static struct {
    int report;                        /* the child's pid and the nattch its first call saw */
    int reap;
    long child_saw[2];
    struct ref_stats after;            /* the arena's counters as the handler returned */
} fork_pause;

static void child_goes_first(int sig)
{
    (void)sig;
    if (read(fork_pause.report, fork_pause.child_saw, sizeof(fork_pause.child_saw)) != sizeof(fork_pause.child_saw))
        fork_pause.child_saw[0] = fork_pause.child_saw[1] = -1;
    if (fork_pause.reap && fork_pause.child_saw[0] > 0) {
        waitpid((pid_t)fork_pause.child_saw[0], NULL, 0);
        ref_process_gone((pid_t)fork_pause.child_saw[0]);
    }
    ref_stats(&fork_pause.after);
}

/* The parent forks without holding the arena's lock: the child's first
 * call, made while the parent has not yet put the fork in the model, puts
 * it there itself (the child counts its inherited attachment: nattch 2),
 * and the parent then adds nothing, also when the child has ended
 * meanwhile and its end been applied (no fork and exit of a ghost). */
Test(ref, a_fork_is_put_in_the_model_once_by_whichever_of_the_two_comes_first)
{
    int m = ref_shmget(IPC_PRIVATE, 4096, 0600);
    cr_assert(m >= 0);
    void *at = ref_shmat(m, NULL, 0);
    cr_assert(at != (void *)-1);
    install_handler(SIGUSR2, child_goes_first, 0);
    for (int reap = 0; reap < 2; reap++) {
        int report[2], go[2];
        cr_assert_eq(pipe(report), 0);
        cr_assert_eq(pipe(go), 0);
        fork_pause.report = report[0];
        fork_pause.reap = reap;
        ref_inject_signal(REF_AT_FORKED, SIGUSR2);
        pid_t child = ref_fork();
        cr_assert(child >= 0);
        if (child == 0)
            report_first_call(m, report, go, !reap);
        close(go[0]);
        struct ref_stats now;
        ref_stats(&now);
        struct shmid_ds ds;
        cr_assert_eq(ref_shmctl(m, IPC_STAT, &ds), 0);
        cr_assert_eq(fork_pause.child_saw[0], child, "the child's first call did not report before the parent went on");
        cr_assert_eq(fork_pause.child_saw[1], 2, "the child's first call saw nattch %ld, not its inherited attachment",
                     fork_pause.child_saw[1]);
        cr_assert_eq(now.transactions, fork_pause.after.transactions,
                     "the parent put the fork in the model again (%lu records)",
                     now.transactions - fork_pause.after.transactions);
        cr_assert_eq(ds.shm_nattch, reap ? 1 : 2, "nattch %lu after the fork (child %s)", (unsigned long)ds.shm_nattch,
                     reap ? "ended" : "alive");
        cr_assert_eq(slot_of_pid(child) != NULL, !reap, "the child's slot is %s", reap ? "back" : "missing");
        if (!reap) {
            cr_assert_eq(write(go[1], "g", 1), 1);
            cr_assert_eq(waitpid(child, NULL, 0), child);
            ref_process_gone(child);
        }
        cr_assert_eq(ref_shmctl(m, IPC_STAT, &ds), 0);
        cr_assert_eq(ds.shm_nattch, 1);
        close(report[0]), close(report[1]), close(go[1]);
    }
    cr_assert_eq(ref_shmdt(at), 0);
    ref_shmctl(m, IPC_RMID, NULL);
}

/* A parent killed after its fork, before it put the fork in the model
 * (stopped there by fault injection, then SIGKILL), leaves its child's
 * inherited attachment counted when the child's first call comes first:
 * the child puts the fork in the model itself while the parent's slot is
 * there, and the parent's death then takes only the parent's attachment. */
Test(ref, a_parent_killed_inside_fork_leaves_its_child_counted)
{
    int m = ref_shmget(IPC_PRIVATE, 4096, 0600);
    cr_assert(m >= 0);
    int report[2], go[2];
    cr_assert_eq(pipe(report), 0);
    cr_assert_eq(pipe(go), 0);
    pid_t parent = ref_fork();
    cr_assert(parent >= 0);
    if (parent == 0) {
        if (ref_shmat(m, NULL, 0) == (void *)-1)
            _exit(2);
        ref_inject_signal(REF_AT_FORKED, SIGSTOP);
        if (ref_fork() == 0)
            report_first_call(m, report, go, 1);
        _exit(3);                      /* killed before it gets here */
    }
    /* the parent is killed before anything is asserted: a failure leaves
     * no stopped process behind (and its child ends at GO's EOF) */
    int status;
    int stopped = waitpid(parent, &status, WUNTRACED) == parent && WIFSTOPPED(status);
    long saw[2] = { 0, 0 };
    struct pollfd p = { .fd = report[0], .events = POLLIN };
    int reported = stopped && poll(&p, 1, 10000) == 1;
    ssize_t got = reported ? read(report[0], saw, sizeof(saw)) : 0;
    int killed = kill(parent, SIGKILL) == 0 && waitpid(parent, &status, 0) == parent;
    close(go[0]), close(report[1]);
    ref_process_gone(parent);
    cr_assert(stopped, "the parent was not stopped inside its fork");
    cr_assert(reported, "the child's first call did not return while its parent was stopped");
    cr_assert_eq(got, (ssize_t)sizeof(saw));
    cr_assert_eq(saw[1], 2, "the child's first call saw nattch %ld, not its inherited attachment", saw[1]);
    cr_assert(killed);
    struct shmid_ds ds;
    cr_assert_eq(ref_shmctl(m, IPC_STAT, &ds), 0);
    cr_assert_eq(ds.shm_nattch, 1, "nattch %lu once the parent's death was applied", (unsigned long)ds.shm_nattch);
    int child = (int)syscall(SYS_pidfd_open, (pid_t)saw[0], 0);
    cr_assert(child >= 0);
    cr_assert_eq(write(go[1], "g", 1), 1);
    p = (struct pollfd){ .fd = child, .events = POLLIN };
    cr_assert_eq(poll(&p, 1, 10000), 1, "the child did not end");
    ref_process_gone((pid_t)saw[0]);
    cr_assert_eq(ref_shmctl(m, IPC_STAT, &ds), 0);
    cr_assert_eq(ds.shm_nattch, 0);
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    ref_shmctl(m, IPC_RMID, NULL);
    close(child), close(report[0]), close(go[1]);
}

/* Clock ticks since boot, as /proc/PID/stat counts a start time. */
static uint64_t boot_ticks(void)
{
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    long hz = sysconf(_SC_CLK_TCK);
    return (uint64_t)t.tv_sec * (uint64_t)hz + (uint64_t)t.tv_nsec / (1000000000UL / (uint64_t)hz);
}

/* Until segment M's nattch is WANT and PID has no slot (ten seconds at
 * most: the keeper's part); whether they are. */
static int keeper_applied(int m, unsigned long want, pid_t pid)
{
    struct shmid_ds ds;
    for (int i = 0; i < 100000; i++) {
        if (ref_shmctl(m, IPC_STAT, &ds) == 0 && ds.shm_nattch == want && !slot_of_pid(pid))
            return 1;
        usleep(100);
    }
    return 0;
}

/* A parent tells the keeper of its fork child without waiting for its
 * answer, after the fork is in the model.  Killed before it told (stopped
 * there by fault injection, then SIGKILL), it leaves a mark in its slot:
 * the keeper, applying its end, looks over the process table and watches
 * the child, which made no call of its own; the child killed in turn, its
 * inherited attachment is taken away by the keeper alone. */
Test(ref, a_parent_killed_before_it_told_the_keeper_leaves_its_child_watched)
{
    int m = ref_shmget(IPC_PRIVATE, 4096, 0600);
    cr_assert(m >= 0);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t parent = ref_fork();
    cr_assert(parent >= 0);
    if (parent == 0) {
        if (ref_shmat(m, NULL, 0) == (void *)-1)
            _exit(2);
        ref_inject_signal(REF_AT_TELLING, SIGSTOP);
        if (ref_fork() == 0) {
            close(go[1]);
            stay_until_closed(go[0]);  /* no call of its own */
        }
        _exit(3);                      /* killed before it gets here */
    }
    close(go[0]);
    int status;
    int stopped = waitpid(parent, &status, WUNTRACED) == parent && WIFSTOPPED(status);
    struct ref_proc_slot *ps = slot_of_pid(parent);
    pid_t child = ps ? ps->fork_applied_for : 0;
    unsigned pending = ps ? ps->tells_pending : 0;
    int killed = kill(parent, SIGKILL) == 0 && waitpid(parent, &status, 0) == parent;
    cr_assert(stopped, "the parent was not stopped before it told the keeper");
    cr_assert(killed);
    cr_assert(child > 0, "the parent's fork is not in the model");
    cr_assert_eq(pending, 1, "the parent's slot does not say it has a child to tell of");
    int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
    cr_assert(pidfd >= 0);
    /* nobody applies the parent's end by hand: the keeper's pidfd does */
    cr_assert(keeper_applied(m, 1, parent), "the parent's end was not applied (its attachment counted)");
    cr_assert_not_null(slot_of_pid(child), "the child's slot went with its parent");
    cr_assert_eq(kill(child, SIGKILL), 0);
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    cr_assert_eq(poll(&p, 1, 10000), 1, "the child did not end");
    cr_assert(keeper_applied(m, 0, child), "the child's end was not applied: the keeper did not watch it");
    cr_assert_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
    close(pidfd), close(go[1]);
    ref_shmctl(m, IPC_RMID, NULL);
}

/* The keeper reads a request when it gets to it: a parent may have reaped
 * its child by then, and another process have the pid.  The keeper tells
 * them apart by the start time the request names (stopped while the
 * parent forks, its child ends and the pid is given to a new process,
 * through ns_last_pid): the child's end is applied, not the new process
 * watched in its place. */
Test(ref, the_keeper_tells_a_reused_pid_from_the_process_it_was_told_of)
{
    if (geteuid() != 0)
        cr_skip_test("choosing the next pid (ns_last_pid) needs root");
    int m = ref_shmget(IPC_PRIVATE, 4096, 0600);
    cr_assert(m >= 0);
    void *at = ref_shmat(m, NULL, 0);   /* an attached parent puts its forks in the model */
    cr_assert(at != (void *)-1);
    struct ref_stats st;
    ref_stats(&st);
    pid_t keeper = st.keeper_pid;
    cr_assert(keeper > 0);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    cr_assert_eq(kill(keeper, SIGSTOP), 0);
    pid_t child = ref_fork();
    if (child == 0)
        _exit(0);                      /* no call of its own */
    pid_t reaped = waitpid(child, NULL, 0);
    struct shmid_ds ds;
    int nattch = ref_shmctl(m, IPC_STAT, &ds) == 0 ? (int)ds.shm_nattch : -1;
    struct ref_proc_slot *cs = slot_of_pid(child);
    uint64_t started = cs ? cs->start_time : 0;
    /* the same pid for a process outside the arena, started a clock tick
     * later (a start time counts ticks: two processes of one tick look
     * alike, to the keeper as to every user of /proc) */
    while (started && boot_ticks() <= started)
        usleep(1000);
    char last[32];
    snprintf(last, sizeof(last), "%d", (int)child - 1);
    int fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY);
    int set = fd >= 0 && write(fd, last, strlen(last)) == (ssize_t)strlen(last);
    pid_t again = set ? ref_real_fork() : -1;
    if (again == 0) {
        close(go[1]);
        stay_until_closed(go[0]);
    }
    if (fd >= 0)
        close(fd);
    close(go[0]);
    kill(keeper, SIGCONT);
    cr_assert_eq(reaped, child);
    cr_assert_eq(nattch, 2, "nattch %d after the fork (the child's copy not counted)", nattch);
    if (again != child) {
        close(go[1]);
        if (again > 0)
            waitpid(again, NULL, 0);
        cr_skip_test("the pid could not be given again (ns_last_pid %s)", set ? "raced" : "not writable");
    }
    cr_assert(keeper_applied(m, 1, child), "the ended child's attachment is still counted: the keeper watched the "
                                           "new process with its pid instead");
    close(go[1]);
    cr_assert_eq(waitpid(again, NULL, 0), again);
    cr_assert_eq(ref_shmdt(at), 0);
    ref_shmctl(m, IPC_RMID, NULL);
}

/* A waiter woken with its outcome decided takes it without the arena's
 * lock: here the lock is held by the test from before the waiter runs
 * again (it is stopped across the send) until the waiter has reported what
 * it got.  Its record goes with its next call (MODEL_COLLECT_FIRST in that
 * call's record: one record, not two) or, if it makes none, with its exit;
 * either way the state rebuilt from the log is the live one, and nobody is
 * left waiting. */
Test(ref, a_woken_waiter_takes_its_outcome_without_the_lock)
{
    struct ref_header *h = (struct ref_header *)REF_ARENA_ADDR;
    for (int c = 0; c < 4; c++) {
        int by_semaphore = c & 1, calls_again = c & 2;
        int q = ref_msgget(IPC_PRIVATE, 0600), set = ref_semget(IPC_PRIVATE, 1, 0600);
        cr_assert(q >= 0 && set >= 0);
        int report[2], go[2];
        cr_assert_eq(pipe(report), 0);
        cr_assert_eq(pipe(go), 0);
        pid_t waiter = ref_fork();
        cr_assert(waiter >= 0);
        if (waiter == 0) {
            struct msg64 m = { 0, "" };
            struct sembuf take = { 0, -1, 0 };
            long r = by_semaphore ? ref_semtimedop(set, &take, 1, NULL) : ref_msgrcv(q, &m, sizeof(m.text), 0, 0);
            char verdict = (by_semaphore ? r == 0 : r == 6 && m.type == 7 && strcmp(m.text, "given") == 0) ? 'y' : 'n';
            if (write(report[1], &verdict, 1) != 1 || read(go[0], &verdict, 1) != 1)
                _exit(2);
            if (calls_again) {
                /* one record: the collect rides on the call's (nobody else runs meanwhile) */
                struct ref_stats before, after;
                ref_stats(&before);
                int made = ref_msgget(IPC_PRIVATE, 0600);
                ref_stats(&after);
                if (made < 0)
                    _exit(3);
                if (after.transactions - before.transactions != 1)
                    _exit(4);
            }
            _exit(0);
        }
        await_one_waiter("the waiter");
        struct ref_stats st;
        /* stopped, it cannot take anything before the lock is held */
        cr_assert_eq(kill(waiter, SIGSTOP), 0);
        struct sembuf give = { 0, 1, 0 };
        cr_assert_eq(by_semaphore ? ref_semtimedop(set, &give, 1, NULL)
                                  : ref_msgsnd(q, &(struct msg64){ 7, "given" }, 6, 0), 0);
        cr_assert_eq(pthread_mutex_lock(&h->lock), 0);
        cr_assert_eq(kill(waiter, SIGCONT), 0);
        char verdict = 0;
        struct pollfd p = { .fd = report[0], .events = POLLIN };
        int reported = poll(&p, 1, 10000) == 1 && read(report[0], &verdict, 1) == 1;
        pthread_mutex_unlock(&h->lock);
        if (!reported) {
            kill(waiter, SIGKILL);
            waitpid(waiter, NULL, 0);
            ref_process_gone(waiter);
        }
        cr_assert(reported, "the waiter did not return while the lock was held (%s)",
                  by_semaphore ? "semop" : "msgrcv");
        cr_expect_eq(verdict, 'y', "the waiter got the wrong outcome");
        cr_assert_eq(write(go[1], "g", 1), 1);
        int status;
        cr_assert_eq(waitpid(waiter, &status, 0), waiter);
        cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x%s", status,
                  WIFEXITED(status) && WEXITSTATUS(status) == 4 ? ": its next call logged two records" : "");
        ref_process_gone(waiter);
        ref_stats(&st);
        cr_expect_eq(st.nwaiting, 0, "the waiter is still counted as waiting");
        cr_expect_eq(ref_verify_replay(), 0, "the state rebuilt from the log differs from the live one");
        struct msqid_ds ds;
        cr_assert_eq(ref_msgctl(q, IPC_STAT, &ds), 0);
        cr_expect_eq(ds.msg_qnum, 0);
        if (!by_semaphore)
            cr_expect_eq(ds.msg_lrpid, waiter);
        cr_expect_eq(ref_semctl(set, 0, GETVAL, 0), 0);
        ref_msgctl(q, IPC_RMID, NULL);
        ref_semctl(set, 0, IPC_RMID, 0);
        close(report[0]);
        close(report[1]);
        close(go[0]);
        close(go[1]);
    }
}
