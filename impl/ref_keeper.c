/* ref_keeper.c: the arena's keeper, the process that notices deaths.
 * Every process of an arena is watched through a pidfd by one keeper; when
 * the pidfd says the process ended (exit, a signal, SIGKILL), the keeper
 * applies its exit to the model: SEM_UNDO, detaches, abandoned waits, and
 * wakes whom that unblocks.  The dying process takes no part.
 *
 * The keeper listens on an abstract unix socket named by the arena's id; a
 * process is watched once its pid and start time are sent there: by itself
 * as it registers, by its parent when a fork puts it in the model.  The
 * sender does not wait for an answer (a round trip cost each fork a
 * millisecond here): the keeper checks the start time against the pid's
 * process (a parent may reap its child, and the pid be reused, before the
 * keeper reads), and a process registering holds the arena's first byte
 * shared while it tells, so that the keeper, which takes it exclusive to
 * leave, never leaves with a request unread.  A parent that dies before it
 * told leaves a mark; the keeper then looks over the process table for
 * processes it does not watch.  The first process that finds no keeper
 * starts one (detached, in its own session) and waits for its answer; the
 * keeper leaves when it has nobody left to watch (a drop-in arena's a
 * second later, for the next program).  The memory of segments the deaths
 * destroyed is given back when nothing waits for the keeper.
 *
 * Trust: anyone on the machine can connect to an abstract socket, so the
 * keeper answers only processes that may write the arena (the peer's
 * credentials against the file's owner and mode), keeps few connections
 * waiting for their request and drops them after a deadline; a client
 * trusts only a keeper that is the arena's (its pid and user), and waits
 * for it with a deadline.
 * Must not: keep arena state of its own, or run in a process that itself
 * uses the arena's IPC. */
#define _GNU_SOURCE
#include "ref_fmt.h"
#include "ref_runtime.h"
#include "ref_signals.h"
#include "ref_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WATCHED REF_MAX_PROCS
#define MAX_PENDING 256              /* connections whose request has not come */
#define PENDING_MS 2000              /* how long one may take to send it */
#define LINGER_MS 1000               /* a drop-in arena's keeper with nobody left waits this
                                      * long for a next process (a program forking short-lived
                                      * children would start a keeper for each) */
#define CLIENT_TIMEOUT_S 2           /* how long a client waits for the keeper, each try */
#define LEAVE_RETRY_MS 10            /* a keeper that would leave while a process tells it of
                                      * itself looks again this much later */

struct watch_request {
    int32_t pid;
    int32_t pad;
    uint64_t start_time;
};

/* The keeper's runtime object: what it polls.  Entry 0 is the listening
 * socket; the others are pidfds of watched processes, or connections whose
 * request has not arrived yet (never read before poll says so, so a client
 * stopped half-way holds nothing up). */
struct keeper {
    struct ref_arena *arena;
    int listen_fd;
    int n;
    struct pollfd pfd[MAX_WATCHED + 1];
    struct watch_request who[MAX_WATCHED + 1];   /* for pidfds */
    int is_connection[MAX_WATCHED + 1];
    long long since[MAX_WATCHED + 1];            /* when a connection was accepted (ms) */
    int pending;                                 /* connections among the entries */
    int release_due;                             /* exits applied: memory to give back once idle */
    long long alone_since;                       /* when it was left with nobody to watch, or 0 */
    long long leave_again;                       /* when to try leaving again, or 0 */
    int watched;                                 /* it has watched a process */
};

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What is left of the wait for a next process (ms; 0 or less: over). */
static long long linger_left(const struct keeper *k)
{
    return k->alone_since + LINGER_MS - now_ms();
}

/* Whether the process behind connection C may write the arena: its user
 * owns the file or is root, or the file's mode lets its user or group write. */
static int peer_trusted(const struct ref_arena *a, int c)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    struct stat st;
    if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || fstat(a->fd, &st) < 0)
        return 0;
    if (cred.uid == 0 || cred.uid == st.st_uid || (st.st_mode & 002) || ((st.st_mode & 020) && cred.gid == st.st_gid))
        return 1;
    /* the file's group among the peer's supplementary groups, as open(2)
     * would have let it write (a teller is not told it was refused) */
    gid_t groups[256];
    len = sizeof(groups);
    if (!(st.st_mode & 020) || getsockopt(c, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
        return 0;
    for (size_t i = 0; i < len / sizeof(gid_t); i++)
        if (groups[i] == st.st_gid)
            return 1;
    return 0;
}

static socklen_t socket_name(const struct ref_arena *a, struct sockaddr_un *sun)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    /* (no snprintf: a fork child's first call asks the keeper) */
    char *end = ref_put_hex(ref_put_str(sun->sun_path + 1, "svipc-ref-"), a->hdr->arena_id, 16);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)(end - sun->sun_path));
}

/* Entry I out of the table (its descriptor left open). */
static void forget_entry(struct keeper *k, int i)
{
    k->pending -= k->is_connection[i];
    k->pfd[i] = k->pfd[k->n];
    k->who[i] = k->who[k->n];
    k->is_connection[i] = k->is_connection[k->n];
    k->since[i] = k->since[k->n];
    k->n--;
}

static void drop_entry(struct keeper *k, int i)
{
    ref_sys_close(k->pfd[i].fd);
    forget_entry(k, i);
}

/* Whether the keeper watches PID started at START already. */
static int watching(const struct keeper *k, pid_t pid, uint64_t start)
{
    for (int i = 1; i <= k->n; i++)
        if (!k->is_connection[i] && k->who[i].pid == pid && k->who[i].start_time == start)
            return 1;
    return 0;
}

/* Whether PIDFD, made for PID, is the process that started at START, not
 * one that has the pid since (its start time, read after the pidfd was
 * made: the same one says that process held the pid from before, so the
 * pidfd is its own).  Unreadable: gone, unless the pidfd says it runs. */
static int same_process(pid_t pid, uint64_t start, int pidfd)
{
    uint64_t now = ref_start_time(pid);
    if (now)
        return now == start;
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    return poll(&p, 1, 0) == 0;
}

/* Watch PID (started at START) through a pidfd, or apply its end if it is
 * gone already (or its pid is another process's now). */
static void watch(struct keeper *k, pid_t pid, uint64_t start)
{
    if (watching(k, pid, start))
        return;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0 && start && !same_process(pid, start, pidfd)) {
        ref_sys_close(pidfd);
        pidfd = -1;
    }
    if (pidfd < 0) {
        k->release_due |= ref_apply_exit(k->arena, pid, start, 0);
        return;
    }
    if (k->n >= MAX_WATCHED) {                   /* not for a slot's process: one per slot */
        ref_sys_close(pidfd);
        return;
    }
    k->n++;
    k->pfd[k->n] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
    k->who[k->n] = (struct watch_request){ .pid = pid, .start_time = start };
    k->is_connection[k->n] = 0;
}

/* The processes of the table the keeper does not watch, watched (or their
 * ends applied): asked for by the mark a process left that died before it
 * told the keeper of its fork child, and before the keeper leaves.  The
 * mark is cleared first: one left during the look brings another. */
static void look_over_table(struct keeper *k)
{
    struct ref_header *h = k->arena->hdr;
    __atomic_store_n(&h->keeper_scan, 0, __ATOMIC_SEQ_CST);
    int high = __atomic_load_n(&h->proc_high, __ATOMIC_RELAXED);
    for (int i = 0; i <= high && i < REF_MAX_PROCS; i++) {
        pid_t pid = __atomic_load_n(&h->procs[i].pid, __ATOMIC_ACQUIRE);
        uint64_t start = h->procs[i].start_time;
        if (pid > 0 && start)
            watch(k, pid, start);
    }
}

/* A request arrived on connection I: its process watched (pid 0 only
 * wakes the keeper, which then finds keeper_scan set); answered, for a
 * process that waits for the answer; the connection closed. */
static void take_request(struct keeper *k, int i)
{
    int c = k->pfd[i].fd;
    struct watch_request rq;
    ssize_t got = recv(c, &rq, sizeof(rq), MSG_DONTWAIT);
    forget_entry(k, i);                          /* C is closed after the answer, below */
    if (got != sizeof(rq)) {                     /* the client died or misspoke */
        ref_sys_close(c);
        return;
    }
    if (rq.pid > 0)
        watch(k, rq.pid, rq.start_time);
    char ack = 'w';
    send(c, &ack, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    ref_sys_close(c);
}

/* New connections: from a process that may not write the arena, closed at
 * once; beyond MAX_PENDING waiting ones, closed too (the client retries). */
static void accept_all(struct keeper *k)
{
    for (;;) {
        int c = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0)
            return;
        if (k->n >= MAX_WATCHED || k->pending >= MAX_PENDING || !peer_trusted(k->arena, c)) {
            ref_sys_close(c);
            continue;
        }
        k->n++;
        k->pfd[k->n] = (struct pollfd){ .fd = c, .events = POLLIN };
        k->is_connection[k->n] = 1;
        k->since[k->n] = now_ms();
        k->pending++;
    }
}

/* Connections that sent nothing within PENDING_MS hold nothing up. */
static void drop_stale(struct keeper *k)
{
    long long t = now_ms();
    for (int i = k->n; i >= 1; i--)
        if (k->is_connection[i] && t - k->since[i] > PENDING_MS)
            drop_entry(k, i);
}

/* The keeper may touch the arena only while the file holds it whole. */
static void check_file(struct keeper *k)
{
    char why[512];
    if (ref_arena_check_size(k->arena, why, sizeof(why)) < 0) {
        /* its last words go where $SVIPC_REF_KEEPER_LOG said when it was
         * started (stderr is closed: a pipe held open by a detached keeper
         * would keep its reader waiting) */
        const char *log = getenv("SVIPC_REF_KEEPER_LOG");
        int fd = log ? ref_sys_open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
        if (fd >= 0) {
            dprintf(fd, "svipc-ref keeper: %s; the keeper stops\n", why);
            ref_sys_close(fd);
        }
        _exit(2);
    }
}

/* The arena file's first byte, locked with a process-owned record lock:
 * exclusive by a process that starts a keeper (one at a time) and by the
 * keeper that leaves; shared by a process that tells the keeper of itself.
 * WAIT 0: -1 at once if another holds it. */
static int byte_lock(struct ref_arena *a, int type, int wait)
{
    struct flock l = { .l_type = (short)type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    int rc;
    while ((rc = fcntl(a->fd, wait ? F_SETLKW : F_SETLK, &l)) < 0 && errno == EINTR)
        ;
    return rc;
}

static _Noreturn void keeper_main(struct ref_arena *a, int listen_fd, int ready_fd)
{
    static struct keeper k;
    k.arena = a;
    k.listen_fd = listen_fd;
    k.pfd[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
    struct rlimit files;                         /* a pidfd per process: more than 1024 */
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    char ok = 'k';
    if (write(ready_fd, &ok, 1) != 1)
        _exit(1);
    ref_sys_close(ready_fd);
    /* nobody to watch yet: the process that started it is awaited as a
     * next one is (one that died, or was refused the arena, before it
     * asked to be watched would otherwise leave it waiting for ever) */
    k.alone_since = now_ms();
    for (;;) {
        /* the memory of segments that exits destroyed is given back when
         * nothing waits for the keeper: a process asking to be watched
         * (every fork) is not held up behind megabytes of it */
        int timeout = k.release_due ? 0 : k.pending ? PENDING_MS : -1;
        if (!k.n && !k.release_due) {
            long long left = k.leave_again ? k.leave_again - now_ms() : linger_left(&k);
            timeout = left > 0 ? (int)left : 0;
        }
        int ready = poll(k.pfd, (nfds_t)k.n + 1, timeout);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            _exit(1);
        }
        if (ready == 0 && k.release_due) {
            check_file(&k);
            ref_release_dead(k.arena);
            k.release_due = 0;
            continue;
        }
        /* from the end, so an entry moved into a freed place was seen */
        for (int i = k.n; i >= 1; i--) {
            if (!k.pfd[i].revents)
                continue;
            check_file(&k);
            if (k.is_connection[i]) {
                take_request(&k, i);
            } else {
                k.release_due |= ref_apply_exit(k.arena, k.who[i].pid, k.who[i].start_time, 0);
                drop_entry(&k, i);
            }
        }
        drop_stale(&k);
        if (k.pfd[0].revents & POLLIN)
            accept_all(&k);
        if (__atomic_load_n(&a->hdr->keeper_scan, __ATOMIC_ACQUIRE)) {
            check_file(&k);
            look_over_table(&k);
        }
        if (k.n > k.pending) {
            k.alone_since = 0;         /* someone to watch again */
            k.leave_again = 0;
            k.watched = 1;
        }
        if (k.n == 0) {
            if (k.release_due) {
                check_file(&k);
                ref_release_dead(k.arena);
                k.release_due = 0;
            }
            /* an arena of a path (the drop-in's) outlives its processes:
             * the next one is awaited a while (by the poll above, whose
             * connections that bring nobody do not extend it); a
             * scenario's (a descriptor) ends with them */
            if (!k.alone_since)
                k.alone_since = now_ms();
            int descriptor = strncmp(a->name, "fd:", 3) == 0;
            if (linger_left(&k) > 0 && !(descriptor && k.watched))
                continue;
            /* nobody left; but not while a process tells it of itself (it
             * holds the arena's first byte shared from before it tells
             * until its slot is made): its request would be lost with the
             * socket.  With the byte, any request sent is in: taken, and
             * the table looked over (a process whose teller died); then
             * the next process finds no keeper and starts one */
            if (byte_lock(a, F_WRLCK, 0) < 0) {
                k.leave_again = now_ms() + LEAVE_RETRY_MS;
                continue;
            }
            check_file(&k);
            look_over_table(&k);
            accept_all(&k);
            if (k.n) {
                byte_lock(a, F_UNLCK, 0);
                continue;
            }
            ref_sys_close(listen_fd);
            _exit(0);
        }
    }
}

/* Close every descriptor but the three given: the ranges between them in
 * a few close_range calls rather than a close per possible descriptor. */
static void close_all_but(int x, int y, int z)
{
    int keep[3] = { x, y, z };
    for (int i = 0; i < 3; i++)          /* sort the three */
        for (int j = i + 1; j < 3; j++)
            if (keep[j] < keep[i]) {
                int t = keep[i];
                keep[i] = keep[j];
                keep[j] = t;
            }
    unsigned int from = 0;
    for (int i = 0; i < 3; i++) {
        if (keep[i] < 0)
            continue;
        if ((unsigned int)keep[i] > from)
            syscall(SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
        from = (unsigned int)keep[i] + 1;
    }
    syscall(SYS_close_range, from, ~0U, 0);
}

/* Start a keeper unless one is listening; returns once one is. */
static void spawn_keeper(struct ref_arena *a)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return;
    /* the middle process only forks the keeper and exits: sharing our
     * memory (vfork), it costs no copy of our page tables; signals stay
     * blocked while it runs, so no handler of ours runs in it */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t mid = vfork();
    if (mid == 0) {
        if (ref_real_fork() != 0)
            _exit(0);
        sigprocmask(SIG_SETMASK, &old, NULL);
        setsid();
        ref_signal(SIGINT, SIG_IGN);
        ref_signal(SIGHUP, SIG_IGN);
        ref_signal(SIGPIPE, SIG_IGN);
        struct sockaddr_un sun;
        socklen_t len = socket_name(a, &sun);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len) < 0)
            _exit(0);                  /* another keeper won the race */
        /* the name is ours: clients trust the keeper whose pid the arena names */
        __atomic_store_n(&a->hdr->keeper_pid, getpid(), __ATOMIC_RELEASE);
        if (listen(fd, 128) < 0)
            _exit(0);
        ref_sys_close(ready[0]);
        close_all_but(fd, ready[1], a->fd);
        a->crash_countdown = 0;        /* a test's injected death is its process's, not the keeper's */
        keeper_main(a, fd, ready[1]);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    ref_sys_close(ready[1]);
    if (mid > 0) {
        int status;
        /* the system call itself: inside the preload library, waitpid is
         * the library's own export, which would apply an exit for MID */
        while (syscall(SYS_wait4, mid, &status, 0, NULL) < 0 && errno == EINTR)
            ;
        char c;
        while (read(ready[0], &c, 1) < 0 && errno == EINTR)
            ;
    }
    ref_sys_close(ready[0]);
}

/* Whether the process listening on the other end of FD is the arena's
 * keeper: its pid the one the arena names, its user the arena's or ours. */
static int keeper_trusted(const struct ref_arena *a, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return 0;
    return cred.pid == __atomic_load_n(&a->hdr->keeper_pid, __ATOMIC_ACQUIRE) &&
           (cred.uid == 0 || cred.uid == (uid_t)a->hdr->owner_uid || cred.uid == geteuid());
}

/* RQ sent to the keeper: 0 once it is in the keeper's socket and (AWAIT)
 * the keeper answered; -1 when no keeper took it. */
static int send_request(struct ref_arena *a, const struct watch_request *rq, int await)
{
    struct sockaddr_un sun;
    socklen_t len = socket_name(a, &sun);
    /* a teller never blocks: a keeper whose queue of connections is full
     * is asked the slow way (ref_keeper_watch) */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (await ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0)
        return -1;
    if (await) {
        /* connect, send and the answer each within the deadline */
        struct timeval limit = { .tv_sec = CLIENT_TIMEOUT_S };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    }
    int rc = -1;
    if (connect(fd, (struct sockaddr *)&sun, len) == 0 && keeper_trusted(a, fd) &&
        send(fd, rq, sizeof(*rq), MSG_NOSIGNAL) == sizeof(*rq)) {
        rc = 0;
        if (await) {
            char ack;
            ssize_t n;
            while ((n = recv(fd, &ack, 1, 0)) < 0 && errno == EINTR)
                ;
            rc = n == 1 ? 0 : -1;
        }
    }
    ref_sys_close(fd);                 /* a request told stays in the keeper's socket */
    return rc;
}

int ref_keeper_tell(struct ref_arena *a, pid_t pid, uint64_t start)
{
    struct watch_request rq = { .pid = pid, .start_time = start };
    return send_request(a, &rq, 0);
}

void ref_keeper_hold(struct ref_arena *a, int hold)
{
    byte_lock(a, hold ? F_RDLCK : F_UNLCK, 1);
}

int ref_keeper_watch(struct ref_arena *a, pid_t pid, uint64_t start)
{
    struct watch_request rq = { .pid = pid, .start_time = start };
    for (int attempt = 0; attempt < 3; attempt++) {
        if (send_request(a, &rq, 1) == 0)
            return 0;
        byte_lock(a, F_WRLCK, 1);
        int done = send_request(a, &rq, 1) == 0;     /* another process may have started one */
        if (!done)
            spawn_keeper(a);
        byte_lock(a, F_UNLCK, 1);
        if (done)
            return 0;
    }
    return -1;
}
