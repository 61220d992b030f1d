/* paths.h: where svipc's own files are, found from the program's own path
 * (/proc/self/exe), so that one binary works in its build tree and
 * installed under any prefix (make install PREFIX=... DESTDIR=...):
 *   installed   PREFIX/bin/svipc: the catalog PREFIX/share/svipc/suites (its
 *               coverage map and golden traces inside), the preload library
 *               PREFIX/lib/svipc/libsvipc-ref.so
 *   build tree  ROOT/build/svipc (or a directory below build/, or ROOT
 *               itself): the catalog ROOT/suites, the library beside the
 *               program
 * A path inside the current directory is given relative to it ("suites",
 * as before the program looked for itself), so the names in results and
 * messages of a run in the build tree read as they always did.
 * Must not: look at anything but the program's path and those files. */
#ifndef SVIPC_PATHS_H
#define SVIPC_PATHS_H

#include <stddef.h>

enum svipc_file {
    SVIPC_CATALOG,           /* the scenario catalog (a directory) */
    SVIPC_COVERAGE_MAP,      /* its coverage.map */
    SVIPC_GOLDEN,            /* its golden/linux.jsonl */
    SVIPC_LIBRARY,           /* libsvipc-ref.so, the reference runtime as a drop-in library */
    SVIPC_OBSERVER,          /* libsvipc-observe.so beside it, the kernel-side observer (observe/) */
};

/* The path of F into BUF: 0; or -1 when svipc's files are not found
 * (BUF then holds the name relative to the current directory, "suites", as
 * a program outside any tree has always used). */
int svipc_path(enum svipc_file f, char *buf, size_t size);

/* This program's version and the catalog's commit when it was built
 * ("git describe"), or NULL when it was built without git (a tarball). */
const char *svipc_version(void);
const char *svipc_catalog_commit(void);

/* The path of program NAME on $PATH (or the usual directories when $PATH
 * is unset or empty) into BUF: 0, or -1 when no such program is there. */
int path_search(const char *name, char *buf, size_t size);

#endif
