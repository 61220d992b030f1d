/* stress.h: the `svipc stress` command (stress.c).
 * Must not: be called from anything but svipc's main. */
#ifndef SVIPC_STRESS_H
#define SVIPC_STRESS_H

/* ARGV[0] is "stress"; the exit status. */
int stress_main(int argc, char **argv);

/* Whether these arguments start workers (not --check, --help or -h): a
 * run needs PID and IPC namespaces of its own (userns.h without root). */
int stress_runs_processes(int argc, char **argv);

#endif
