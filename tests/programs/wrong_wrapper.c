/* wrong_wrapper.c - a deliberately wrong "implementation" for the exec:
 * target's test: a preload library that interposes syscall(3) in a puppet
 * and breaks msgrcv the way a buggy emulator would.  SVIPC_WRONG says how:
 *   flip     a successful msgrcv returns its size with the low bit flipped;
 *   scribble a failed msgrcv writes a byte into the caller's buffer;
 *   (unset)  nothing changes: the wrapper alone must pass everything.
 *
 * Must not: change any other call, or be loaded anywhere but in a test.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

typedef long (*syscall_fn)(long, ...);

long syscall(long number, ...)
{
    static syscall_fn real;
    if (!real)
        real = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    long ret = real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    const char *how = getenv("SVIPC_WRONG");
    if (number != SYS_msgrcv || !how)
        return ret;
    if (strcmp(how, "flip") == 0 && ret >= 0)
        return ret ^ 1;
    if (strcmp(how, "scribble") == 0 && ret < 0 && a[1])
        ((unsigned char *)a[1])[0] ^= 0xff;       /* the first byte of mtype */
    return ret;
}
