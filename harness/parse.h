/* parse.h: the scenario text format (see suites/README.md) into a catalog.
 * Parameter matrices are expanded here, so the engine sees only instances.
 * Every input gives instances or an error naming file, line and reason, in
 * time and memory bounded by the limits below (whatever the bytes).
 * Must not: run anything; return a partial catalog (nothing half-parsed is
 * added); keep anything of a refused file. */
#ifndef SVIPC_PARSE_H
#define SVIPC_PARSE_H

#include "scenario.h"

#include <stddef.h>

#define PARSE_MAX_INSTANCES  10000          /* instances one file may expand to */
#define PARSE_MAX_FILE_BYTES (64UL << 20)   /* memory one file's instances may take */

struct parse_error {
    char file[512];
    int line;                /* 0: the file as a whole */
    char reason[512];
};

/* Parse LEN bytes of TEXT (the contents of FILE; NUL bytes and invalid
 * UTF-8 are errors with their line) and append its instances to CAT.
 * Returns 0, or -1 with ERR filled.  On error CAT is left unchanged. */
int parse_buffer(struct catalog *cat, const char *file, const char *text, size_t len,
                 struct parse_error *err);

/* parse_buffer of a NUL-terminated TEXT. */
int parse_text(struct catalog *cat, const char *file, const char *text, struct parse_error *err);

#endif
