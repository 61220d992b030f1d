/* gcov_exit.c: the coverage build's _exit, which writes gcov's counters
 * first (svipc's runners leave by _exit, which would lose them), and its
 * ref_txn, which writes them after each transaction of the reference
 * runtime: the puppets that run the model on the ref backend are mostly
 * killed at a scenario's end, which writes nothing (a dump merges into the
 * files; the counters are then reset, so that the next dump writes again).
 * Linked only into ci/mutants' coverage build, with -Wl,--wrap=_exit and
 * -Wl,--wrap=ref_txn.
 * Must not: be linked into anything else. */
void __gcov_dump(void);
void __gcov_reset(void);
_Noreturn void __real__exit(int status);
_Noreturn void __wrap__exit(int status);
long __real_ref_txn(void *arena, const void *request, const void *in, void *out);
long __wrap_ref_txn(void *arena, const void *request, const void *in, void *out);

_Noreturn void __wrap__exit(int status)
{
    __gcov_dump();
    __real__exit(status);
}

long __wrap_ref_txn(void *arena, const void *request, const void *in, void *out)
{
    long r = __real_ref_txn(arena, request, in, out);
    __gcov_dump();
    __gcov_reset();
    return r;
}
