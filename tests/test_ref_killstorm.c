/* test_ref_killstorm.c: the reference runtime under SIGKILL at random
 * instants.  Six worker processes send, receive, take and give back
 * semaphores (with and without SEM_UNDO, blocking with timeouts), attach
 * and detach a segment, and make, use and destroy segments of their own, at
 * random; the coordinator kills one with SIGKILL
 * at a random instant, over and over, starting a new one each time, and
 * every few hundred kills kills them all at once.  Nobody tells the runtime
 * of a death: the keeper must notice it.  After each massacre, with every
 * worker dead and the keeper done, the invariants must hold (one worker
 * in four also kills itself inside an operation, by fault injection, so
 * that many deaths happen with the arena's lock held):
 *   - messages: none lost (every completed send is queued or was received),
 *     none duplicated, none torn, none invented;
 *   - the SEM_UNDO semaphores are back at their start (every adjustment
 *     applied exactly once), the plain one equals its start plus the
 *     completed operations (give or take the one each dead worker was in);
 *   - nattch is 0 and nobody is left waiting; the memory of every
 *     destroyed segment is given back, none left half-way;
 *   - the state rebuilt from the log equals the live one.
 * Workers record what they are about to do before doing it, in memory the
 * coordinator reads, so a death between the call and the record is told
 * apart from a loss.
 * Must not: tell the runtime about deaths, or decide anything by timing:
 * the random pauses only spread the kills over different instants. */
#define _GNU_SOURCE
#include "ref.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

#define WORKERS 6
#define KILLS 1200
#define MASSACRE_EVERY 300
#define MAX_INCARNATIONS (KILLS + WORKERS * (KILLS / MASSACRE_EVERY + 2) + 8)
#define RECV_MAX 96
#define SEND_MAX 4096
#define UNDO_START 3
#define PLAIN_START 1000

struct payload {
    int32_t sender;
    int32_t seq;
    uint32_t check;
    char fill[52];
};

struct received {
    long type;
    struct payload p;
};

/* One worker's life, as it writes it down. */
struct incarnation {
    pid_t pid;
    volatile int32_t send_attempt;     /* seq in msgsnd now, or -1 */
    volatile int32_t sends_done;       /* seqs below it were sent */
    volatile int32_t recv_count;       /* recv[0 .. count) were received */
    volatile int32_t plain_pending;    /* delta of the plain semop in progress */
    volatile int64_t plain_sum;        /* of completed plain semops */
    struct received recv[RECV_MAX + 1];/* recv[count]: the one in progress */
};

struct book {
    struct incarnation inc[MAX_INCARNATIONS];
};

/* The coordinator's runtime object for one storm. */
struct storm {
    struct book *book;
    int q, s, m;
    int n_inc;
    int live[WORKERS];                 /* incarnation of each worker slot */
    unsigned seed;
    unsigned long kills, massacres;
};

static char arena_path[64];

static uint32_t checksum(int32_t sender, int32_t seq)
{
    uint32_t h = (uint32_t)sender * 2654435761u ^ (uint32_t)seq * 40503u;
    return h ^ (h >> 13);
}

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static _Noreturn void worker(struct storm *st, int self, unsigned seed)
{
    struct incarnation *me = &st->book->inc[self];
    int held[2] = { 0, 0 };
    void *att[2] = { NULL, NULL };
    /* one worker in four also dies by itself inside one of its first 200
     * operations, holding the lock: deaths at every kind of operation */
    if (next_random(&seed) % 4 == 0)
        ref_inject_crash(1 + next_random(&seed) % 200);
    for (;;) {
        unsigned r = next_random(&seed) % 100;
        if (r < 25 && me->sends_done < SEND_MAX) {
            struct received m = { .type = 1 + (self + me->sends_done) % 5 };
            m.p.sender = self;
            m.p.seq = me->sends_done;
            m.p.check = checksum(self, m.p.seq);
            memset(m.p.fill, 'a' + self % 26, sizeof(m.p.fill));
            me->send_attempt = m.p.seq;
            int flags = next_random(&seed) % 2 ? IPC_NOWAIT : 0;
            if (ref_msgsnd(st->q, &m, sizeof(m.p), flags) == 0)
                me->sends_done = m.p.seq + 1;
            me->send_attempt = -1;
        } else if (r < 50 && me->recv_count < RECV_MAX) {
            static const long types[] = { 0, 2, -3, 4 };
            unsigned pick = next_random(&seed) % 4;
            struct received *slot = &me->recv[me->recv_count];
            memset(slot, 0, sizeof(*slot));
            int flags = IPC_NOWAIT | (pick == 3 ? MSG_EXCEPT : 0);
            if (ref_msgrcv(st->q, slot, sizeof(slot->p), types[pick], flags) > 0)
                me->recv_count++;
        } else if (r < 70) {
            /* SEM_UNDO: take (blocking, with a timeout) or give back what is
             * held, so a worker's adjustment never makes a value go up */
            if (held[0] + held[1] < 2 && next_random(&seed) % 2) {
                int both = next_random(&seed) % 2;
                unsigned short which = (unsigned short)(next_random(&seed) % 2);
                struct sembuf ops[2] = { { which, -1, SEM_UNDO }, { (unsigned short)(1 - which), -1, SEM_UNDO } };
                struct timespec t = { 0, (long)(next_random(&seed) % 2000) * 1000 };
                if (ref_semtimedop(st->s, ops, both ? 2 : 1, &t) == 0) {
                    held[which]++;
                    if (both)
                        held[1 - which]++;
                }
            } else if (held[0] + held[1] > 0) {
                struct sembuf ops[2];
                int n = 0;
                for (int i = 0; i < 2; i++)
                    if (held[i])
                        ops[n++] = (struct sembuf){ (unsigned short)i, (short)held[i], SEM_UNDO };
                if (ref_semtimedop(st->s, ops, (size_t)n, NULL) == 0)
                    held[0] = held[1] = 0;
            }
        } else if (r < 80) {
            short delta = next_random(&seed) % 2 ? 1 : -1;
            struct sembuf op = { 2, delta, IPC_NOWAIT };
            me->plain_pending = delta;
            if (ref_semtimedop(st->s, &op, 1, NULL) == 0)
                me->plain_sum += delta;
            me->plain_pending = 0;
        } else if (r < 85) {
            /* a segment of its own, made, used and destroyed: its memory
             * is given back at the detach, without the lock */
            int id = ref_shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
            void *p = id >= 0 ? ref_shmat(id, NULL, 0) : (void *)-1;
            if (p != (void *)-1)
                memset(p, self, 65536);
            if (id >= 0)
                ref_shmctl(id, IPC_RMID, NULL);
            if (p != (void *)-1)
                ref_shmdt(p);
        } else if (r < 95) {
            int i = (int)(next_random(&seed) % 2);
            if (!att[i]) {
                void *p = ref_shmat(st->m, NULL, 0);
                if (p != (void *)-1) {
                    att[i] = p;
                    ((volatile int *)p)[self % 1024] = self;
                }
            } else if (ref_shmdt(att[i]) == 0) {
                att[i] = NULL;
            }
        } else {
            struct msqid_ds ds;
            ref_msgctl(st->q, IPC_STAT, &ds);
        }
    }
}

static void spawn(struct storm *st, int slot)
{
    int self = st->n_inc++;
    cr_assert(self < MAX_INCARNATIONS);
    struct incarnation *inc = &st->book->inc[self];
    inc->send_attempt = -1;
    unsigned seed = next_random(&st->seed);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0)
        worker(st, self, seed);
    inc->pid = pid;
    st->live[slot] = self;
}

static void kill_worker(struct storm *st, int slot)
{
    pid_t pid = st->book->inc[st->live[slot]].pid;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    st->kills++;
}

/* What the keeper is doing, for a failure message. */
static void keeper_state(int pid, char *out, size_t size)
{
    char path[64], sys[128] = "?", wchan[64] = "?";
    snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
    FILE *f = fopen(path, "re");
    if (f) {
        if (!fgets(sys, sizeof(sys), f))
            snprintf(sys, sizeof(sys), "?");
        fclose(f);
    }
    snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
    f = fopen(path, "re");
    if (f) {
        if (!fgets(wchan, sizeof(wchan), f))
            snprintf(wchan, sizeof(wchan), "?");
        fclose(f);
    }
    sys[strcspn(sys, "\n")] = '\0';
    snprintf(out, size, "keeper %d: syscall '%s', wchan '%s'", pid, sys, wchan);
}

/* Until the keeper has applied every worker's end (only we are left). */
static void await_keeper(void)
{
    struct ref_stats rs;
    for (int i = 0; i < 20000; i++) {
        ref_stats(&rs);
        if (rs.nprocs == 1)
            return;
        usleep(500);
    }
    char state[256];
    keeper_state(rs.keeper_pid, state, sizeof(state));
    cr_assert_fail("the keeper did not apply the workers' ends: %u processes still registered (%s)", rs.nprocs,
                   state);
}

static void check_invariants(struct storm *st)
{
    cr_assert_eq(ref_verify_replay(), 0, "after %lu kills: the state rebuilt from the log differs", st->kills);

    struct ref_stats rs;
    ref_stats(&rs);
    cr_assert_eq(rs.nwaiting, 0, "after %lu kills: %u processes still waiting", st->kills, rs.nwaiting);

    unsigned short vals[3];
    cr_assert_eq(ref_semctl(st->s, 0, GETALL, (unsigned long)vals), 0);
    cr_assert_eq(vals[0], UNDO_START, "after %lu kills: SEM_UNDO semaphore 0 is %u", st->kills, vals[0]);
    cr_assert_eq(vals[1], UNDO_START, "after %lu kills: SEM_UNDO semaphore 1 is %u", st->kills, vals[1]);
    long base = PLAIN_START, lo = 0, hi = 0;
    for (int i = 0; i < st->n_inc; i++) {
        const struct incarnation *inc = &st->book->inc[i];
        base += inc->plain_sum;
        if (inc->plain_pending < 0)
            lo += inc->plain_pending;
        else
            hi += inc->plain_pending;
    }
    cr_assert(vals[2] >= base + lo && vals[2] <= base + hi,
              "after %lu kills: the plain semaphore is %u, completed operations give %ld (%+ld..%+ld pending)",
              st->kills, vals[2], base, lo, hi);

    struct shmid_ds sds;
    cr_assert_eq(ref_shmctl(st->m, IPC_STAT, &sds), 0);
    cr_assert_eq(sds.shm_nattch, 0, "after %lu kills: nattch %lu with no process alive", st->kills,
                 (unsigned long)sds.shm_nattch);
    /* every destroyed segment's memory given back (the call above
     * released what the last exits left; the keeper may still be giving
     * back what it released when it went idle), none half-way; a segment
     * never attached has none */
    ref_stats(&rs);
    for (int i = 0; i < 20000 && rs.releasing; i++) {
        usleep(500);
        ref_stats(&rs);
    }
    cr_assert_leq(rs.segment_memory, rs.segments, "after %lu kills: memory held for %u segments, %u exist",
                  st->kills, rs.segment_memory, rs.segments);
    cr_assert_eq(rs.releasing, 0, "after %lu kills: %u extents still being given back after 10 s", st->kills,
                 rs.releasing);

    /* messages: queued (read with MSG_COPY, left in place) + received */
    unsigned char *seen = calloc((size_t)MAX_INCARNATIONS * SEND_MAX, 1);
    cr_assert(seen);
    struct msqid_ds qds;
    cr_assert_eq(ref_msgctl(st->q, IPC_STAT, &qds), 0);
    size_t bytes = 0;
    for (long i = 0; i < (long)qds.msg_qnum; i++) {
        struct received m;
        ssize_t n = ref_msgrcv(st->q, &m, sizeof(m.p), i, IPC_NOWAIT | MSG_COPY);
        cr_assert_eq(n, (ssize_t)sizeof(m.p), "after %lu kills: queued message %ld unreadable (errno %d)", st->kills, i,
                     errno);
        bytes += (size_t)n;
        cr_assert(m.p.sender >= 0 && m.p.sender < st->n_inc && m.p.seq >= 0 && m.p.seq < SEND_MAX &&
                      m.p.check == checksum(m.p.sender, m.p.seq),
                  "after %lu kills: a torn or invented message is queued", st->kills);
        cr_assert_eq(seen[(size_t)m.p.sender * SEND_MAX + (size_t)m.p.seq]++, 0,
                     "after %lu kills: message %d/%d queued twice", st->kills, m.p.sender, m.p.seq);
    }
    cr_assert_eq(bytes, qds.msg_cbytes, "after %lu kills: msg_cbytes %lu, the messages hold %zu", st->kills,
                 (unsigned long)qds.msg_cbytes, bytes);
    /* counted receptions first, then the one each dead receiver was in:
     * it counts only if the message is nowhere else (a receive that died
     * uncommitted copied a message that stayed queued, and may since have
     * gone to another receiver) */
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < st->n_inc; i++) {
            const struct incarnation *inc = &st->book->inc[i];
            int from = pass ? inc->recv_count : 0, to = pass ? inc->recv_count + 1 : inc->recv_count;
            for (int k = from; k < to && k <= RECV_MAX; k++) {
                const struct payload *p = &inc->recv[k].p;
                if (pass && (p->check == 0 || p->check != checksum(p->sender, p->seq) ||
                             seen[(size_t)p->sender * SEND_MAX + (size_t)p->seq]))
                    continue;
                cr_assert(p->sender >= 0 && p->sender < st->n_inc && p->seq >= 0 && p->seq < SEND_MAX &&
                              p->check == checksum(p->sender, p->seq),
                          "after %lu kills: a torn or invented message was received", st->kills);
                cr_assert_eq(seen[(size_t)p->sender * SEND_MAX + (size_t)p->seq]++, 0,
                             "after %lu kills: message %d/%d delivered twice", st->kills, p->sender, p->seq);
            }
        }
    for (int i = 0; i < st->n_inc; i++) {
        const struct incarnation *inc = &st->book->inc[i];
        for (int k = 0; k < SEND_MAX; k++) {
            int present = seen[(size_t)i * SEND_MAX + (size_t)k] != 0;
            if (k < inc->sends_done)
                cr_assert(present, "after %lu kills: message %d/%d was sent and is lost", st->kills, i, k);
            else if (k != inc->send_attempt)
                cr_assert(!present, "after %lu kills: message %d/%d appeared without a send", st->kills, i, k);
        }
    }
    free(seen);
}

static void massacre(struct storm *st)
{
    for (int w = 0; w < WORKERS; w++)
        kill(st->book->inc[st->live[w]].pid, SIGKILL);
    for (int w = 0; w < WORKERS; w++) {
        while (waitpid(st->book->inc[st->live[w]].pid, NULL, 0) < 0 && errno == EINTR)
            ;
        st->kills++;
    }
    st->massacres++;
    await_keeper();
    check_invariants(st);
}

static void setup(void)
{
    snprintf(arena_path, sizeof(arena_path), "/dev/shm/svipc-test-storm-%d", (int)getpid());
    unlink(arena_path);
    char why[256];
    setenv("SVIPC_REF_LOG_BYTES", "262144", 1);        /* checkpoints every few thousand operations */
    cr_assert_eq(ref_attach(arena_path, why, sizeof(why)), 0, "%s", why);
}

static void teardown(void)
{
    unlink(arena_path);
}

Test(ref_killstorm, invariants_hold_through_1000_sigkills, .init = setup, .fini = teardown, .timeout = 240)
{
    struct storm st = { .seed = 20261123 };
    st.book = mmap(NULL, sizeof(struct book), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(st.book != MAP_FAILED);
    st.q = ref_msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    st.s = ref_semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
    st.m = ref_shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    cr_assert(st.q >= 0 && st.s >= 0 && st.m >= 0);
    unsigned short init[3] = { UNDO_START, UNDO_START, PLAIN_START };
    cr_assert_eq(ref_semctl(st.s, 0, SETALL, (unsigned long)init), 0);

    for (int w = 0; w < WORKERS; w++)
        spawn(&st, w);
    while (st.kills < KILLS) {
        if (st.kills / MASSACRE_EVERY != (st.kills + 1) / MASSACRE_EVERY) {
            massacre(&st);
            for (int w = 0; w < WORKERS; w++)
                spawn(&st, w);
            continue;
        }
        int slot = (int)(next_random(&st.seed) % WORKERS);
        struct timespec pause = { 0, (long)(next_random(&st.seed) % 400) * 1000 };
        nanosleep(&pause, NULL);
        kill_worker(&st, slot);
        spawn(&st, slot);
    }
    massacre(&st);

    struct ref_stats rs;
    ref_stats(&rs);
    struct msqid_ds qds;
    ref_msgctl(st.q, IPC_STAT, &qds);
    long sent = 0, received = 0;
    for (int i = 0; i < st.n_inc; i++) {
        sent += st.book->inc[i].sends_done;
        received += st.book->inc[i].recv_count;
    }
    printf("kill storm: %lu SIGKILLs (%lu massacres of %d), %d workers; %lu transactions, %lu recoveries "
           "(deaths holding the lock), %lu checkpoints; %ld messages sent, %ld received, %lu queued; "
           "invariants held\n",
           st.kills, st.massacres, WORKERS, st.n_inc, rs.transactions, rs.recoveries, rs.checkpoints, sent, received,
           (unsigned long)qds.msg_qnum);
    munmap(st.book, sizeof(struct book));
}
