/* engine.c: the coordinator of one scenario instance.
 *
 * Isolation: the runner enters a fresh PID namespace (and the backend's own
 * isolation, a fresh IPC namespace for the kernel) before forking the
 * scenario's processes.  The namespace's init is a tiny CLONE_VM child with
 * PR_SET_PDEATHSIG, so if the runner dies, for any reason, the kernel kills
 * every process of the scenario and the IPC namespace goes with them.
 *
 * Synchronisation: a step is sent to one puppet; the engine then knows it
 * completed (a reply), blocked (the backend sees it asleep inside the call)
 * or died (end of file on its channel).  After every step, every blocked
 * puppet is settled the same way, so "B's send woke A" is decided before the
 * next step.  No sleep decides an outcome; waits only poll for those facts,
 * each bounded by the step's and the scenario's deadline.
 * Must not: print, or leave a process, namespace or file behind. */
#define _GNU_SOURCE
#include "engine.h"

#include "args.h"
#include "verdict.h"

#include "names.h"
#include "outcome.h"
#include "puppet.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL_FD 3         /* a top-level puppet's channel */
#define EXE_FD     4         /* this program, for exec steps */

const char *scenario_status_name(enum scenario_status status)
{
    static const char *const names[] = {
        [SC_PASS] = "pass", [SC_FAIL] = "fail", [SC_TIMEOUT] = "timeout",
        [SC_SKIP] = "skip", [SC_ERROR] = "error",
    };
    return names[status];
}

/* ---------- the runner's environment ---------- */

int runner_env_init(struct runner_env *env, char *why, size_t size)
{
    memset(env, 0, sizeof(*env));
    env->pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
    if (env->pidns_fd < 0) {
        snprintf(why, size, "no PID namespaces (/proc/self/ns/pid: %s)", strerror(errno));
        return -1;
    }
    env->exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (env->exe_fd < 0) {
        snprintf(why, size, "/proc/self/exe: %s", strerror(errno));
        return -1;
    }
    /* A window for shmat at known addresses: reserved here, released by
     * each puppet, so every puppet forked from this runner has it free. */
    size_t align = 2u << 20;
    env->base_span = 256u << 20;
    char *area = mmap(NULL, env->base_span + align, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED) {
        snprintf(why, size, "cannot reserve an address window: %s", strerror(errno));
        return -1;
    }
    env->base = ((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1);
    env->init_stack_size = 64 * 1024;
    env->init_stack = mmap(NULL, env->init_stack_size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (env->init_stack == MAP_FAILED) {
        snprintf(why, size, "cannot map a stack: %s", strerror(errno));
        return -1;
    }
    env->reply_buf = malloc(sizeof(struct wire_reply) + WIRE_MAX_DATA + 16);
    if (!env->reply_buf) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    env->step_deadline_ms = 5000;
    env->scenario_deadline_ms = 30000;
    return 0;
}

/* ---------- the per-scenario runtime object ---------- */

enum proc_state { P_ABSENT, P_IDLE, P_BLOCKED, P_WOKEN, P_GONE };

struct proc {
    enum proc_state state;
    int channel;
    pid_t outer;             /* as the runner sees it */
    pid_t inner;             /* as the scenario's processes see it */
    int parent;              /* -1: forked by the runner */
    int step;                /* the step it is blocked in, or woke from */
    enum op op;
    int64_t args[WIRE_ARGS];
    int may_time_out;        /* the blocked call has a timeout of its own */
    struct outcome woke;     /* P_WOKEN: the outcome to hand to 'resumes' */
    int reaped;
    int status;              /* wait status once reaped */
};

struct run {
    const struct scenario *s;
    const struct backend *be;
    const struct runner_env *env;
    struct scenario_result *res;
    struct proc proc[MAX_PROCS];
    long vars[MAX_VARS];
    struct scratch_files files;        /* 'file NAME' steps */
    struct normaliser norm;
    pid_t init;
    double scenario_deadline;
    long step_ms;
    unsigned char *buf;      /* reply buffer */
    int failed;              /* stop after the first failure */
    double step_start;       /* when the current step began, for its latency */
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double step_deadline(const struct run *r)
{
    double d = now() + (double)r->step_ms / 1000.0;
    return d < r->scenario_deadline ? d : r->scenario_deadline;
}

#define fail(r, status, step, ...) verdict_fail((r)->res, &(r)->failed, status, step, __VA_ARGS__)

static void trace_step(struct run *r, int index, const char *event, int proc, const struct outcome *o)
{
    verdict_trace(r->res, r->s, index, event, proc, o, (long)((now() - r->step_start) * 1e6));
}

/* ---------- talking to puppets ---------- */

static void normalise(struct run *r, struct outcome *o, enum op op)
{
    r->norm.nprocs = r->s->nprocs;
    for (int i = 0; i < r->s->nprocs; i++)
        r->norm.pid[i] = r->proc[i].state == P_ABSENT ? 0 : r->proc[i].inner;
    outcome_normalise(o, op, &r->norm);
}

/* Take one reply from P's channel into O.  1 reply, 0 end of file, -1 error. */
static int take_reply(struct run *r, struct proc *p, enum op op, const int64_t *args, struct outcome *o)
{
    ssize_t n = wire_recv(p->channel, r->buf, sizeof(struct wire_reply) + WIRE_MAX_DATA, NULL, NULL);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    struct wire_reply rep;
    memcpy(&rep, r->buf, sizeof(rep));
    memset(o, 0, sizeof(*o));
    if (rep.kind == REPLY_FAULT) {
        o->status = OUT_FAULT;
        o->sig = (int)rep.ret;
        o->ret = -1;
    } else {
        o->status = OUT_DONE;
        o->ret = rep.ret;
        o->err = rep.err;
        outcome_decode(o, op, args, r->buf + sizeof(rep), rep.data_len);
    }
    return 1;
}

/* Whether process PID has finished exiting: a zombie, or already reaped. */
static int is_dead(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 1;
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');        /* the state follows the command name */
    return !paren || paren[1] == '\0' || paren[2] == 'Z' || paren[2] == 'X';
}

/* The process behind P has closed its channel: it is exiting.  Its channel
 * closes (exit_files) before it becomes a zombie (exit_notify), so wait for
 * that too: a 'wait' step after it must find it dead, not still exiting. */
static void mark_gone(struct run *r, struct proc *p)
{
    p->state = P_GONE;
    close(p->channel);
    p->channel = -1;
    double deadline = step_deadline(r);
    struct timespec pause = { 0, 20000 };
    while (!is_dead(p->outer) && now() < deadline)
        nanosleep(&pause, NULL);
    if (r->be->process_gone)
        r->be->process_gone(p->inner);
}

static int wait_readable(int fd, double deadline, double max_wait)
{
    double left = deadline - now();
    if (left < 0)
        left = 0;
    if (max_wait >= 0 && left > max_wait)
        left = max_wait;
    struct timespec ts = { .tv_sec = (time_t)left, .tv_nsec = (long)((left - (double)(time_t)left) * 1e9) };
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    int n = ppoll(&pfd, 1, &ts, NULL);
    return n > 0;
}

static int op_can_block(enum op op)
{
    return op == OP_MSGSND || op == OP_MSGRCV || op == OP_SEMOP || op == OP_SEMTIMEDOP || op == OP_WAIT;
}

enum wait_result { W_REPLY, W_BLOCKED, W_EOF, W_TIMEOUT };

/* Wait until P replies, is seen asleep inside the blocking call of OP
 * (unless UNTIL_REPLY), or closes its channel. */
static enum wait_result await_puppet(struct run *r, struct proc *p, enum op op, const int64_t *args,
                                     struct outcome *o, int until_reply, double deadline)
{
    double backoff = 30e-6;
    int watch = op_can_block(op) && !until_reply;
    for (;;) {
        if (wait_readable(p->channel, deadline, watch ? backoff : -1)) {
            int got = take_reply(r, p, op, args, o);
            if (got > 0)
                return W_REPLY;
            return W_EOF;
        }
        if (watch) {
            int b = r->be->blocked_in(p->outer, op);
            if (b == 1)
                return W_BLOCKED;
        }
        if (now() >= deadline)
            return W_TIMEOUT;
        backoff = backoff * 2 < 5e-3 ? backoff * 2 : 5e-3;
    }
}

static pid_t wait_child(pid_t pid, int *status)
{
    pid_t got;
    do
        got = waitpid(pid, status, __WALL);
    while (got < 0 && errno == EINTR);
    return got;
}

/* Describe how P ended, for a step that did not expect it. */
static void describe_death(struct proc *p, struct outcome *o)
{
    o->status = OUT_DIED;
    if (p->parent < 0 && !p->reaped && wait_child(p->outer, &p->status) == p->outer) {
        p->reaped = 1;
        if (WIFSIGNALED(p->status)) {
            o->sig = WTERMSIG(p->status);
            snprintf(o->detail, sizeof(o->detail), "killed by %s", signal_name(o->sig));
        } else {
            snprintf(o->detail, sizeof(o->detail), "exited with %d", WEXITSTATUS(p->status));
        }
    } else {
        snprintf(o->detail, sizeof(o->detail), "the process is gone");
    }
}

/* A fresh puppet has sent HELLO on P's channel: learn its pids. */
static int take_hello(struct run *r, struct proc *p, double deadline)
{
    if (!wait_readable(p->channel, deadline, -1))
        return -1;
    pid_t outer = 0;
    ssize_t n = wire_recv(p->channel, r->buf, sizeof(struct wire_reply) + WIRE_MAX_DATA, NULL, &outer);
    if (n < (ssize_t)sizeof(struct wire_reply))
        return -1;
    struct wire_reply rep;
    memcpy(&rep, r->buf, sizeof(rep));
    if (rep.kind != REPLY_HELLO)
        return -1;
    p->inner = rep.pid;
    if (outer > 0)
        p->outer = outer;
    return 0;
}

static int new_channel(int pair[2])
{
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
        return -1;
    int on = 1, size = 2 * WIRE_MAX_DATA;
    setsockopt(pair[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
    for (int i = 0; i < 2; i++)
        if (setsockopt(pair[i], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
            setsockopt(pair[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    return 0;
}

/* ---------- scenario set-up and tear-down ---------- */

static int init_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGCHLD, SIG_IGN);      /* orphans are reaped by the kernel */
    for (;;)
        pause();
    return 0;
}

static int spawn_puppet(struct run *r, int index)
{
    struct proc *p = &r->proc[index];
    int pair[2];
    if (new_channel(pair) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(pair[0]);
        close(pair[1]);
        return -1;
    }
    if (pid == 0) {
        /* keep only this puppet's channel, the executable and the
         * backend's descriptor, each at its known number */
        int keep[3] = { pair[1], r->env->exe_fd, r->be->scenario_fd ? r->be->scenario_fd() : -1 };
        const int at[3] = { CHANNEL_FD, EXE_FD, BACKEND_FD };
        for (int i = 0; i < 3; i++)
            if (keep[i] >= 0)
                keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, BACKEND_FD + 1);
        for (int i = 0; i < 3; i++)
            if (keep[i] >= 0)
                dup2(keep[i], at[i]);
        syscall(SYS_close_range, BACKEND_FD + 1, ~0U, 0);
        munmap((void *)r->env->base, r->env->base_span);
        puppet_start(CHANNEL_FD, r->be);
        puppet_run(CHANNEL_FD, r->be);
    }
    close(pair[1]);
    p->channel = pair[0];
    p->outer = pid;
    p->parent = -1;
    p->state = P_IDLE;
    return 0;
}

static int begin(struct run *r)
{
    char why[256];
    if (setns(r->env->pidns_fd, CLONE_NEWPID) < 0 || unshare(CLONE_NEWPID) < 0) {
        fail(r, SC_SKIP, -1, "cannot create a PID namespace: %s", strerror(errno));
        return -1;
    }
    if (r->be->begin_scenario(why, sizeof(why)) < 0) {
        fail(r, SC_SKIP, -1, "%s", why);
        return -1;
    }
    r->init = clone(init_main, r->env->init_stack + r->env->init_stack_size,
                    CLONE_VM | SIGCHLD, NULL);
    if (r->init < 0) {
        fail(r, SC_ERROR, -1, "cannot start the namespace's init: %s", strerror(errno));
        return -1;
    }
    /* fork them all, then hear from each: they start up in parallel */
    for (int i = 0; i < r->s->ninitial; i++)
        if (spawn_puppet(r, i) < 0) {
            fail(r, SC_ERROR, -1, "cannot start process %s: %s", r->s->proc_name[i], strerror(errno));
            return -1;
        }
    for (int i = 0; i < r->s->ninitial; i++)
        if (take_hello(r, &r->proc[i], step_deadline(r)) < 0) {
            fail(r, SC_ERROR, -1, "process %s did not start", r->s->proc_name[i]);
            return -1;
        }
    return 0;
}

static void end(struct run *r)
{
    if (r->init > 0)
        kill(r->init, SIGKILL);    /* the kernel kills the whole namespace */
    for (int i = 0; i < r->s->nprocs; i++) {
        if (r->proc[i].channel >= 0)
            close(r->proc[i].channel);
        outcome_clear(&r->proc[i].woke);
    }
    int status;
    while (wait_child(-1, &status) > 0)
        ;
    scratch_free(&r->files);
}

/* ---------- settling ---------- */

/* Whether SIG is still pending for process PID (not yet delivered). */
static int signal_pending(pid_t pid, int sig)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    int pending = 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0) {
            unsigned long long mask = strtoull(line + 7, NULL, 16);
            if (mask & (1ULL << (sig - 1)))
                pending = 1;
        }
    fclose(f);
    return pending;
}

/* Bring a blocked process to a known state: still asleep in its call, or
 * completed (its outcome kept for 'resumes'), or gone. */
static void settle_blocked(struct run *r, int index, int after_step)
{
    struct proc *p = &r->proc[index];
    if (p->state != P_BLOCKED)
        return;
    struct outcome o;
    memset(&o, 0, sizeof(o));
    switch (await_puppet(r, p, p->op, p->args, &o, 0, step_deadline(r))) {
    case W_BLOCKED:
        return;
    case W_REPLY:
        normalise(r, &o, p->op);
        p->woke = o;
        p->state = P_WOKEN;
        trace_step(r, after_step, "woke", index, &o);
        return;
    case W_EOF:
        describe_death(p, &o);
        mark_gone(r, p);
        normalise(r, &o, p->op);
        trace_step(r, after_step, "died", index, &o);
        return;
    case W_TIMEOUT:
        fail(r, SC_TIMEOUT, after_step,
             "process %s, blocked in step %d, neither stayed asleep in its call nor answered "
             "within the deadline", r->s->proc_name[index], p->step);
        return;
    }
}

static void settle_all(struct run *r, int after_step)
{
    for (int i = 0; i < r->s->nprocs && !r->failed; i++)
        settle_blocked(r, i, after_step);
}

static int signal_is_fatal(int sig)
{
    return sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGCHLD && sig != SIGCONT &&
           sig != SIGSTOP && sig != SIGTSTP && sig != SIGURG && sig != SIGWINCH;
}

/* After a signal to TARGET: wait until it was delivered, and, when it is
 * fatal, until the process is gone (its SEM_UNDO and detaches done). */
static void settle_signal(struct run *r, int target, int sig, int after_step)
{
    struct proc *p = &r->proc[target];
    double deadline = step_deadline(r);
    if (p->state == P_GONE || p->state == P_ABSENT)
        return;
    if (!signal_is_fatal(sig)) {
        /* delivered once no longer pending; a reply or an end of file is
         * left for settle_all to take */
        while (signal_pending(p->outer, sig) && now() < deadline)
            if (wait_readable(p->channel, deadline, 50e-6))
                break;
        return;
    }
    for (;;) {
        if (!wait_readable(p->channel, deadline, -1)) {
            fail(r, SC_TIMEOUT, after_step, "process %s did not end after %s",
                 r->s->proc_name[target], signal_name(sig));
            return;
        }
        struct outcome o;
        int got = take_reply(r, p, p->op, p->args, &o);
        if (got == 0) {
            mark_gone(r, p);
            memset(&o, 0, sizeof(o));
            o.status = OUT_DIED;
            snprintf(o.detail, sizeof(o.detail), "killed by %s", signal_name(sig));
            normalise(r, &o, p->op);
            trace_step(r, after_step, "died", target, &o);
            return;
        }
        outcome_clear(&o);   /* a reply racing the signal: the process still ends */
    }
}

/* ---------- building requests ---------- */

struct request {
    struct wire_request head;
    unsigned char *data;
    size_t len;
    int pass_fd;
};

static long eval(const struct run *r, const struct expr *e)
{
    return expr_eval(e, r->vars, r->env->base);
}

static int build_request(struct run *r, const struct step *st, struct request *rq, char *why, size_t size)
{
    int64_t *a = rq->head.arg;
    memset(rq, 0, sizeof(*rq));
    rq->pass_fd = -1;
    rq->head.op = st->op;
    pid_t target = 0;
    if (st->op == OP_KILL || st->op == OP_WAIT) {
        const struct proc *t = &r->proc[st->target];
        if (t->state == P_ABSENT) {
            snprintf(why, size, "process %s does not exist yet", r->s->proc_name[st->target]);
            return -1;
        }
        target = t->inner;
    }
    step_resolve_args(st, r->vars, r->env->base, target, a);
    rq->head.flags = step_keyword(st, "buf") ? WIRE_NULL_BUFFER : 0;
    /* the data each call carries */
    switch (st->op) {
    case OP_MSGSND:
    case OP_WRITE:
        rq->data = st->data.ptr;
        rq->len = st->data.len;
        break;
    case OP_SEMCTL:
        if (st->nlist && a[2] == SETALL) {
            unsigned short *vals = calloc(32768, sizeof(unsigned short));
            for (int i = 0; i < st->nlist && i < 32768; i++)
                vals[i] = (unsigned short)st->list[i];
            rq->data = (unsigned char *)vals;
            rq->len = 32768 * sizeof(unsigned short);
        }
        break;
    case OP_SEMOP:
    case OP_SEMTIMEDOP: {
        size_t room = (size_t)st->nsops;
        if (a[1] > (long)room && a[1] <= 4096)
            room = (size_t)a[1];
        struct sembuf *sops = calloc(room ? room : 1, sizeof(struct sembuf));
        for (int i = 0; i < st->nsops; i++) {
            sops[i].sem_num = (unsigned short)eval(r, &st->sop[i].num);
            sops[i].sem_op = (short)eval(r, &st->sop[i].op);
            sops[i].sem_flg = (short)(st->sop[i].flg.nterms ? eval(r, &st->sop[i].flg) : 0);
        }
        rq->data = (unsigned char *)sops;
        rq->len = room * sizeof(struct sembuf);
        break;
    }
    case OP_FTOK:
        if (st->data_var >= 0) {
            rq->data = (unsigned char *)r->files.path[st->data_var];
            rq->len = strlen(r->files.path[st->data_var]) + 1;
        } else {
            rq->data = st->data.ptr;
            rq->len = st->data.len + 1;     /* the parser leaves a NUL after the bytes */
        }
        break;
    case OP_READ:
        if (a[1] < 0 || a[1] > WIRE_MAX_DATA) {
            snprintf(why, size, "read length %ld outside 0..%d", (long)a[1], WIRE_MAX_DATA);
            return -1;
        }
        break;
    case OP_SETGROUPS: {
        gid_t *g = calloc((size_t)st->nlist + 1, sizeof(gid_t));
        for (int i = 0; i < st->nlist; i++)
            g[i] = (gid_t)st->list[i];
        rq->data = (unsigned char *)g;
        rq->len = (size_t)st->nlist * sizeof(gid_t);
        break;
    }
    case OP_SYSCTL: {
        size_t nl = strlen(st->word), vl = st->word_value ? strlen(st->word_value) : 0;
        char *d = calloc(nl + vl + 2, 1);
        memcpy(d, st->word, nl);
        if (vl)
            memcpy(d + nl + 1, st->word_value, vl);
        rq->data = (unsigned char *)d;
        rq->len = nl + vl + 2;
        break;
    }
    case OP_SYSVIPC:
        rq->data = (unsigned char *)st->word;
        rq->len = strlen(st->word) + 1;
        break;
    case OP_EXEC:
        a[0] = EXE_FD;
        rq->data = (unsigned char *)r->be->name;
        rq->len = strlen(r->be->name) + 1;
        break;
    default:
        break;
    }
    if (rq->len > WIRE_MAX_DATA) {
        snprintf(why, size, "the step's data (%zu bytes) exceeds the harness limit of %d",
                 rq->len, WIRE_MAX_DATA);
        return -1;
    }
    rq->head.data_len = (uint32_t)rq->len;
    return 0;
}

static void free_request(const struct step *st, struct request *rq)
{
    int owned = st->op == OP_SEMOP || st->op == OP_SEMTIMEDOP || st->op == OP_SETGROUPS ||
                st->op == OP_SYSCTL || (st->op == OP_SEMCTL && rq->data);
    if (owned)
        free(rq->data);
}

/* ---------- steps ---------- */

static void check(struct run *r, int index, const struct outcome *o)
{
    verdict_check(r->res, &r->failed, r->s, index, o, r->vars, r->env->base);
}

/* A step of one process. */
static void run_proc_step(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    const char *who = r->s->proc_name[st->proc];
    struct outcome o;
    memset(&o, 0, sizeof(o));

    if (p->state == P_ABSENT || p->state == P_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s %s", r->s->file, st->line, index + 1,
             who, p->state == P_GONE ? "has already ended" : "does not exist yet");
        return;
    }
    if (p->state != P_IDLE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is %s in step %d; write '%s: resumes' first",
             r->s->file, st->line, index + 1, who, p->state == P_BLOCKED ? "blocked" : "done",
             p->step + 1, who);
        return;
    }

    struct request rq;
    char why[256];
    if (build_request(r, st, &rq, why, sizeof(why)) < 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s", r->s->file, st->line, index + 1, why);
        return;
    }
    int child[2] = { -1, -1 };
    if (st->op == OP_FORK) {
        if (new_channel(child) < 0) {
            fail(r, SC_ERROR, index, "socketpair: %s", strerror(errno));
            free_request(st, &rq);
            return;
        }
        rq.pass_fd = child[1];
    }
    int sent = wire_send(p->channel, &rq.head, sizeof(rq.head), rq.data, rq.len, rq.pass_fd);
    int send_errno = errno;
    if (child[1] >= 0)
        close(child[1]);
    if (sent < 0) {
        free_request(st, &rq);
        if (child[0] >= 0)
            close(child[0]);
        fail(r, SC_ERROR, index, "%s:%d: step %d: cannot reach process %s: %s", r->s->file,
             st->line, index + 1, who, strerror(send_errno));
        return;
    }

    const struct keyword *timeout = step_keyword(st, "timeout");
    int may_time_out = st->op == OP_SEMTIMEDOP && timeout && !timeout->is_null;
    int expects_block = st->expect.kind == EXPECT_BLOCKS || st->expect.kind == EXPECT_ANY;
    double deadline = step_deadline(r);
    enum wait_result w = await_puppet(r, p, st->op, rq.head.arg, &o, 0, deadline);
    if (w == W_BLOCKED && may_time_out && !expects_block)
        w = await_puppet(r, p, st->op, rq.head.arg, &o, 1, deadline);
    switch (w) {
    case W_REPLY:
        break;
    case W_BLOCKED:
        o.status = expects_block ? OUT_BLOCKED : OUT_HANG;
        if (!expects_block)
            snprintf(o.detail, sizeof(o.detail),
                     "%s is asleep inside %s; the step was expected to complete", who, op_name(st->op));
        p->state = P_BLOCKED;
        p->step = index;
        p->op = st->op;
        p->may_time_out = may_time_out;
        memcpy(p->args, rq.head.arg, sizeof(p->args));
        break;
    case W_EOF:
        if (st->op == OP_EXIT) {
            o.status = OUT_EXITED;
            mark_gone(r, p);
        } else if (st->op == OP_EXEC) {
            o.status = OUT_DONE;   /* not reached: exec keeps the channel */
        } else {
            describe_death(p, &o);
            mark_gone(r, p);
        }
        break;
    case W_TIMEOUT:
        o.status = OUT_TIMEOUT;
        snprintf(o.detail, sizeof(o.detail), "no answer from %s within %.0f ms", who,
                 (double)r->step_ms);
        break;
    }

    /* the new process of a fork, and the new image of an exec, say hello */
    if (st->op == OP_FORK && o.status == OUT_DONE && o.ret > 0) {
        struct proc *c = &r->proc[st->target];
        c->channel = child[0];
        c->parent = st->proc;
        c->state = P_IDLE;
        child[0] = -1;
        if (take_hello(r, c, step_deadline(r)) < 0) {
            o.status = OUT_ERROR;
            snprintf(o.detail, sizeof(o.detail), "the forked process %s did not start",
                     r->s->proc_name[st->target]);
        }
    }
    if (child[0] >= 0)
        close(child[0]);
    if (st->op == OP_EXEC && o.status == OUT_DONE && o.ret != -1)
        o.status = OUT_ERROR;
    if (st->op == OP_EXEC && o.status == OUT_ERROR) {
        o.status = OUT_ERROR;
        snprintf(o.detail, sizeof(o.detail), "unexpected reply to exec");
    }
    free_request(st, &rq);

    normalise(r, &o, st->op);
    trace_step(r, index, op_name(st->op), st->proc, &o);
    if (st->bind >= 0 && o.status == OUT_DONE)
        r->vars[st->bind] = o.ret;
    check(r, index, &o);
    if (st->op == OP_KILL && o.status == OUT_DONE && o.ret == 0)
        settle_signal(r, st->target, (int)eval(r, &st->arg[0]), index);
    outcome_clear(&o);
}

static void run_exec_step(struct run *r, int index)
{
    /* exec: the reply is a HELLO from the new image on the same channel */
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->state != P_IDLE) {
        run_proc_step(r, index);   /* reports the state error */
        return;
    }
    struct request rq;
    char why[256];
    build_request(r, st, &rq, why, sizeof(why));
    if (wire_send(p->channel, &rq.head, sizeof(rq.head), rq.data, rq.len, -1) < 0 ||
        !wait_readable(p->channel, step_deadline(r), -1)) {
        o.status = OUT_TIMEOUT;
        snprintf(o.detail, sizeof(o.detail), "no answer to exec");
    } else {
        ssize_t n = wire_recv(p->channel, r->buf, sizeof(struct wire_reply) + WIRE_MAX_DATA, NULL, NULL);
        struct wire_reply rep;
        if (n >= (ssize_t)sizeof(rep)) {
            memcpy(&rep, r->buf, sizeof(rep));
            o.status = OUT_DONE;
            o.ret = rep.kind == REPLY_HELLO ? 0 : -1;
            o.err = rep.kind == REPLY_HELLO ? 0 : rep.err;
        } else {
            describe_death(p, &o);
            mark_gone(r, p);
        }
    }
    normalise(r, &o, st->op);
    trace_step(r, index, "exec", st->proc, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

static void run_resumes(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->state == P_BLOCKED && p->may_time_out) {
        /* its own timeout ends the wait: take the reply when it comes */
        switch (await_puppet(r, p, p->op, p->args, &o, 1, step_deadline(r))) {
        case W_REPLY:
            normalise(r, &o, p->op);
            p->woke = o;
            p->state = P_WOKEN;
            memset(&o, 0, sizeof(o));
            break;
        case W_EOF:
            describe_death(p, &o);
            mark_gone(r, p);
            break;
        default:
            o.status = OUT_TIMEOUT;
            snprintf(o.detail, sizeof(o.detail), "the call's own timeout did not end it");
            break;
        }
    } else if (p->state == P_BLOCKED) {
        settle_blocked(r, st->proc, index);
    }
    if (p->state == P_WOKEN) {
        o = p->woke;
        memset(&p->woke, 0, sizeof(p->woke));
        p->state = P_IDLE;
        if (p->step >= 0 && r->s->steps[p->step].bind >= 0 && o.status == OUT_DONE)
            r->vars[r->s->steps[p->step].bind] = o.ret;
    } else if (p->state == P_BLOCKED) {
        o.status = OUT_BLOCKED;
        snprintf(o.detail, sizeof(o.detail), "%s is still asleep inside %s (step %d)",
                 r->s->proc_name[st->proc], op_name(p->op), p->step + 1);
    } else if (o.status == 0 && p->state != P_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s has no blocked step to resume", r->s->file,
             st->line, index + 1, r->s->proc_name[st->proc]);
        return;
    } else if (p->state == P_GONE && o.status == 0) {
        o.status = OUT_DIED;
        snprintf(o.detail, sizeof(o.detail), "the process is gone");
    }
    trace_step(r, index, "resumes", st->proc, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

static void run_blocked(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->proc];
    settle_blocked(r, st->proc, index);
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = p->state == P_BLOCKED ? OUT_BLOCKED : OUT_DONE;
    normalise(r, &o, st->op);
    trace_step(r, index, "blocked", st->proc, &o);
    if (p->state != P_BLOCKED)
        fail(r, SC_FAIL, index, "%s:%d: step %d: %s\n    expected: %s still blocked\n    actual:   %s",
             r->s->file, st->line, index + 1, st->source, r->s->proc_name[st->proc],
             p->state == P_WOKEN ? "it completed" : p->state == P_GONE ? "it is gone" : "it is not blocked");
}

static void run_signal(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->target];
    int sig = (int)eval(r, &st->arg[0]);
    struct outcome o;
    memset(&o, 0, sizeof(o));
    o.status = OUT_DONE;
    if (p->state == P_ABSENT || p->state == P_GONE) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: process %s is not running", r->s->file, st->line,
             index + 1, r->s->proc_name[st->target]);
        return;
    }
    o.ret = kill(p->outer, sig);
    o.err = errno;
    normalise(r, &o, st->op);
    trace_step(r, index, "signal", -1, &o);
    check(r, index, &o);
    if (o.ret == 0)
        settle_signal(r, st->target, sig, index);
}

static void run_reap(struct run *r, int index)
{
    const struct step *st = &r->s->steps[index];
    struct proc *p = &r->proc[st->target];
    struct outcome o;
    memset(&o, 0, sizeof(o));
    if (p->parent >= 0) {
        fail(r, SC_ERROR, index, "%s:%d: step %d: %s was forked by %s: write '%s: wait %s'",
             r->s->file, st->line, index + 1, r->s->proc_name[st->target],
             r->s->proc_name[p->parent], r->s->proc_name[p->parent], r->s->proc_name[st->target]);
        return;
    }
    if (p->state != P_GONE) {
        /* its channel closes when it ends: wait for that, within the deadline */
        double deadline = step_deadline(r);
        for (;;) {
            if (!wait_readable(p->channel, deadline, -1)) {
                o.status = OUT_TIMEOUT;
                snprintf(o.detail, sizeof(o.detail), "%s is still running", r->s->proc_name[st->target]);
                break;
            }
            struct outcome ignored;
            if (take_reply(r, p, p->op, p->args, &ignored) <= 0) {
                mark_gone(r, p);
                break;
            }
            outcome_clear(&ignored);
        }
    }
    if (p->state == P_GONE) {
        if (!p->reaped && wait_child(p->outer, &p->status) == p->outer)
            p->reaped = 1;
        o.status = OUT_DONE;
        o.ret = p->outer;
        outcome_decode(&o, OP_REAP, NULL, (const unsigned char *)&p->status, sizeof(int));
        o.ret = 0;
    }
    normalise(r, &o, OP_REAP);
    trace_step(r, index, "wait", -1, &o);
    check(r, index, &o);
    outcome_clear(&o);
}

void engine_run(const struct scenario *s, const struct backend *be,
                const struct runner_env *env, struct scenario_result *res)
{
    double start = now();
    struct run r;
    memset(&r, 0, sizeof(r));
    memset(res, 0, sizeof(*res));
    res->status = SC_PASS;
    res->step = -1;
    res->trace = json_array();
    r.s = s;
    r.be = be;
    r.env = env;
    r.res = res;
    r.step_ms = s->step_deadline_ms ? s->step_deadline_ms : env->step_deadline_ms;
    long scenario_ms = s->scenario_deadline_ms ? s->scenario_deadline_ms : env->scenario_deadline_ms;
    r.scenario_deadline = start + (double)scenario_ms / 1000.0;
    r.norm.name = (const char *const *)s->proc_name;
    r.norm.base = env->base;
    r.norm.base_span = env->base_span;
    for (int i = 0; i < MAX_PROCS; i++)
        r.proc[i].channel = -1;
    scratch_init(&r.files);
    r.buf = env->reply_buf;

    int began = begin(&r);
    double steps_start = now();
    res->setup_ms = (steps_start - start) * 1000.0;
    if (began == 0) {
        for (int i = 0; i < s->nsteps && !r.failed; i++) {
            if (now() >= r.scenario_deadline) {
                fail(&r, SC_TIMEOUT, i, "%s:%d: the scenario's deadline (%ld ms) passed before step %d",
                     s->file, s->steps[i].line, scenario_ms, i + 1);
                break;
            }
            r.step_start = now();
            switch (s->steps[i].op) {
            case OP_RESUMES: run_resumes(&r, i); break;
            case OP_BLOCKED: run_blocked(&r, i); break;
            case OP_SIGNAL: run_signal(&r, i); break;
            case OP_REAP: run_reap(&r, i); break;
            case OP_FILE: scratch_file_step(&r.files, r.res, &r.failed, s, i); break;
            case OP_EXEC: run_exec_step(&r, i); break;
            default: run_proc_step(&r, i); break;
            }
            if (!r.failed)
                settle_all(&r, i);
        }
    }
    double teardown_start = now();
    res->steps_ms = (teardown_start - steps_start) * 1000.0;
    end(&r);
    double finish = now();
    res->teardown_ms = (finish - teardown_start) * 1000.0;
    res->ms = (finish - start) * 1000.0;
}
