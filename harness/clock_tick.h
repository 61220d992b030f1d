/* clock_tick.h: the scenario step `tick`: wait for the wall clock's next
 * second, so that the times an implementation records (msg_ctime,
 * sem_otime, shm_atime, ...) before the step and after it differ, and a
 * time a call failed to set shows.  Synchronisation on the clock itself,
 * never a guessed sleep.
 * Must not: depend on anything but the C library (the puppet links it). */
#ifndef SVIPC_CLOCK_TICK_H
#define SVIPC_CLOCK_TICK_H

/* Wait until time(2) is past every second the caller could have seen
 * (CLOCK_REALTIME's, which may run ahead of time(2)'s by a timer tick):
 * the new second, as time(2) gives it; -1 (errno set) if the clock
 * cannot be read. */
long clock_next_second(void);

#endif
