/* test_ref_arena.c: the reference runtime's arena file as its users meet
 * it through the drop-in library, careless or hostile: an arena of another
 * build, a file that is not an arena, a link, a file others may write, a
 * directory someone else made, a fork-only program; damage (the lock, the
 * state, the log, a truncated file); and another user's attacks (planted
 * links and files, a foreign arena, a flood of connections to the keeper).
 * Each is refused or survived with a clear message, never a hang, a crash
 * or a silent reformat; the library never calls its own exports.
 * Must not: touch the default arenas of this machine's users: each test
 * names its own file or directory, and removes it. */
#define _GNU_SOURCE
#include "ref_arena.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 65536

static char arena[64];

static void name_arena(void)
{
    snprintf(arena, sizeof(arena), "/dev/shm/svipc-test-arena-%d", (int)getpid());
    unlink(arena);
}

static void remove_arena(void)
{
    unlink(arena);
}

TestSuite(arena, .init = name_arena, .fini = remove_arena, .timeout = 60);

/* Run COMMAND through the shell; its output (stdout and stderr) into OUT. */
static int run(const char *command, char *out)
{
    FILE *p = popen(command, "r");
    cr_assert(p, "popen %s", command);
    size_t n = fread(out, 1, OUT_MAX - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Test(arena, another_builds_arena_is_refused_and_left_alone)
{
    static char out[OUT_MAX];
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", arena);
    cr_assert_eq(run(cmd, out), 0, "ipcmk on the library: %s", out);
    int id = -1;
    cr_assert_eq(sscanf(out, "Message queue id: %d", &id), 1, "%s", out);
    struct stat before, after;
    cr_assert_eq(stat(arena, &before), 0);
    /* the same program on a build whose log areas are another size */
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/tests/libsvipc-ref-other.so ipcmk -Q 2>&1",
             arena);
    int status = run(cmd, out);
    cr_expect_neq(status, 0, "another build used the arena: %s", out);
    cr_expect(strstr(out, "another build of svipc"), "no clear refusal: %s", out);
    cr_expect(strstr(out, arena), "the refusal does not name the file: %s", out);
    /* left alone: the same file, and the queue is still there for its own build */
    cr_assert_eq(stat(arena, &after), 0);
    cr_expect(after.st_ino == before.st_ino && after.st_size == before.st_size, "the arena file was replaced");
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcrm -q %d 2>&1", arena, id);
    cr_expect_eq(run(cmd, out), 0, "the queue made before is gone: %s", out);
}

Test(arena, the_library_never_calls_its_own_exports)
{
    /* a call from inside the library to a symbol it exports binds to its
     * own export (msgget, fork, waitpid ...), not to the C library's */
    static char exports[OUT_MAX], calls[1 << 22];
    cr_assert_eq(run("nm -D --defined-only ./build/libsvipc-ref.so | awk '$2 == \"T\" { print $3 }'", exports), 0);
    cr_assert(strstr(exports, "waitpid\n"), "the library exports waitpid: %s", exports);
    FILE *p = popen("objdump -d --no-show-raw-insn ./build/libsvipc-ref.so", "r");
    cr_assert(p);
    size_t n = fread(calls, 1, sizeof(calls) - 1, p);
    calls[n] = '\0';
    pclose(p);
    cr_assert(n > 10000, "objdump printed too little");
    char *save = NULL;
    for (char *sym = strtok_r(exports, "\n", &save); sym; sym = strtok_r(NULL, "\n", &save)) {
        char needle[128];
        snprintf(needle, sizeof(needle), "<%s@plt>", sym);
        cr_expect(!strstr(calls, needle), "the library calls its own export %s", sym);
    }
}

/* ---------- careless use ---------- */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ipcmk -Q on the library with the arena ARENA (and ENV before it). */
static int ipcmk(const char *env, char *out)
{
    char cmd[768];
    snprintf(cmd, sizeof(cmd), "%s SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so timeout 20 ipcmk -Q 2>&1",
             env ? env : "", arena);
    return run(cmd, out);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    cr_assert_geq(fd, 0, "%s", path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

static int file_is(const char *path, const char *text)
{
    char buf[256] = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n == (ssize_t)strlen(text) && memcmp(buf, text, (size_t)n) == 0;
}

Test(arena, a_file_that_is_not_an_arena_is_refused_and_left_alone)
{
    static char out[OUT_MAX];
    write_file(arena, "my notes\n", 0600);
    cr_expect_neq(ipcmk(NULL, out), 0, "a program used notes as an arena: %s", out);
    cr_expect(strstr(out, "not a reference arena"), "%s", out);
    cr_expect(file_is(arena, "my notes\n"), "the notes were changed");
}

Test(arena, a_symbolic_link_is_refused)
{
    static char out[OUT_MAX];
    char target[80];
    snprintf(target, sizeof(target), "%s-target", arena);
    write_file(target, "victim's file\n", 0600);
    cr_assert_eq(symlink(target, arena), 0);
    cr_expect_neq(ipcmk(NULL, out), 0, "%s", out);
    cr_expect(strstr(out, "symbolic link"), "%s", out);
    cr_expect(file_is(target, "victim's file\n"), "the link's target was changed");
    unlink(target);
}

Test(arena, an_arena_others_may_write_is_refused_unless_shared)
{
    static char out[OUT_MAX];
    cr_assert_eq(ipcmk(NULL, out), 0, "%s", out);
    cr_assert_eq(chmod(arena, 0666), 0);
    cr_expect_neq(ipcmk(NULL, out), 0, "%s", out);
    cr_expect(strstr(out, "writable by others"), "%s", out);
    cr_expect_eq(ipcmk("SVIPC_REF_SHARED=1", out), 0, "trust given, still refused: %s", out);
}

Test(arena, the_default_arena_lives_in_a_private_directory)
{
    static char out[OUT_MAX];
    char run_dir[64], dir[96], path[128], cmd[512];
    snprintf(run_dir, sizeof(run_dir), "/tmp/svipc-test-run-%d", (int)getpid());
    snprintf(dir, sizeof(dir), "%s/svipc", run_dir);
    snprintf(path, sizeof(path), "%s/arena", dir);
    cr_assert_eq(mkdir(run_dir, 0700), 0);
    /* a program that only forks makes no arena */
    snprintf(cmd, sizeof(cmd), "XDG_RUNTIME_DIR=%s LD_PRELOAD=./build/libsvipc-ref.so sh -c 'echo hi | cat' 2>&1",
             run_dir);
    cr_expect_eq(run(cmd, out), 0, "%s", out);
    cr_expect(access(dir, F_OK) < 0, "a fork-only program made the arena's directory");
    snprintf(cmd, sizeof(cmd), "XDG_RUNTIME_DIR=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", run_dir);
    cr_expect_eq(run(cmd, out), 0, "%s", out);
    struct stat st;
    cr_assert_eq(lstat(dir, &st), 0, "no directory %s", dir);
    cr_expect(S_ISDIR(st.st_mode) && (st.st_mode & 0777) == 0700, "%s has mode %o", dir, st.st_mode & 0777);
    cr_assert_eq(lstat(path, &st), 0, "no arena %s", path);
    cr_expect((st.st_mode & 0777) == 0600, "%s has mode %o", path, st.st_mode & 0777);
    /* a directory others may write is refused */
    chmod(dir, 0777);
    cr_expect_neq(run(cmd, out), 0, "%s", out);
    cr_expect(strstr(out, "not a private directory"), "%s", out);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
    cr_expect_eq(system(cmd), 0);
}

/* ---------- damage ---------- */

/* Write LEN bytes of BYTES at OFFSET of the arena file. */
static void damage(off_t offset, const void *bytes, size_t len)
{
    int fd = open(arena, O_WRONLY);
    cr_assert_geq(fd, 0);
    cr_assert_eq(pwrite(fd, bytes, len, offset), (ssize_t)len);
    close(fd);
}

static void random_bytes(void *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        ((unsigned char *)buf)[i] = (unsigned char)(rand() >> 7);
}

/* The arena with two queues, made by ipcmk; their ids. */
static void arena_with_queues(int ids[2])
{
    static char out[OUT_MAX];
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(ipcmk(NULL, out), 0, "%s", out);
        cr_assert_eq(sscanf(out, "Message queue id: %d", &ids[i]), 1, "%s", out);
    }
}

Test(arena, a_lock_held_by_nobody_is_reported_not_waited_for)
{
    static char out[OUT_MAX];
    int ids[2];
    arena_with_queues(ids);
    uint32_t tid = 4000000;                          /* beyond pid_max: no such thread */
    damage(offsetof(struct ref_header, lock), &tid, sizeof(tid));
    double start = now();
    int status = ipcmk(NULL, out);
    double took = now() - start;
    cr_expect_neq(status, 0, "%s", out);
    cr_expect_lt(status, 124, "the program hung or crashed (status %d): %s", status, out);
    cr_expect(strstr(out, "does not exist"), "%s", out);
    cr_expect(strstr(out, arena), "the message does not name the file: %s", out);
    cr_expect_lt(took, 10.0, "it took %.1f s", took);
}

Test(arena, random_bytes_in_the_lock_are_reported)
{
    static char out[OUT_MAX];
    int ids[2];
    arena_with_queues(ids);
    unsigned char junk[sizeof(pthread_mutex_t)];
    srand(7);
    random_bytes(junk, sizeof(junk));
    damage(offsetof(struct ref_header, lock), junk, sizeof(junk));
    int status = ipcmk(NULL, out);
    cr_expect(status != 0 && status < 124, "status %d: %s", status, out);
    cr_expect(strstr(out, "lock"), "%s", out);
}

Test(arena, a_damaged_state_is_rebuilt_from_the_log)
{
    static char out[OUT_MAX];
    int ids[2];
    arena_with_queues(ids);
    /* the queue table's first slots, where the queues are */
    static unsigned char junk[4096];
    srand(11);
    random_bytes(junk, sizeof(junk));
    off_t state = (off_t)ref_arena_state_offset();
    damage(state + (off_t)offsetof(struct model_ns, msg_ids.slot), junk, sizeof(junk));
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcrm -q %d -q %d 2>&1", arena,
             ids[0], ids[1]);
    int status = run(cmd, out);
    cr_expect_eq(status, 0, "the queues did not survive the damage (status %d): %s", status, out);
}

Test(arena, damage_the_log_cannot_repair_is_refused)
{
    static char out[OUT_MAX];
    int ids[2];
    arena_with_queues(ids);
    static unsigned char junk[4096];
    srand(13);
    random_bytes(junk, sizeof(junk));
    off_t state = (off_t)ref_arena_state_offset();
    damage(state + (off_t)offsetof(struct model_ns, msg_ids.slot), junk, sizeof(junk));
    /* the first record's sizes, checksum and more: the first ipcmk's, in
     * the area of the arena's first slot */
    damage((off_t)ref_arena_area_offset(0, 0) + 8, junk, 64);
    int status = ipcmk(NULL, out);
    cr_expect(status != 0 && status < 124, "status %d: %s", status, out);
    cr_expect(strstr(out, "damaged"), "%s", out);
}

static void become(uid_t uid);

/* build/arena_user on the library, ENV before it in the shell, as UID (0:
 * as we are), its stdin and stdout piped: it prints the id of the queue it
 * made on *FROM and exits when *TO is closed.  Its pid. */
static pid_t start_arena_user(uid_t uid, const char *env, int *to, int *from)
{
    char cmd[768];
    snprintf(cmd, sizeof(cmd), "%s LD_PRELOAD=./build/libsvipc-ref.so ./build/arena_user", env);
    int to_user[2], from_user[2];
    cr_assert_eq(pipe(to_user), 0);
    cr_assert_eq(pipe(from_user), 0);
    pid_t user = fork();
    if (user == 0) {
        dup2(to_user[0], 0);
        dup2(from_user[1], 1);
        close(to_user[1]);
        close(from_user[0]);
        if (uid)
            become(uid);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(to_user[0]);
    close(from_user[1]);
    *to = to_user[1];
    *from = from_user[0];
    return user;
}

Test(arena, a_truncated_arena_is_refused_and_the_keeper_stops_cleanly)
{
    static char out[OUT_MAX];
    char log[80], cmd[768];
    snprintf(log, sizeof(log), "%s-keeper.log", arena);
    unlink(log);
    /* a process of the arena that stays, with the keeper watching it */
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s SVIPC_REF_KEEPER_LOG=%s", arena, log);
    int to_user, from_user;
    pid_t user = start_arena_user(0, cmd, &to_user, &from_user);
    char id[32] = "";
    cr_assert_gt(read(from_user, id, sizeof(id) - 1), 0, "the arena's user did not start");
    cr_assert_eq(truncate(arena, 1 << 20), 0);
    close(to_user);                                  /* it exits: the keeper looks at the arena */
    int status;
    cr_assert_eq(waitpid(user, &status, 0), user);
    snprintf(cmd, sizeof(cmd), "for i in $(seq 100); do grep -q truncated %s 2>/dev/null && exit 0; sleep 0.05; done; "
             "exit 1", log);
    cr_expect_eq(system(cmd), 0, "the keeper did not stop with a message (it died, or still runs)");
    int mk = ipcmk(NULL, out);
    cr_expect(mk != 0 && mk < 124, "status %d: %s", mk, out);
    cr_expect(strstr(out, "truncated"), "%s", out);
    unlink(log);
}

/* LEN bytes of the arena's header at OFFSET, read from the file. */
static void read_header(off_t offset, void *buf, size_t len)
{
    int fd = open(arena, O_RDONLY);
    cr_assert_geq(fd, 0, "%s", arena);
    cr_assert_eq(pread(fd, buf, len, offset), (ssize_t)len);
    close(fd);
}

/* The keeper's pid as the arena's header holds it. */
static pid_t keeper_of_arena(void)
{
    int32_t pid = 0;
    read_header((off_t)offsetof(struct ref_header, keeper_pid), &pid, sizeof(pid));
    return pid;
}

/* /proc/PID/NAME's first SIZE - 1 bytes into BUF, NUL-terminated; -1 when
 * the process (or the file) is gone. */
static ssize_t read_proc(pid_t pid, const char *name, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

/* Whether process PID has ended (gone, or a zombie nobody reaps). */
static int process_ended(pid_t pid)
{
    char buf[512];
    if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
        return 1;
    const char *state = strrchr(buf, ')');
    return !state || state[2] == 'Z' || state[2] == 'X';
}

/* Until keeper PID has ended (ten seconds at most); whether it has. */
static int keeper_ends(pid_t pid)
{
    double until = now() + 10;
    while (!process_ended(pid) && now() < until)
        usleep(20000);
    return process_ended(pid);
}

Test(arena, a_drop_in_keeper_serves_the_next_program_and_then_ends)
{
    /* a program that forks short-lived children (one at a time) would
     * start a keeper for each if it left with its last process */
    static char out[OUT_MAX];
    cr_assert_eq(ipcmk(NULL, out), 0, "%s", out);
    pid_t first = keeper_of_arena();
    cr_assert_gt(first, 0);
    cr_assert_eq(ipcmk(NULL, out), 0, "%s", out);
    cr_expect_eq(keeper_of_arena(), first, "the next program started a keeper of its own");
    /* and with nobody left it ends, within a few seconds */
    cr_expect(keeper_ends(first), "the keeper %d still runs with nobody to watch", (int)first);
}

/* Whether process PID sleeps in poll(2) with a timeout of at most MS
 * milliseconds (its /proc syscall line: x86-64's poll is 7, the timeout its
 * third argument). */
static int polls_briefly(pid_t pid, long ms)
{
    char buf[256];
    if (read_proc(pid, "syscall", buf, sizeof(buf)) < 0)
        return 0;
    long nr = -1;
    unsigned long fds = 0, nfds = 0, timeout = ~0UL;
    return sscanf(buf, "%ld %lx %lx %lx", &nr, &fds, &nfds, &timeout) == 4 && nr == 7 && (long)timeout >= 0 &&
           (long)timeout <= ms;
}

/* A process tells the keeper of itself without waiting for its answer,
 * holding the arena's first byte shared until its slot is made; a keeper
 * with nobody left takes the byte exclusive to leave, so that it never
 * leaves with a request unread.  Held here by the test: past its linger
 * the keeper tries, cannot, and looks again every few milliseconds, alive;
 * let go, it leaves. */
Test(arena, a_keeper_does_not_leave_while_a_process_tells_it_of_itself)
{
#ifndef __x86_64__
    cr_skip_test("the keeper's system call is read as x86-64 numbers it");
#endif
    static char out[OUT_MAX];
    cr_assert_eq(ipcmk(NULL, out), 0, "%s", out);   /* a program came and went: its keeper lingers */
    pid_t keeper = keeper_of_arena();
    cr_assert_gt(keeper, 0);
    int fd = open(arena, O_RDWR);
    cr_assert_geq(fd, 0);
    struct flock l = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
    cr_assert_eq(fcntl(fd, F_SETLK, &l), 0);
    /* brief polls seen over a fifth of a second: the linger's last poll
     * (which may be brief too) is over, the keeper is trying to leave */
    double until = now() + 10, first_brief = 0;
    while (!process_ended(keeper) && now() < until) {
        if (!polls_briefly(keeper, 10))
            first_brief = 0;
        else if (!first_brief)
            first_brief = now();
        else if (now() - first_brief > 0.2)
            break;
        usleep(1000);
    }
    int alive = !process_ended(keeper), tried = first_brief && now() - first_brief > 0.2;
    l.l_type = F_UNLCK;
    fcntl(fd, F_SETLK, &l);
    close(fd);
    cr_assert(alive, "the keeper left while a process held the arena's first byte");
    cr_assert(tried, "the keeper was not seen trying to leave");
    cr_expect(keeper_ends(keeper), "the keeper %d still runs once the byte was let go", (int)keeper);
}

Test(arena, a_bad_magic_is_refused_not_reformatted)
{
    static char out[OUT_MAX];
    int ids[2];
    arena_with_queues(ids);
    uint64_t junk = 0x0123456789abcdefULL;
    damage(0, &junk, sizeof(junk));
    struct stat before, after;
    cr_assert_eq(stat(arena, &before), 0);
    cr_expect_neq(ipcmk(NULL, out), 0, "%s", out);
    cr_expect(strstr(out, "not a reference arena"), "%s", out);
    cr_assert_eq(stat(arena, &after), 0);
    cr_expect_eq(after.st_size, before.st_size, "the file was reformatted");
}

Test(arena, the_apparent_size_is_what_is_used_and_fits_ext4)
{
    static char out[OUT_MAX];
    char cmd[512];
    /* /tmp is ext4 here: a file system with a 16 TiB file limit */
    snprintf(arena, sizeof(arena), "/tmp/svipc-test-arena-%d", (int)getpid());
    unlink(arena);
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -M 1048576 2>&1", arena);
    cr_assert_eq(run(cmd, out), 0, "%s", out);
    int id = -1;
    cr_assert_eq(sscanf(out, "Shared memory id: %d", &id), 1, "%s", out);
    /* attach it (its memory is made), write, and read back in another process */
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so /usr/bin/python3 -c "
             "'import sysv_ipc; m = sysv_ipc.attach(%d); m.write(b\"ext4\"); print(m.read(4))' 2>&1", arena, id);
    if (system("/usr/bin/python3 -c 'import sysv_ipc' 2>/dev/null") == 0) {
        cr_expect_eq(run(cmd, out), 0, "%s", out);
        cr_expect(strstr(out, "ext4"), "%s", out);
    }
    struct stat st;
    cr_assert_eq(stat(arena, &st), 0);
    cr_expect_lt(st.st_size, 8LL << 30, "apparent size %lld", (long long)st.st_size);
    cr_expect_lt(st.st_blocks * 512LL, 64LL << 20, "disk use %lld", (long long)st.st_blocks * 512LL);
}

/* ---------- another user ---------- */

/* The uid of USER, made (a system user without a home) when absent. */
static uid_t test_user(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "useradd --system --no-create-home --shell /usr/sbin/nologin %s 2>&1", user);
        cr_assert_eq(system(cmd), 0, "useradd %s", user);
        pw = getpwnam(user);
    }
    cr_assert(pw, "no user %s", user);
    return pw->pw_uid;
}

/* In a child: become UID (its own group too), with room for many files. */
static void become(uid_t uid)
{
    struct rlimit files = { 8192, 8192 };
    setrlimit(RLIMIT_NOFILE, &files);
    if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
        _exit(126);
}

/* COMMAND through the shell as UID; its output into OUT. */
static int run_as(uid_t uid, const char *command, char *out)
{
    int pipefd[2];
    cr_assert_eq(pipe(pipefd), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        become(uid);
        execl("/bin/sh", "sh", "-c", command, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    size_t n = 0;
    ssize_t got;
    while (n < OUT_MAX - 1 && (got = read(pipefd[0], out + n, OUT_MAX - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(pipefd[0]);
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static uid_t victim, attacker;

static void two_users(void)
{
    victim = test_user("svipc-test-victim");
    attacker = test_user("svipc-test-attacker");
    snprintf(arena, sizeof(arena), "/tmp/svipc-test-arena-%d", (int)getpid());
}

static void clean_users(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf /dev/shm/svipc-%u /tmp/svipc-test-arena-%d*", (unsigned)victim, (int)getpid());
    if (system(cmd) != 0)
        fprintf(stderr, "cleaning up after the test failed\n");
}

TestSuite(second_user, .init = two_users, .fini = clean_users, .timeout = 90);

Test(second_user, a_planted_directory_and_link_are_refused)
{
    static char out[OUT_MAX];
    char cmd[768], dir[64], target[80];
    snprintf(dir, sizeof(dir), "/dev/shm/svipc-%u", (unsigned)victim);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    /* the victim's file the link points at */
    snprintf(target, sizeof(target), "%s-victims-file", arena);
    write_file(target, "victim's data\n", 0600);
    cr_assert_eq(chown(target, victim, victim), 0);
    snprintf(cmd, sizeof(cmd), "mkdir -m 0777 %s && ln -s %s %s/arena", dir, target, dir);
    cr_assert_eq(run_as(attacker, cmd, out), 0, "the attacker could not plant: %s", out);
    cr_expect_neq(run_as(victim, "LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", out), 0,
                  "the victim used a planted arena: %s", out);
    cr_expect(strstr(out, "not a private directory"), "%s", out);
    cr_expect(file_is(target, "victim's data\n"), "the victim's file was changed");
}

Test(second_user, a_file_precreated_by_another_user_is_refused)
{
    static char out[OUT_MAX];
    char cmd[768];
    snprintf(cmd, sizeof(cmd), "umask 0; : > %s; chmod 0666 %s", arena, arena);
    cr_assert_eq(run_as(attacker, cmd, out), 0, "%s", out);
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", arena);
    cr_expect_neq(run_as(victim, cmd, out), 0, "the victim used the attacker's file: %s", out);
    cr_expect(strstr(out, "belongs to uid"), "%s", out);
    struct stat st;
    cr_assert_eq(stat(arena, &st), 0);
    cr_expect_eq(st.st_size, 0, "the victim wrote into the attacker's file");
}

Test(second_user, a_foreign_arena_is_refused)
{
    static char out[OUT_MAX];
    char cmd[768];
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q && chmod 0666 %s",
             arena, arena);
    cr_assert_eq(run_as(attacker, cmd, out), 0, "the attacker's arena: %s", out);
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", arena);
    cr_expect_neq(run_as(victim, cmd, out), 0, "the victim used the attacker's arena: %s", out);
    cr_expect(strstr(out, "belongs to uid"), "%s", out);
}

/* The keepers' abstract sockets listed in /proc/net/unix. */
static int keeper_sockets(char names[][64], int max)
{
    FILE *f = fopen("/proc/net/unix", "r");
    char line[512];
    int n = 0;
    while (f && n < max && fgets(line, sizeof(line), f)) {
        char *at = strstr(line, "@svipc-ref-");
        if (at) {
            at[strcspn(at, "\n")] = '\0';
            snprintf(names[n++], 64, "%s", at + 1);
        }
    }
    if (f)
        fclose(f);
    return n;
}

/* A drop-in keeper left with nobody waits a while for the next program;
 * a connection it refuses meanwhile (another user's: it may not write the
 * arena, as another test's flood of connections) must not turn that while
 * into for ever. */
Test(second_user, a_refused_connection_does_not_keep_a_lingering_keeper_alive)
{
    static char out[OUT_MAX];
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so ipcmk -Q 2>&1", arena);
    cr_assert_eq(run(cmd, out), 0, "%s", out);
    pid_t keeper = keeper_of_arena();
    uint64_t id = 0;
    read_header((off_t)offsetof(struct ref_header, arena_id), &id, sizeof(id));
    pid_t other = fork();
    if (other == 0) {
        become(attacker);
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        int len = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "svipc-ref-%016llx", (unsigned long long)id);
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        int made = c >= 0 && connect(c, (struct sockaddr *)&sun,
                                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) == 0;
        /* refused: the keeper closes it at once */
        char byte;
        _exit(made && read(c, &byte, 1) == 0 ? 0 : 1);
    }
    int status;
    cr_assert_eq(waitpid(other, &status, 0), other);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the other user's connection was not made and refused");
    cr_expect(keeper_ends(keeper), "the keeper %d waits on for ever after refusing a connection", (int)keeper);
}

Test(second_user, a_flood_of_connections_holds_nobody_up)
{
    static char out[OUT_MAX];
    char cmd[768];
    /* the victim's arena, with a process that keeps its keeper alive */
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s", arena);
    int to_user, from_user;
    pid_t user = start_arena_user(victim, cmd, &to_user, &from_user);
    char id[32] = "";
    cr_assert_gt(read(from_user, id, sizeof(id) - 1), 0, "the victim's process did not start");
    cr_assert_geq(atoi(id), 0, "the victim's process could not use its arena");
    /* the attacker connects to every keeper it can see, and keeps the connections */
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t flood = fork();
    if (flood == 0) {
        become(attacker);
        char names[16][64];
        int nnames = keeper_sockets(names, 16), held = 0;
        for (int k = 0; k < nnames; k++)
            for (int round = 0; round < 5000; round++) {
                struct sockaddr_un sun = { .sun_family = AF_UNIX };
                size_t len = strlen(names[k]);
                memcpy(sun.sun_path + 1, names[k], len);
                /* blocking, so the connections go in as fast as the keeper takes them */
                int fd = socket(AF_UNIX, SOCK_STREAM, 0);
                struct timeval brief = { .tv_usec = 200000 };
                if (fd >= 0)
                    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &brief, sizeof(brief));
                if (fd >= 0 && connect(fd, (struct sockaddr *)&sun,
                                       (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) == 0)
                    held++;
                else if (fd >= 0)
                    close(fd);
            }
        dprintf(ready[1], "%d\n", held);
        pause();
        _exit(0);
    }
    close(ready[1]);
    char held[32] = "";
    cr_assert_gt(read(ready[0], held, sizeof(held) - 1), 0, "the flood did not report");
    /* the victim's next program must get through, and soon */
    double start = now();
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=./build/libsvipc-ref.so timeout 30 ipcmk -Q 2>&1", arena);
    int status = run_as(victim, cmd, out);
    double took = now() - start;
    kill(flood, SIGKILL);
    waitpid(flood, NULL, 0);
    close(to_user);
    waitpid(user, NULL, 0);
    cr_expect_eq(status, 0, "with %s connections held, the victim's msgget failed: %s", held, out);
    cr_expect_lt(took, 5.0, "with %s connections held, the victim waited %.1f s", held, took);
}
