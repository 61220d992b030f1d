/* catalog.h: the scenario instances of a run: files and directories read
 * and handed to the parser, names found through an index, everything given
 * back at once.  The limits that keep a hostile catalog bounded are here.
 * Must not: parse scenario text (parse.c does) or run anything. */
#ifndef SVIPC_CATALOG_H
#define SVIPC_CATALOG_H

#include "parse.h"
#include "region.h"
#include "scenario.h"

#define CATALOG_MAX_FILE_SIZE  (16UL << 20)   /* bytes of one scenario file */
#define CATALOG_MAX_BYTES      (512UL << 20)  /* the instances of every file, expanded */

/* Load files and directories (recursively, *.svipc, in name order).  A
 * directory that contains itself, a file too large, a *.svipc that is not a
 * regular file are errors.  0, or -1 with ERR filled and CAT unchanged by
 * the file in error (files before it stay). */
int catalog_load(struct catalog *cat, char *const *paths, int npaths, struct parse_error *err);

/* Index of the scenario named NAME, or -1. */
int catalog_find(const struct catalog *cat, const char *name);

/* The hash the name index uses (FNV-1a), for other indexes of names. */
size_t catalog_name_hash(const char *name);

/* Append ITEMS (N instances of one file, made in FILE_MEMORY) to CAT, which
 * takes the memory over.  -1 and errno when out of memory (CAT unchanged,
 * FILE_MEMORY still the caller's). */
int catalog_append(struct catalog *cat, const struct scenario *items, int n, struct region *file_memory);

/* The bytes CAT's instances take (what CATALOG_MAX_BYTES bounds). */
size_t catalog_bytes(const struct catalog *cat);

/* Everything CAT holds given back; CAT is empty after. */
void catalog_free(struct catalog *cat);

#endif
