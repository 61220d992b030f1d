/* ref_fmt.h: numbers written into paths and names, and read back from
 * /proc, without stdio or strtok: what a fork child does on its first
 * call (/proc/self/stat, the keeper's socket name), where the C library's
 * printf and string code is pages each child faults in again (six faults
 * a child, each tens of microseconds on shadow paging).
 * Must not: allocate, or write past the room its callers size for the
 * largest number. */
#ifndef SVIPC_REF_FMT_H
#define SVIPC_REF_FMT_H

#include <stdint.h>

/* S at P, NUL-terminated; the end. */
static inline char *ref_put_str(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    *p = '\0';
    return p;
}

/* V in decimal at P (at most 20 digits), NUL-terminated; the end. */
static inline char *ref_put_dec(char *p, uint64_t v)
{
    char digit[20];
    int n = 0;
    do
        digit[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *p++ = digit[--n];
    *p = '\0';
    return p;
}

/* V's low DIGITS hexadecimal digits at P, NUL-terminated; the end. */
static inline char *ref_put_hex(char *p, uint64_t v, int digits)
{
    for (int i = digits - 1; i >= 0; i--)
        *p++ = "0123456789abcdef"[(v >> (4 * i)) & 15];
    *p = '\0';
    return p;
}

/* The decimal number at the start of S (0 when none). */
static inline uint64_t ref_get_dec(const char *s)
{
    uint64_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (uint64_t)(*s - '0');
    return v;
}

#endif
