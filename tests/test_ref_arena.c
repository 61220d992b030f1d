/* test_ref_arena.c: the reference runtime's arena file as its users meet
 * it through the drop-in library: an arena made by another build of svipc
 * (another layout) is refused with a clear message and left as it was,
 * never misread; and the library never calls its own interposed exports
 * (a wait inside it would apply an exit that is not one).
 * Must not: touch the default arena (/dev/shm/svipc-ref-<euid>): each test
 * names its own file and removes it. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
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
    /* the same program on a build whose log is another size */
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
