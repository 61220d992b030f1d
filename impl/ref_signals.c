/* ref_signals.c: the program's handlers, wrapped so that the runtime sees
 * a handler run between a call's start and its sleep (ref_signals.h).
 * Must not: run the program's handler in any other way than the kernel
 * would have (same flags, mask, arguments), or touch the arena. */
#define _GNU_SOURCE
#include "ref_signals.h"

#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <pthread.h>
#include <string.h>

/* The process's signal table: what the program asked for, per signal. */
static struct ref_signal_table {
    struct sigaction program[_NSIG];    /* the program's actions */
    unsigned char wrapped[_NSIG];       /* its handler runs through wrapper() */
    int guard_faults;                   /* SIGSEGV and SIGBUS always run through wrapper() */
} ref_signal_table;

/* This thread's handlers run, and the word to bump while it is about to sleep. */
static __thread unsigned long thread_signals;
static __thread uint32_t *thread_wake_word;
static __thread sigjmp_buf *thread_fault_jump;   /* set inside ref_copy_guarded */

static int is_fault(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS;
}

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
    if (is_fault(sig) && thread_fault_jump)
        siglongjmp(*thread_fault_jump, 1);
    if (is_fault(sig) && !ref_signal_table.wrapped[sig]) {
        /* the program's own disposition, default or ignored: let the
         * faulting instruction fault again under it */
        struct sigaction dfl;
        memset(&dfl, 0, sizeof(dfl));
        dfl.sa_handler = SIG_DFL;
        real_sigaction(sig, &dfl, NULL);
        return;
    }
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
    /* a guarded fault keeps the wrapper whatever the program asks for */
    int through_wrapper = act && (is_function(act) || (is_fault(sig) && ref_signal_table.guard_faults));
    if (through_wrapper) {
        given = *act;
        given.sa_flags |= SA_SIGINFO;
        given.sa_sigaction = wrapper;
        /* the table first: the signal may arrive as soon as it is installed */
        ref_signal_table.program[sig] = *act;
        ref_signal_table.wrapped[sig] = (unsigned char)is_function(act);
    }
    int r = real_sigaction(sig, act ? (through_wrapper ? &given : act) : NULL, &kernel_old);
    if (r < 0) {
        ref_signal_table.program[sig] = before;
        ref_signal_table.wrapped[sig] = (unsigned char)was_wrapped;
        return r;
    }
    if (act && !is_function(act))
        ref_signal_table.wrapped[sig] = 0;
    if (old)
        *old = was_wrapped || (is_fault(sig) && ref_signal_table.guard_faults) ? before : kernel_old;
    return 0;
}

void ref_signals_guard_faults(void)
{
    if (ref_signal_table.guard_faults)
        return;
    for (int sig = 1; sig < _NSIG; sig++) {
        struct sigaction current;
        if (!is_fault(sig) || real_sigaction(sig, NULL, &current) < 0)
            continue;
        if (!ref_signal_table.wrapped[sig]) {
            /* default, ignored, or a handler installed before the library could see it */
            ref_signal_table.program[sig] = current;
            ref_signal_table.wrapped[sig] = (unsigned char)is_function(&current);
        }
        struct sigaction given = ref_signal_table.program[sig];
        given.sa_flags = (given.sa_flags | SA_SIGINFO) & ~SA_RESETHAND;
        given.sa_sigaction = wrapper;
        real_sigaction(sig, &given, NULL);
    }
    ref_signal_table.guard_faults = 1;
}

int ref_copy_guarded(void *dst, const void *src, size_t n)
{
    sigjmp_buf jump;
    if (sigsetjmp(jump, 0)) {
        /* left the handler by a jump: the fault signals may still be blocked */
        __atomic_store_n(&thread_fault_jump, NULL, __ATOMIC_SEQ_CST);
        sigset_t faults;
        sigemptyset(&faults);
        sigaddset(&faults, SIGSEGV);
        sigaddset(&faults, SIGBUS);
        pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
        return -EFAULT;
    }
    __atomic_store_n(&thread_fault_jump, &jump, __ATOMIC_SEQ_CST);
    memcpy(dst, src, n);
    __atomic_store_n(&thread_fault_jump, NULL, __ATOMIC_SEQ_CST);
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
