/* progress.h: the live status line of svipc run on a terminal: results
 * done of the total, failures so far, time elapsed and an estimate of the
 * time left, redrawn in place on standard error, at most ten times a
 * second.  Standard error is the terminal it checks (isatty): the results
 * on standard output stay clean when they are piped or written to a file
 * while a person watches.  Nothing at all is written when standard error is
 * not a terminal (CI logs stay as they were), when TERM is "dumb", or with
 * -q.
 * Must not: write anything but the status line and its erasure, or touch
 * standard output. */
#ifndef SVIPC_PROGRESS_H
#define SVIPC_PROGRESS_H

/* The status line's runtime object. */
struct progress {
    int on;                  /* drawing at all */
    int total, done, failed;
    double started, drawn_at;
    int shown;               /* a line is on the screen now */
};

/* Start the line for TOTAL results; QUIET or no terminal: off. */
void progress_start(struct progress *p, int total, int quiet);

/* DONE results are in, FAILED of them failures: redrawn if the last
 * drawing is 0.1 s old (or the run is done). */
void progress_update(struct progress *p, int done, int failed);

/* Erase the line before something else is printed (it comes back at the
 * next update). */
void progress_hide(struct progress *p);

/* Erase the line for good. */
void progress_end(struct progress *p);

#endif
