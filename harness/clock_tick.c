/* clock_tick.c: wait for the wall clock's next second (clock_tick.h).
 * System V IPC stamps its times with the kernel's coarse seconds
 * (ktime_get_real_seconds(), ipc/msg.c, sem.c, shm.c), which time(2)
 * reads; CLOCK_REALTIME's fine clock is never behind them.  So the step
 * starts from the fine clock's second and waits until time(2) is past it:
 * everything before the step is stamped with at most that second,
 * everything after it with at least the one returned.
 * Must not: sleep for a guessed time, or longer than the next second and
 * a timer tick. */
#include "clock_tick.h"

#include <errno.h>
#include <time.h>

long clock_next_second(void)
{
    struct timespec fine;
    if (clock_gettime(CLOCK_REALTIME, &fine) < 0)
        return -1;
    time_t seen = fine.tv_sec;
    for (;;) {
        time_t coarse = time(NULL);
        if (coarse == (time_t)-1)
            return -1;
        if (coarse > seen)
            return (long)coarse;
        if (clock_gettime(CLOCK_REALTIME, &fine) < 0)
            return -1;
        /* before the boundary: sleep to it; past it (time(2) lags by a
         * timer tick at most): a millisecond at a time */
        int before = fine.tv_sec <= seen;
        struct timespec until = { .tv_sec = before ? seen + 1 : 0, .tv_nsec = before ? 0 : 1000000 };
        int rc = clock_nanosleep(CLOCK_REALTIME, before ? TIMER_ABSTIME : 0, &until, NULL);
        if (rc != 0 && rc != EINTR) {
            errno = rc;
            return -1;
        }
    }
}
