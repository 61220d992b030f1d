/* jsonl.h: reading JSON Lines (result and golden files) one line at a time,
 * with the line's number for messages, blank lines skipped, a line bounded
 * in length, and a last line without its newline told apart: a run killed
 * mid-write leaves one, which callers read as "incomplete", not "malformed";
 * and a string written as JSON, for the writers that print their own.
 * Must not: decide what a line must hold (results.c and trace.c do). */
#ifndef SVIPC_JSONL_H
#define SVIPC_JSONL_H

#include <jansson.h>
#include <stdio.h>

#define JSONL_MAX_LINE (64UL << 20)   /* bytes of one line */

/* A reader: a runtime object over an open FILE (not closed by it). */
struct jsonl_reader {
    FILE *f;
    const char *label;       /* the file's name, for messages */
    int line;                /* the number of the last line read */
    char *buf;
    size_t cap;
};

enum jsonl_status {
    JSONL_ERROR = -1,        /* WHY: "label:line: reason" (or "label: reason") */
    JSONL_END = 0,           /* no more lines */
    JSONL_VALUE = 1,         /* *VALUE: the line's JSON value (the caller's) */
    JSONL_CUT = 2,           /* the last line, without its newline, is not JSON: cut short */
};

void jsonl_open(struct jsonl_reader *r, FILE *f, const char *label);
/* S as a JSON string, quoted and escaped (NULL: ""). */
void jsonl_write_string(FILE *f, const char *s);
enum jsonl_status jsonl_next(struct jsonl_reader *r, json_t **value, char *why, size_t size);
void jsonl_close(struct jsonl_reader *r);

#endif
