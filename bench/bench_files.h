/* bench_files.h: where svipc-bench's companions are (the reference
 * runtime's library, the workers built for each architecture): beside the
 * program in the build tree, or in ../lib/svipc once installed.
 * Must not: start anything or decide what is missing means (callers say). */
#ifndef SVIPC_BENCH_FILES_H
#define SVIPC_BENCH_FILES_H

#include <stddef.h>

/* NAME beside the program at SELF, or in SELF's ../lib/svipc: the first
 * that exists into OUT (0), else the place beside it (-1). */
int bench_companion(const char *self, const char *name, char *out, size_t size);

#endif
