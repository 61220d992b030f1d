/* ref_signals.c: the program's handlers, wrapped so that the runtime sees
 * a handler run between a call's start and its sleep (ref_signals.h).
 * Must not: run the program's handler in any other way than the kernel
 * would have (same flags, mask, arguments), or touch the arena. */
#define _GNU_SOURCE
#include "ref_signals.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>

/* The process's signal table: what the program asked for, per signal. */
static struct ref_signal_table {
    struct sigaction program[_NSIG];    /* the program's actions */
    unsigned char wrapped[_NSIG];       /* its handler runs through wrapper() */
} ref_signal_table;

/* This thread's handlers run, and the word to bump while it is about to sleep. */
static __thread unsigned long thread_signals;
static __thread uint32_t *thread_wake_word;

static int real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    static int (*real)(int, const struct sigaction *, struct sigaction *);
    if (!real)
        real = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT, "sigaction");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    return real(sig, act, old);
}

static void wrapper(int sig, siginfo_t *info, void *context)
{
    thread_signals++;
    uint32_t *word = thread_wake_word;
    if (word)
        __atomic_add_fetch(word, 1, __ATOMIC_SEQ_CST);
    struct sigaction action = ref_signal_table.program[sig];
    if (action.sa_flags & SA_RESETHAND) {
        /* the kernel has reset the disposition as it delivered the signal */
        ref_signal_table.program[sig].sa_handler = SIG_DFL;
        ref_signal_table.program[sig].sa_flags &= ~SA_SIGINFO;
        ref_signal_table.wrapped[sig] = 0;
    }
    if (action.sa_flags & SA_SIGINFO)
        action.sa_sigaction(sig, info, context);
    else if (action.sa_handler != SIG_DFL && action.sa_handler != SIG_IGN)
        action.sa_handler(sig);
}

static int is_function(const struct sigaction *act)
{
    return (act->sa_flags & SA_SIGINFO) || (act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN);
}

int ref_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (sig <= 0 || sig >= _NSIG)
        return real_sigaction(sig, act, old);          /* the C library's EINVAL */
    struct sigaction before = ref_signal_table.program[sig];
    int was_wrapped = ref_signal_table.wrapped[sig];
    struct sigaction given, kernel_old;
    if (act && is_function(act)) {
        given = *act;
        given.sa_flags |= SA_SIGINFO;
        given.sa_sigaction = wrapper;
        /* the table first: the signal may arrive as soon as it is installed */
        ref_signal_table.program[sig] = *act;
        ref_signal_table.wrapped[sig] = 1;
    }
    int r = real_sigaction(sig, act ? (is_function(act) ? &given : act) : NULL, &kernel_old);
    if (r < 0) {
        ref_signal_table.program[sig] = before;
        ref_signal_table.wrapped[sig] = (unsigned char)was_wrapped;
        return r;
    }
    if (act && !is_function(act))
        ref_signal_table.wrapped[sig] = 0;
    if (old)
        *old = was_wrapped ? before : kernel_old;
    return 0;
}

static void (*install(int sig, void (*handler)(int), int flags))(int)
{
    struct sigaction act, old;
    memset(&act, 0, sizeof(act));
    act.sa_handler = handler;
    act.sa_flags = flags;
    sigemptyset(&act.sa_mask);
    if (!(flags & SA_NODEFER) && sig > 0 && sig < _NSIG)
        sigaddset(&act.sa_mask, sig);
    if (ref_sigaction(sig, &act, &old) < 0)
        return SIG_ERR;
    return old.sa_handler;
}

void (*ref_signal(int sig, void (*handler)(int)))(int)
{
    return install(sig, handler, SA_RESTART);
}

void (*ref_sysv_signal(int sig, void (*handler)(int)))(int)
{
    return install(sig, handler, SA_RESETHAND | SA_NODEFER);
}

unsigned long ref_signals_seen(void)
{
    return __atomic_load_n(&thread_signals, __ATOMIC_SEQ_CST);
}

void ref_signals_watch(uint32_t *word)
{
    __atomic_store_n(&thread_wake_word, word, __ATOMIC_SEQ_CST);
}
