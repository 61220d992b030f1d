/* progress.c: the status line; see progress.h.
 * Must not: write when standard error is not a terminal, or leave a line
 * behind. */
#define _GNU_SOURCE
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_SECONDS 0.1

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* SECONDS as "1:05" or "1:02:05". */
static void clock_text(double seconds, char *out, size_t size)
{
    long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(out, size, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(out, size, "%ld:%02ld", s / 60, s % 60);
}

static void write_all(const char *text, size_t len)
{
    while (len) {
        ssize_t n = write(STDERR_FILENO, text, len);
        if (n <= 0)
            return;                    /* a status line is not worth an error */
        text += n;
        len -= (size_t)n;
    }
}

void progress_start(struct progress *p, int total, int quiet)
{
    memset(p, 0, sizeof(*p));
    const char *term = getenv("TERM");
    p->on = !quiet && isatty(STDERR_FILENO) && !(term && strcmp(term, "dumb") == 0);
    p->total = total;
    p->started = now();
}

static void draw(struct progress *p)
{
    double t = now(), elapsed = t - p->started;
    char spent[32], left[32], line[256];
    clock_text(elapsed, spent, sizeof(spent));
    if (p->done > 0 && p->done < p->total)
        clock_text(elapsed * (double)(p->total - p->done) / (double)p->done, left, sizeof(left));
    else
        snprintf(left, sizeof(left), p->done ? "0:00" : "?");
    int n = snprintf(line, sizeof(line), "svipc: %d/%d done, %d failed, %s elapsed, about %s left", p->done,
                     p->total, p->failed, spent, left);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && len > (size_t)ws.ws_col - 1)
        len = (size_t)ws.ws_col - 1;   /* one line: never wrapped */
    write_all("\r", 1);
    write_all(line, len);
    write_all("\033[K", 3);
    p->shown = 1;
    p->drawn_at = t;
}

void progress_update(struct progress *p, int done, int failed)
{
    if (!p->on)
        return;
    p->done = done;
    p->failed = failed;
    if (!p->shown || done == p->total || now() - p->drawn_at >= REDRAW_SECONDS)
        draw(p);
}

void progress_hide(struct progress *p)
{
    if (!p->on || !p->shown)
        return;
    write_all("\r\033[K", 4);
    p->shown = 0;
}

void progress_end(struct progress *p)
{
    progress_hide(p);
    p->on = 0;
}
