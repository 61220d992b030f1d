/* parse.c: the scenario text format into scenario instances.
 *
 * A file holds blocks:
 *     scenario NAME            header lines: doc, procs, for, deadline
 *       PROC: OP ARGS... [=> EXPECT...] [-> $VAR]
 *       DIRECTIVE ARGS...      signal, wait, file
 *     end
 * 'for' lines form a parameter matrix; every combination is one instance,
 * with {param} replaced in the name and in every step.
 *
 * Memory: a block's text lives in a scratch region given back after the
 * block; instances live in the file's region, which the catalog takes over
 * when the whole file parsed, and which is given back whole otherwise.
 * Bounds: lines of MAX_LINE, PARSE_MAX_INSTANCES instances and
 * PARSE_MAX_FILE_BYTES of instances a file; every number checked for
 * overflow before use.
 * Must not: execute anything, return a partial catalog on error, exit, or
 * cut a word, a value or a name short without saying so. */
#define _GNU_SOURCE
#include "parse.h"

#include "catalog.h"
#include "names.h"
#include "ops.h"
#include "region.h"
#include "tool.h"
#include "wire.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIMS    8
#define MAX_VALUES  1024
#define MAX_TOKENS  96
#define MAX_LINE    4096
#define MAX_DEADLINE_MS (24L * 3600 * 1000)   /* a day: beyond it, a deadline is a mistake */

/* ---------- errors and allocation ---------- */

/* The parser's runtime object: one per parse_buffer call. */
struct parser {
    const char *file;
    int line;
    struct parse_error *err;
    struct region *mem;          /* this file's instances */
    struct region *scratch;      /* the block being read */
    int instances;               /* this file's, counted as blocks are read */
    char *file_name;             /* FILE in MEM, shared by the file's instances */
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
    va_list ap;
    snprintf(p->err->file, sizeof(p->err->file), "%s", p->file);
    p->err->line = p->line;
    va_start(ap, fmt);
    vsnprintf(p->err->reason, sizeof(p->err->reason), fmt, ap);
    va_end(ap);
    return -1;
}

/* SIZE zeroed bytes of R, or NULL with the error reported. */
static void *take(struct parser *p, struct region *r, size_t size)
{
    void *ptr = region_alloc(r, size);
    if (!ptr && errno == E2BIG)
        fail(p, "the scenarios of this file take more than %zu MiB once expanded (at most %lu MiB a file, "
                "%lu MiB a catalog): fewer 'for' values or less data", r->budget >> 20,
             PARSE_MAX_FILE_BYTES >> 20, CATALOG_MAX_BYTES >> 20);
    else if (!ptr)
        fail(p, "out of memory");
    return ptr;
}

/* N elements of SIZE, checked for overflow. */
static void *take_array(struct parser *p, struct region *r, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        fail(p, "out of memory");
        return NULL;
    }
    return take(p, r, n * size);
}

static char *copy(struct parser *p, struct region *r, const char *s)
{
    char *d = take(p, r, strlen(s) + 1);
    if (d)
        strcpy(d, s);
    return d;
}

/* ARRAY of COUNT elements of SIZE, with room for one more (doubling *CAP):
 * ARRAY itself, or a larger copy (the old one stays in the region); NULL
 * with the error reported. */
static void *make_room(struct parser *p, struct region *r, void *array, int count, int *cap, size_t size)
{
    if (count < *cap)
        return array;
    int want = *cap ? *cap * 2 : 4;
    void *grown = take_array(p, r, (size_t)want, size);
    if (!grown)
        return NULL;
    if (count)
        memcpy(grown, array, (size_t)count * size);
    *cap = want;
    return grown;
}

/* ---------- tokens ---------- */

static int tokenize(struct parser *p, char *line, char **tok, int max)
{
    int n = 0;
    char *s = line;
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || *s == '#')
            break;
        if (n == max)
            return fail(p, "too many words on one line (at most %d)", max);
        char *start = s;
        int depth = 0, quoted = 0;
        while (*s && (quoted || depth || !isspace((unsigned char)*s))) {
            if (quoted) {
                if (*s == '\\' && s[1])
                    s++;
                else if (*s == '"')
                    quoted = 0;
            } else if (*s == '"') {
                quoted = 1;
            } else if (*s == '(' || *s == '[') {
                depth++;
            } else if (*s == ')' || *s == ']') {
                depth--;
            }
            s++;
        }
        if (quoted)
            return fail(p, "unterminated string");
        if (depth)
            return fail(p, "unbalanced parentheses");
        char *end = s;
        if (*s)
            s++;
        *end = '\0';
        tok[n++] = start;
    }
    return n;
}

/* ---------- values ---------- */

/* The scenario instance being built. */
struct instance {
    struct scenario *s;
    int var_is_string[MAX_VARS];
};

static int lookup_var(struct parser *p, struct instance *in, const char *name, int must_exist)
{
    for (int i = 0; i < in->s->nvars; i++)
        if (strcmp(in->s->var_name[i], name) == 0)
            return i;
    if (must_exist)
        return fail(p, "$%s is used before a step binds it", name);
    if (in->s->nvars == MAX_VARS)
        return fail(p, "too many variables (at most %d)", MAX_VARS);
    if (!(in->s->var_name[in->s->nvars] = copy(p, p->mem, name)))
        return -1;
    return in->s->nvars++;
}

/* A number as C writes it (decimal, 0x hex, 0 octal, a leading '-').  One
 * beyond LONG_MAX reads as unsigned (0xffffffffffffffff, as a mask is
 * written); anything that does not fit 64 bits is not a number. */
static int parse_number(const char *s, long *out)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno == ERANGE) {
        if (*s == '-' || *s == '+')
            return -1;
        errno = 0;
        unsigned long u = strtoul(s, &end, 0);
        if (errno == ERANGE || *end)
            return -1;
        v = (long)u;
    }
    if (*end)
        return -1;
    *out = v;
    return 0;
}

/* A constant, a number, $var or 'base'. */
static int parse_term(struct parser *p, struct instance *in, const char *text, struct term *t)
{
    if (text[0] == '$') {
        int v = lookup_var(p, in, text + 1, 1);
        if (v < 0)
            return -1;
        if (in->var_is_string[v])
            return fail(p, "$%s is a path, not a number", text + 1);
        t->kind = TERM_VAR;
        t->var = v;
        return 0;
    }
    if (strcmp(text, "base") == 0) {
        t->kind = TERM_BASE;
        return 0;
    }
    t->kind = TERM_LITERAL;
    if (parse_number(text, &t->value) == 0 || name_constant(text, &t->value) == 0)
        return 0;
    return fail(p, "'%s' is not a number, a known constant, $variable or base", text);
}

static int parse_expr(struct parser *p, struct instance *in, const char *text, struct expr *e)
{
    char buf[MAX_LINE];
    size_t len = strlen(text);
    if (len >= sizeof(buf))
        return fail(p, "value too long: %.40s...", text);
    memset(e, 0, sizeof(*e));
    struct term terms[MAX_TERMS];
    int nterms = 0;
    const char *s = text;
    char op = '+';
    if (!*s)
        return fail(p, "empty value");
    while (*s) {
        size_t n = 0;
        /* a leading '-' belongs to the number */
        if (*s == '-' && isdigit((unsigned char)s[1]))
            buf[n++] = *s++;
        while (*s && *s != '|' && *s != '+' && *s != '-')
            buf[n++] = *s++;
        buf[n] = '\0';
        if (!n)
            return fail(p, "malformed value '%s'", text);
        if (nterms == MAX_TERMS)
            return fail(p, "value '%s' has too many terms (at most %d)", text, MAX_TERMS);
        struct term *t = &terms[nterms++];
        memset(t, 0, sizeof(*t));
        t->op = op;
        if (parse_term(p, in, buf, t) < 0)
            return -1;
        if (*s) {
            op = *s++;
            if (!*s)
                return fail(p, "value '%s' ends with an operator", text);
        }
    }
    if (!(e->term = take_array(p, p->mem, (size_t)nterms, sizeof(struct term))))
        return -1;
    e->nterms = nterms;
    memcpy(e->term, terms, (size_t)nterms * sizeof(struct term));
    return 0;
}

static int is_expr_constant(const struct expr *e)
{
    for (int i = 0; i < e->nterms; i++)
        if (e->term[i].kind != TERM_LITERAL)
            return 0;
    return e->nterms > 0;
}

/* Two's complement arithmetic, as the machine does it: no overflow. */
static long eval_constant(const struct expr *e)
{
    unsigned long v = 0;
    for (int i = 0; i < e->nterms; i++) {
        unsigned long t = (unsigned long)e->term[i].value;
        switch (e->term[i].op) {
        case '|': v |= t; break;
        case '-': v -= t; break;
        default:  v += t; break;
        }
    }
    return (long)v;
}

static int parse_constant(struct parser *p, struct instance *in, const char *text, long *out)
{
    struct expr e;
    if (parse_expr(p, in, text, &e) < 0)
        return -1;
    if (!is_expr_constant(&e))
        return fail(p, "'%s' must be a constant here", text);
    *out = eval_constant(&e);
    return 0;
}

/* "..." with C escapes, fill(N[,BYTE]) or pattern(N). */
static int parse_bytes(struct parser *p, struct instance *in, const char *text, struct bytes *b)
{
    if (text[0] == '"') {
        size_t len = strlen(text);
        if (len < 2 || text[len - 1] != '"')
            return fail(p, "malformed string %s", text);
        if (!(b->ptr = take(p, p->mem, len)))
            return -1;
        size_t n = 0;
        for (size_t i = 1; i < len - 1; i++) {
            char c = text[i];
            if (c == '\\') {
                c = text[++i];
                switch (c) {
                case 'n': c = '\n'; break;
                case 't': c = '\t'; break;
                case '0': c = '\0'; break;
                case '\\': case '"': break;
                case 'x': {
                    if (i + 2 >= len - 1 || !isxdigit((unsigned char)text[i + 1]) ||
                        !isxdigit((unsigned char)text[i + 2]))
                        return fail(p, "bad \\x escape in %s", text);
                    char hex[3] = { text[i + 1], text[i + 2], 0 };
                    c = (char)strtol(hex, NULL, 16);
                    i += 2;
                    break;
                }
                default:
                    return fail(p, "unknown escape \\%c in %s", c, text);
                }
            }
            b->ptr[n++] = (unsigned char)c;
        }
        b->len = n;
        return 0;
    }
    int is_fill = strncmp(text, "fill(", 5) == 0;
    int is_pattern = strncmp(text, "pattern(", 8) == 0;
    if (!is_fill && !is_pattern)
        return fail(p, "'%s' is not data: write \"text\", fill(N[,BYTE]) or pattern(N)", text);
    char inner[MAX_LINE];
    const char *open = strchr(text, '(');
    size_t len = strlen(open + 1);
    if (len == 0 || open[len] != ')' || len >= sizeof(inner))
        return fail(p, "malformed %s", text);
    memcpy(inner, open + 1, len - 1);
    inner[len - 1] = '\0';
    char *comma = strchr(inner, ',');
    long size, byte = 0;
    if (comma)
        *comma = '\0';
    if (parse_constant(p, in, inner, &size) < 0)
        return -1;
    if (comma && is_pattern)
        return fail(p, "pattern(N) takes one argument");
    if (comma && parse_constant(p, in, comma + 1, &byte) < 0)
        return -1;
    if (size < 0 || size > MAX_DATA)
        return fail(p, "data size %ld outside 0..%d", size, MAX_DATA);
    if (!(b->ptr = take(p, p->mem, (size_t)size + 1)))
        return -1;
    b->len = (size_t)size;
    for (long i = 0; i < size; i++)
        b->ptr[i] = is_fill ? (unsigned char)byte : (unsigned char)('a' + i % 26);
    return 0;
}

static int parse_list(struct parser *p, struct instance *in, const char *text, long **list, int *n)
{
    char buf[MAX_LINE];
    if (strlen(text) >= sizeof(buf))
        return fail(p, "list too long: %.40s...", text);
    strcpy(buf, text);
    int count = 1;
    for (const char *c = buf; *c; c++)
        count += (*c == ',');
    if (!(*list = take_array(p, p->mem, (size_t)count, sizeof(long))))
        return -1;
    *n = 0;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save))
        if (parse_constant(p, in, item, &(*list)[(*n)++]) < 0)
            return -1;
    return 0;
}

/* Each comma-separated item of TEXT passed to CHECK; the first refusal's
 * -1, else 0.  Nothing is copied, so nothing is cut. */
static int each_item(const char *text, int (*check)(const char *item, size_t len, void *ctx), void *ctx)
{
    for (const char *c = text; *c;) {
        size_t n = strcspn(c, ",");
        if (n && check(c, n, ctx) < 0)
            return -1;
        c += n;
        if (*c)
            c++;
    }
    return 0;
}

/* ---------- steps ---------- */

/* The operations and their argument grammar are ops.c's table. */

static int need_proc(struct parser *p, struct scenario *s, const char *name)
{
    int i = scenario_proc(s, name);
    if (i < 0)
        return fail(p, "unknown process '%s' (declare it with 'procs' or 'fork')", name);
    return i;
}

static int valid_name(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return 0;
    return 1;
}

/* capdrop's items: capability names or all. */
static int check_capability(const char *item, size_t len, void *ctx)
{
    char name[64];
    if (len < sizeof(name)) {
        memcpy(name, item, len);
        name[len] = '\0';
        if (name_capability(name) >= 0 || strcmp(name, "all") == 0)
            return 0;
    }
    return fail(ctx, "unknown capability '%.*s'", (int)len, item);
}

static int parse_keyword(struct parser *p, struct instance *in, const struct op_desc *spec,
                         struct step *st, const char *tok)
{
    const char *eq = strchr(tok, '=');
    char name[64];
    size_t n = (size_t)(eq - tok);
    if (strncmp(tok, "=>", 2) == 0 || strncmp(tok, "->", 2) == 0)
        return fail(p, "'%s': put a space after '%.2s'", tok, tok);
    if (n >= sizeof(name))
        return fail(p, "argument name too long in '%s'", tok);
    memcpy(name, tok, n);
    name[n] = '\0';
    if (!list_has(spec->keywords, ' ', name))
        return fail(p, "%s takes no argument '%s'%s%s", spec->name, name,
                    *spec->keywords ? " (it takes: " : "", *spec->keywords ? spec->keywords : "");
    if (st->nkeywords == MAX_KEYWORDS)
        return fail(p, "too many name=value arguments (at most %d)", MAX_KEYWORDS);
    struct keyword *k = &st->keyword[st->nkeywords++];      /* room made by parse_step */
    if (!(k->name = copy(p, p->mem, name)))
        return -1;
    const char *value = eq + 1;
    if (strcmp(name, "buf") == 0) {
        /* the call's buffer is NULL: the kernel's copy faults (EFAULT) */
        if (strcmp(value, "null") != 0)
            return fail(p, "buf takes only null, not '%s'", value);
        k->is_null = 1;
        return 0;
    }
    if (strcmp(name, "via") == 0) {
        /* the call through the ipc(2) multiplexer: request flags */
        static const struct { const char *name; long flags; } ways[] = {
            { "ipc", WIRE_VIA_IPC }, { "ipc-old", WIRE_VIA_IPC | WIRE_IPC_OLD },
            { "ipc-v1", WIRE_VIA_IPC | WIRE_IPC_V1 },
        };
        for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++)
            if (strcmp(value, ways[w].name) == 0) {
                k->value2 = ways[w].flags;
                in->s->needs_ipc_multiplexer = 1;
                return 0;
            }
        return fail(p, "via takes ipc (the ipc(2) multiplexer, ctl commands with IPC_64), ipc-old (without "
                       "IPC_64: the old structures) or ipc-v1 (the call's version 1), not '%s'", value);
    }
    if (strcmp(name, "timeout") == 0) {
        if (strcmp(value, "null") == 0) {
            k->is_null = 1;
            return 0;
        }
        /* timeout=SEC:NSEC */
        char sec[64];
        const char *colon = strchr(value, ':');
        if (!colon || (size_t)(colon - value) >= sizeof(sec))
            return fail(p, "timeout is null or SEC:NSEC, not '%s'", value);
        memcpy(sec, value, (size_t)(colon - value));
        sec[colon - value] = '\0';
        if (parse_expr(p, in, sec, &k->value) < 0 || parse_constant(p, in, colon + 1, &k->value2) < 0)
            return -1;
        return 0;
    }
    return parse_expr(p, in, value, &k->value);
}

static int parse_sop(struct parser *p, struct instance *in, const char *tok, struct sop_spec *sop)
{
    char buf[MAX_LINE];
    if (strlen(tok) >= sizeof(buf))
        return fail(p, "sembuf too long: %.40s...", tok);
    strcpy(buf, tok);
    char *parts[3] = { buf, NULL, NULL };
    int n = 1;
    for (char *c = buf; *c; c++)
        if (*c == ':') {
            if (n == 3)
                return fail(p, "sembuf '%s' is num:op[:flags]", tok);
            *c = '\0';
            parts[n++] = c + 1;
        }
    if (n < 2)
        return fail(p, "sembuf '%s' is num:op[:flags]", tok);
    /* "+1" is a natural way to write an increment */
    char *op = parts[1][0] == '+' ? parts[1] + 1 : parts[1];
    if (parse_expr(p, in, parts[0], &sop->num) < 0 || parse_expr(p, in, op, &sop->op) < 0)
        return -1;
    if (n == 3)
        return parse_expr(p, in, parts[2], &sop->flg);
    return 0;
}

static int parse_field_expect(struct parser *p, struct instance *in, const char *tok,
                              struct field_expect *f)
{
    const char *eq = strchr(tok, '=');
    char name[64];
    size_t n = (size_t)(eq - tok);
    if (n == 0 || n >= sizeof(name))
        return fail(p, "malformed expectation '%s'", tok);
    memcpy(name, tok, n);
    name[n] = '\0';
    if (!(f->name = copy(p, p->mem, name)) || !(f->text = copy(p, p->mem, eq + 1)))
        return -1;
    const char *value = eq + 1;
    if (value[0] == '"' || strncmp(value, "fill(", 5) == 0 || strncmp(value, "pattern(", 8) == 0) {
        f->is_bytes = 1;
        return parse_bytes(p, in, value, &f->bytes);
    }
    long dummy;
    if (value[0] == '$' || parse_number(value, &dummy) == 0 ||
        (name_constant(value, &dummy) == 0) || strchr(value, '|')) {
        f->is_number = 1;
        return parse_expr(p, in, value, &f->number);
    }
    return 0;   /* a word compared with the normalised value: B, set, 0 */
}

/* A number, a constant or $var (possibly combined), as opposed to a word. */
static int looks_like_value(const char *t)
{
    long dummy;
    char head[64];
    size_t n = strcspn(t, "|+");
    if (n >= sizeof(head))
        return 1;
    memcpy(head, t, n);
    head[n] = '\0';
    return t[0] == '$' || t[0] == '-' || isdigit((unsigned char)t[0]) || t[n] != '\0' ||
           name_constant(head, &dummy) == 0 || parse_number(head, &dummy) == 0;
}

static int parse_expect(struct parser *p, struct instance *in, struct step *st,
                        char **tok, int n, const char *text)
{
    struct expect *e = &st->expect;
    if (!(e->text = copy(p, p->mem, text)))
        return -1;
    int i = 0;
    if (n == 0)
        return fail(p, "'=>' must be followed by an expected outcome");
    /* room for the fields: at most one a word */
    int room = n < MAX_FIELD_EXPECT ? n : MAX_FIELD_EXPECT;
    if (!(e->field = take_array(p, p->mem, (size_t)room, sizeof(struct field_expect))))
        return -1;
    if (!strchr(tok[0], '=') || tok[0][0] == '"') {
        const char *t = tok[0];
        int err = name_errno(t), sig = name_signal(t);
        if (strcmp(t, "ok") == 0)
            e->kind = EXPECT_SUCCESS;
        else if (strcmp(t, "any") == 0)
            e->kind = EXPECT_ANY;
        else if (strcmp(t, "blocks") == 0)
            e->kind = EXPECT_BLOCKS;
        else if (err) {
            e->kind = EXPECT_ERRNO;
            e->value = err;
        } else if (strncmp(t, "SIG", 3) == 0 && sig) {
            e->kind = EXPECT_FAULT;
            e->value = sig;
        } else if (looks_like_value(t)) {
            e->kind = EXPECT_RET;
            if (parse_expr(p, in, t, &e->ret) < 0)
                return -1;
        } else {
            e->kind = EXPECT_RET_WORD;     /* a process name, msq#0, ... */
            if (!(e->word = copy(p, p->mem, t)))
                return -1;
        }
        i = 1;
    }
    for (; i < n; i++) {
        if (!strchr(tok[i], '='))
            return fail(p, "expected name=value after the outcome, not '%s'", tok[i]);
        if (e->nfields == room)
            return fail(p, "too many expectations on one step (at most %d)", MAX_FIELD_EXPECT);
        if (parse_field_expect(p, in, tok[i], &e->field[e->nfields++]) < 0)
            return -1;
    }
    if ((e->kind == EXPECT_BLOCKS || e->kind == EXPECT_ERRNO) && e->nfields)
        return fail(p, "a step that %s has no fields to expect",
                    e->kind == EXPECT_BLOCKS ? "blocks" : "fails");
    return 0;
}

/* One word of a tool step: the program (a known tool), then its
 * arguments: a $value is evaluated when the step runs, any other word is
 * passed as written.  LEFT: the words left, for the room. */
static int parse_argv_word(struct parser *p, struct instance *in, struct step *st, const char *t, int left)
{
    if (!st->argv) {
        if (!tool_known(t))
            return fail(p, "tool runs %s, not '%s'", TOOL_NAMES, t);
        if (!(st->argv = take_array(p, p->mem, (size_t)left, sizeof(char *))) ||
            !(st->argv_value = take_array(p, p->mem, (size_t)left, sizeof(struct expr))))
            return -1;
    }
    if (t[0] == '$' && parse_expr(p, in, t, &st->argv_value[st->nargv]) < 0)
        return -1;
    if (!(st->argv[st->nargv] = copy(p, p->mem, t)))
        return -1;
    st->nargv++;
    return 0;
}

static int parse_step(struct parser *p, struct instance *in, char *line, struct step *st)
{
    struct scenario *s = in->s;
    char *tok[MAX_TOKENS];
    char text[MAX_LINE];
    if (strlen(line) >= sizeof(text))
        return fail(p, "line longer than %d characters", MAX_LINE - 1);
    strcpy(text, line);
    int n = tokenize(p, line, tok, MAX_TOKENS);
    if (n < 0)
        return -1;
    if (n == 0)
        return fail(p, "the step is empty once its parameters are substituted");
    memset(st, 0, sizeof(*st));
    st->line = p->line;
    st->bind = -1;
    st->data_var = -1;
    st->target = -1;
    st->expect.kind = EXPECT_SUCCESS;
    /* the text as written, without leading space or comment */
    char *src = text;
    while (isspace((unsigned char)*src))
        src++;
    if (!(st->source = copy(p, p->mem, src)))
        return -1;

    int i = 0;
    size_t len0 = strlen(tok[0]);
    int directive = !(len0 > 1 && tok[0][len0 - 1] == ':');
    if (!directive) {
        tok[0][len0 - 1] = '\0';
        st->proc = need_proc(p, s, tok[0]);
        if (st->proc < 0)
            return -1;
        i = 1;
        if (i == n)
            return fail(p, "'%s:' is not followed by an operation", tok[0]);
    } else {
        st->proc = -1;
    }
    const struct op_desc *spec = op_find(tok[i], directive);
    if (!spec)
        return fail(p, directive && op_find(tok[i], 0)
                           ? "'%s' is done by a process: write 'PROC: %s ...'"
                           : "unknown operation '%s'%s", tok[i],
                    directive && op_find(tok[i], 0) ? tok[i] : "");
    st->op = spec->op;
    i++;

    /* find '=>' and '->' */
    int expect_at = -1, bind_at = -1;
    for (int k = i; k < n; k++) {
        if (strcmp(tok[k], "=>") == 0 && expect_at < 0 && bind_at < 0)
            expect_at = k;
        else if (strcmp(tok[k], "->") == 0 && bind_at < 0)
            bind_at = k;
        else if (strcmp(tok[k], "=>") == 0 || strcmp(tok[k], "->") == 0)
            return fail(p, "'%s' out of place: write ARGS => EXPECT -> $VAR", tok[k]);
    }
    int args_end = expect_at >= 0 ? expect_at : bind_at >= 0 ? bind_at : n;
    /* room for the name=value arguments and sembufs the words can hold */
    int keyword_room = 0;
    for (int k = i; k < args_end; k++)
        keyword_room += strchr(tok[k], '=') != NULL;
    if (keyword_room > MAX_KEYWORDS)
        keyword_room = MAX_KEYWORDS;
    if (keyword_room && !(st->keyword = take_array(p, p->mem, (size_t)keyword_room, sizeof(struct keyword))))
        return -1;

    const char *a = spec->grammar;
    int optional = 0;
    for (; i < args_end; i++) {
        const char *t = tok[i];
        if (strchr(t, '=') && t[0] != '"' && strncmp(t, "fill(", 5) && *a != 'W' && *a != 'A') {
            if (parse_keyword(p, in, spec, st, t) < 0)
                return -1;
            continue;
        }
        if (*a == '?') {
            optional = 1;
            a++;
        }
        if (!*a)
            return fail(p, "%s: unexpected argument '%s'", spec->name, t);
        switch (*a) {
        case 'E':
            if (parse_expr(p, in, t, &st->arg[st->nargs++]) < 0)
                return -1;
            a++;
            break;
        case 'D':
            if (parse_bytes(p, in, t, &st->data) < 0)
                return -1;
            st->has_data = 1;
            a++;
            break;
        case 'P':
            if (t[0] == '$') {
                int v = lookup_var(p, in, t + 1, 1);
                if (v < 0)
                    return -1;
                if (!in->var_is_string[v])
                    return fail(p, "$%s is a number, not a path (make one with 'file NAME')", t + 1);
                st->data_var = v;
            } else if (parse_bytes(p, in, t, &st->data) < 0) {
                return -1;
            }
            st->has_data = 1;
            a++;
            break;
        case 'p':
            st->target = need_proc(p, s, t);
            if (st->target < 0)
                return -1;
            a++;
            break;
        case 'n':
            if (!valid_name(t))
                return fail(p, "'%s' is not a valid process name", t);
            if (scenario_proc(s, t) >= 0)
                return fail(p, "process '%s' already exists", t);
            if (s->nprocs == MAX_PROCS)
                return fail(p, "too many processes (at most %d)", MAX_PROCS);
            if (!(s->proc_name[s->nprocs] = copy(p, p->mem, t)))
                return -1;
            st->target = s->nprocs++;
            a++;
            break;
        case 'S': {
            int sig = name_signal(t);
            long num;
            if (!sig && parse_number(t, &num) == 0)
                sig = (int)num;
            if (sig <= 0 || sig >= 65)
                return fail(p, "'%s' is not a signal", t);
            if (!(st->arg[st->nargs].term = take(p, p->mem, sizeof(struct term))))
                return -1;
            st->arg[st->nargs].nterms = 1;
            st->arg[st->nargs].term[0] = (struct term){ .op = '+', .kind = TERM_LITERAL, .value = sig };
            st->nargs++;
            a++;
            break;
        }
        case 'L':
            if (parse_list(p, in, t, &st->list, &st->nlist) < 0)
                return -1;
            a++;
            break;
        case 'W': {
            char *w = copy(p, p->mem, t);
            if (!w)
                return -1;
            if (!st->word)
                st->word = w;
            else
                st->word_value = w;
            a++;
            break;
        }
        case 'V': {
            if (!valid_name(t))
                return fail(p, "'%s' is not a valid variable name", t);
            for (int v = 0; v < s->nvars; v++)
                if (strcmp(s->var_name[v], t) == 0)
                    return fail(p, "$%s is already bound", t);
            int v = lookup_var(p, in, t, 0);
            if (v < 0)
                return -1;
            in->var_is_string[v] = 1;
            st->bind = v;
            a++;
            break;
        }
        case 'R': {
            /* the words joined by one space; a "..." word with its C escapes
             * (a tab, a newline, any byte but \0) */
            size_t have = st->word_value ? strlen(st->word_value) : 0;
            struct bytes text = { (unsigned char *)t, strlen(t) };
            if (t[0] == '"' && parse_bytes(p, in, t, &text) < 0)
                return -1;
            if (memchr(text.ptr, '\0', text.len))
                return fail(p, "%s: a value cannot hold \\0", spec->name);
            char *joined = take(p, p->mem, have + text.len + 2);
            if (!joined)
                return -1;
            sprintf(joined, "%s%s%.*s", have ? st->word_value : "", have ? " " : "", (int)text.len,
                    (const char *)text.ptr);
            st->word_value = joined;
            break;          /* 'R' takes the rest */
        }
        case 'A':
            if (parse_argv_word(p, in, st, t, args_end - i) < 0)
                return -1;
            break;          /* 'A' takes the rest */
        case 'O':
            if (st->nsops == MAX_SOPS)
                return fail(p, "too many sembufs (at most %d)", MAX_SOPS);
            if (!st->sop) {
                /* the rest of the words, at most */
                int room = args_end - i < MAX_SOPS ? args_end - i : MAX_SOPS;
                if (!(st->sop = take_array(p, p->mem, (size_t)room, sizeof(struct sop_spec))))
                    return -1;
            }
            if (parse_sop(p, in, t, &st->sop[st->nsops++]) < 0)
                return -1;
            break;          /* 'O' takes the rest */
        }
    }
    if (*a == '?')
        optional = 1;
    if (*a && *a != 'O' && *a != 'R' && !(*a == 'A' && st->nargv) && !optional) {
        static const char *what[128] = {
            ['E'] = "a value", ['D'] = "data", ['P'] = "a path", ['p'] = "a process",
            ['n'] = "a new process name", ['S'] = "a signal", ['L'] = "a list",
            ['W'] = "a name", ['V'] = "a variable name", ['A'] = "a program (" TOOL_NAMES ")",
        };
        return fail(p, "%s: missing argument: %s", spec->name, what[(unsigned char)*a]);
    }
    if (spec->op == OP_SEMOP || spec->op == OP_SEMTIMEDOP) {
        if (!st->nsops && !step_keyword(st, "nsops"))
            return fail(p, "%s needs at least one sembuf num:op[:flags] (or nsops=0)", spec->name);
    }
    if (spec->op == OP_SYSCTL && !name_is_ipc_sysctl(st->word))
        return fail(p, "sysctl '%s' is not an IPC sysctl of the namespace (msgmax, msgmnb, "
                    "msgmni, msg_next_id, sem, sem_next_id, shmmax, shmall, shmmni, "
                    "shm_next_id, shm_rmid_forced, auto_msgmni)", st->word);
    if (spec->op == OP_SYSVIPC && strcmp(st->word, "msg") && strcmp(st->word, "sem") &&
        strcmp(st->word, "shm"))
        return fail(p, "sysvipc reads msg, sem or shm, not '%s'", st->word);
    if (spec->op == OP_UNSHARE && strcmp(st->word, "ipc") != 0)
        return fail(p, "unshare takes ipc (a new IPC namespace), not '%s'", st->word);
    if (spec->op == OP_CAPDROP && each_item(st->word, check_capability, p) < 0)
        return -1;
    if (spec->op == OP_RESUMES || spec->op == OP_BLOCKED)
        st->target = st->proc;

    if (expect_at >= 0) {
        int end = bind_at >= 0 ? bind_at : n;
        char text[MAX_LINE] = "";
        for (int k = expect_at + 1; k < end; k++) {
            if (k > expect_at + 1)
                strncat(text, " ", sizeof(text) - strlen(text) - 1);
            strncat(text, tok[k], sizeof(text) - strlen(text) - 1);
        }
        if (parse_expect(p, in, st, tok + expect_at + 1, end - expect_at - 1, text) < 0)
            return -1;
        if (spec->op == OP_BLOCKED)
            return fail(p, "'blocked' is itself an expectation; it takes no '=>'");
    }
    if (bind_at >= 0) {
        /* -> $name, or -> $name=FIELD: a field's raw value */
        char *field = bind_at == n - 2 ? strchr(tok[n - 1], '=') : NULL;
        if (field)
            *field++ = '\0';
        if (bind_at != n - 2 || tok[n - 1][0] != '$' || !valid_name(tok[n - 1] + 1) || (field && !*field))
            return fail(p, "'->' must be followed by one $name (or $name=FIELD) at the end of the step");
        if (st->expect.kind == EXPECT_BLOCKS)
            return fail(p, "a step that blocks has no value to bind yet");
        int v = lookup_var(p, in, tok[n - 1] + 1, 0);
        if (v < 0)
            return -1;
        if (in->var_is_string[v])
            return fail(p, "$%s is a path and cannot be rebound", tok[n - 1] + 1);
        st->bind = v;
        if (field && !(st->bind_field = copy(p, p->mem, field)))
            return -1;
    }
    if (st->expect.kind == EXPECT_BLOCKS)
        s->needs_block_detection = 1;
    return 0;
}

/* ---------- blocks and matrices ---------- */
/* ---------- blocks and matrices ---------- */

struct dimension {
    int nnames;
    char *names[MAX_DIMS];
    int nvalues;                         /* rows */
    char *(*values)[MAX_DIMS];           /* MAX_VALUES rows, in the scratch region */
};

/* A scenario block as written, kept in the scratch region until 'end'. */
struct block {
    char *name;
    int line;
    char *doc;
    char *only, *only_reason;            /* 'only BACKEND REASON' */
    char *needs_host_root;               /* 'needs host-root REASON' */
    char *procs_line;
    int procs_lineno;
    long step_deadline_ms, scenario_deadline_ms;
    int ndims;
    struct dimension dims[MAX_DIMS];
    int nsteps, steps_cap;
    struct written_step {
        char *text;
        int line;
    } *step;
};

/* "500ms", "2s", "1.5s": positive, at most a day. */
static int parse_duration(struct parser *p, const char *text, long *ms)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v) || v < 0 || (strcmp(end, "ms") != 0 && strcmp(end, "s") != 0))
        return fail(p, "'%s' is not a duration (write 500ms or 2s)", text);
    if (strcmp(end, "s") == 0)
        v *= 1000;
    if (v > (double)MAX_DEADLINE_MS)
        return fail(p, "deadline '%s' too long (at most %ld s)", text, MAX_DEADLINE_MS / 1000);
    *ms = (long)v;
    if (*ms <= 0)
        return fail(p, "a deadline must be positive");
    return 0;
}

/* The instances B expands to, or INT_MAX past LIMIT. */
static int block_instances(const struct block *b, int limit)
{
    long n = 1;
    for (int d = 0; d < b->ndims; d++) {
        n *= b->dims[d].nvalues;     /* each at most MAX_VALUES, N at most LIMIT: no overflow */
        if (n > limit)
            return limit + 1;
    }
    return (int)n;
}

/* Whether B, once it has DIMS dimensions, still fits the file's budget of instances. */
static int check_instances(struct parser *p, const struct block *b)
{
    int room = PARSE_MAX_INSTANCES - p->instances;
    if (block_instances(b, room) > room)
        return fail(p, "scenario '%s' expands to more instances than this file may have "
                       "(at most %d instances a file; %d before this scenario)",
                    b->name, PARSE_MAX_INSTANCES, p->instances);
    return 0;
}

static int add_row(struct parser *p, struct dimension *d, char ***row)
{
    if (d->nvalues >= MAX_VALUES)
        return fail(p, "too many values in one 'for' (at most %d)", MAX_VALUES);
    if (!d->values && !(d->values = take_array(p, p->scratch, MAX_VALUES, sizeof(*d->values))))
        return -1;
    *row = d->values[d->nvalues++];
    return 0;
}

/* FIRST..LAST, integers, as rows of D (one parameter). */
static int add_range(struct parser *p, struct dimension *d, const char *tok, const char *dots)
{
    char first[64];
    long lo, hi;
    size_t fl = (size_t)(dots - tok);
    if (fl >= sizeof(first))
        return fail(p, "malformed range '%s'", tok);
    memcpy(first, tok, fl);
    first[fl] = '\0';
    if (parse_number(first, &lo) < 0 || parse_number(dots + 2, &hi) < 0 || hi < lo)
        return fail(p, "a range is FIRST..LAST with FIRST <= LAST, not '%s'", tok);
    /* the count in unsigned arithmetic: LAST - FIRST may not fit a long */
    unsigned long count = (unsigned long)hi - (unsigned long)lo + 1;
    if (count == 0 || count > (unsigned long)(MAX_VALUES - d->nvalues))
        return fail(p, "too many values in one 'for' (at most %d)", MAX_VALUES);
    for (unsigned long k = 0; k < count; k++) {
        char text[32], **row;
        snprintf(text, sizeof(text), "%ld", (long)((unsigned long)lo + k));
        if (add_row(p, d, &row) < 0 || !(row[0] = copy(p, p->scratch, text)))
            return -1;
    }
    return 0;
}

static int parse_for(struct parser *p, struct block *b, char **tok, int n)
{
    /* a line naming exactly the previous line's parameters adds rows to it */
    int k = 1, same = b->ndims > 0;
    const struct dimension *last = same ? &b->dims[b->ndims - 1] : NULL;
    for (; k < n && strcmp(tok[k], "in") != 0; k++)
        same = same && k - 1 < last->nnames && strcmp(last->names[k - 1], tok[k]) == 0;
    same = same && k - 1 == last->nnames;
    int in_at = k;
    if (!same && b->ndims == MAX_DIMS)
        return fail(p, "too many 'for' lines (at most %d)", MAX_DIMS);
    struct dimension *d = same ? &b->dims[b->ndims - 1] : &b->dims[b->ndims];
    for (k = 1; !same && k < n && strcmp(tok[k], "in") != 0; k++) {
        if (d->nnames == MAX_DIMS)
            return fail(p, "too many names in one 'for' (at most %d)", MAX_DIMS);
        if (!valid_name(tok[k]))
            return fail(p, "'%s' is not a valid parameter name", tok[k]);
        for (int j = 0; j <= b->ndims; j++)
            for (int m = 0; m < b->dims[j].nnames; m++)
                if (strcmp(b->dims[j].names[m], tok[k]) == 0)
                    return fail(p, "parameter '%s' is defined twice", tok[k]);
        if (!(d->names[d->nnames++] = copy(p, p->scratch, tok[k])))
            return -1;
    }
    k = in_at;
    if (k == n || d->nnames == 0)
        return fail(p, "write 'for NAME in V1 V2 ...' or 'for A B in (a1 b1) (a2 b2)'");
    if (k + 1 == n)
        return fail(p, "'for' has no values");
    for (k++; k < n; k++) {
        char *dots = strstr(tok[k], "..");
        char **row;
        if (d->nnames == 1 && dots && tok[k][0] != '"') {
            if (add_range(p, d, tok[k], dots) < 0)
                return -1;
            continue;
        }
        if (d->nnames == 1) {
            if (tok[k][0] == '(')
                return fail(p, "one parameter takes plain values, not '%s'", tok[k]);
            if (add_row(p, d, &row) < 0 || !(row[0] = copy(p, p->scratch, tok[k])))
                return -1;
            continue;
        }
        size_t len = strlen(tok[k]);
        if (tok[k][0] != '(' || tok[k][len - 1] != ')')
            return fail(p, "with %d parameters, each value is a group (v1 v2 ...), not '%s'",
                        d->nnames, tok[k]);
        char *inner = copy(p, p->scratch, tok[k] + 1);
        if (!inner)
            return -1;
        inner[len - 2] = '\0';
        char *parts[MAX_TOKENS];
        int m = tokenize(p, inner, parts, MAX_TOKENS);
        if (m < 0)
            return -1;
        if (m != d->nnames)
            return fail(p, "group %s has %d values for %d parameters", tok[k], m, d->nnames);
        if (add_row(p, d, &row) < 0)
            return -1;
        for (int j = 0; j < m; j++)
            row[j] = parts[j];
    }
    if (!same)
        b->ndims++;
    return check_instances(p, b);
}

/* Which parameters (dimension, name) a substitution wrote. */
typedef unsigned char used_params[MAX_DIMS][MAX_DIMS];

/* Replace {name} by the parameter's value for this combination. */
static int substitute(struct parser *p, const struct block *b, const int *pick,
                      const char *in, char *out, size_t size, used_params *used)
{
    size_t n = 0;
    for (const char *c = in; *c;) {
        if (*c == '{') {
            const char *close = strchr(c, '}');
            if (!close)
                return fail(p, "'{' without '}'");
            size_t len = (size_t)(close - c - 1);
            const char *value = NULL;
            for (int d = 0; d < b->ndims && !value; d++)
                for (int m = 0; m < b->dims[d].nnames; m++)
                    if (strlen(b->dims[d].names[m]) == len &&
                        strncmp(b->dims[d].names[m], c + 1, len) == 0) {
                        value = b->dims[d].values[pick[d]][m];
                        if (used)
                            (*used)[d][m] = 1;
                        break;
                    }
            if (!value)
                return fail(p, "unknown parameter {%.*s}", (int)(len < 64 ? len : 64), c + 1);
            size_t vl = strlen(value);
            if (vl >= 2 && value[0] == '[' && value[vl - 1] == ']') {
                value++;            /* [a b]: several words */
                vl -= 2;
            }
            if (n + vl >= size)
                return fail(p, "line too long after substitution (at most %zu characters)", size - 1);
            memcpy(out + n, value, vl);
            n += vl;
            c = close + 1;
        } else {
            if (n + 1 >= size)
                return fail(p, "line too long after substitution (at most %zu characters)", size - 1);
            out[n++] = *c++;
        }
    }
    out[n] = '\0';
    return 0;
}

/* The instance's name: the written name substituted, then the parameters it
 * does not mention, as [a=1,b=2]. */
static int instance_name(struct parser *p, const struct block *b, const int *pick, struct scenario *s)
{
    char name[MAX_LINE];
    used_params used;
    memset(used, 0, sizeof(used));
    p->line = b->line;
    if (substitute(p, b, pick, b->name, name, sizeof(name), &used) < 0)
        return -1;
    size_t n = strlen(name);
    int first = 1;
    for (int d = 0; d < b->ndims; d++)
        for (int m = 0; m < b->dims[d].nnames; m++) {
            if (used[d][m])
                continue;
            int w = snprintf(name + n, sizeof(name) - n, "%s%s=%s", first ? "[" : ",", b->dims[d].names[m],
                             b->dims[d].values[pick[d]][m]);
            if (w < 0 || (size_t)w >= sizeof(name) - n)
                return fail(p, "the instance's name is longer than %d characters", MAX_LINE - 2);
            n += (size_t)w;
            first = 0;
        }
    if (!first) {
        if (n + 1 >= sizeof(name))
            return fail(p, "the instance's name is longer than %d characters", MAX_LINE - 2);
        name[n++] = ']';
        name[n] = '\0';
    }
    return (s->name = copy(p, p->mem, name)) ? 0 : -1;
}

static int instance_procs(struct parser *p, const struct block *b, struct scenario *s)
{
    if (!b->procs_line) {
        p->line = b->line;
        return fail(p, "scenario '%s' declares no processes (write 'procs A B ...')", b->name);
    }
    char line[MAX_LINE];
    char *tok[MAX_TOKENS];
    snprintf(line, sizeof(line), "%s", b->procs_line);     /* it was a line: it fits */
    p->line = b->procs_lineno;
    int n = tokenize(p, line, tok, MAX_TOKENS);
    if (n < 0)
        return -1;
    for (int i = 1; i < n; i++) {
        if (!valid_name(tok[i]))
            return fail(p, "'%s' is not a valid process name", tok[i]);
        if (scenario_proc(s, tok[i]) >= 0)
            return fail(p, "process '%s' is declared twice", tok[i]);
        if (s->nprocs == MAX_PROCS)
            return fail(p, "too many processes (at most %d)", MAX_PROCS);
        if (!(s->proc_name[s->nprocs] = copy(p, p->mem, tok[i])))
            return -1;
        s->nprocs++;
    }
    if (s->nprocs == 0)
        return fail(p, "'procs' names no process");
    s->ninitial = s->nprocs;
    return 0;
}

static int instantiate(struct parser *p, const struct block *b, const int *pick, struct scenario *s)
{
    struct instance in = { .s = s };
    memset(s, 0, sizeof(*s));
    s->line = b->line;
    s->step_deadline_ms = b->step_deadline_ms;
    s->scenario_deadline_ms = b->scenario_deadline_ms;
    if (!p->file_name && !(p->file_name = copy(p, p->mem, p->file)))
        return -1;
    s->file = p->file_name;
    if ((b->doc && !(s->doc = copy(p, p->mem, b->doc))) ||
        (b->only && !(s->only_backend = copy(p, p->mem, b->only))) ||
        (b->only_reason && !(s->only_reason = copy(p, p->mem, b->only_reason))) ||
        (b->needs_host_root && !(s->needs_host_root = copy(p, p->mem, b->needs_host_root))))
        return -1;
    if (instance_name(p, b, pick, s) < 0 || instance_procs(p, b, s) < 0)
        return -1;
    if (!(s->steps = take_array(p, p->mem, (size_t)b->nsteps, sizeof(struct step))))
        return -1;
    for (int i = 0; i < b->nsteps; i++) {
        char line[MAX_LINE];
        p->line = b->step[i].line;
        if (substitute(p, b, pick, b->step[i].text, line, sizeof(line), NULL) < 0)
            return -1;
        if (parse_step(p, &in, line, &s->steps[s->nsteps]) < 0)
            return -1;
        /* the model and the reference runtime hold one namespace per scenario */
        if (s->steps[s->nsteps].op == OP_UNSHARE && (!b->only || strcmp(b->only, "kernel") != 0))
            return fail(p, "unshare ipc needs a second namespace, which only the kernel has: "
                           "the scenario needs 'only kernel REASON'");
        /* a program needs real processes; ipc(2) is the kernel's entry */
        if (s->steps[s->nsteps].op == OP_TOOL && (!b->only || list_has(b->only, ',', "model")))
            return fail(p, "a tool step runs a real program, which the model cannot: the scenario needs "
                           "'only kernel,ref REASON' (or 'only kernel' or 'only ref')");
        if (s->needs_ipc_multiplexer && (!b->only || strcmp(b->only, "kernel") != 0))
            return fail(p, "via= calls the kernel through ipc(2), which the model and the runtime do not "
                           "have: the scenario needs 'only kernel REASON'");
        s->nsteps++;
    }
    if (s->nsteps == 0) {
        p->line = b->line;
        return fail(p, "scenario '%s' has no steps", s->name);
    }
    return 0;
}

/* Whether TEXT writes {NAME}. */
static int mentions(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *c = text; (c = strchr(c, '{')); c++)
        if (strncmp(c + 1, name, n) == 0 && c[1 + n] == '}')
            return 1;
    return 0;
}

/* The instances of one file, until the whole file parsed, and their names
 * by hash (open addressing: item + 1, 0 for an empty slot). */
struct file_items {
    struct scenario *items;
    int count, cap;
    int *slot;
    size_t mask;
};

static int file_items_find(const struct file_items *f, const char *name)
{
    if (!f->slot)
        return -1;
    for (size_t at = catalog_name_hash(name) & f->mask; f->slot[at]; at = (at + 1) & f->mask)
        if (strcmp(f->items[f->slot[at] - 1].name, name) == 0)
            return f->slot[at] - 1;
    return -1;
}

static void file_items_index(struct file_items *f, int i)
{
    size_t at = catalog_name_hash(f->items[i].name) & f->mask;
    while (f->slot[at])
        at = (at + 1) & f->mask;
    f->slot[at] = i + 1;
}

/* Room for N more instances (and their names). */
static int file_items_room(struct parser *p, struct file_items *f, int n)
{
    if (f->count + n <= f->cap)
        return 0;
    int want = f->cap ? f->cap : 16;
    while (want < f->count + n)
        want *= 2;
    struct scenario *grown = realloc(f->items, (size_t)want * sizeof(*grown));
    if (!grown)
        return fail(p, "out of memory");
    f->items = grown;
    f->cap = want;
    size_t slots = 2 * (size_t)want;          /* a power of two: WANT is 16 doubled */
    int *slot = calloc(slots, sizeof(int));
    if (!slot)
        return fail(p, "out of memory");
    free(f->slot);
    f->slot = slot;
    f->mask = slots - 1;
    for (int i = 0; i < f->count; i++)
        file_items_index(f, i);
    return 0;
}

static void file_items_free(struct file_items *f)
{
    free(f->items);
    free(f->slot);
}

/* Expand B into ITEMS (this file's instances); names must be new to both
 * them and DONE (the files parsed before). */
static int expand_block(struct parser *p, const struct block *b, const struct catalog *done,
                        struct file_items *items)
{
    /* a 'for' whose parameters no step uses makes instances that differ
     * only by name (a label beside used parameters is fine) */
    for (int d = 0; d < b->ndims; d++) {
        int used = 0;
        for (int m = 0; m < b->dims[d].nnames && !used; m++)
            for (int i = 0; i < b->nsteps && !used; i++)
                used = mentions(b->step[i].text, b->dims[d].names[m]);
        if (!used) {
            p->line = b->line;
            return fail(p, "the parameters of 'for %s ...' in scenario '%s' are used by no step",
                        b->dims[d].names[0], b->name);
        }
    }
    p->line = b->line;
    if (check_instances(p, b) < 0)
        return -1;
    int total = block_instances(b, PARSE_MAX_INSTANCES);
    if (file_items_room(p, items, total) < 0)
        return -1;
    int pick[MAX_DIMS] = { 0 };
    for (int made = 0; made < total; made++) {
        struct scenario *s = &items->items[items->count];
        if (instantiate(p, b, pick, s) < 0)
            return -1;
        const struct scenario *other = NULL;
        int at = catalog_find(done, s->name);
        if (at >= 0)
            other = &done->items[at];
        else if ((at = file_items_find(items, s->name)) >= 0)
            other = &items->items[at];
        if (other) {
            p->line = b->line;
            return fail(p, "scenario name '%s' is already used at %s:%d", s->name, other->file, other->line);
        }
        file_items_index(items, items->count++);
        for (int d = b->ndims - 1; d >= 0; d--) {
            if (++pick[d] < b->dims[d].nvalues)
                break;
            pick[d] = 0;
        }
    }
    p->instances += total;
    return 0;
}

/* ---------- the file ---------- */

/* Where TEXT stops being a text file: a NUL byte or a byte sequence that is
 * not UTF-8 (traces are JSON, which is UTF-8).  0, or -1 with the line. */
static int check_text(struct parser *p, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    int line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        size_t more = 0;
        unsigned min = 0, cp = c;
        if (c == '\n') {
            line++;
        } else if (c == 0) {
            p->line = line;
            return fail(p, "a NUL byte: not a scenario file");
        } else if (c >= 0x80) {
            if (c >= 0xc2 && c <= 0xdf)
                more = 1, min = 0x80, cp = c & 0x1f;
            else if (c >= 0xe0 && c <= 0xef)
                more = 2, min = 0x800, cp = c & 0x0f;
            else if (c >= 0xf0 && c <= 0xf4)
                more = 3, min = 0x10000, cp = c & 0x07;
            int bad = more == 0;
            for (size_t k = 1; !bad && k <= more; k++) {
                if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                    bad = 1;
                else
                    cp = (cp << 6) | (s[i + k] & 0x3f);
            }
            if (bad || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                p->line = line;
                return fail(p, "byte 0x%02x is not UTF-8 text (write binary data as \"\\xHH\")", c);
            }
        }
        i += 1 + more;
    }
    return 0;
}

/* The block's header lines and steps until 'end'. */
static int block_line(struct parser *p, struct block *b, const char *line, char **tok, int n, const char *scratch)
{
    if (strcmp(tok[0], "scenario") == 0)
        return fail(p, "'scenario' inside scenario '%s' (started at line %d): missing 'end'", b->name, b->line);
    if (strcmp(tok[0], "doc") == 0) {
        /* the rest of the line after the word, as written */
        const char *d = line + (tok[0] - scratch) + 3;
        while (isspace((unsigned char)*d))
            d++;
        return (b->doc = copy(p, p->scratch, d)) ? 0 : -1;
    }
    if (strcmp(tok[0], "only") == 0) {
        const char *why = n >= 2 ? line + (tok[1] - scratch) + strlen(tok[1]) : NULL;
        while (why && isspace((unsigned char)*why))
            why++;
        int known = n >= 3, named = 0;
        for (const char *w = n >= 2 ? tok[1] : ""; known && *w;) {
            size_t len = strcspn(w, ",");
            known = (len == 6 && !strncmp(w, "kernel", 6)) || (len == 3 && !strncmp(w, "ref", 3)) ||
                    (len == 5 && !strncmp(w, "model", 5)) || len == 0;
            named += len > 0;
            w += len + (w[len] == ',');
        }
        if (!known || !named)
            return fail(p, "write 'only BACKEND[,BACKEND] REASON' with kernel, model, ref "
                           "(and why the others cannot run it)");
        if (!(b->only = copy(p, p->scratch, tok[1])) || !(b->only_reason = copy(p, p->scratch, why)))
            return -1;
        return 0;
    }
    if (strcmp(tok[0], "needs") == 0) {
        const char *why = n >= 3 ? line + (tok[1] - scratch) + strlen(tok[1]) : NULL;
        while (why && isspace((unsigned char)*why))
            why++;
        if (n < 3 || strcmp(tok[1], "host-root") != 0)
            return fail(p, "write 'needs host-root REASON' (the kernel check that wants a capability of the "
                           "initial user namespace)");
        if (b->needs_host_root)
            return fail(p, "'needs host-root' given twice");
        return (b->needs_host_root = copy(p, p->scratch, why)) ? 0 : -1;
    }
    if (strcmp(tok[0], "procs") == 0) {
        if (b->procs_line)
            return fail(p, "'procs' given twice");
        b->procs_lineno = p->line;
        return (b->procs_line = copy(p, p->scratch, line)) ? 0 : -1;
    }
    if (strcmp(tok[0], "for") == 0) {
        if (b->nsteps)
            return fail(p, "'for' must come before the steps");
        return parse_for(p, b, tok, n);
    }
    if (strcmp(tok[0], "deadline") == 0) {
        for (int k = 1; k < n; k++) {
            int rc;
            if (strncmp(tok[k], "step=", 5) == 0)
                rc = parse_duration(p, tok[k] + 5, &b->step_deadline_ms);
            else if (strncmp(tok[k], "scenario=", 9) == 0)
                rc = parse_duration(p, tok[k] + 9, &b->scenario_deadline_ms);
            else
                rc = fail(p, "write 'deadline step=2s scenario=20s'");
            if (rc < 0)
                return -1;
        }
        return 0;
    }
    if (!(b->step = make_room(p, p->scratch, b->step, b->nsteps, &b->steps_cap, sizeof(*b->step))))
        return -1;
    if (!(b->step[b->nsteps].text = copy(p, p->scratch, line)))
        return -1;
    b->step[b->nsteps++].line = p->line;
    return 0;
}

int parse_buffer(struct catalog *cat, const char *file, const char *text, size_t len, struct parse_error *err)
{
    size_t used = catalog_bytes(cat);
    struct region mem = { .budget = used < CATALOG_MAX_BYTES ? CATALOG_MAX_BYTES - used : 1 };
    if (mem.budget > PARSE_MAX_FILE_BYTES)
        mem.budget = PARSE_MAX_FILE_BYTES;
    struct region scratch = { 0 };
    struct parser p = { .file = file, .err = err, .mem = &mem, .scratch = &scratch };
    struct file_items items = { 0 };
    struct block b;
    int in_block = 0, rc = check_text(&p, text, len);
    const char *cursor = text, *end = text + len;
    while (rc == 0 && cursor < end) {
        const char *nl = memchr(cursor, '\n', (size_t)(end - cursor));
        size_t n = nl ? (size_t)(nl - cursor) : (size_t)(end - cursor);
        p.line++;
        if (n >= MAX_LINE) {
            rc = fail(&p, "line longer than %d characters", MAX_LINE - 1);
            break;
        }
        char line[MAX_LINE], scratch_line[MAX_LINE];
        memcpy(line, cursor, n);
        line[n] = '\0';
        cursor = nl ? nl + 1 : end;
        memcpy(scratch_line, line, n + 1);
        char *tok[MAX_TOKENS];
        int ntok = tokenize(&p, scratch_line, tok, MAX_TOKENS);
        if (ntok < 0) {
            rc = -1;
        } else if (ntok == 0) {
            continue;
        } else if (!in_block) {
            if (strcmp(tok[0], "scenario") != 0)
                rc = fail(&p, "expected 'scenario NAME', found '%s'", tok[0]);
            else if (ntok != 2)
                rc = fail(&p, "write 'scenario NAME' (one name, no spaces)");
            else {
                memset(&b, 0, sizeof(b));
                b.line = p.line;
                in_block = 1;
                if (!(b.name = copy(&p, &scratch, tok[1])))
                    rc = -1;
            }
        } else if (strcmp(tok[0], "end") == 0 && ntok == 1) {
            int end_line = p.line;
            rc = expand_block(&p, &b, cat, &items);
            p.line = end_line;
            in_block = 0;
            region_free(&scratch);          /* the block's text: done with */
        } else {
            rc = block_line(&p, &b, line, tok, ntok, scratch_line);
        }
    }
    if (rc == 0 && in_block) {
        p.line = b.line;
        rc = fail(&p, "scenario '%s' has no 'end'", b.name);
    }
    region_free(&scratch);
    if (rc == 0 && catalog_append(cat, items.items, items.count, &mem) < 0) {
        p.line = 0;
        rc = fail(&p, "out of memory");
    }
    file_items_free(&items);
    region_free(&mem);                       /* empty when the catalog took it */
    return rc;
}

int parse_text(struct catalog *cat, const char *file, const char *text, struct parse_error *err)
{
    return parse_buffer(cat, file, text, strlen(text), err);
}
