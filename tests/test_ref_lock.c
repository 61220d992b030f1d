/* test_ref_lock.c: the arena's lock under contention, and the bounded
 * spinning that the runtime's waits do before they sleep (ref_spin.h): a
 * spin that never wins stays bounded and backs off to none, then tries
 * again; a win restores the budget; a contender spins for a holder that
 * may be running and sleeps at once for one that took the lock on its own
 * CPU; a wake-up lost with an
 * unlock that died is made by the next unlock; a contender that dies takes
 * its share and its wake-up in flight with it.
 * Must not: decide anything by sleeping: processes report through pipes
 * and are looked at through the arena and /proc, each wait with a deadline. */
#define _GNU_SOURCE
#include "ref_arena.h"
#include "ref_spin.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int looks;

static int never(const void *arg)
{
    (void)arg;
    looks++;
    return 0;
}

static int on_third_look(const void *arg)
{
    (void)arg;
    return ++looks >= 3;
}

Test(spin, a_spin_that_never_wins_backs_off_to_none_then_tries_a_small_one)
{
    struct ref_spin s = { 0 };
    cr_assert_eq(ref_spin_until(&s, 8000, never, NULL), 0);
    cr_expect_eq(s.budget_ns, 4000, "a loss halves the budget (now %u ns)", s.budget_ns);
    int losses = 1;
    while (s.budget_ns && losses < 10) {
        looks = 0;
        cr_assert_eq(ref_spin_until(&s, 8000, never, NULL), 0);
        cr_expect_gt(looks, 0, "a spin looks at least once");
        losses++;
    }
    cr_expect_eq(s.budget_ns, 0, "the budget never reached zero");
    cr_expect_eq(losses, 6, "8000 ns halves to nothing in 6 losses, not %d", losses);
    /* no spin at all for a while: not even a look */
    looks = 0;
    for (int i = 1; i < REF_SPIN_RETRY_AFTER; i++)
        cr_assert_eq(ref_spin_until(&s, 8000, never, NULL), 0);
    cr_expect_eq(looks, 0, "a process that backed off looked %d times", looks);
    /* then a quarter of the budget is tried again */
    cr_assert_eq(ref_spin_until(&s, 8000, never, NULL), 0);
    cr_expect_gt(looks, 0, "the retry did not look");
    cr_expect_eq(s.budget_ns, 1000, "the retry's budget was not a quarter (%u ns left)", s.budget_ns);
}

Test(spin, a_win_restores_the_whole_budget)
{
    struct ref_spin s = { .budget_ns = 500, .primed = 1 };
    looks = 0;
    /* a generous maximum: three looks fit in it however slow the machine */
    cr_assert_eq(ref_spin_until(&s, 100000000, on_third_look, NULL), 1);
    cr_expect_eq(looks, 3);
    cr_expect_eq(s.budget_ns, 100000000u);
}

/* ---------- the lock ---------- */

static struct ref_arena arena;

static void make_arena(void)
{
    char why[256];
    int fd = memfd_create("svipc-test-lock", MFD_CLOEXEC);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ref_arena_format(&arena, fd, "test-lock", why, sizeof(why)), 0, "%s", why);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Wait (with a deadline) until PID is asleep and the lock's word shows a
 * sleeper. */
static void await_sleeper(pid_t pid)
{
    double until = now() + 10;
    for (;;) {
        char path[64], buf[512], state = '?';
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        if (f && fgets(buf, sizeof(buf), f)) {
            char *p = strrchr(buf, ')');
            if (p && p[1] == ' ')
                state = p[2];
        }
        if (f)
            fclose(f);
        uint32_t word = __atomic_load_n((uint32_t *)&arena.hdr->lock.__data.__lock, __ATOMIC_ACQUIRE);
        if (state == 'S' && (word & FUTEX_WAITERS) && __atomic_load_n(&arena.hdr->lock_contenders, __ATOMIC_ACQUIRE))
            return;
        cr_assert_lt(now(), until, "process %d never slept for the lock (state %c, word %#x)", (int)pid, state, word);
        sched_yield();
    }
}

static int read_byte(int fd, double seconds)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, (int)(seconds * 1000)) != 1)
        return -1;
    char c;
    return read(fd, &c, 1) == 1 ? c : -1;
}

Test(lock, a_wake_up_lost_with_an_unlock_that_died_is_made_by_the_next_unlock, .init = make_arena, .timeout = 30)
{
    int held[2], got[2];
    cr_assert_eq(pipe(held), 0);
    cr_assert_eq(pipe(got), 0);
    /* H holds the lock */
    pid_t holder = fork();
    if (holder == 0) {
        if (ref_lock(&arena) < 0)
            _exit(1);
        if (write(held[1], "h", 1) != 1)
            _exit(1);
        pause();
        _exit(0);
    }
    cr_assert_eq(read_byte(held[0], 10), 'h');
    /* C sleeps for it */
    pid_t contender = fork();
    if (contender == 0) {
        if (ref_lock(&arena) < 0)
            _exit(1);
        ref_unlock(&arena);
        if (write(got[1], "c", 1) != 1)
            _exit(1);
        _exit(0);
    }
    await_sleeper(contender);
    /* H dies inside its unlock: the word released, its sleeper never woken */
    __atomic_store_n((uint32_t *)&arena.hdr->lock.__data.__lock, 0, __ATOMIC_RELEASE);
    kill(holder, SIGKILL);
    waitpid(holder, NULL, 0);
    cr_assert_eq(read_byte(got[0], 0.2), -1, "the contender took the lock with nobody waking it");
    /* the next holder's unlock wakes it: well before the contender's own
     * patience (2 s) would have it look again */
    double start = now();
    cr_assert_eq(ref_lock(&arena), 0);
    ref_unlock(&arena);
    cr_expect_eq(read_byte(got[0], 10), 'c', "the contender never got the lock");
    cr_expect_lt(now() - start, 1.5, "the contender got the lock only when its patience ran out");
    int status;
    cr_assert_eq(waitpid(contender, &status, 0), contender);
    cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    cr_expect_eq(arena.hdr->lock_contenders, 0);
    cr_expect_eq(arena.hdr->lock_waking, 0, "a wake-up is still marked in flight");
}

Test(lock, a_contender_that_died_takes_its_share_and_its_wake_up_with_it, .init = make_arena)
{
    uint32_t contending = 1;
    arena.hdr->lock_contenders = 2;
    arena.hdr->lock_waking = 1;                /* it may have been the one woken */
    ref_forget_contender(&arena, &contending);
    cr_expect_eq(contending, 0);
    cr_expect_eq(arena.hdr->lock_contenders, 1);
    cr_expect_eq(arena.hdr->lock_waking, 0, "its wake-up stays in flight: unlocks would wake nobody");
    /* a process that was not contending changes nothing */
    arena.hdr->lock_waking = 1;
    ref_forget_contender(&arena, &contending);
    cr_expect_eq(arena.hdr->lock_contenders, 1);
    cr_expect_eq(arena.hdr->lock_waking, 1);
}

/* The lock taken, as if on CPU HOLDER_CPU - 1, and a child pinned to CPU
 * 0 (so that the holder's CPU can be said to be its own or another) that
 * takes it with a spin of 20 s at most and exits with the voluntary
 * context switches the call cost it (a sleep is one; a spin none), or 100
 * when it could not run.  Its pid, once it is about to take the lock. */
static pid_t contender_on_cpu0(uint16_t holder_cpu)
{
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    cr_assert_eq(ref_lock(&arena), 0);
    __atomic_store_n(&arena.hdr->holder_cpu, holder_cpu, __ATOMIC_RELAXED);
    pid_t pid = fork();
    if (pid == 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(0, &one);
        if (sched_setaffinity(0, sizeof(one), &one) < 0 || sched_getcpu() != 0)
            _exit(100);
        arena.lock_spin_ns = 20ULL * 1000000000;
        struct rusage before, after;
        getrusage(RUSAGE_SELF, &before);
        if (write(ready[1], "r", 1) != 1 || ref_lock(&arena) < 0)
            _exit(100);
        getrusage(RUSAGE_SELF, &after);
        ref_unlock(&arena);
        long slept = after.ru_nvcsw - before.ru_nvcsw;
        _exit(slept > 99 ? 99 : (int)slept);
    }
    cr_assert_eq(read_byte(ready[0], 10), 'r', "the contender could not run on CPU 0");
    close(ready[0]);
    close(ready[1]);
    return pid;
}

/* The times CONTENDER slept for the lock, once the lock is released and
 * it has taken it. */
static int contender_sleeps(pid_t contender)
{
    ref_unlock(&arena);
    int status;
    cr_assert_eq(waitpid(contender, &status, 0), contender);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 100, "the contender never got the lock");
    return WEXITSTATUS(status);
}

/* The CPU time PID has used (its CPU clock), in nanoseconds, or -1. */
static long long cpu_ns(pid_t pid)
{
    clockid_t clock;
    struct timespec t;
    if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &t) != 0)
        return -1;
    return (long long)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The holder took the lock on the contender's CPU: it cannot be running
 * (the contender is), so the contender sleeps at once, though it would
 * spin for 20 s for a holder that may be running. */
Test(lock, a_contender_sleeps_at_once_for_a_holder_that_took_the_lock_on_its_cpu, .init = make_arena, .timeout = 30)
{
    pid_t contender = contender_on_cpu0(1);   /* CPU 0, + 1 */
    await_sleeper(contender);
    cr_expect_geq(contender_sleeps(contender), 1, "the contender took the lock without sleeping");
}

/* A holder on another CPU may be running: the contender spins (here for
 * as long as the holder keeps it, which 20 s cover), and takes the
 * lock without a sleep once it is released.  It is released once the
 * contender has spun for 20 ms of its own CPU time. */
Test(lock, a_contender_spins_for_a_holder_that_may_be_running, .init = make_arena, .timeout = 60)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        cr_skip_test("one CPU: every holder is on the contender's");
    pid_t contender = contender_on_cpu0(2);   /* CPU 1, + 1 */
    long long start = cpu_ns(contender);
    cr_assert_geq(start, 0);
    double until = now() + 30;
    while (cpu_ns(contender) - start < 20000000) {
        cr_assert_lt(now(), until, "the contender never spun: it used %lld us of CPU in 30 s",
                     (cpu_ns(contender) - start) / 1000);
        cr_assert_eq(arena.hdr->lock_contenders, 0, "the contender went to sleep for a holder that may be running");
        sched_yield();
    }
    int slept = contender_sleeps(contender);
    cr_expect_eq(slept, 0, "the contender slept %d times for a holder that may be running", slept);
}
