/* test_abi.c: harness/abi.c's layouts against the kernel's own, as each
 * architecture's uapi headers declare them: tests/programs/abi_probe.c,
 * built natively and, by `make puppets`, with each cross toolchain here,
 * prints them; every field, offset, size and structure size must agree.
 * An architecture whose probe or emulator is missing is skipped, named. */
#define _GNU_SOURCE
#include "abi.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const struct_names[ABI_STRUCTS] = {
    [ABI_MSQID] = "msqid", [ABI_SEMID] = "semid", [ABI_SHMID] = "shmid", [ABI_MSGINFO] = "msginfo",
    [ABI_SEMINFO] = "seminfo", [ABI_SHMINFO] = "shminfo", [ABI_SHM_INFO] = "shm_info",
    [ABI_MSQID_OLD] = "msqid_old", [ABI_SEMID_OLD] = "semid_old", [ABI_SHMID_OLD] = "shmid_old",
    [ABI_SHMINFO_OLD] = "shminfo_old",
};

static int struct_by_name(const char *name)
{
    for (int i = 0; i < ABI_STRUCTS; i++)
        if (strcmp(struct_names[i], name) == 0)
            return i;
    return -1;
}

/* Compare the probe's output (COMMAND's) with ABI; the number of fields
 * the probe named, per structure, must be the table's. */
static void compare(const struct abi *abi, const char *command)
{
    FILE *p = popen(command, "r");
    cr_assert(p, "cannot run %s", command);
    char st[32], field[32];
    unsigned off, size;
    int seen[ABI_STRUCTS] = { 0 }, sized[ABI_STRUCTS] = { 0 };
    while (fscanf(p, "%31s %31s %u %u", st, field, &off, &size) == 4) {
        int s = struct_by_name(st);
        cr_assert(s >= 0, "%s: unknown structure %s", abi->name, st);
        const struct abi_struct *as = &abi->s[s];
        if (strcmp(field, "-") == 0) {
            cr_expect_eq(as->size, size, "%s %s: sizeof is %u, the table says %u", abi->name, st, size, as->size);
            sized[s] = 1;
            continue;
        }
        const struct abi_field *f = NULL;
        for (int i = 0; i < as->nfields && !f; i++)
            if (strcmp(as->field[i].name, field) == 0)
                f = &as->field[i];
        cr_expect(f, "%s %s: the table has no field %s", abi->name, st, field);
        if (f)
            cr_expect(f->off == off && f->size == size, "%s %s.%s: at %u, %u bytes; the table says at %u, %u bytes",
                      abi->name, st, field, off, size, f->off, f->size);
        seen[s]++;
    }
    cr_assert_eq(pclose(p), 0, "%s failed", command);
    for (int s = 0; s < ABI_STRUCTS; s++) {
        if (!abi->s[s].size)
            continue;                  /* a layout this architecture does not have (the old ones without ipc(2)) */
        cr_expect(sized[s], "%s: the probe did not print %s", abi->name, struct_names[s]);
        cr_expect_eq(seen[s], abi->s[s].nfields, "%s %s: the probe named %d fields, the table has %d", abi->name,
                     struct_names[s], seen[s], abi->s[s].nfields);
    }
}

Test(abi, native_table_is_the_kernels)
{
    compare(abi_by_id(abi_native()), "./build/tests/abi_probe");
}

/* A cross-built probe under its emulator (qemu-user). */
static void cross(const char *arch, const char *emulator)
{
    char probe[256], command[512];
    snprintf(probe, sizeof(probe), "./build/abi-probe.%s", arch);
    if (access(probe, X_OK) != 0)
        cr_skip_test("no %s (make puppets, with Debian's cross toolchain for %s: ci/install-deps.sh targets)", probe,
                     arch);
    snprintf(command, sizeof(command), "command -v %s >/dev/null", emulator);
    if (system(command) != 0)
        cr_skip_test("no %s (Debian's qemu-user: ci/install-deps.sh targets)", emulator);
    snprintf(command, sizeof(command), "%s %s", emulator, probe);
    compare(abi_by_name(arch), command);
}

Test(abi, aarch64_table_is_the_kernels) { cross("aarch64", "qemu-aarch64"); }
Test(abi, armhf_table_is_the_kernels) { cross("armhf", "qemu-arm"); }
Test(abi, i386_table_is_the_kernels) { cross("i386", "qemu-i386"); }
