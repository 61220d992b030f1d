/* fuzz_golden.c: libFuzzer target for golden files (trace.c golden_read):
 * any bytes, read as a golden file, give traces or file:line: reason; the
 * traces then go through what a run does with them (trace_compare against
 * one another, trace_canonical), which must take any JSON.  ASan and UBSan.
 * Must not: keep state from one input to the next. */
#define _GNU_SOURCE
#include "trace.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return 0;
    char why[1024] = "";
    json_t *golden = golden_read(f, "fuzz.jsonl", why, sizeof(why));
    fclose(f);
    if (!golden) {
        if (!why[0])
            abort();
        return 0;
    }
    json_t *first = NULL;
    const char *name;
    json_t *trace;
    json_object_foreach(golden, name, trace) {
        char diff[2048];
        size_t at;
        json_t *canonical = trace_canonical(trace);
        if (trace_compare(trace, canonical, &at, diff, sizeof(diff)) != 0)
            abort();                 /* the canonical form keeps what is compared */
        if (first)
            trace_compare(first, trace, &at, diff, sizeof(diff));
        else
            first = trace;
        json_decref(canonical);
    }
    json_decref(golden);
    return 0;
}
