/* model.h: the sequential model of one System V IPC namespace, the
 * executable specification, as its users see it: a namespace, a caller,
 * and one function, model_apply, that performs one operation given as
 * data.  The model executor (harness/exec_model.c), the reference
 * runtime's log (ref_arena.h) and the property tests all come in
 * through model_apply; how the namespace is kept is model_ns.h's, inside
 * impl/.
 * Must not: do I/O, take locks, read a clock, or call the kernel's IPC. */
#ifndef SVIPC_MODEL_H
#define SVIPC_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MODEL_IPCMNI        32768      /* ipc_mni: index space of a table */
#define MODEL_SEQ_SHIFT     15         /* id = seq << 15 | index */
#define MODEL_MIN_CYCLE     64         /* ipc_min_cycle (RADIX_TREE_MAP_SIZE) */
#define MODEL_MAX_GROUPS    32
#define MODEL_HUGE_DEFAULT_LOG 21      /* SHM_HUGETLB's default page size: 2 MiB */
#define MODEL_BLOCKED       (-1000)    /* not an errno: the caller waits */

/* Capabilities the model knows, as bits of model_caller.caps. */
enum {
    MODEL_CAP_IPC_OWNER = 1 << 0,
    MODEL_CAP_SYS_ADMIN = 1 << 1,
    MODEL_CAP_SYS_RESOURCE = 1 << 2,
    MODEL_CAP_IPC_LOCK = 1 << 3,
};

struct model_caller {
    pid_t pid;                         /* as the namespace's processes see it */
    uid_t euid;
    gid_t egid;
    int ngroups;
    unsigned caps;
    gid_t groups[MODEL_MAX_GROUPS];    /* last: a logged request keeps only the NGROUPS it has */
};

struct model_ns;

/* A fresh namespace with Linux's default limits (on the C heap). */
struct model_ns *model_ns_new(void);
void model_ns_free(struct model_ns *ns);

/* ---------- operations as data ---------- */

/* What a request does.  Its arguments (model_request.arg) are the system
 * call's, in the call's order, a pointer's place left empty: the bytes
 * come through IN and go out through OUT.  The values are part of the
 * reference runtime's log format. */
enum model_op {
    MODEL_MSGGET = 1,      /* key, flags */
    MODEL_MSGSND,          /* id, -, size, flags; IN: the long type, then the text */
    MODEL_MSGRCV,          /* id, -, size, type, flags; OUT: the long type, then the text */
    MODEL_MSGSND_RESUME,   /* after MODEL_BLOCKED: the same arguments again */
    MODEL_MSGRCV_RESUME,
    MODEL_MSGCTL,          /* id, cmd; IN or OUT as ctl_cmd.h says */
    MODEL_SEMGET,          /* key, nsems, flags */
    MODEL_SEMTIMEDOP,      /* id, -, nsops, has timeout, sec, nsec; IN: the sembufs */
    MODEL_SEM_RESUME,      /* after MODEL_BLOCKED */
    MODEL_SEMCTL,          /* id, num, cmd, value; IN or OUT as ctl_cmd.h says */
    MODEL_SHMGET,          /* key, size, flags */
    MODEL_SHMAT,           /* id, addr, flags, where an attachment at 0 goes */
    MODEL_SHMDT,           /* addr */
    MODEL_SHMCTL,          /* id, cmd; IN or OUT as ctl_cmd.h says */
    MODEL_FORK,            /* parent, child: the child gets its parent's attachments */
    MODEL_EXEC,            /* pid: its attachments go, its SEM_UNDO stays */
    MODEL_EXIT,            /* pid: its waits end, SEM_UNDO applied, attachments go */
    MODEL_INTERRUPT,       /* pid: a signal: its wait ends with EINTR */
    MODEL_TIMEOUT,         /* pid: its semtimedop's timeout expired: EAGAIN */
    MODEL_SYSCTL_WRITE,    /* length of IN, which is "name\0value\0" */
    MODEL_SET_HUGEPAGES,   /* a host pool of huge pages (free pages, log2 of the page size or
                            * 0 for the default): limits the model keeps */
    MODEL_SET_COMMIT,      /* the host's overcommit accounting: the pages a segment may be
                            * charged, SHM_NORESERVE ignored (model_limits.commit_pages) */
    MODEL_COLLECT,         /* pid: it took its decided wait's outcome itself (model_wait_outcome):
                            * its waiter record goes, as its resume would have removed it */
    /* reads: they change nothing, and are not logged */
    MODEL_SYSCTL_READ,     /* length of IN ("name\0"), room in OUT: 0 or -EINVAL */
    MODEL_SYSVIPC_LINE,    /* id, length of IN (msg, sem or shm), room in OUT: 1 found, 0 none */
    MODEL_SHM_MAP_SIZE,    /* id: the size an attachment of it spans, or -EINVAL */
    MODEL_SHMDT_PIECES,    /* address, from, room: the mappings the caller's shmdt(address) would
                            * take, from the FROMth on, as struct model_piece in OUT; their number */
};

/* At most this many pieces a MODEL_SHMDT_PIECES request asks for. */
#define MODEL_PIECES_MAX 4096

/* A mapping of an attachment: a shmat's, or a part of it left by a later
 * attachment with SHM_REMAP over the rest. */
struct model_piece {
    uintptr_t addr;
    unsigned long size;
};

/* The caller passed NULL for the call's buffer: memory it cannot reach;
 * where Linux's copy would fault, the call fails with EFAULT. */
#define MODEL_NULL_BUFFER 1u
/* The caller took its decided wait's outcome without the lock: its
 * waiter record goes (MODEL_COLLECT) before the operation is performed. */
#define MODEL_COLLECT_FIRST 2u

/* The caller is its last member, and the caller's groups the caller's
 * last: the reference runtime's log stores a request without the groups
 * it does not have (ref_arena.c). */
struct model_request {
    uint32_t op;                       /* enum model_op */
    uint32_t flags;                    /* MODEL_NULL_BUFFER, MODEL_COLLECT_FIRST */
    int64_t now;                       /* seconds, for the times the call sets */
    int64_t arg[6];
    struct model_caller caller;
};

/* Perform RQ on NS: >= 0, -ERRNO, or MODEL_BLOCKED (the caller waits; a
 * later _RESUME request collects the outcome).  IN holds the bytes the call
 * reads from the caller, OUT receives what it writes (NULL when none). */
long model_apply(struct model_ns *ns, const struct model_request *rq, const void *in, void *out);

/* How many bytes RQ reads through IN (a message, sembufs, an IPC_SET
 * structure, a SETALL array, a sysctl), and in *OUT_SIZE how many it may
 * write through OUT; read off NS where they depend on it (SETALL's nsems).
 * NS NULL (a caller without the lock): what the request alone says, every
 * limit taken to allow it, or MODEL_SIZE_UNKNOWN where the sizes depend on
 * an object. */
#define MODEL_SIZE_UNKNOWN ((size_t)-1)
size_t model_input_size(const struct model_ns *ns, const struct model_request *rq, size_t *out_size);

/* Of the OUT_SIZE bytes model_input_size allowed for the output, how many
 * a successful RQ that returned RET wrote (msgrcv: the type and RET bytes
 * of text; every other operation: all of them). */
size_t model_output_size(const struct model_request *rq, long ret, size_t out_size);

/* ---------- credentials ---------- */

/* A process's credentials as credentials(7) and capabilities(7) change
 * them: the caller the model checks, its real uid and the capabilities it
 * may take back. */
struct model_creds {
    struct model_caller caller;        /* its pid is its user's to set */
    uid_t ruid;
    unsigned permitted;
};

/* The model's capability bits of a mask of Linux's (1 << CAP_IPC_OWNER ...). */
unsigned model_caps_from_linux(uint64_t linux_caps);
/* Root (uid 0, gid 0, no groups) with the capabilities LINUX_CAPS. */
void model_creds_root(struct model_creds *cr, uint64_t linux_caps);
/* setuid(2), seteuid(2), setgid(2), setegid(2), setgroups(2), and
 * capabilities dropped from every set (a mask of Linux's): 0 or -EPERM. */
long model_setuid(struct model_creds *cr, uid_t uid);
long model_seteuid(struct model_creds *cr, uid_t uid);
long model_setgid(struct model_creds *cr, gid_t gid);
long model_setegid(struct model_creds *cr, gid_t gid);
long model_setgroups(struct model_creds *cr, const gid_t *groups, int n);
long model_capdrop(struct model_creds *cr, uint64_t linux_caps);

#endif
