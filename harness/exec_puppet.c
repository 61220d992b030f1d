/* exec_puppet.c: the puppet executor.  Each scenario process is a real
 * process, a puppet (puppet.c), driven one request at a time over its own
 * channel.  The kernel and the reference runtime run here.
 *
 * Isolation: the runner enters a fresh PID namespace (and the backend's own
 * isolation, a fresh IPC namespace for the kernel) before starting the
 * scenario's processes.  The namespace's init is a tiny CLONE_VM child with
 * PR_SET_PDEATHSIG, so if the runner dies, for any reason, the kernel kills
 * every process of the scenario and the IPC namespace goes with them.
 *
 * Launch: a puppet is forked from the runner (its code is already here),
 * or, when the target says so (target.h), a command starts a puppet
 * program: a wrapper and this program, or an emulator and the puppet built
 * for its architecture; an exec step re-executes the same way, as the same
 * puppet on the same channel.
 * Observation: a request's process has answered (a reply), or is asleep
 * inside the call, or has ended (end of file on its channel); waits only
 * poll for those facts, each bounded by a deadline.  "Asleep inside the
 * call" is the target's method: the backend's reading of /proc/PID/syscall,
 * the kernel function in /proc/PID/wchan (under an emulator, whose host
 * calls are not the guest's), or the puppet's mark with the state S.
 * Must not: decide outcomes (the engine does), or leave a process behind. */
#define _GNU_SOURCE
#include "executor.h"

#include "abi.h"
#include "backend.h"
#include "names.h"
#include "procfs.h"
#include "puppet.h"
#include "runner.h"
#include "target.h"
#include "userns.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHANNEL_FD 3         /* a top-level puppet's channel */
#define EXE_FD     4         /* this program, for exec steps */

struct pproc {
    int channel;             /* -1: none */
    pid_t outer;             /* as the runner sees it */
    pid_t inner;             /* as the scenario's processes see it */
    int abi;                 /* its structures' layouts (enum abi_id) */
    int parent;              /* -1: started by the runner */
    int gone;
    int reaped;
    int status;              /* wait status once reaped */
};

/* The executor's per-scenario runtime object. */
struct puppets {
    struct executor base;
    const struct scenario *s;
    const struct backend *be;
    const struct runner_env *env;
    struct pproc proc[MAX_PROCS];
    pid_t init;
    uintptr_t window;        /* the puppets' shmat window (the first hello's) */
    unsigned char *buf;      /* the runner's reply buffer */
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ---------- channels ---------- */

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

/* Readable before DEADLINE, waiting at most MAX_WAIT seconds (< 0: no limit). */
static int wait_readable(int fd, double deadline, double max_wait)
{
    double left = deadline - now();
    if (left < 0)
        left = 0;
    if (max_wait >= 0 && left > max_wait)
        left = max_wait;
    struct timespec ts = { .tv_sec = (time_t)left, .tv_nsec = (long)((left - (double)(time_t)left) * 1e9) };
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    return ppoll(&pfd, 1, &ts, NULL) > 0;
}

/* One reply from P into OUT.  1 reply, 0 end of file, -1 error. */
static int take_reply(struct puppets *x, struct pproc *p, struct x_reply *out)
{
    ssize_t n = wire_recv(p->channel, x->buf, sizeof(struct wire_reply) + WIRE_MAX_DATA, NULL, NULL);
    if (n <= 0)
        return n < 0 ? -1 : 0;
    struct wire_reply rep;
    memcpy(&rep, x->buf, sizeof(rep));
    memset(out, 0, sizeof(*out));
    if (rep.kind == REPLY_FAULT) {
        out->status = X_FAULT;
        out->sig = (int)rep.ret;
        out->ret = -1;
    } else {
        out->status = X_DONE;
        out->ret = rep.ret;
        out->err = rep.err;
        out->data = x->buf + sizeof(rep);
        out->len = rep.data_len;
        out->wrote = rep.wrote;
        out->beyond = rep.beyond;
    }
    return 1;
}

static size_t launch_words(const struct runner_env *env, const struct backend *be, char *buf, size_t size);

/* Ask P's image to exec the puppet again (the launch command, or this
 * program by its descriptor): an exec step, or a new image's second try. */
static int send_exec(struct puppets *x, struct pproc *p)
{
    struct wire_request rq = { .op = OP_EXEC, .arg = { EXE_FD } };
    char words[8192];
    rq.data_len = (uint32_t)launch_words(x->env, x->be, words, sizeof(words));
    return wire_send(p->channel, &rq, sizeof(rq), words, rq.data_len, -1);
}

/* The first word of a new image on P's channel into REP: its HELLO, or an
 * exec that failed.  An image that found the scenario's window taken
 * (address-space randomisation put its libraries there) is exec'd again,
 * up to WINDOW_TRIES times.  0; -1: P is gone or silent; WINDOW_TAKEN: out
 * of tries (P waits for an exec still). */
#define WINDOW_TRIES 8
#define WINDOW_TAKEN (-2)
static int take_start(struct puppets *x, struct pproc *p, double deadline, struct wire_reply *rep, pid_t *outer)
{
    for (int tries = 1;; tries++) {
        if (!wait_readable(p->channel, deadline, -1))
            return -1;
        ssize_t n = wire_recv(p->channel, x->buf, sizeof(struct wire_reply) + WIRE_MAX_DATA, NULL, outer);
        if (n < (ssize_t)sizeof(*rep))
            return -1;
        memcpy(rep, x->buf, sizeof(*rep));
        if (rep->kind != REPLY_NO_WINDOW)
            return 0;
        if (tries == WINDOW_TRIES)
            return WINDOW_TAKEN;
        if (send_exec(x, p) < 0)
            return -1;
    }
}

/* A fresh puppet has sent HELLO on P's channel: learn its pids.  0, -1,
 * or WINDOW_TAKEN. */
static int take_hello(struct puppets *x, struct pproc *p, double deadline)
{
    pid_t outer = 0;
    struct wire_reply rep;
    int got = take_start(x, p, deadline, &rep, &outer);
    if (got < 0)
        return got;
    if (rep.kind != REPLY_HELLO)
        return -1;
    p->inner = rep.pid;
    p->abi = (int)rep.abi;
    if (!x->window)
        x->window = (uintptr_t)rep.base;
    if (outer > 0)
        p->outer = outer;
    return 0;
}

/* ---------- processes ---------- */

static pid_t wait_child(pid_t pid, int *status)
{
    pid_t got;
    do
        got = waitpid(pid, status, __WALL);
    while (got < 0 && errno == EINTR);
    return got;
}

/* P has closed its channel: it is exiting.  Its channel closes
 * (exit_files) before it becomes a zombie (exit_notify), so wait for that
 * too: a step after it must find it dead, not still exiting. */
static void mark_gone(struct puppets *x, struct pproc *p, double deadline)
{
    p->gone = 1;
    close(p->channel);
    p->channel = -1;
    struct timespec pause = { 0, 20000 };
    while (!proc_has_exited(p->outer) && now() < deadline)
        nanosleep(&pause, NULL);
    if (x->be->process_gone)
        x->be->process_gone(p->inner);
}

/* How P ended, for a step that did not expect it. */
static void describe_death(struct pproc *p, struct x_reply *out)
{
    out->status = X_GONE;
    if (p->parent < 0 && !p->reaped && wait_child(p->outer, &p->status) == p->outer) {
        p->reaped = 1;
        if (WIFSIGNALED(p->status)) {
            out->sig = WTERMSIG(p->status);
            snprintf(out->detail, sizeof(out->detail), "killed by %s", signal_name(out->sig));
        } else {
            snprintf(out->detail, sizeof(out->detail), "exited with %d", WEXITSTATUS(p->status));
        }
    } else {
        snprintf(out->detail, sizeof(out->detail), "the process is gone");
    }
}

/* Asleep (S) in the kernel function of D (the end of /proc/PID/wchan's name). */
static int wchan_asleep(pid_t pid, const struct op_desc *d)
{
    return d->wchan ? proc_asleep_in_function(pid, d->wchan) : 0;
}

/* Marked "in the call of D" by the puppet itself, and asleep (S). */
static int mark_asleep(const struct puppets *x, const struct pproc *p, const struct op_desc *d)
{
    for (int i = 0; x->env->marks && i < PUPPET_MARKS; i++) {
        const struct puppet_mark *m = &x->env->marks[i];
        if (__atomic_load_n(&m->pid, __ATOMIC_SEQ_CST) == p->outer)
            return __atomic_load_n(&m->in_call, __ATOMIC_SEQ_CST) && m->op == (int32_t)d->op &&
                   proc_state_letter(p->outer) == 'S';
    }
    return 0;
}

/* Whether P is asleep inside the call of D, by the target's method. */
static int asleep_in(struct puppets *x, struct pproc *p, const struct op_desc *d)
{
    switch (x->env->observe) {
    case OBSERVE_WCHAN:
        return wchan_asleep(p->outer, d);
    case OBSERVE_MARK:
        return mark_asleep(x, p, d);
    default:
        return x->be->blocked_in(p->outer, d);
    }
}

enum wait_result { W_REPLY, W_BLOCKED, W_EOF, W_TIMEOUT };

/* Wait until P replies, or is seen asleep inside the blocking call of OP
 * (when WATCH), or closes its channel. */
static enum wait_result await_puppet(struct puppets *x, struct pproc *p, enum op op, int watch, double deadline,
                                     struct x_reply *out)
{
    const struct op_desc *d = op_desc(op);
    double backoff = 30e-6;
    watch = watch && (d->flags & OPF_BLOCKS);
    for (;;) {
        if (wait_readable(p->channel, deadline, watch ? backoff : -1))
            return take_reply(x, p, out) > 0 ? W_REPLY : W_EOF;
        if (watch && asleep_in(x, p, d) == 1)
            return W_BLOCKED;
        if (now() >= deadline)
            return W_TIMEOUT;
        backoff = backoff * 2 < 5e-3 ? backoff * 2 : 5e-3;
    }
}

/* An answer awaited: the reply, the sleep, or how the process ended. */
static void await_answer(struct puppets *x, int proc, enum op op, int watch, double deadline, struct x_reply *out)
{
    struct pproc *p = &x->proc[proc];
    memset(out, 0, sizeof(*out));
    switch (await_puppet(x, p, op, watch, deadline, out)) {
    case W_REPLY:
        return;
    case W_BLOCKED:
        out->status = X_BLOCKED;
        return;
    case W_EOF:
        if (op == OP_EXIT)
            out->status = X_GONE;    /* its status is for whoever waits for it */
        else
            describe_death(p, out);
        mark_gone(x, p, deadline);
        return;
    case W_TIMEOUT:
        out->status = X_NO_ANSWER;
        return;
    }
}

/* ---------- launching ---------- */

static int init_main(void *arg)
{
    (void)arg;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGCHLD, SIG_IGN);      /* orphans are reaped by the kernel */
    for (;;)
        pause();
    return 0;
}

/* The command that starts a puppet (none: this program, by its
 * descriptor), as NUL-separated words after the backend's name: the data
 * of an exec request (puppet.c appends --puppet FD BACKEND BASE). */
static size_t launch_words(const struct runner_env *env, const struct backend *be, char *buf, size_t size)
{
    size_t used = 0;
    int count = 0;
    while (env->launch && env->launch[count])
        count++;
    for (int i = -1; i < count; i++) {
        const char *word = i < 0 ? be->name : env->launch[i];
        size_t n = strlen(word) + 1;
        if (used + n > size)
            return 0;
        memcpy(buf + used, word, n);
        used += n;
    }
    return used;
}

/* In a new puppet's process: become the launched program (never returns).
 * BASE: the window the scenario's puppets share, or 0 for the first. */
static _Noreturn void exec_launched(const struct runner_env *env, const struct backend *be, uintptr_t base)
{
    char *argv[64], fd_text[16], base_text[32];
    int n = 0;
    for (int i = 0; env->launch[i] && n < 58; i++)
        argv[n++] = env->launch[i];
    snprintf(fd_text, sizeof(fd_text), "%d", CHANNEL_FD);
    snprintf(base_text, sizeof(base_text), "%#lx", (unsigned long)base);
    argv[n++] = "--puppet";
    argv[n++] = fd_text;
    argv[n++] = (char *)be->name;
    argv[n++] = base_text;
    argv[n] = NULL;
    execvp(argv[0], argv);
    fprintf(stderr, "svipc: cannot start %s: %s\n", argv[0], strerror(errno));
    _exit(123);
}

/* Fork a top-level puppet for process INDEX: it keeps only its channel,
 * this program and the backend's descriptor, each at its known number. */
static int spawn_puppet(struct puppets *x, int index)
{
    struct pproc *p = &x->proc[index];
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
        int keep[3] = { pair[1], x->env->exe_fd, x->be->scenario_fd ? x->be->scenario_fd() : -1 };
        const int at[3] = { CHANNEL_FD, EXE_FD, BACKEND_FD };
        for (int i = 0; i < 3; i++)
            if (keep[i] >= 0)
                keep[i] = fcntl(keep[i], F_DUPFD_CLOEXEC, BACKEND_FD + 1);
        for (int i = 0; i < 3; i++)
            if (keep[i] >= 0)
                dup2(keep[i], at[i]);
        syscall(SYS_close_range, BACKEND_FD + 1, ~0U, 0);
        if (x->env->pidns_fd < 0)
            prctl(PR_SET_PDEATHSIG, SIGKILL);  /* no namespace's init to take it along */
        if (x->env->launch) {
            /* one layout for every started image, as processes forked
             * from one runner share theirs: shmat(NULL) then answers the
             * same address in each, as the golden traces record */
            personality((unsigned long)personality(0xffffffff) | ADDR_NO_RANDOMIZE);
            exec_launched(x->env, x->be, x->window);
        }
        puppet_main(CHANNEL_FD, x->be, x->env->base, 1, x->env->observe == OBSERVE_MARK ? x->env->marks : NULL);
    }
    close(pair[1]);
    p->channel = pair[0];
    p->outer = pid;
    p->parent = -1;
    return 0;
}

static void puppets_end(struct executor *base)
{
    struct puppets *x = (struct puppets *)base;
    if (x->init > 0)
        kill(x->init, SIGKILL);    /* the kernel kills the whole namespace */
    for (int i = 0; i < MAX_PROCS; i++) {
        if (x->init <= 0 && x->proc[i].outer > 0 && !x->proc[i].reaped)
            kill(x->proc[i].outer, SIGKILL);   /* no namespace: each process */
        if (x->proc[i].channel >= 0)
            close(x->proc[i].channel);
    }
    int status;
    while (wait_child(-1, &status) > 0)
        ;
    free(x);
}

/* A literal of an IPC step beyond 32 bits (a 64-bit mtype, msgtyp or
 * size): a 32-bit architecture's long cannot say it, so the scenario is
 * not this architecture's to run.  1 with WHY, else 0. */
static int says_a_64_bit_number(const struct scenario *s, char *why, size_t size)
{
    for (int k = 0; k < s->nsteps; k++) {
        const struct step *st = &s->steps[k];
        if (!(op_desc(st->op)->flags & OPF_IPC))
            continue;
        for (int i = 0; i < st->nargs + st->nkeywords; i++) {
            const struct expr *e = i < st->nargs ? &st->arg[i] : &st->keyword[i - st->nargs].value;
            for (int t = 0; t < e->nterms; t++) {
                long v = e->term[t].value;
                if (e->term[t].kind == TERM_LITERAL && (v < INT32_MIN || v > (long)UINT32_MAX)) {
                    snprintf(why, size, "line %d says %ld, which a 32-bit architecture's long cannot hold", st->line, v);
                    return 1;
                }
            }
        }
    }
    return 0;
}

static struct executor *puppets_begin(const struct scenario *s, const struct backend *be,
                                      const struct runner_env *env, enum scenario_status *status, char *why,
                                      size_t size)
{
    *status = SC_SKIP;
    if (env->processes_why[0]) {
        snprintf(why, size, "%s", env->processes_why);
        return NULL;
    }
    if (id_maps_cover(&env->ids, s, userns_description(), why, size) < 0)
        return NULL;                   /* ids this user namespace does not have */
    struct puppets *x = calloc(1, sizeof(*x));
    if (!x) {
        *status = SC_ERROR;
        snprintf(why, size, "out of memory");
        return NULL;
    }
    x->base.ops = &executor_puppets;
    x->s = s;
    x->be = be;
    x->env = env;
    x->buf = env->reply_buf;
    for (int i = 0; i < MAX_PROCS; i++)
        x->proc[i].channel = -1;
    long step_ms = s->step_deadline_ms ? s->step_deadline_ms : env->step_deadline_ms;
    if (env->launch)
        step_ms *= PROGRAM_START_DEADLINES;   /* each puppet is a program started */
    double deadline = now() + (double)step_ms / 1000.0;
    /* a PID namespace per scenario where there are PID namespaces to come
     * back from (not in gVisor: there the runner adopts what it starts, and
     * every process of the scenario is killed by name at the end) */
    if (env->pidns_fd >= 0 && (setns(env->pidns_fd, CLONE_NEWPID) < 0 || unshare(CLONE_NEWPID) < 0)) {
        snprintf(why, size, "cannot create a PID namespace: %s", strerror(errno));
        goto fail;
    }
    if (env->pidns_fd < 0)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (env->marks)
        memset(env->marks, 0, sizeof(struct puppet_mark) * PUPPET_MARKS);
    if (be->begin_scenario(why, size) < 0)
        goto fail;
    *status = SC_ERROR;
    if (env->pidns_fd >= 0) {
        x->init = clone(init_main, env->init_stack + env->init_stack_size, CLONE_VM | SIGCHLD, NULL);
        if (x->init < 0) {
            snprintf(why, size, "cannot start the namespace's init: %s", strerror(errno));
            goto fail;
        }
    }
    /* start them all, then hear from each: they start up in parallel;
     * wrapped, the first one's hello first, which names the window */
    if (!env->launch)
        x->window = env->base;
    for (int i = 0; i < s->ninitial; i++) {
        if (spawn_puppet(x, i) < 0) {
            snprintf(why, size, "cannot start process %s: %s", s->proc_name[i], strerror(errno));
            goto fail;
        }
        if (i == 0 && !x->window && take_hello(x, &x->proc[0], deadline) < 0) {
            snprintf(why, size, "process %s did not start", s->proc_name[0]);
            goto fail;
        }
    }
    for (int i = env->launch ? 1 : 0; i < s->ninitial; i++) {
        int got = take_hello(x, &x->proc[i], deadline);
        if (got == WINDOW_TAKEN) {
            snprintf(why, size, "process %s did not start: the shmat window %#lx is taken in each new image (%d tries)",
                     s->proc_name[i], (unsigned long)x->window, WINDOW_TRIES);
            goto fail;
        }
        if (got < 0) {
            snprintf(why, size, "process %s did not start", s->proc_name[i]);
            goto fail;
        }
    }
    /* via= steps need the ipc(2) multiplexer, which only some
     * architectures have: the puppets' say */
    const struct abi *abi = abi_by_id(x->proc[0].abi);
    if (s->needs_ipc_multiplexer && abi && !abi->has_ipc) {
        *status = SC_SKIP;
        snprintf(why, size, "no ipc(2) on %s (via= steps run on --target qemu-i386)", abi->name);
        goto fail;
    }
    if (abi && abi->long_size < 8 && says_a_64_bit_number(s, why, size)) {
        *status = SC_SKIP;
        goto fail;
    }
    return &x->base;
fail:
    puppets_end(&x->base);
    return NULL;
}

/* ---------- steps ---------- */

static pid_t puppets_pid(struct executor *base, int proc)
{
    struct puppets *x = (struct puppets *)base;
    return x->proc[proc].inner;
}

static int puppets_abi(struct executor *base, int proc)
{
    struct puppets *x = (struct puppets *)base;
    return x->proc[proc].abi;
}

static uintptr_t puppets_base(struct executor *base)
{
    return ((struct puppets *)base)->window;
}

/* exec: the reply is a HELLO from the new image on the same channel, or
 * the failed exec's errno. */
static void perform_exec(struct puppets *x, int proc, double deadline, struct x_reply *out)
{
    struct pproc *p = &x->proc[proc];
    struct wire_reply rep;
    memset(out, 0, sizeof(*out));
    if (send_exec(x, p) < 0 || !wait_readable(p->channel, deadline, -1)) {
        out->status = X_NO_ANSWER;
        snprintf(out->detail, sizeof(out->detail), "no answer to exec");
        return;
    }
    int got = take_start(x, p, deadline, &rep, NULL);
    if (got == WINDOW_TAKEN) {
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "the shmat window %#lx is taken in each new image (%d tries)",
                 (unsigned long)x->window, WINDOW_TRIES);
        return;
    }
    if (got < 0) {
        describe_death(p, out);
        mark_gone(x, p, deadline);
        return;
    }
    out->status = X_DONE;
    out->ret = rep.kind == REPLY_HELLO ? 0 : -1;
    out->err = rep.kind == REPLY_HELLO ? 0 : rep.err;
}

static void puppets_perform(struct executor *base, int proc, int target, const struct request *rq, int watch,
                            double deadline, struct x_reply *out)
{
    struct puppets *x = (struct puppets *)base;
    struct pproc *p = &x->proc[proc];
    enum op op = (enum op)rq->head.op;
    if (op == OP_EXEC) {
        perform_exec(x, proc, deadline, out);
        return;
    }
    int child[2] = { -1, -1 };
    if (op == OP_FORK && new_channel(child) < 0) {
        memset(out, 0, sizeof(*out));
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "socketpair: %s", strerror(errno));
        return;
    }
    /* the step's deadline, for a call that keeps one itself (a tool step's program) */
    struct wire_request head = rq->head;
    const struct op_desc *d = op_desc(op);
    for (int i = 0; i < STEP_ARGS; i++)
        if (d->slot[i] == SLOT_DEADLINE)
            head.arg[i] = (int64_t)(deadline * 1e9);
    int sent = wire_send(p->channel, &head, sizeof(head), rq->data, rq->len, child[1]);
    int send_errno = errno;
    if (child[1] >= 0)
        close(child[1]);
    if (sent < 0) {
        if (child[0] >= 0)
            close(child[0]);
        memset(out, 0, sizeof(*out));
        out->status = X_ERROR;
        snprintf(out->detail, sizeof(out->detail), "cannot reach process %s: %s", x->s->proc_name[proc],
                 strerror(send_errno));
        return;
    }
    await_answer(x, proc, op, watch, deadline, out);
    /* the new process of a fork says hello on the channel it was given */
    if (op == OP_FORK && out->status == X_DONE && out->ret > 0) {
        struct pproc *c = &x->proc[target];
        c->channel = child[0];
        c->parent = proc;
        c->abi = p->abi;
        child[0] = -1;
        if (take_hello(x, c, deadline) < 0) {
            out->status = X_ERROR;
            snprintf(out->detail, sizeof(out->detail), "the forked process %s did not start",
                     x->s->proc_name[target]);
        }
    }
    if (child[0] >= 0)
        close(child[0]);
}

static void puppets_settle(struct executor *base, int proc, const struct request *rq, enum x_settle how,
                           double deadline, struct x_reply *out)
{
    struct puppets *x = (struct puppets *)base;
    await_answer(x, proc, (enum op)rq->head.op, how == X_LOOK, deadline, out);
}

static int puppets_send_signal(struct executor *base, int proc, int sig)
{
    struct puppets *x = (struct puppets *)base;
    return kill(x->proc[proc].outer, sig);
}

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

static void puppets_await_signal(struct executor *base, int proc, int sig, double deadline, struct x_reply *out)
{
    struct puppets *x = (struct puppets *)base;
    struct pproc *p = &x->proc[proc];
    memset(out, 0, sizeof(*out));
    out->status = X_DONE;
    if (p->gone || p->channel < 0)
        return;
    if (!puppet_signal_is_fatal(sig)) {
        /* delivered once no longer pending; a reply or an end of file is
         * left for the engine's settling to take */
        while (signal_pending(p->outer, sig) && now() < deadline)
            if (wait_readable(p->channel, deadline, 50e-6))
                break;
        return;
    }
    for (;;) {
        if (!wait_readable(p->channel, deadline, -1)) {
            out->status = X_NO_ANSWER;
            return;
        }
        struct x_reply ignored;
        if (take_reply(x, p, &ignored) <= 0) {
            mark_gone(x, p, deadline);
            out->status = X_GONE;
            out->sig = sig;
            snprintf(out->detail, sizeof(out->detail), "killed by %s", signal_name(sig));
            return;
        }
        /* a reply racing the signal: the process still ends */
    }
}

static void puppets_reap(struct executor *base, int proc, double deadline, struct x_reply *out)
{
    struct puppets *x = (struct puppets *)base;
    struct pproc *p = &x->proc[proc];
    memset(out, 0, sizeof(*out));
    /* its channel closes when it ends: wait for that, within the deadline */
    while (!p->gone) {
        if (!wait_readable(p->channel, deadline, -1)) {
            out->status = X_NO_ANSWER;
            return;
        }
        struct x_reply ignored;
        if (take_reply(x, p, &ignored) <= 0)
            mark_gone(x, p, deadline);
    }
    if (!p->reaped && wait_child(p->outer, &p->status) == p->outer)
        p->reaped = 1;
    out->status = X_DONE;
    out->ret = p->status;
}

const struct executor_ops executor_puppets = {
    .name = "puppets",
    .begin = puppets_begin,
    .end = puppets_end,
    .pid = puppets_pid,
    .abi = puppets_abi,
    .base = puppets_base,
    .perform = puppets_perform,
    .settle = puppets_settle,
    .send_signal = puppets_send_signal,
    .await_signal = puppets_await_signal,
    .reap = puppets_reap,
};
