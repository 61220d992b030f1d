/* output.h: the files a run writes (--json, --record, the state
 * directory's last-run.jsonl).  Each is checked before anything is
 * written, opened without emptying it until every one opened, written a
 * whole line per write(2) with every write checked; a golden file
 * (OUTPUT_REPLACE) is written under another name in its directory and
 * renamed over its path only when complete, so a killed or failed run
 * leaves the old one whole.
 * Must not: empty or create a file before the run can start; replace
 * anything but a regular file (a device or a pipe is written in place);
 * report success after a failed write. */
#ifndef SVIPC_OUTPUT_H
#define SVIPC_OUTPUT_H

#include <stddef.h>

enum output_mode {
    OUTPUT_IN_PLACE,          /* emptied at the start, written as the run goes (results) */
    OUTPUT_REPLACE,           /* written aside, renamed over the path at the end (golden files) */
};

/* One output file: a runtime object (output_init). */
struct output {
    const char *path;
    const char *what;         /* how messages name it: "--json", "--record" */
    enum output_mode mode;
    int fd;                   /* -1 until output_open */
    int created;              /* this run created PATH (removed if the run is abandoned) */
    int unnamed;              /* OUTPUT_REPLACE: an O_TMPFILE, linked at the end */
    char temp[4096];          /* OUTPUT_REPLACE: the temporary name ("" while unnamed) */
    int err;                  /* the first write error (errno), 0 while none */
};

void output_init(struct output *o, const char *path, const char *what, enum output_mode mode);

/* Whether paths A and B name one file: stat(2)'s device and inode, or, for
 * a path that does not exist yet, its directory's and its last name. */
int output_same_file(const char *a, const char *b);

/* Open O without emptying or replacing anything.  0, or -1 and WHY. */
int output_open(struct output *o, char *why, size_t size);
/* The run starts: an in-place output is emptied.  0, or -1 and WHY. */
int output_start(struct output *o, char *why, size_t size);
/* TEXT and a newline, in one write(2) (retried after a short one).  0, or
 * -1 with o->err set, after which nothing more is written to O. */
int output_line(struct output *o, const char *text);
/* The end: flushed; OUTPUT_REPLACE synced and renamed over its path.  0, or
 * -1 and WHY ("PATH: reason") when a write failed; a golden file is then
 * left as it was.  O is closed either way. */
int output_finish(struct output *o, char *why, size_t size);
/* Give up: a temporary file removed, a file this run created removed, the
 * path otherwise as it was.  O is closed. */
void output_abandon(struct output *o);

#endif
