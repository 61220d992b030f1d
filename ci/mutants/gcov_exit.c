/* gcov_exit.c: the coverage build's _exit, which writes gcov's counters
 * first (svipc's runners leave by _exit, which would lose them).  Linked
 * only into ci/mutants' coverage build, with -Wl,--wrap=_exit.
 * Must not: be linked into anything else. */
void __gcov_dump(void);
_Noreturn void __real__exit(int status);
_Noreturn void __wrap__exit(int status);

_Noreturn void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}
