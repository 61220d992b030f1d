/* puppet.c: the worker behind each scenario process.  It waits for one
 * request at a time on its channel, performs it (an IPC call through the
 * backend's calls, by calls.c; a process, memory or credential step by the
 * plain system call), and replies with the raw result: return value, errno,
 * bytes out.
 * Must not: interpret results, decide outcomes or hold scenario state; the
 * coordinator does all of that, so an exec'd puppet is as good as a forked one. */
#define _GNU_SOURCE
#include "puppet.h"

#include "calls.h"
#include "ops.h"
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
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The puppet's runtime object: its channel, backend and reply buffer. */
struct puppet {
    int channel;
    const struct backend *backend;
    unsigned char *in;       /* request buffer */
    unsigned char *out;      /* reply payload */
};

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

static int reply(struct puppet *p, uint32_t kind, long ret, int err, size_t len)
{
    struct wire_reply r = {
        .kind = kind, .ret = ret, .err = ret == -1 ? err : 0,
        .pid = getpid(), .data_len = (uint32_t)len,
    };
    return wire_send(p->channel, &r, sizeof(r), p->out, len, -1);
}

int puppet_hello(int channel)
{
    struct wire_reply r = { .kind = REPLY_HELLO, .pid = getpid() };
    return wire_send(channel, &r, sizeof(r), NULL, 0, -1);
}

void puppet_start(int channel, const struct backend *backend)
{
    char why[256] = "";
    /* handlers before the hello: from then on a signal step may come */
    install_signals();
    if (backend->puppet_start && backend->puppet_start(why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc: %s: %s\n", backend->name, why);
        _exit(122);
    }
    puppet_hello(channel);
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
    char fd_text[16];
    char *argv[64];
    int n = 0;
    const char *data = (const char *)p->in + sizeof(*rq);
    for (size_t at = 0; at < rq->data_len && n < 60; at += strlen(data + at) + 1)
        argv[n++] = (char *)data + at;
    if (n < 1) {
        reply(p, REPLY_DONE, -1, EINVAL, 0);
        return;
    }
    char *backend = argv[0];
    int command = n > 1;               /* argv[1..n) is the command */
    if (!command)
        argv[n++] = "svipc";
    snprintf(fd_text, sizeof(fd_text), "%d", p->channel);
    argv[n++] = "--puppet";
    argv[n++] = fd_text;
    argv[n++] = backend;
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
    reply(p, REPLY_DONE, -1, err, 0);
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
        ret = calls_perform(be->calls, NULL, rq, data, p->out, &len);
        reply(p, REPLY_DONE, ret, errno, len);
        return;
    }
    switch (rq->op) {
    case OP_WRITE:
    case OP_READ: {
        int fault = 0;
        ret = do_memory(p, rq, &len, &fault);
        if (fault) {
            reply(p, REPLY_FAULT, fault, 0, 0);
            return;
        }
        break;
    }
    case OP_FORK: {
        pid_t child = be->fork ? be->fork() : fork();
        if (child == 0) {
            close(p->channel);
            p->channel = passed_fd;
            puppet_hello(p->channel);
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
        ret = syscall(SYS_wait4, (pid_t)a[0], &status, 0, NULL);
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
    reply(p, REPLY_DONE, ret, errno, len);
}

/* SIZE bytes (rounded up to 16, so the structures calls.c lays out in it
 * are aligned) followed by an inaccessible page. */
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

_Noreturn int puppet_run(int channel, const struct backend *backend)
{
    struct puppet p = {
        .channel = channel,
        .backend = backend,
        .in = malloc(sizeof(struct wire_request) + WIRE_MAX_DATA + 16),
        .out = guarded_buffer(CALLS_OUT_SIZE),
    };
    if (!p.in || !p.out)
        _exit(120);
    install_signals();
    for (;;) {
        int fd = -1;
        ssize_t n = wire_recv(p.channel, p.in, sizeof(struct wire_request) + WIRE_MAX_DATA, &fd, NULL);
        if (n <= 0)
            _exit(0);     /* the coordinator is gone or done with us */
        if ((size_t)n < sizeof(struct wire_request))
            _exit(121);
        p.in[n] = '\0';   /* paths and names are NUL-terminated by the sender too */
        perform(&p, fd);
    }
}
