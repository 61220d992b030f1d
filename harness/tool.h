/* tool.h: util-linux's System V IPC programs (ipcmk, ipcrm, ipcs, lsipc)
 * as a scenario step: which programs a step may name, how a puppet runs
 * one (tool_run.c: fork and exec in the scenario process's own context --
 * its namespaces, credentials and, on the reference runtime, its arena --
 * with what it prints caught, within the step's deadline), and how what it
 * printed becomes an outcome's fields (tool_output.c).
 *
 * A puppet's reply to a tool step is a struct tool_reply, then the
 * argument words (NUL-separated, as the request carried them), then what
 * the program wrote to its standard output, then to its standard error.
 * The step's return value is the program's exit status (128 + the signal
 * when one killed it), or -1 and errno when it could not be started.
 * Must not: run anything but the named programs, or keep anything between
 * steps. */
#ifndef SVIPC_TOOL_H
#define SVIPC_TOOL_H

#include "outcome.h"

#include <stddef.h>
#include <stdint.h>

#define TOOL_NAMES "ipcmk, ipcrm, ipcs, lsipc"
#define TOOL_OUT_MAX (128 * 1024)   /* standard output kept; the rest is read and dropped */
#define TOOL_ERR_MAX (16 * 1024)    /* standard error kept */
#define TOOL_MAX_ARGS 64

enum {
    TOOL_TIMED_OUT = 1,             /* killed at the step's deadline */
    TOOL_OUT_CUT = 2,               /* printed more than the reply keeps */
};

struct tool_reply {
    int32_t status;                 /* its wait status */
    int32_t pid;                    /* as the scenario's processes see it */
    uint32_t argv_len, out_len, err_len;
    uint32_t flags;                 /* TOOL_TIMED_OUT, TOOL_OUT_CUT */
};

/* Whether a step may run NAME. */
int tool_known(const char *name);

/* Puppet side: run the program of ARGV (ARGV_LEN bytes of NUL-separated
 * words) with the environment a backend adds (ENV: "NAME=value" strings,
 * NULL-terminated, or NULL) and KEEP_FD (a descriptor the program must
 * inherit, or -1), killed at DEADLINE_NS (CLOCK_MONOTONIC; 0: 5 s from
 * now).  The reply is written to OUT (ROOM bytes), its length to *LEN.
 * The step's return value, or -1 and errno. */
long tool_run(const unsigned char *argv, size_t argv_len, int64_t deadline_ns, char *const *env, int keep_fd,
              unsigned char *out, size_t room, size_t *len);

/* Coordinator side: the fields of a tool step's reply (DATA, LEN bytes);
 * OUT->tool_pid names the program's process.  A program killed at the
 * deadline makes the outcome a timeout. */
void tool_decode(struct outcome *out, const unsigned char *data, size_t len);

/* The version of Debian's util-linux package (dpkg's status file), else
 * the version ipcs itself reports; 0, or -1 when neither is known. */
int tool_package_version(char *buf, size_t size);

#endif
