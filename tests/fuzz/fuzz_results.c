/* fuzz_results.c: libFuzzer target for result files (results.c
 * results_read, what svipc coverage and svipc show read): any bytes give
 * the results of a run, complete or incomplete, or file:line: reason; the
 * results then go through coverage's tally.  ASan and UBSan.
 * Must not: keep state from one input to the next. */
#define _GNU_SOURCE
#include "results.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    struct results_file rf;
    char why[1024] = "";
    int rc = results_read(f, "fuzz.jsonl", &rf, why, sizeof(why));
    fclose(f);
    if (rc < 0) {
        if (!why[0])
            abort();
        return 0;
    }
    if (!rf.complete && !rf.incomplete[0])
        abort();                     /* an incomplete run says why */
    json_t *tally = results_tally(&rf);
    json_decref(tally);
    results_free(&rf);
    return 0;
}
