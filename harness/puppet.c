/* puppet.c: the worker behind each scenario process.  It waits for one
 * request at a time on its channel, performs it (an IPC call through the
 * backend's calls, by calls.c; a process, memory or credential step by the
 * plain system call), and replies with the raw result: return value, errno,
 * bytes out.
 * Must not: interpret results, decide outcomes or hold scenario state; the
 * coordinator does all of that, so an exec'd puppet is as good as a forked one. */
#define _GNU_SOURCE
#include "puppet.h"

#include "abi.h"
#include "linux_ipc.h"
#include "calls.h"
#include "clock_tick.h"
#include "ops.h"
#include "tool.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <sched.h>
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The puppet's runtime object: its channel, backend, buffers and window. */
struct puppet {
    int channel;
    const struct backend *backend;
    unsigned char *in;       /* request buffer */
    unsigned char *out;      /* reply payload */
    uintptr_t base;          /* the address window kept free for shmat */
    struct puppet_mark *marks;   /* shared with the coordinator, or NULL */
    struct puppet_mark *mine;    /* the one this process took */
    /* the outcome of the call made without waiting (would_block) */
    long probe_ret;
    int probe_err;
    size_t probe_len;
    struct calls_effect probe_effect;
};

/* Whether semop's SOPS (N of them) would sleep, and not fail with EAGAIN,
 * given that the same operations all made with IPC_NOWAIT fail with EAGAIN:
 * 1 when the first operation that cannot go on has no IPC_NOWAIT, 0 when it
 * has, -1 when the values cannot be read or no operation is found stuck. */
static int mixed_semop_sleeps(const struct puppet *p, int id, const struct sembuf *sops, size_t n)
{
    enum { MAX_SEEN = 64 };
    unsigned short num[MAX_SEEN];
    long val[MAX_SEEN];
    size_t seen = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < seen && num[k] != sops[i].sem_num)
            k++;
        if (k == seen) {
            if (seen == MAX_SEEN)
                return -1;
            long v = p->backend->calls->semctl(NULL, id, sops[i].sem_num, GETVAL, 0);
            if (v < 0)
                return -1;
            num[seen] = sops[i].sem_num;
            val[seen++] = v;
        }
        long next = val[k] + sops[i].sem_op;     /* earlier operations of the call count */
        if ((sops[i].sem_op == 0 && val[k] != 0) || next < 0)
            return (sops[i].sem_flg & IPC_NOWAIT) == 0;
        val[k] = next;
    }
    return -1;
}

/* With marks only (where /proc cannot tell a sleep from a call being
 * served): before a call that may block, the same call without waiting.
 * It completes as the waiting one would have (its outcome is kept for the
 * reply: 0 returned), or says the call must wait (1): then, and only then,
 * the puppet marks itself and makes the waiting call, which will sleep,
 * since no other process acts meanwhile.  A semop that gives IPC_NOWAIT to
 * some of its operations and not others sleeps or fails with EAGAIN by the
 * first operation, in order, that cannot go on (Linux's
 * perform_atomic_semop): the values are read (GETVAL) to find it, and
 * only a sleep is marked; without read permission the call is made
 * unmarked (if it sleeps, only the deadline sees it). */
static int would_block(struct puppet *p, const struct wire_request *rq, const unsigned char *data)
{
    struct wire_request probe = *rq;
    unsigned char sops[64 * 1024];
    const unsigned char *probe_data = data;
    int nowait_asked = 0, mixed = 0;
    switch (rq->op) {
    case OP_MSGSND:
        nowait_asked = (rq->arg[2] & IPC_NOWAIT) != 0;
        probe.arg[2] |= IPC_NOWAIT;
        break;
    case OP_MSGRCV:
        /* MSG_COPY never waits: it takes IPC_NOWAIT or fails (EINVAL) */
        nowait_asked = (rq->arg[3] & (IPC_NOWAIT | MSG_COPY)) != 0;
        probe.arg[3] |= IPC_NOWAIT;
        break;
    default:                           /* semop, semtimedop */
        if (rq->data_len > sizeof(sops) || (rq->flags & WIRE_NULL_BUFFER))
            break;
        memcpy(sops, data, rq->data_len);
        for (size_t i = 0; i + sizeof(struct sembuf) <= rq->data_len; i += sizeof(struct sembuf)) {
            struct sembuf *sop = (struct sembuf *)(sops + i);
            mixed |= (sop->sem_flg & IPC_NOWAIT) != 0;
            sop->sem_flg |= IPC_NOWAIT;
        }
        probe_data = sops;
        break;
    }
    if (nowait_asked)
        probe = *rq;                   /* the call cannot wait: it is its own probe */
    p->probe_ret = calls_perform(p->backend->calls, NULL, &probe, probe_data, p->out, &p->probe_len,
                                 &p->probe_effect);
    p->probe_err = errno;
    if (nowait_asked || p->probe_ret != -1)
        return 0;
    int waits = rq->op == OP_MSGRCV ? p->probe_err == ENOMSG : p->probe_err == EAGAIN;
    if (waits && mixed) {
        /* which operation would wait decides: a sleep is marked, the rest made unmarked */
        size_t n = rq->data_len / sizeof(struct sembuf);
        if ((uint64_t)(uint32_t)rq->arg[1] < n)          /* the kernel reads nsops as an unsigned int */
            n = (uint32_t)rq->arg[1];
        if (mixed_semop_sleeps(p, (int)rq->arg[0], (const struct sembuf *)data, n) == 1)
            return 1;
        p->probe_ret = calls_perform(p->backend->calls, NULL, rq, data, p->out, &p->probe_len, &p->probe_effect);
        p->probe_err = errno;
        return 0;
    }
    return waits;
}

/* "Entering OP" (IN_CALL 1) or "out" (0), where the coordinator looks. */
static void mark(struct puppet *p, enum op op, int in_call)
{
    if (!p->marks)
        return;
    int32_t pid = (int32_t)getpid();
    if (!p->mine || p->mine->pid != pid) {           /* a fork child takes a mark of its own */
        p->mine = NULL;
        for (int i = 0; i < PUPPET_MARKS && !p->mine; i++) {
            int32_t free_slot = 0;
            if (__atomic_compare_exchange_n(&p->marks[i].pid, &free_slot, pid, 0, __ATOMIC_SEQ_CST,
                                            __ATOMIC_SEQ_CST) || p->marks[i].pid == pid)
                p->mine = &p->marks[i];
        }
        if (!p->mine)
            return;
    }
    __atomic_store_n(&p->mine->op, (int32_t)op, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->mine->in_call, (uint32_t)in_call, __ATOMIC_SEQ_CST);
}

static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
    if (fault_armed) {
        fault_armed = 0;
        siglongjmp(fault_jump, sig);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void on_interrupt(int sig)
{
    (void)sig;   /* only there to make blocked calls return EINTR */
}

int puppet_signal_is_fatal(int sig)
{
    return sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGCHLD && sig != SIGCONT && sig != SIGSTOP &&
           sig != SIGTSTP && sig != SIGURG && sig != SIGWINCH;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* every disposition the default first: a puppet started from a shell's
     * background job inherits SIGINT and SIGQUIT ignored across exec */
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL);
    sa.sa_handler = on_interrupt;          /* no SA_RESTART: calls see EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = on_fault;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static int reply(struct puppet *p, uint32_t kind, long ret, int err, size_t len, const struct calls_effect *effect)
{
    struct wire_reply r = {
        .kind = kind, .ret = ret, .err = ret == -1 ? err : 0,
        .pid = getpid(), .data_len = (uint32_t)len,
        .wrote = effect ? effect->wrote : 0, .beyond = effect ? effect->beyond : 0,
    };
    return wire_send(p->channel, &r, sizeof(r), p->out, len, -1);
}

/* A new puppet (after start, fork or exec) says who it is: its pid as the
 * scenario's processes see it, its layouts, its window. */
static int hello(const struct puppet *p)
{
    struct wire_reply r = { .kind = REPLY_HELLO, .pid = getpid(), .abi = (uint32_t)abi_native(), .base = p->base };
    return wire_send(p->channel, &r, sizeof(r), NULL, 0, -1);
}

static long do_memory(struct puppet *p, const struct wire_request *rq, size_t *len, int *fault)
{
    unsigned char *addr = (unsigned char *)(uintptr_t)rq->arg[0];
    int sig = sigsetjmp(fault_jump, 1);
    if (sig) {
        *fault = sig;
        return sig;
    }
    fault_armed = 1;
    if (rq->op == OP_WRITE) {
        const unsigned char *src = p->in + sizeof(*rq);
        for (uint32_t i = 0; i < rq->data_len; i++)
            ((volatile unsigned char *)addr)[i] = src[i];
        *len = 0;
    } else {
        size_t n = (size_t)rq->arg[1];
        for (size_t i = 0; i < n; i++)
            p->out[i] = ((volatile unsigned char *)addr)[i];
        *len = n;
    }
    fault_armed = 0;
    return 0;
}

static long do_capdrop(uint64_t drop)
{
    struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) < 0)
        return -1;
    /* from the bounding set too (while CAP_SETPCAP is still there), so
     * that a program the process runs (an exec step, a tool step) does not
     * get it back as root would; a capability not there is no error */
    for (int cap = 0; cap < 64; cap++)
        if (drop & (1ULL << cap))
            prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    for (int i = 0; i < 2; i++) {
        uint32_t mask = (uint32_t)(drop >> (32 * i));
        data[i].effective &= ~mask;
        data[i].permitted &= ~mask;
        data[i].inheritable &= ~mask;
    }
    return syscall(SYS_capset, &head, data);
}

/* exec: this program again, as the same puppet on the same channel.  The
 * request's data is the backend's name, then the command that starts it
 * (a wrapper and this program's path), NUL-separated; no command: this
 * program, by the descriptor in arg[0]. */
static void do_exec(struct puppet *p, const struct wire_request *rq)
{
    char fd_text[16], base_text[32];
    char *argv[64];
    int n = 0;
    const char *data = (const char *)p->in + sizeof(*rq);
    for (size_t at = 0; at < rq->data_len && n < 60; at += strlen(data + at) + 1)
        argv[n++] = (char *)data + at;
    if (n < 1) {
        reply(p, REPLY_DONE, -1, EINVAL, 0, NULL);
        return;
    }
    char *backend = argv[0];
    int command = n > 1;               /* argv[1..n) is the command */
    if (!command)
        argv[n++] = "svipc";
    snprintf(fd_text, sizeof(fd_text), "%d", p->channel);
    snprintf(base_text, sizeof(base_text), "%#lx", (unsigned long)p->base);
    argv[n++] = "--puppet";
    argv[n++] = fd_text;
    argv[n++] = backend;
    argv[n++] = base_text;             /* the same window again */
    argv[n] = NULL;
    int flags = fcntl(p->channel, F_GETFD);
    fcntl(p->channel, F_SETFD, flags & ~FD_CLOEXEC);
    extern char **environ;
    if (command)
        execve(argv[1], argv + 1, environ);
    else
        fexecve((int)rq->arg[0], argv + 1, environ);
    int err = errno;
    fcntl(p->channel, F_SETFD, flags);
    reply(p, REPLY_DONE, -1, err, 0, NULL);
}

/* A util-linux program run as this process (tool.h), with what the
 * backend adds to its environment; on its end, its exit is applied at once
 * (the reference runtime's), as a wait step's is. */
static long do_tool(struct puppet *p, const struct wire_request *rq, const unsigned char *data, size_t *len)
{
    const struct backend *be = p->backend;
    char *const *env = NULL;
    int keep = -1;
    if (be->tool_environment && !(env = be->tool_environment(&keep)))
        return -1;
    long ret = tool_run(data, rq->data_len, rq->arg[0], env, keep, p->out, CALLS_OUT_SIZE, len);
    int err = errno;
    if (ret != -1 && be->process_gone && *len >= sizeof(struct tool_reply)) {
        struct tool_reply head;
        memcpy(&head, p->out, sizeof(head));
        be->process_gone(head.pid);
    }
    errno = err;
    return ret;
}

/* Perform one request and reply; a fork's child carries on with the
 * channel it was passed (PASSED_FD). */
static void perform(struct puppet *p, int passed_fd)
{
    const struct wire_request *rq = (const struct wire_request *)p->in;
    const int64_t *a = rq->arg;
    unsigned char *data = p->in + sizeof(*rq);
    const struct backend *be = p->backend;
    size_t len = 0;
    long ret = 0;
    errno = 0;

    if (op_desc((enum op)rq->op)->flags & OPF_IPC) {
        struct calls_effect effect;
        int blocks = (op_desc((enum op)rq->op)->flags & OPF_BLOCKS) != 0;
        if (blocks && p->marks && !would_block(p, rq, data)) {
            reply(p, REPLY_DONE, p->probe_ret, p->probe_err, p->probe_len, &p->probe_effect);
            return;
        }
        /* via=: through ipc(2), told how by the request's flags */
        const struct ipc_calls *calls = be->calls;
        uint32_t flags = rq->flags;
        if (flags & WIRE_VIA_IPC) {
            if (!be->ipc_calls) {
                reply(p, REPLY_DONE, -1, ENOSYS, 0, NULL);
                return;
            }
            calls = be->ipc_calls;
        }
        if (blocks)
            mark(p, (enum op)rq->op, 1);
        ret = calls_perform(calls, (flags & WIRE_VIA_IPC) ? &flags : NULL, rq, data, p->out, &len, &effect);
        int err = errno;
        if (blocks)
            mark(p, (enum op)rq->op, 0);
        reply(p, REPLY_DONE, ret, err, len, &effect);
        return;
    }
    switch (rq->op) {
    case OP_WRITE:
    case OP_READ: {
        int fault = 0;
        ret = do_memory(p, rq, &len, &fault);
        if (fault) {
            reply(p, REPLY_FAULT, fault, 0, 0, NULL);
            return;
        }
        break;
    }
    case OP_FORK: {
        pid_t child = be->fork ? be->fork() : fork();
        if (child == 0) {
            close(p->channel);
            p->channel = passed_fd;
            hello(p);
            return;
        }
        int err = errno;
        close(passed_fd);
        errno = err;
        ret = child;
        break;
    }
    case OP_EXEC:
        do_exec(p, rq);
        return;
    case OP_EXIT:
        _exit((int)a[0]);
    case OP_KILL:
        ret = syscall(SYS_kill, (pid_t)a[0], (int)a[1]);
        break;
    case OP_WAIT: {
        int status = 0;
        /* with marks: a wait that would sleep is marked first (would_block's way) */
        ret = p->marks ? syscall(SYS_wait4, (pid_t)a[0], &status, WNOHANG, NULL) : 0;
        if (ret == 0) {
            mark(p, OP_WAIT, 1);
            ret = syscall(SYS_wait4, (pid_t)a[0], &status, 0, NULL);
            int err = errno;
            mark(p, OP_WAIT, 0);
            errno = err;
        }
        if (ret > 0 && be->process_gone)
            be->process_gone((pid_t)ret);
        if (ret != -1) {
            memcpy(p->out, &status, sizeof(status));
            len = sizeof(status);
        }
        break;
    }
    case OP_SETUID: ret = syscall(SYS_setuid, (uid_t)a[0]); break;
    case OP_SETGID: ret = syscall(SYS_setgid, (gid_t)a[0]); break;
    case OP_SETEUID: ret = syscall(SYS_setresuid, -1, (uid_t)a[0], -1); break;
    case OP_SETEGID: ret = syscall(SYS_setresgid, -1, (gid_t)a[0], -1); break;
    case OP_SETGROUPS:
        ret = syscall(SYS_setgroups, rq->data_len / sizeof(gid_t), (const gid_t *)data);
        break;
    case OP_CAPDROP:
        ret = do_capdrop((uint64_t)a[0]);
        break;
    case OP_UNSHARE:
        ret = unshare(CLONE_NEWIPC);
        break;
    case OP_TICK:
        ret = clock_next_second();
        break;
    case OP_TOOL:
        ret = do_tool(p, rq, data, &len);
        break;
    default:
        ret = -1;
        errno = ENOSYS;
        break;
    }
    if (be->credentials_changed && (op_desc((enum op)rq->op)->flags & OPF_CRED)) {
        int err = errno;
        be->credentials_changed();
        errno = err;
    }
    reply(p, REPLY_DONE, ret, errno, len, NULL);
}

/* SIZE bytes (rounded up to 16, so the structures calls.c lays out in it
 * are aligned) followed by an inaccessible page.  Mapped, not from malloc:
 * a large malloc in a fresh fork consolidates the heap it shares with the
 * runner, a copy-on-write fault for every page it writes. */
static unsigned char *guarded_buffer(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
    size = (size + 15) & ~(size_t)15;
    size_t span = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
    unsigned char *buf = mmap(NULL, span + (size_t)page, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return NULL;
    mprotect(buf + span, (size_t)page, PROT_NONE);
    return buf + span - size;
}

/* The window for shmat: BASE (0: anywhere) kept free, as PROT_NONE, while
 * the puppet allocates; released by its hello.  0 when BASE is taken. */
static uintptr_t reserve_window(uintptr_t base)
{
    size_t align = 2u << 20;
    if (base) {
        void *p = mmap((void *)base, PUPPET_WINDOW_SPAN, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
                       MAP_FIXED_NOREPLACE, -1, 0);
        return p == (void *)base ? base : 0;
    }
    char *area = mmap(NULL, PUPPET_WINDOW_SPAN + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (area == MAP_FAILED)
        return 0;
    uintptr_t at = ((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1);
    if (at > (uintptr_t)area)
        munmap(area, at - (uintptr_t)area);
    munmap((void *)(at + PUPPET_WINDOW_SPAN), (uintptr_t)area + align - at);
    return at;
}

/* BASE, the scenario's window, is taken in this image: its libraries or
 * heap landed there (address-space randomisation lays each image out
 * anew).  Say so, and wait to be exec'd again, which the coordinator does
 * a few times before it gives up; anything else ends the process. */
/* The puppet's runtime object on CHANNEL, with its request and reply
 * buffers; the process exits with STATUS when they cannot be had. */
static struct puppet puppet_new(int channel, const struct backend *backend, uintptr_t base,
                                struct puppet_mark *marks, int status)
{
    struct puppet p = {
        .channel = channel,
        .backend = backend,
        .in = guarded_buffer(sizeof(struct wire_request) + WIRE_MAX_DATA + 16),
        .out = guarded_buffer(CALLS_OUT_SIZE),
        .base = base,
        .marks = marks,
    };
    if (!p.in || !p.out)
        _exit(status);
    return p;
}

/* The next message into P's request buffer, as wire_recv says (<= 0: the
 * coordinator is gone or done with us); a whole request is NUL-terminated
 * (paths and names are NUL-terminated by the sender too). */
static ssize_t next_request(struct puppet *p, int *fd)
{
    ssize_t n = wire_recv(p->channel, p->in, sizeof(struct wire_request) + WIRE_MAX_DATA, fd, NULL);
    if (n >= (ssize_t)sizeof(struct wire_request))
        p->in[n] = '\0';
    return n;
}

static _Noreturn void window_taken(int channel, const struct backend *backend, uintptr_t base)
{
    struct puppet p = puppet_new(channel, backend, base, NULL, 123);
    struct wire_reply r = { .kind = REPLY_NO_WINDOW, .pid = getpid(), .abi = (uint32_t)abi_native(), .base = base };
    if (wire_send(channel, &r, sizeof(r), NULL, 0, -1) < 0)
        _exit(123);
    if (next_request(&p, NULL) >= (ssize_t)sizeof(struct wire_request) &&
        ((struct wire_request *)p.in)->op == OP_EXEC)
        do_exec(&p, (struct wire_request *)p.in);
    _exit(123);
}

_Noreturn void puppet_main(int channel, const struct backend *backend, uintptr_t base, int reserved,
                           struct puppet_mark *marks)
{
    char why[256] = "";
    /* handlers before the hello: from then on a signal step may come */
    install_signals();
    /* the window before the backend maps anything, so nothing lands in it */
    if (!reserved) {
        uintptr_t wanted = base;
        if (!(base = reserve_window(wanted)) && wanted)
            window_taken(channel, backend, wanted);
        if (!base) {
            fprintf(stderr, "svipc: no room for the shmat window\n");
            _exit(123);
        }
    }
    if (backend->puppet_start && backend->puppet_start(why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc: %s: %s\n", backend->name, why);
        _exit(122);
    }
    struct puppet p = puppet_new(channel, backend, base, marks, 120);
    munmap((void *)base, PUPPET_WINDOW_SPAN);
    hello(&p);
    for (;;) {
        int fd = -1;
        ssize_t n = next_request(&p, &fd);
        if (n <= 0)
            _exit(0);     /* the coordinator is gone or done with us */
        if ((size_t)n < sizeof(struct wire_request))
            _exit(121);
        perform(&p, fd);
    }
}
