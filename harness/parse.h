/* parse.h: the scenario text format (see suites/README.md) into a catalog.
 * Parameter matrices are expanded here, so the engine sees only instances.
 * Must not: run anything; a parse either yields a whole catalog or an error
 * naming file, line and reason (nothing half-parsed is returned). */
#ifndef SVIPC_PARSE_H
#define SVIPC_PARSE_H

#include "scenario.h"

struct parse_error {
    char file[512];
    int line;
    char reason[512];
};

/* Parse TEXT (the contents of FILE) and append its instances to CAT.
 * Returns 0, or -1 with ERR filled.  On error CAT is left unchanged. */
int parse_text(struct catalog *cat, const char *file, const char *text,
               struct parse_error *err);

/* Load files and directories (recursively, *.svipc, in name order). */
int catalog_load(struct catalog *cat, char *const *paths, int npaths,
                 struct parse_error *err);

/* Index of the scenario named NAME, or -1. */
int catalog_find(const struct catalog *cat, const char *name);

#endif
