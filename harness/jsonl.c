/* jsonl.c: JSON Lines in, one line at a time; see jsonl.h.
 * Must not: read a line without a bound, or report a cut last line as a
 * malformed file. */
#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void jsonl_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void jsonl_open(struct jsonl_reader *r, FILE *f, const char *label)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->label = label;
}

/* One line into R->buf, without its newline: its length, or -1 at the end,
 * -2 when too long, -3 on a read error.  *NEWLINE: whether it had one. */
static long read_line(struct jsonl_reader *r, int *newline)
{
    size_t n = 0;
    int c;
    *newline = 0;
    while ((c = getc_unlocked(r->f)) != EOF) {
        if (c == '\n') {
            *newline = 1;
            break;
        }
        if (n >= JSONL_MAX_LINE)
            return -2;
        if (n + 1 >= r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 4096;
            char *grown = realloc(r->buf, cap);
            if (!grown)
                return -3;
            r->buf = grown;
            r->cap = cap;
        }
        r->buf[n++] = (char)c;
    }
    if (ferror(r->f))
        return -3;
    if (c == EOF && n == 0)
        return -1;
    return (long)n;
}

enum jsonl_status jsonl_next(struct jsonl_reader *r, json_t **value, char *why, size_t size)
{
    *value = NULL;
    for (;;) {
        int newline;
        long n = read_line(r, &newline);
        if (n == -1)
            return JSONL_END;
        r->line++;
        if (n == -2) {
            snprintf(why, size, "%s:%d: line longer than %lu MiB", r->label, r->line, JSONL_MAX_LINE >> 20);
            return JSONL_ERROR;
        }
        if (n == -3) {
            snprintf(why, size, "%s: %s", r->label, errno ? strerror(errno) : "read error");
            return JSONL_ERROR;
        }
        size_t len = (size_t)n;
        while (len && (r->buf[len - 1] == ' ' || r->buf[len - 1] == '\t' || r->buf[len - 1] == '\r'))
            len--;
        size_t start = 0;
        while (start < len && (r->buf[start] == ' ' || r->buf[start] == '\t'))
            start++;
        if (start == len)
            continue;                /* a blank line */
        json_error_t err;
        json_t *v = json_loadb(r->buf + start, len - start, 0, &err);
        if (v) {
            *value = v;
            return JSONL_VALUE;
        }
        if (!newline) {
            snprintf(why, size, "%s:%d: the last line is cut short (%s)", r->label, r->line, err.text);
            return JSONL_CUT;
        }
        snprintf(why, size, "%s:%d: not JSON: %s", r->label, r->line, err.text);
        return JSONL_ERROR;
    }
}

void jsonl_close(struct jsonl_reader *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = 0;
}
