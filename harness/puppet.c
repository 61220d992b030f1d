/* puppet.c: the worker behind each scenario process.  It waits for one
 * request at a time on its channel, performs it through the backend (or the
 * plain system call for process, memory and credential steps), and replies
 * with the raw result: return value, errno, bytes out.
 * Must not: interpret results, decide outcomes or hold scenario state; the
 * coordinator does all of that, so an exec'd puppet is as good as a forked one. */
#define _GNU_SOURCE
#include "puppet.h"

#include "args.h"

#include "scenario.h"
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

#define CTL_BUF 512          /* room for any *id_ds or *info structure */
#define SEM_MAX 32768        /* semaphores a GETALL/SETALL buffer holds */

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

/* Whether a msgctl/shmctl command fills the buffer.  Command numbers are
 * per call: SHM_LOCK and SHM_UNLOCK share 11 and 12 with MSG_STAT and MSG_INFO. */
static size_t ctl_result_size(int is_msg, int cmd, long ret)
{
    if (ret == -1 || cmd == IPC_RMID || cmd == IPC_SET)
        return 0;
    if (!is_msg && (cmd == SHM_LOCK || cmd == SHM_UNLOCK))
        return 0;
    return CTL_BUF;
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

static long do_sysctl(struct puppet *p, const struct wire_request *rq, size_t *len)
{
    const char *name = (const char *)p->in + sizeof(*rq);
    const char *value = name + strlen(name) + 1;
    if (p->backend->sysctl) {
        if (rq->arg[0])
            return p->backend->sysctl(name, value, NULL, 0);
        int r = p->backend->sysctl(name, NULL, (char *)p->out, 4096);
        if (r == 0)
            *len = strlen((char *)p->out);
        return r;
    }
    char path[128];
    snprintf(path, sizeof(path), "/proc/sys/kernel/%s", name);
    int fd = open(path, (rq->arg[0] ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n;
    if (rq->arg[0])
        n = write(fd, value, strlen(value));
    else {
        n = read(fd, p->out, 4096);
        if (n > 0)
            *len = (size_t)n;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return n < 0 ? -1 : 0;
}

/* The header and the line of /proc/sysvipc/TABLE whose id column is ID. */
static long do_sysvipc(struct puppet *p, const struct wire_request *rq, size_t *len)
{
    *len = 0;
    if (p->backend->sysvipc_line) {
        int found = p->backend->sysvipc_line((const char *)p->in + sizeof(*rq), (int)rq->arg[0], (char *)p->out,
                                             WIRE_MAX_DATA);
        if (found == 1)
            *len = strlen((char *)p->out);
        return found;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/sysvipc/%s", (const char *)p->in + sizeof(*rq));
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[1024], header[1024] = "";
    long found = 0;
    *len = 0;
    while (fgets(line, sizeof(line), f)) {
        if (!*header) {
            snprintf(header, sizeof(header), "%s", line);
            continue;
        }
        long key, id;
        if (sscanf(line, "%ld %ld", &key, &id) == 2 && id == rq->arg[0]) {
            *len = (size_t)snprintf((char *)p->out, WIRE_MAX_DATA, "%s%s", header, line);
            found = 1;
            break;
        }
    }
    fclose(f);
    return found;
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

static void do_exec(struct puppet *p, const struct wire_request *rq)
{
    char fd_text[16];
    const char *backend = (const char *)p->in + sizeof(*rq);
    snprintf(fd_text, sizeof(fd_text), "%d", p->channel);
    int flags = fcntl(p->channel, F_GETFD);
    fcntl(p->channel, F_SETFD, flags & ~FD_CLOEXEC);
    char *argv[] = { "svipc", "--puppet", fd_text, (char *)backend, NULL };
    extern char **environ;
    fexecve((int)rq->arg[0], argv, environ);
    int err = errno;
    fcntl(p->channel, F_SETFD, flags);
    reply(p, REPLY_DONE, -1, err, 0);
}

/* Perform one request; returns 0 to go on, 1 when the channel was handed
 * over (fork child continues with a new one). */
static void perform(struct puppet *p, int passed_fd)
{
    const struct wire_request *rq = (const struct wire_request *)p->in;
    const int64_t *a = rq->arg;
    unsigned char *data = p->in + sizeof(*rq);
    const struct backend *be = p->backend;
    size_t len = 0;
    long ret = 0;
    /* buf=null: the call gets NULL for its buffer, so the kernel's copy faults */
    int null_buffer = (rq->flags & WIRE_NULL_BUFFER) != 0;
    errno = 0;

    switch (rq->op) {
    case OP_MSGGET:
        ret = be->msgget((key_t)a[0], (int)a[1]);
        break;
    case OP_MSGSND: {
        size_t text = (size_t)a[3] > rq->data_len && a[3] > 0 && (size_t)a[3] < WIRE_MAX_DATA
                          ? (size_t)a[3] : rq->data_len;
        unsigned char *buf = calloc(1, sizeof(long) + text);
        long mtype = (long)a[1];
        memcpy(buf, &mtype, sizeof(long));
        memcpy(buf + sizeof(long), data, rq->data_len);
        ret = be->msgsnd((int)a[0], null_buffer ? NULL : buf, (size_t)a[3], (int)a[2]);
        int saved = errno;
        free(buf);
        errno = saved;
        break;
    }
    case OP_MSGRCV: {
        /* a message longer than the buffer makes the call fail with
         * EFAULT at the guard page, as it would in a program */
        memset(p->out, 0, sizeof(long));
        ret = be->msgrcv((int)a[0], null_buffer ? NULL : p->out, (size_t)a[1], (long)a[2], (int)a[3]);
        len = ret >= 0 ? sizeof(long) + (size_t)ret : 0;
        break;
    }
    case OP_MSGCTL:
    case OP_SHMCTL: {
        int is_msg = rq->op == OP_MSGCTL;
        memset(p->out, 0, CTL_BUF);
        if (a[1] == IPC_SET) {
            if (is_msg) {
                struct msqid_ds *ds = (struct msqid_ds *)p->out;
                be->msgctl((int)a[0], IPC_STAT, ds);
                step_apply_set(&ds->msg_perm, &ds->msg_qbytes, a + 2);
            } else {
                struct shmid_ds *ds = (struct shmid_ds *)p->out;
                be->shmctl((int)a[0], IPC_STAT, ds);
                step_apply_set(&ds->shm_perm, NULL, a + 2);
            }
            errno = 0;
        }
        void *ds = null_buffer ? NULL : p->out;
        ret = is_msg ? be->msgctl((int)a[0], (int)a[1], ds) : be->shmctl((int)a[0], (int)a[1], ds);
        len = ctl_result_size(is_msg, (int)a[1], ret);
        break;
    }
    case OP_SEMGET:
        ret = be->semget((key_t)a[0], (int)a[1], (int)a[2]);
        break;
    case OP_SEMOP:
    case OP_SEMTIMEDOP: {
        struct sembuf *sops = null_buffer ? NULL : (struct sembuf *)data;
        if (rq->op == OP_SEMOP)
            ret = be->semop((int)a[0], sops, (size_t)a[1]);
        else {
            struct timespec ts = { .tv_sec = a[3], .tv_nsec = a[4] };
            ret = be->semtimedop((int)a[0], sops, (size_t)a[1], a[2] ? &ts : NULL);
        }
        break;
    }
    case OP_SEMCTL: {
        int cmd = (int)a[2];
        unsigned long arg = 0;
        memset(p->out, 0, CTL_BUF);
        if (cmd == SETVAL)
            arg = (unsigned long)a[3];
        else if (cmd == SETALL)
            arg = (unsigned long)(uintptr_t)data;
        else if (cmd == GETALL) {
            /* the values are at most SEMVMX: 0xffff marks where they end */
            memset(p->out, 0xff, SEM_MAX * sizeof(unsigned short));
            arg = (unsigned long)(uintptr_t)p->out;
        } else {
            if (cmd == IPC_SET) {
                struct semid_ds *ds = (struct semid_ds *)p->out;
                be->semctl((int)a[0], 0, IPC_STAT, (unsigned long)(uintptr_t)ds);
                step_apply_set(&ds->sem_perm, NULL, a + 4);
                errno = 0;
            }
            arg = (unsigned long)(uintptr_t)p->out;
        }
        if (null_buffer)
            arg = 0;
        ret = be->semctl((int)a[0], (int)a[1], cmd, arg);
        if (ret != -1 && cmd == GETALL) {
            unsigned short *v = (unsigned short *)p->out;
            size_t n = 0;
            while (n < SEM_MAX && v[n] != 0xffff)
                n++;
            len = n * sizeof(unsigned short);
        } else if (ret != -1 && cmd != SETVAL && cmd != SETALL && cmd != IPC_SET &&
                   cmd != IPC_RMID && cmd != GETVAL && cmd != GETPID && cmd != GETNCNT &&
                   cmd != GETZCNT) {
            len = CTL_BUF;
        }
        break;
    }
    case OP_SHMGET:
        ret = be->shmget((key_t)a[0], (size_t)a[1], (int)a[2]);
        break;
    case OP_SHMAT:
        ret = be->shmat((int)a[0], (const void *)(uintptr_t)a[1], (int)a[2]);
        break;
    case OP_SHMDT:
        ret = be->shmdt((const void *)(uintptr_t)a[0]);
        break;
    case OP_FTOK: {
        struct stat st;
        ret = ftok((const char *)data, (int)a[0]);
        if (ret != -1 && stat((const char *)data, &st) == 0) {
            uint64_t ids[2] = { st.st_dev, st.st_ino };
            memcpy(p->out, ids, sizeof(ids));
            len = sizeof(ids);
        }
        break;
    }
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
    case OP_SYSCTL:
        ret = do_sysctl(p, rq, &len);
        break;
    case OP_UNSHARE:
        ret = unshare(CLONE_NEWIPC);
        break;
    case OP_SYSVIPC:
        ret = do_sysvipc(p, rq, &len);
        break;
    default:
        ret = -1;
        errno = ENOSYS;
        break;
    }
    if (be->credentials_changed && rq->op >= OP_SETUID && rq->op <= OP_CAPDROP) {
        int err = errno;
        be->credentials_changed();
        errno = err;
    }
    reply(p, REPLY_DONE, ret, errno, len);
}

/* SIZE bytes followed by an inaccessible page. */
static unsigned char *guarded_buffer(size_t size)
{
    long page = sysconf(_SC_PAGESIZE);
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
        .out = guarded_buffer(WIRE_MAX_DATA + 16),
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
