/* test_preload.c: unmodified programs on the reference runtime through
 * LD_PRELOAD=libsvipc-ref.so give the same output as on the kernel: a C
 * program of ours (tests/programs/ipc_demo.c) and Debian's python3-sysv-ipc
 * (tests/programs/sysv_ipc_demo.py), the capacity at Linux's default
 * limits (tests/programs/capacity.c), util-linux's ipcs and lsipc listing
 * a program's objects (tests/programs/ipc_tools_demo.c: the runtime's
 * /proc/sysvipc and sysctls, impl/ref_procfs.c), and the IPC sysctls
 * written by a program and met by its calls (tests/programs/sysctl_demo.c).
 * The kernel runs happen in a private IPC namespace, the reference runs on
 * a private arena, removed afterwards.
 * Must not: run anything in the host's IPC namespace. */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 65536

static char arena[64];

static void enter_private_namespace(void)
{
    if (geteuid() != 0)
        cr_skip_test("needs root for a private IPC namespace for the kernel's run");
    cr_assert_eq(unshare(CLONE_NEWIPC), 0, "unshare(CLONE_NEWIPC)");
    snprintf(arena, sizeof(arena), "/dev/shm/svipc-test-preload-%d", (int)getpid());
    unlink(arena);
}

static void remove_arena(void)
{
    unlink(arena);
}

TestSuite(preload, .init = enter_private_namespace, .fini = remove_arena, .timeout = 60);

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

/* PROGRAM's output on the kernel and on the library, the same, and at least MIN bytes of it. */
static void same_output(const char *program, size_t min)
{
    static char kernel[OUT_MAX], ref[OUT_MAX];
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "%s 2>&1", program);
    cr_assert_eq(run(cmd, kernel), 0, "on the kernel: %s", kernel);
    char here[256];
    cr_assert(getcwd(here, sizeof(here)), "getcwd");
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=%s/build/libsvipc-ref.so %s 2>&1", arena, here, program);
    cr_assert_eq(run(cmd, ref), 0, "on the reference runtime: %s", ref);
    cr_assert_str_eq(ref, kernel, "%s differs:\n--- kernel\n%s--- ref\n%s", program, kernel, ref);
    cr_assert(strlen(kernel) >= min, "%s printed too little to prove anything", program);
}

Test(preload, c_program_gives_the_kernels_output)
{
    same_output("./build/ipc_demo", 100);
}

Test(preload, python_sysv_ipc_gives_the_kernels_output)
{
    if (system("/usr/bin/python3 -c 'import sysv_ipc' 2>/dev/null") != 0)
        cr_skip_test("python3-sysv-ipc is not installed (ci/install-deps.sh installs it)");
    same_output("/usr/bin/python3 tests/programs/sysv_ipc_demo.py", 100);
}

Test(preload, capacity_at_linux_default_limits_is_the_kernels, .timeout = 180)
{
    /* 32000 sets of 250, 32000 queues, 64000 messages of 8 KiB: the
     * counts and the errno at each limit */
    same_output("./build/capacity", 90);
}

Test(preload, ipcs_and_lsipc_list_the_runtimes_objects_as_the_kernels)
{
    /* every table, the summary, the limits and one object's detail, from
     * /proc/sysvipc, /proc/sys/kernel and the *_INFO commands */
    same_output("./build/ipc_tools_demo", 4000);
}

static void read_msgmnb(char *buf, size_t size)
{
    FILE *f = fopen("/proc/sys/kernel/msgmnb", "r");
    cr_assert(f && fgets(buf, (int)size, f), "cannot read this namespace's msgmnb");
    fclose(f);
}

Test(preload, sysctls_written_under_the_library_are_the_runtimes_limits)
{
    /* written by open/write/close, fopen/fprintf/fclose and a shell, met
     * by msgget, msgsnd and ipcs; on the library, the kernel's namespace
     * (this one) is left alone */
    static char kernel[OUT_MAX], ref[OUT_MAX];
    char before[64] = "", after[64] = "", cmd[512], here[256];
    cr_assert_eq(run("unshare --ipc ./build/sysctl_demo 2>&1", kernel), 0, "on the kernel: %s", kernel);
    cr_assert(getcwd(here, sizeof(here)), "getcwd");
    read_msgmnb(before, sizeof(before));
    snprintf(cmd, sizeof(cmd), "SVIPC_REF_ARENA=%s LD_PRELOAD=%s/build/libsvipc-ref.so ./build/sysctl_demo 2>&1", arena,
             here);
    cr_assert_eq(run(cmd, ref), 0, "on the reference runtime: %s", ref);
    read_msgmnb(after, sizeof(after));
    cr_assert_str_eq(ref, kernel, "sysctl_demo differs:\n--- kernel\n%s--- ref\n%s", kernel, ref);
    cr_expect(strstr(ref, "msgmnb = 100\n") && strstr(ref, "EAGAIN"), "the limit was not met: %s", ref);
    cr_expect_str_eq(after, before, "the library's writes reached the kernel's msgmnb");
}
