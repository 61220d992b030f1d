/* round_text.c: the encoding of round_text.h: ROUND_TEXT_MAGIC, then one
 * "key value" line per field (integers as long long, seconds with nine
 * decimals), "inside" and "why" last (the rest of their line), then "end".
 * Must not: depend on the size of long or the layout of a struct (the
 * encoder may be a 32-bit build). */
#define _GNU_SOURCE
#include "round_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* S with its line breaks made spaces, into OUT. */
static void one_line(const char *s, char *out, size_t size)
{
    snprintf(out, size, "%s", s ? s : "");
    for (char *c = out; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
}

int round_text_encode(const struct round_result *res, const char *inside, char *buf, size_t size)
{
    char in[256], why[sizeof(res->why)];
    one_line(inside, in, sizeof(in));
    one_line(res->why, why, sizeof(why));
    int n = snprintf(buf, size,
                     "%s\nok %d\nops %lld\ncounted %lld\naux %lld\nseconds %.9f\ncpu_user %.9f\ncpu_sys %.9f\n"
                     "vcsw %lld\nicsw %lld\ninside %s\nwhy %s\nend\n",
                     ROUND_TEXT_MAGIC, res->ok, (long long)res->ops, (long long)res->counted, (long long)res->aux,
                     res->seconds, res->cpu_user, res->cpu_sys, (long long)res->vcsw, (long long)res->icsw, in, why);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

/* The value of KEY's line in BLOCK (after the magic), or NULL. */
static const char *value_of(const char *block, const char *key, char *out, size_t size)
{
    size_t k = strlen(key);
    for (const char *line = block; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, key, k) == 0 && line[k] == ' ') {
            const char *v = line + k + 1, *eol = strchr(v, '\n');
            size_t n = eol ? (size_t)(eol - v) : strlen(v);
            if (n >= size)
                n = size - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return out;
        }
        if (strncmp(line, "end\n", 4) == 0)
            break;
    }
    return NULL;
}

int round_text_decode(const char *text, size_t len, struct round_result *res, char *inside, size_t size)
{
    memset(res, 0, sizeof(*res));
    if (size)
        inside[0] = 0;
    char *copy = strndup(text, len);
    if (!copy) {
        snprintf(res->why, sizeof(res->why), "out of memory reading the round's result");
        return -1;
    }
    /* the last result in the output: anything printed before it is not ours */
    char *block = NULL;
    for (char *p = copy; (p = strstr(p, ROUND_TEXT_MAGIC "\n")); p++)
        if (p == copy || p[-1] == '\n')
            block = p;
    if (!block || !strstr(block, "\nend\n")) {
        snprintf(res->why, sizeof(res->why), "the round's output holds no complete result (%zu bytes)", len);
        free(copy);
        return -1;
    }
    block = strchr(block, '\n') + 1;
    static const char *const keys[] = { "ok", "ops", "counted", "aux", "seconds", "cpu_user", "cpu_sys", "vcsw",
                                        "icsw" };
    char v[64];
    long long n[9];
    double d[9];
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *end;
        if (!value_of(block, keys[i], v, sizeof(v))) {
            snprintf(res->why, sizeof(res->why), "the round's result lacks \"%s\"", keys[i]);
            free(copy);
            return -1;
        }
        n[i] = strtoll(v, &end, 10);
        d[i] = strtod(v, &end);
        if (end == v || *end) {
            snprintf(res->why, sizeof(res->why), "the round's result has \"%s %s\", not a number", keys[i], v);
            free(copy);
            return -1;
        }
    }
    res->ok = (int)n[0];
    res->ops = (long)n[1];
    res->counted = (long)n[2];
    res->aux = (long)n[3];
    res->seconds = d[4];
    res->cpu_user = d[5];
    res->cpu_sys = d[6];
    res->vcsw = (long)n[7];
    res->icsw = (long)n[8];
    value_of(block, "why", res->why, sizeof(res->why));
    if (size)
        value_of(block, "inside", inside, size);
    free(copy);
    return 0;
}
