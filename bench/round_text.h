/* round_text.h: a round's result (round.h) as lines of text, the way a
 * round run inside a target (a sandbox, an emulator of another
 * architecture: bench_target.h) reports it back through its standard
 * output: no struct layout crosses the boundary, so a 32-bit or foreign
 * worker's result reads the same; with it, what the round saw of the
 * system it ran on (uname, as the target shows it).
 * Must not: run or judge a round. */
#ifndef SVIPC_BENCH_ROUND_TEXT_H
#define SVIPC_BENCH_ROUND_TEXT_H

#include "round.h"

#include <stddef.h>

/* The first line of a result; a decoder looks for it. */
#define ROUND_TEXT_MAGIC "svipc-bench-round 1"

/* RES and INSIDE (one line: what the round saw) as text into BUF: the
 * length, or -1 when BUF is too small. */
int round_text_encode(const struct round_result *res, const char *inside, char *buf, size_t size);

/* The result in TEXT (LEN bytes, which may hold other output before it)
 * into *RES and INSIDE (SIZE bytes): 0, or -1 with why in RES->why when
 * there is no complete result. */
int round_text_decode(const char *text, size_t len, struct round_result *res, char *inside, size_t size);

#endif
