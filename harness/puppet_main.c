/* puppet_main.c: svipc-puppet, a puppet alone, for the targets whose
 * scenario processes cannot be forked from the coordinator: built static
 * for each architecture (make puppets), started by an emulator as
 * `qemu-ARCH svipc-puppet --puppet FD kernel [BASE]`, it serves requests on
 * FD with the kernel's calls made as this architecture's C library makes
 * them (kernel_calls.c).
 * Must not: hold anything but the entry: the puppet is puppet.c's. */
#include "kernel_calls.h"
#include "puppet.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The kernel as a puppet sees it: its calls, nothing of the coordinator's. */
static const struct backend puppet_kernel = {
    .name = "kernel",
    .calls = &kernel_calls,
    .ipc_calls = KERNEL_IPC_CALLS,
};

int main(int argc, char **argv)
{
    if ((argc != 4 && argc != 5) || strcmp(argv[1], "--puppet") != 0 || strcmp(argv[3], "kernel") != 0) {
        fprintf(stderr, "usage: svipc-puppet --puppet FD kernel [BASE]\n"
                        "(a scenario process of svipc, started by the coordinator)\n");
        return 2;
    }
    puppet_main(atoi(argv[2]), &puppet_kernel, argc == 5 ? (uintptr_t)strtoull(argv[4], NULL, 0) : 0, 0,
                NULL);
}
