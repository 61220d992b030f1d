/* repro.h: helpers for the minimal divergence reproducers.
 * Each reproducer prints one line per check:
 *   "linux    <check>: <observed>"     observed == what Linux 6.1/6.18 does
 *   "DIVERGES <check>: <observed> (linux: <expected>)"
 * and exits 1 if any check diverged. */
#ifndef REPRO_H
#define REPRO_H
#include "kipc.h"
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>

static int repro_diverged;
static unsigned char B[512] __attribute__((aligned(16)));
static inline void fill(void) { memset(B, 0xA5, sizeof B); }
static inline int nwritten(size_t from, size_t to) { int n = 0; for (size_t i = from; i < to; i++) n += B[i] != 0xA5; return n; }
static inline const char *en(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }
#define CHECK(label, ok, observed_fmt, expected, ...) do { \
    char _o[512]; snprintf(_o, sizeof _o, observed_fmt, __VA_ARGS__); \
    if (ok) printf("linux    %s: %s\n", label, _o); \
    else { printf("DIVERGES %s: %s (linux: %s)\n", label, _o, expected); repro_diverged = 1; } \
  } while (0)
/* compare an errno-or-"ok" string */
#define CHECK_R(label, r, expected) do { long _r = (r); const char *_s = en(_r); CHECK(label, !strcmp(_s, expected), "%s", expected, _s); } while (0)
#define CALL(x) (errno = 0, (long)(x))
#define DONE() do { printf("# %s\n", repro_diverged ? "DIVERGED" : "all linux-like"); return repro_diverged; } while (0)
static inline void msleep(int ms) { struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L}; nanosleep(&ts, 0); }
static inline int become_uid(int uid) { return setresgid(uid, uid, uid) || setresuid(uid, uid, uid) ? -1 : 0; }
/* wait up to MS milliseconds until task PID sleeps (state S in /proc/PID/stat): 0 when it does, -1 if not */
static inline int wait_sleeping(pid_t pid, int ms) {
  char path[64], st[512]; snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  for (int t = 0; t < ms; t++) {
    FILE *f = fopen(path, "r");
    if (f) { size_t n = fread(st, 1, sizeof st - 1, f); fclose(f); st[n] = 0;
             char *p = strrchr(st, ')'); if (p && p[1] == ' ' && p[2] == 'S') return 0; }
    msleep(1);
  }
  return -1;
}
/* reap child PID within MS milliseconds: its wait status, or -1 when it is still running */
static inline int reap_within(pid_t pid, int ms) {
  int st;
  for (int t = 0; t < ms; t++) { if (waitpid(pid, &st, WNOHANG) == pid) return st; msleep(1); }
  return -1;
}
#endif
