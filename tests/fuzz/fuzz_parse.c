/* fuzz_parse.c: libFuzzer target for the scenario parser (parse_buffer):
 * any bytes, read as a scenario file, give instances or file:line: reason,
 * within the parser's bounds, leave the catalog as it was when refused, and
 * every instance's steps resolve into requests (request_build) without
 * touching memory they do not own.  Built with ASan and UBSan (make fuzz).
 * Must not: run anything, or keep state from one input to the next. */
#include "catalog.h"
#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every step of every instance resolved, as the engine would. */
static void resolve_all(const struct catalog *cat)
{
    long vars[MAX_VARS] = { 0 };
    for (int i = 0; i < cat->count; i++) {
        const struct scenario *s = &cat->items[i];
        if (!s->name || !s->file || s->nsteps <= 0 || s->nprocs <= 0 || s->nprocs > MAX_PROCS)
            abort();
        for (int k = 0; k < s->nsteps; k++) {
            struct request rq;
            char why[256];
            if (request_build(&rq, &s->steps[k], vars, 0x100000, 2, NULL, why, sizeof(why)) == 0)
                request_free(&rq);
            else if (!why[0])
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct catalog cat = { 0 };
    struct parse_error err;
    memset(&err, 0, sizeof(err));
    if (parse_buffer(&cat, "fuzz.svipc", (const char *)data, size, &err) == 0) {
        resolve_all(&cat);
        /* the same file again: every name is taken, so it is refused whole */
        int count = cat.count;
        if (count && parse_buffer(&cat, "again.svipc", (const char *)data, size, &err) == 0)
            abort();
        if (cat.count != count)
            abort();
    } else if (!err.reason[0] || err.line < 0 || cat.count != 0) {
        abort();
    }
    catalog_free(&cat);
    return 0;
}
