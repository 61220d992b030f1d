/* ref_spin.h: bounded, adaptive spinning before a sleep for an outcome.
 * On this kind of machine a futex sleep and its wake-up cost 15-60 us a
 * round trip, while a partner running on another CPU answers within a
 * few: a process that looks again for a few microseconds first often need
 * not sleep, and then its waker need not call futex_wake either.  The spin
 * is bounded in time and adapts to what it wins: a process whose spins
 * fail (its partner is not running, as with more processes than CPUs)
 * halves its budget down to nothing, and tries a small one again after a
 * number of calls that did not spin.  (The arena's lock spins its own way,
 * with the clock and the pause below: ref_arena.c.)
 * Must not: sleep, make a system call (but the vDSO clock), or spin
 * without a bound. */
#ifndef SVIPC_REF_SPIN_H
#define SVIPC_REF_SPIN_H

#include <stdint.h>
#include <time.h>

#define REF_SPIN_RETRY_AFTER 64        /* calls without a spin before a small one is tried again */

struct ref_spin {
    uint32_t budget_ns;                /* this process's current budget; 0: does not spin */
    uint32_t skipped;                  /* calls since the budget reached 0 */
    uint32_t primed;                   /* budget_ns set from the maximum once */
};

static inline void ref_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static inline uint64_t ref_spin_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Look at DONE(ARG) until it holds or the budget (at most MAX_NS) is
 * spent: 1 when it held, 0 when the caller must sleep.  The budget follows
 * the outcome: back to MAX_NS after a win, halved after a loss. */
static inline int ref_spin_until(struct ref_spin *s, uint32_t max_ns, int (*done)(const void *), const void *arg)
{
    if (!s->primed) {
        s->budget_ns = max_ns;
        s->primed = 1;
    }
    if (s->budget_ns == 0) {
        if (++s->skipped < REF_SPIN_RETRY_AFTER)
            return 0;
        s->skipped = 0;
        s->budget_ns = max_ns / 4;
    }
    uint64_t until = ref_spin_now_ns() + s->budget_ns;
    for (uint32_t i = 1;; i++) {
        if (done(arg)) {
            s->budget_ns = max_ns;
            return 1;
        }
        ref_cpu_relax();
        if ((i & 15) == 0 && ref_spin_now_ns() >= until)
            break;
    }
    s->budget_ns /= 2;
    if (s->budget_ns < 250)
        s->budget_ns = 0;
    return 0;
}

#endif
