/* stress_workload.h: what the workers of a stress run do: the objects
 * they share (created before they start, re-created after a removal), and
 * each worker's loop of random operations drawn from the run's seed, each
 * one recorded (stress_history.h) around the call it makes through an
 * implementation's call table (calls.h).
 * Must not: decide whether results are right, or start processes (the
 * run, stress.c, does). */
#ifndef SVIPC_STRESS_WORKLOAD_H
#define SVIPC_STRESS_WORKLOAD_H

#include "calls.h"
#include "stress_history.h"

#include <stddef.h>
#include <stdint.h>

enum stress_mix { STRESS_MIX_MSG = 1, STRESS_MIX_SEM = 2, STRESS_MIX_SHM = 4, STRESS_MIX_ALL = 7 };

struct stress_config {
    int nprocs;
    uint64_t seed;
    long ops_per_proc;             /* 0: until the run is stopped */
    int mix;                       /* enum stress_mix: which objects the workers use */
    int group;                     /* workers that share objects: each group of GROUP
                                    * workers (by index) has objects of its own, so no
                                    * object has more callers than a check can order
                                    * (Jepsen's keys per thread group); 0: one group */
    int nqueues, nsets, nsegs;     /* each group's objects alive at once */
    int nsems;                     /* semaphores of a set (<= STRESS_SEMS_MAX) */
    int qbytes;                    /* a queue's msg_qbytes: small, so senders block */
    long interrupt_us;             /* each worker's interval timer (SIGALRM, no
                                    * SA_RESTART): blocked calls end with EINTR; 0 none */
    int rmid_per_10k;              /* IPC_RMID and re-creation, per 10,000 operations */
    int undo_percent;              /* sembufs with SEM_UNDO */
    long kill_ms;                  /* a worker SIGKILLed every so many ms on average
                                    * (and replaced); 0 none */
    long sysctl_ms;                /* a limit changed every so many ms on average, by a
                                    * process of its own (stress_limit_writer); 0 none */
    long sysctl_max;               /* its writes at most (0: until the run stops) */
    int record;                    /* 0: no history (the bare operations, to measure it) */
};

/* The run's groups of workers (stress_config.group), and the group of
 * the worker that starts at index I (a replacement takes the group of
 * the one it replaces: its caller says which). */
int stress_groups(const struct stress_config *cfg);
int stress_group_of(const struct stress_config *cfg, int i);

/* A group's slots: its queues, its sets, its segments. */
int stress_group_slots(const struct stress_config *cfg);

/* Create the run's first objects (NQUEUES queues, NSETS sets and NSEGS
 * segments for each group) through CALLS and put them in their slots: 0,
 * or -1 with WHY. */
int stress_setup_objects(const struct ipc_calls *calls, const struct stress_config *cfg,
                         struct stress_shared *sh, char *why, size_t size);

/* Worker PROC's loop on GROUP's objects: random operations until QUOTA
 * of them (0: no quota), the run's stop flag or its full history array;
 * then it says when it finished (its exit, and SEM_UNDO, start then). */
void stress_worker(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                   int proc, int group, long quota);

/* The limit writer PROC: until the run's stop flag, every sysctl_ms on
 * average (random, from the seed), one of the limits the workload's calls
 * meet (kernel.msgmax, kernel.sem's semopm) is set low enough that some
 * calls fail (EINVAL, E2BIG), or back to what it was; each write is an
 * event.  Through CALLS' sysctl, else the namespace's files.  0 when
 * stopped or its sysctl_max writes are made (the last one puts the limit
 * back), 1 with WHY when the first write is refused (EPERM, EACCES,
 * EROFS: the limits are not this namespace's to change), -1 with WHY when
 * a limit cannot be read or written. */
int stress_limit_writer(const struct ipc_calls *calls, const struct stress_config *cfg, struct stress_shared *sh,
                        int proc, char *why, size_t size);

#endif
