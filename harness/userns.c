/* userns.c: rootless runs; see userns.h.
 * Must not: act for a process that can make namespaces already, or go on
 * half-way: a user namespace is either made and executed into, or the
 * reason it was not is kept for the skipped scenarios. */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ENV_NAME "SVIPC_USERNS"

/* The run's user namespace: the runtime object of this file. */
static struct {
    int made;                  /* this process runs in the user namespace svipc made */
    char description[512];     /* which ids it maps, and why only those */
    char refused[512];         /* why none could be made ("" if none was tried) */
} run_userns;

int userns_privileged(void)
{
    struct __user_cap_header_struct head = { .version = _LINUX_CAPABILITY_VERSION_3 };
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &head, data) < 0)
        return 0;
    return (data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN)) != 0;
}

int userns_active(void)
{
    return run_userns.made;
}

const char *userns_description(void)
{
    return run_userns.description;
}

int userns_isolation(const char *backend, char *why, size_t size)
{
    if (userns_privileged())
        return 0;
    snprintf(why, size, "the %s backend needs CAP_SYS_ADMIN to give each scenario its own IPC and PID namespaces: "
             "run svipc as root, or where unprivileged user namespaces are allowed%s%s%s", backend,
             run_userns.refused[0] ? " (here: " : "", run_userns.refused, run_userns.refused[0] ? ")" : "");
    return -1;
}

/* The first range of /etc/subuid or /etc/subgid (PATH) for the user NAME
 * or UID: 0, or -1 when there is none. */
static int subordinate_range(const char *path, const char *name, unsigned long uid, unsigned long *start,
                             unsigned long *count)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512], who[256], uid_text[32];
    snprintf(uid_text, sizeof(uid_text), "%lu", uid);
    int found = -1;
    while (found < 0 && fgets(line, sizeof(line), f))
        if (sscanf(line, "%255[^:]:%lu:%lu", who, start, count) == 3 && *count > 0 &&
            (strcmp(who, name) == 0 || strcmp(who, uid_text) == 0))
            found = 0;
    fclose(f);
    return found;
}

/* The path of program NAME in the usual directories, into BUF; 0 or -1. */
static int find_program(const char *name, char *buf, size_t size)
{
    static const char *const dirs[] = { "/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin" };
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(buf, size, "%s/%s", dirs[i], name);
        if (access(buf, X_OK) == 0)
            return 0;
    }
    return -1;
}

/* The ids to map with newuidmap and newgidmap. */
struct subids {
    char newuidmap[256], newgidmap[256];
    unsigned long uid, gid;
    unsigned long uid_start, uid_count, gid_start, gid_count;
};

/* Run PROG TARGET 0 ID 1 1 START COUNT, its stderr into ERR: 0 or -1. */
static int run_mapper(const char *prog, pid_t target, unsigned long id, unsigned long start, unsigned long count,
                      char *err, size_t size)
{
    char args[5][32];
    snprintf(args[0], sizeof(args[0]), "%d", (int)target);
    snprintf(args[1], sizeof(args[1]), "%lu", id);
    snprintf(args[2], sizeof(args[2]), "%lu", start);
    snprintf(args[3], sizeof(args[3]), "%lu", count);
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        snprintf(err, size, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 2);
        execl(prog, prog, args[0], "0", args[1], "1", "1", args[2], args[3], (char *)NULL);
        dprintf(2, "cannot run %s: %s", prog, strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    char text[256] = "";
    ssize_t n, used = 0;
    while (used < (ssize_t)sizeof(text) - 1 &&
           ((n = read(pipefd[0], text + used, sizeof(text) - 1 - (size_t)used)) > 0 || (n < 0 && errno == EINTR)))
        used += n > 0 ? n : 0;
    text[used] = '\0';
    close(pipefd[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    text[strcspn(text, "\n")] = '\0';
    snprintf(err, size, "%s failed: %s", prog, text[0] ? text : pid < 0 ? strerror(errno) : "no message");
    return -1;
}

/* The helper, forked before the parent leaves the host's user namespace
 * (newuidmap must be run from outside): waits for the word on GO, maps
 * the parent's ids, and writes "" (done) or the reason on RESULT. */
static _Noreturn void mapper_main(const struct subids *ids, pid_t parent, int go, int result)
{
    char c, err[400] = "";
    if (read(go, &c, 1) != 1)
        _exit(0);                          /* the parent could not unshare */
    if (run_mapper(ids->newuidmap, parent, ids->uid, ids->uid_start, ids->uid_count, err, sizeof(err)) == 0)
        run_mapper(ids->newgidmap, parent, ids->gid, ids->gid_start, ids->gid_count, err, sizeof(err));
    if (err[0] && write(result, err, strlen(err)) < 0)
        _exit(1);
    _exit(0);
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int err = errno;
    close(fd);
    errno = err;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* One id, written by the process itself: 0 is the user. */
static int map_one_id(unsigned long uid, unsigned long gid, char *why, size_t size)
{
    char text[64];
    if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) {
        snprintf(why, size, "/proc/self/setgroups: %s", strerror(errno));
        return -1;
    }
    snprintf(text, sizeof(text), "0 %lu 1\n", uid);
    if (write_file("/proc/self/uid_map", text) < 0) {
        snprintf(why, size, "/proc/self/uid_map: %s", strerror(errno));
        return -1;
    }
    snprintf(text, sizeof(text), "0 %lu 1\n", gid);
    if (write_file("/proc/self/gid_map", text) < 0) {
        snprintf(why, size, "/proc/self/gid_map: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The subordinate ids svipc can map for this user, or -1 and WHY not. */
static int plan_subids(struct subids *ids, char *why, size_t size)
{
    memset(ids, 0, sizeof(*ids));
    ids->uid = getuid();
    ids->gid = getgid();
    struct passwd *pw = getpwuid(getuid());
    const char *name = pw ? pw->pw_name : "";
    if (subordinate_range("/etc/subuid", name, ids->uid, &ids->uid_start, &ids->uid_count) < 0) {
        snprintf(why, size, "/etc/subuid has no range for %s (uid %lu)", pw ? name : "this user", ids->uid);
        return -1;
    }
    if (subordinate_range("/etc/subgid", name, ids->uid, &ids->gid_start, &ids->gid_count) < 0) {
        snprintf(why, size, "/etc/subgid has no range for %s (uid %lu)", pw ? name : "this user", ids->uid);
        return -1;
    }
    if (find_program("newuidmap", ids->newuidmap, sizeof(ids->newuidmap)) < 0 ||
        find_program("newgidmap", ids->newgidmap, sizeof(ids->newgidmap)) < 0) {
        snprintf(why, size, "newuidmap and newgidmap are missing (Debian: uidmap)");
        return -1;
    }
    return 0;
}

void userns_enter(char **argv, int quiet)
{
    const char *inherited = getenv(ENV_NAME);
    if (inherited) {
        /* executed again inside: the namespace is this run's */
        run_userns.made = userns_privileged();
        snprintf(run_userns.description, sizeof(run_userns.description), "%s", inherited);
        unsetenv(ENV_NAME);
        if (!quiet && run_userns.made)
            fprintf(stderr, "svipc: not root: the run has a user namespace of its own: %s\n", inherited);
        return;
    }
    if (userns_privileged())
        return;
    struct subids ids;
    char single_why[400], why[400] = "";
    unsigned long uid = getuid(), gid = getgid();    /* inside, they read as the overflow ids */
    int ranged = plan_subids(&ids, single_why, sizeof(single_why)) == 0;
    int go[2] = { -1, -1 }, result[2] = { -1, -1 };
    pid_t mapper = -1;
    if (ranged && (pipe2(go, O_CLOEXEC) < 0 || pipe2(result, O_CLOEXEC) < 0)) {
        snprintf(single_why, sizeof(single_why), "pipe: %s", strerror(errno));
        ranged = 0;
    }
    if (ranged) {
        pid_t parent = getpid();
        fflush(NULL);
        mapper = fork();
        if (mapper == 0) {
            close(go[1]);
            close(result[0]);
            mapper_main(&ids, parent, go[0], result[1]);
        }
        close(go[0]);
        close(result[1]);
        if (mapper < 0) {
            snprintf(single_why, sizeof(single_why), "fork: %s", strerror(errno));
            close(go[1]);
            close(result[0]);
            ranged = 0;
        }
    }
    if (unshare(CLONE_NEWUSER) < 0) {
        snprintf(run_userns.refused, sizeof(run_userns.refused),
                 "unshare(CLONE_NEWUSER): %s: unprivileged user namespaces are not allowed (sysctl "
                 "user.max_user_namespaces, kernel.unprivileged_userns_clone or "
                 "kernel.apparmor_restrict_unprivileged_userns)", strerror(errno));
        if (mapper > 0) {
            close(go[1]);                  /* the helper sees the end and leaves */
            close(result[0]);
            waitpid(mapper, NULL, 0);
        }
        return;
    }
    if (mapper > 0) {
        char text[400] = "";
        ssize_t n, used = 0;
        if (write(go[1], "g", 1) != 1)
            snprintf(text, sizeof(text), "the mapping helper is gone");
        close(go[1]);
        while (used < (ssize_t)sizeof(text) - 1 &&
               ((n = read(result[0], text + used, sizeof(text) - 1 - (size_t)used)) > 0 || (n < 0 && errno == EINTR)))
            used += n > 0 ? n : 0;
        if (used > 0)
            text[used] = '\0';
        close(result[0]);
        int status = 0;
        while (waitpid(mapper, &status, 0) < 0 && errno == EINTR)
            ;
        if (text[0] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            snprintf(single_why, sizeof(single_why), "%s", text[0] ? text : "the mapping helper failed");
            ranged = 0;
        }
    }
    char description[512];
    if (ranged) {
        snprintf(description, sizeof(description),
                 "uid 0 is you (%lu), uids 1-%lu are %lu-%lu of /etc/subuid, gid 0 is your group (%lu), "
                 "gids 1-%lu are %lu-%lu of /etc/subgid", ids.uid, ids.uid_count, ids.uid_start,
                 ids.uid_start + ids.uid_count - 1, ids.gid, ids.gid_count, ids.gid_start,
                 ids.gid_start + ids.gid_count - 1);
    } else if (map_one_id(uid, gid, why, sizeof(why)) == 0) {
        snprintf(description, sizeof(description), "one id, 0, is you (uid %lu, gid %lu): %s", uid, gid, single_why);
    } else {
        /* inside a user namespace without ids nothing can be run: say so
         * and stop (the namespace cannot be left) */
        fprintf(stderr, "svipc: cannot map an id into the run's user namespace: %s\n", why);
        exit(2);
    }
    /* root of the namespace, without the host's supplementary groups
     * (where setgroups is allowed), as root runs scenarios */
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
        fprintf(stderr, "svipc: cannot become root of the run's user namespace: %s\n", strerror(errno));
        exit(2);
    }
    if (ranged)
        setgroups(0, NULL);
    setenv(ENV_NAME, description, 1);
    /* by its path, so the process keeps its name (ps, pkill) */
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        execv(self, argv);
    }
    execv("/proc/self/exe", argv);
    fprintf(stderr, "svipc: cannot execute svipc again in its user namespace (/proc/self/exe): %s\n",
            strerror(errno));
    exit(2);
}

int userns_runner_init(char *why, size_t size)
{
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
        snprintf(why, size, "the runner's mount namespace: making / private: %s", strerror(errno));
        return -1;
    }
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        snprintf(why, size, "cannot mount a /proc of the runner's PID namespace: %s", strerror(errno));
        return -1;
    }
    return 0;
}
