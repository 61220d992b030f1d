/* parse.c: the scenario text format into scenario instances.
 *
 * A file holds blocks:
 *     scenario NAME            header lines: doc, procs, for, deadline
 *       PROC: OP ARGS... [=> EXPECT...] [-> $VAR]
 *       DIRECTIVE ARGS...      signal, wait, file
 *     end
 * 'for' lines form a parameter matrix; every combination is one instance,
 * with {param} replaced in the name and in every step.
 * Must not: execute anything, or return a partial catalog on error. */
#define _GNU_SOURCE
#include "parse.h"

#include "names.h"
#include "ops.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DIMS    8
#define MAX_VALUES  1024
#define MAX_TOKENS  96
#define MAX_LINE    4096

/* ---------- errors and allocation ---------- */

struct parser {
    const char *file;
    int line;
    struct parse_error *err;
};

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

static void *xcalloc(size_t n, size_t size)
{
    void *ptr = calloc(n ? n : 1, size);
    if (!ptr) {
        perror("svipc: calloc");
        exit(2);
    }
    return ptr;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        perror("svipc: strdup");
        exit(2);
    }
    return d;
}

/* Grow *ARRAY of *COUNT elements of SIZE by one zeroed element. */
static void *grow(void *array, int count, size_t size)
{
    char *a = realloc(array, (size_t)(count + 1) * size);
    if (!a) {
        perror("svipc: realloc");
        exit(2);
    }
    memset(a + (size_t)count * size, 0, size);
    return a;
}

/* ---------- tokens ---------- */

/* Split LINE into tokens: runs of non-space, where "..." (with escapes) and
 * (...) and [...] groups may hold spaces.  A word starting with '#' starts
 * a comment ('msq#0' is a word). */
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

struct instance;   /* the scenario instance being built */

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
    in->s->var_name[in->s->nvars] = xstrdup(name);
    return in->s->nvars++;
}

static int parse_number(const char *s, long *out)
{
    char *end;
    if (!*s)
        return -1;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno == ERANGE) {
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
    char buf[256];
    if (strlen(text) >= sizeof(buf))
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
            return fail(p, "value '%s' has too many terms", text);
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
    e->nterms = nterms;
    e->term = xcalloc((size_t)nterms, sizeof(struct term));
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

static long eval_constant(const struct expr *e)
{
    long v = 0;
    for (int i = 0; i < e->nterms; i++) {
        long t = e->term[i].value;
        switch (e->term[i].op) {
        case '|': v |= t; break;
        case '-': v -= t; break;
        default:  v += t; break;
        }
    }
    return v;
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
        b->ptr = xcalloc(len, 1);
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
                    char hex[3] = { text[i + 1], text[i + 2], 0 };
                    char *end;
                    if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
                        return fail(p, "bad \\x escape in %s", text);
                    c = (char)strtol(hex, &end, 16);
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
    char inner[128];
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
    if (comma && (is_pattern || parse_constant(p, in, comma + 1, &byte) < 0))
        return is_pattern ? fail(p, "pattern(N) takes one argument") : -1;
    if (size < 0 || size > MAX_DATA)
        return fail(p, "data size %ld outside 0..%d", size, MAX_DATA);
    b->ptr = xcalloc((size_t)size + 1, 1);
    b->len = (size_t)size;
    for (long i = 0; i < size; i++)
        b->ptr[i] = is_fill ? (unsigned char)byte : (unsigned char)('a' + i % 26);
    return 0;
}

static int parse_list(struct parser *p, struct instance *in, const char *text, long **list, int *n)
{
    char buf[MAX_LINE];
    snprintf(buf, sizeof(buf), "%s", text);
    int count = 1;
    for (const char *c = buf; *c; c++)
        count += (*c == ',');
    *list = xcalloc((size_t)count, sizeof(long));
    *n = 0;
    char *save = NULL;
    for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save))
        if (parse_constant(p, in, item, &(*list)[(*n)++]) < 0)
            return -1;
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

static int parse_keyword(struct parser *p, struct instance *in, const struct op_desc *spec,
                         struct step *st, const char *tok)
{
    const char *eq = strchr(tok, '=');
    char name[64];
    size_t n = (size_t)(eq - tok);
    if (n >= sizeof(name))
        return fail(p, "argument name too long in '%s'", tok);
    memcpy(name, tok, n);
    name[n] = '\0';
    if (!list_has(spec->keywords, ' ', name))
        return fail(p, "%s takes no argument '%s'%s%s", spec->name, name,
                    *spec->keywords ? " (it takes: " : "", *spec->keywords ? spec->keywords : "");
    if (st->nkeywords == MAX_KEYWORDS)
        return fail(p, "too many name=value arguments");
    st->keyword = grow(st->keyword, st->nkeywords, sizeof(struct keyword));
    struct keyword *k = &st->keyword[st->nkeywords++];
    k->name = xstrdup(name);
    const char *value = eq + 1;
    if (strcmp(name, "buf") == 0) {
        /* the call's buffer is NULL: the kernel's copy faults (EFAULT) */
        if (strcmp(value, "null") != 0)
            return fail(p, "buf takes only null, not '%s'", value);
        k->is_null = 1;
        return 0;
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
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", tok);
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
    f->name = xstrdup(name);
    f->text = xstrdup(eq + 1);
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
    e->text = xstrdup(text);
    int i = 0;
    if (n == 0)
        return fail(p, "'=>' must be followed by an expected outcome");
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
            e->word = xstrdup(t);
        }
        i = 1;
    }
    for (; i < n; i++) {
        if (!strchr(tok[i], '='))
            return fail(p, "expected name=value after the outcome, not '%s'", tok[i]);
        if (e->nfields == MAX_FIELD_EXPECT)
            return fail(p, "too many expectations on one step");
        e->field = grow(e->field, e->nfields, sizeof(struct field_expect));
        if (parse_field_expect(p, in, tok[i], &e->field[e->nfields++]) < 0)
            return -1;
    }
    if ((e->kind == EXPECT_BLOCKS || e->kind == EXPECT_ERRNO) && e->nfields)
        return fail(p, "a step that %s has no fields to expect",
                    e->kind == EXPECT_BLOCKS ? "blocks" : "fails");
    return 0;
}

static int parse_step(struct parser *p, struct instance *in, char *line, struct step *st)
{
    struct scenario *s = in->s;
    char *tok[MAX_TOKENS];
    char copy[MAX_LINE];
    snprintf(copy, sizeof(copy), "%s", line);
    int n = tokenize(p, line, tok, MAX_TOKENS);
    if (n < 0)
        return -1;
    memset(st, 0, sizeof(*st));
    st->line = p->line;
    st->bind = -1;
    st->data_var = -1;
    st->target = -1;
    st->expect.kind = EXPECT_SUCCESS;
    /* the text as written, without leading space or comment */
    char *src = copy;
    while (isspace((unsigned char)*src))
        src++;
    st->source = xstrdup(src);

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

    const char *a = spec->grammar;
    int optional = 0;
    for (; i < args_end; i++) {
        const char *t = tok[i];
        if (strchr(t, '=') && t[0] != '"' && strncmp(t, "fill(", 5) && *a != 'W') {
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
            s->proc_name[s->nprocs] = xstrdup(t);
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
            st->arg[st->nargs].nterms = 1;
            st->arg[st->nargs].term = xcalloc(1, sizeof(struct term));
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
        case 'W':
            if (!st->word)
                st->word = xstrdup(t);
            else
                st->word_value = xstrdup(t);
            a++;
            break;
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
            size_t have = st->word_value ? strlen(st->word_value) : 0;
            char *joined = xcalloc(have + strlen(t) + 2, 1);
            sprintf(joined, "%s%s%s", have ? st->word_value : "", have ? " " : "", t);
            st->word_value = joined;
            break;          /* 'R' takes the rest */
        }
        case 'O':
            if (st->nsops == MAX_SOPS)
                return fail(p, "too many sembufs (at most %d)", MAX_SOPS);
            st->sop = grow(st->sop, st->nsops, sizeof(struct sop_spec));
            if (parse_sop(p, in, t, &st->sop[st->nsops++]) < 0)
                return -1;
            break;          /* 'O' takes the rest */
        }
    }
    if (*a == '?')
        optional = 1;
    if (*a && *a != 'O' && *a != 'R' && !optional) {
        static const char *what[128] = {
            ['E'] = "a value", ['D'] = "data", ['P'] = "a path", ['p'] = "a process",
            ['n'] = "a new process name", ['S'] = "a signal", ['L'] = "a list",
            ['W'] = "a name", ['V'] = "a variable name",
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
    if (spec->op == OP_CAPDROP) {
        char buf[256];
        snprintf(buf, sizeof(buf), "%s", st->word);
        char *save = NULL;
        for (char *c = strtok_r(buf, ",", &save); c; c = strtok_r(NULL, ",", &save))
            if (name_capability(c) < 0 && strcmp(c, "all") != 0)
                return fail(p, "unknown capability '%s'", c);
    }
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
        if (bind_at != n - 2 || tok[n - 1][0] != '$' || !valid_name(tok[n - 1] + 1))
            return fail(p, "'->' must be followed by one $name at the end of the step");
        if (st->expect.kind == EXPECT_BLOCKS)
            return fail(p, "a step that blocks has no value to bind yet");
        int v = lookup_var(p, in, tok[n - 1] + 1, 0);
        if (v < 0)
            return -1;
        if (in->var_is_string[v])
            return fail(p, "$%s is a path and cannot be rebound", tok[n - 1] + 1);
        st->bind = v;
    }
    if (st->expect.kind == EXPECT_BLOCKS)
        s->needs_block_detection = 1;
    return 0;
}

/* ---------- blocks and matrices ---------- */

struct dimension {
    int nnames;
    char *names[MAX_DIMS];
    int nvalues;                         /* rows */
    char *values[MAX_VALUES][MAX_DIMS];
};

struct block {
    char *name;
    int line;
    char *doc;
    char *only, *only_reason;            /* 'only BACKEND REASON' */
    char *procs_line;
    int procs_lineno;
    long step_deadline_ms, scenario_deadline_ms;
    int ndims;
    struct dimension dims[MAX_DIMS];
    int nsteps;
    char **step_text;
    int *step_line;
};

static int parse_duration(struct parser *p, const char *text, long *ms)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || v < 0)
        return fail(p, "'%s' is not a duration (write 500ms or 2s)", text);
    if (strcmp(end, "ms") == 0)
        *ms = (long)v;
    else if (strcmp(end, "s") == 0)
        *ms = (long)(v * 1000);
    else
        return fail(p, "'%s' is not a duration (write 500ms or 2s)", text);
    if (*ms <= 0)
        return fail(p, "a deadline must be positive");
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
            return fail(p, "too many names in one 'for'");
        if (!valid_name(tok[k]))
            return fail(p, "'%s' is not a valid parameter name", tok[k]);
        for (int j = 0; j < b->ndims; j++)
            for (int m = 0; m < b->dims[j].nnames; m++)
                if (strcmp(b->dims[j].names[m], tok[k]) == 0)
                    return fail(p, "parameter '%s' is defined twice", tok[k]);
        d->names[d->nnames++] = xstrdup(tok[k]);
    }
    k = in_at;
    if (k == n || d->nnames == 0)
        return fail(p, "write 'for NAME in V1 V2 ...' or 'for A B in (a1 b1) (a2 b2)'");
    if (k + 1 == n)
        return fail(p, "'for' has no values");
    for (k++; k < n; k++) {
        if (d->nvalues >= MAX_VALUES)
            return fail(p, "too many values in one 'for' (at most %d)", MAX_VALUES);
        long lo, hi;
        char *dots = strstr(tok[k], "..");
        if (d->nnames == 1 && dots && tok[k][0] != '"') {
            /* a range of integers: 1..400 */
            char first[64];
            size_t fl = (size_t)(dots - tok[k]);
            if (fl >= sizeof(first))
                return fail(p, "malformed range '%s'", tok[k]);
            memcpy(first, tok[k], fl);
            first[fl] = '\0';
            if (parse_number(first, &lo) < 0 || parse_number(dots + 2, &hi) < 0 || hi < lo)
                return fail(p, "a range is FIRST..LAST with FIRST <= LAST, not '%s'", tok[k]);
            if (hi - lo >= MAX_VALUES - d->nvalues)
                return fail(p, "too many values in one 'for' (at most %d)", MAX_VALUES);
            for (long v = lo; v <= hi; v++) {
                char text[32];
                snprintf(text, sizeof(text), "%ld", v);
                d->values[d->nvalues++][0] = xstrdup(text);
            }
            continue;
        }
        char **row = d->values[d->nvalues++];
        if (d->nnames == 1) {
            if (tok[k][0] == '(')
                return fail(p, "one parameter takes plain values, not '%s'", tok[k]);
            row[0] = xstrdup(tok[k]);
            continue;
        }
        size_t len = strlen(tok[k]);
        if (tok[k][0] != '(' || tok[k][len - 1] != ')')
            return fail(p, "with %d parameters, each value is a group (v1 v2 ...), not '%s'",
                        d->nnames, tok[k]);
        char *inner = xstrdup(tok[k] + 1);
        inner[len - 2] = '\0';
        char *parts[MAX_TOKENS];
        int m = tokenize(p, inner, parts, MAX_TOKENS);
        if (m < 0)
            return -1;
        if (m != d->nnames)
            return fail(p, "group %s has %d values for %d parameters", tok[k], m, d->nnames);
        for (int j = 0; j < m; j++)
            row[j] = parts[j];
    }
    if (!same)
        b->ndims++;
    return 0;
}

/* Replace {name} by the parameter's value for this combination. */
static int substitute(struct parser *p, const struct block *b, const int *pick,
                      const char *in, char *out, size_t size, unsigned *used)
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
                            *used |= 1u << (d * MAX_DIMS + m);
                        break;
                    }
            if (!value)
                return fail(p, "unknown parameter {%.*s}", (int)len, c + 1);
            size_t vl = strlen(value);
            if (vl >= 2 && value[0] == '[' && value[vl - 1] == ']') {
                value++;            /* [a b]: several words */
                vl -= 2;
            }
            if (n + vl >= size)
                return fail(p, "line too long after substitution");
            memcpy(out + n, value, vl);
            n += vl;
            c = close + 1;
        } else {
            if (n + 1 >= size)
                return fail(p, "line too long after substitution");
            out[n++] = *c++;
        }
    }
    out[n] = '\0';
    return 0;
}

static int instantiate(struct parser *p, const struct block *b, const int *pick, struct scenario *s)
{
    char buf[MAX_LINE];
    unsigned used = 0;
    struct instance in = { .s = s };
    memset(s, 0, sizeof(*s));
    s->file = xstrdup(p->file);
    s->line = b->line;
    s->step_deadline_ms = b->step_deadline_ms;
    s->scenario_deadline_ms = b->scenario_deadline_ms;
    s->doc = b->doc ? xstrdup(b->doc) : NULL;
    s->only_backend = b->only ? xstrdup(b->only) : NULL;
    s->only_reason = b->only_reason ? xstrdup(b->only_reason) : NULL;

    p->line = b->line;
    if (substitute(p, b, pick, b->name, buf, sizeof(buf), &used) < 0)
        return -1;
    /* parameters not in the written name are appended, so names stay unique */
    char suffix[MAX_LINE] = "";
    for (int d = 0; d < b->ndims; d++)
        for (int m = 0; m < b->dims[d].nnames; m++) {
            if (used & (1u << (d * MAX_DIMS + m)))
                continue;
            size_t l = strlen(suffix);
            snprintf(suffix + l, sizeof(suffix) - l, "%s%s=%s", l ? "," : "[",
                     b->dims[d].names[m], b->dims[d].values[pick[d]][m]);
        }
    if (*suffix)
        strncat(suffix, "]", sizeof(suffix) - strlen(suffix) - 1);
    size_t need = strlen(buf) + strlen(suffix) + 1;
    s->name = xcalloc(need, 1);
    snprintf(s->name, need, "%s%s", buf, suffix);

    if (!b->procs_line) {
        p->line = b->line;
        return fail(p, "scenario '%s' declares no processes (write 'procs A B ...')", b->name);
    }
    {
        char line[MAX_LINE];
        snprintf(line, sizeof(line), "%s", b->procs_line);
        char *tok[MAX_TOKENS];
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
            s->proc_name[s->nprocs++] = xstrdup(tok[i]);
        }
        if (s->nprocs == 0)
            return fail(p, "'procs' names no process");
        s->ninitial = s->nprocs;
    }

    s->steps = xcalloc((size_t)b->nsteps, sizeof(struct step));
    for (int i = 0; i < b->nsteps; i++) {
        p->line = b->step_line[i];
        if (substitute(p, b, pick, b->step_text[i], buf, sizeof(buf), NULL) < 0)
            return -1;
        if (parse_step(p, &in, buf, &s->steps[s->nsteps]) < 0)
            return -1;
        /* the model and the reference runtime hold one namespace per scenario */
        if (s->steps[s->nsteps].op == OP_UNSHARE && (!b->only || strcmp(b->only, "kernel") != 0))
            return fail(p, "unshare ipc needs a second namespace, which only the kernel has: "
                           "the scenario needs 'only kernel REASON'");
        s->nsteps++;
    }
    if (s->nsteps == 0) {
        p->line = b->line;
        return fail(p, "scenario '%s' has no steps", s->name);
    }
    return 0;
}

static int push_instance(struct catalog *cat, int *cap, const struct scenario *s)
{
    if (cat->count == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        struct scenario *items = realloc(cat->items, (size_t)*cap * sizeof(*items));
        if (!items) {
            perror("svipc: realloc");
            exit(2);
        }
        cat->items = items;
    }
    cat->items[cat->count++] = *s;
    return 0;
}

/* The name index: open addressing over item numbers, for the items array it
 * was built for; it follows additions, and is rebuilt when the array moves
 * (realloc) or fills past half its slots. */
struct catalog_index {
    const struct scenario *items;
    int indexed;
    size_t mask;                 /* slots - 1, a power of two minus one */
    int *slot;                   /* item number + 1, or 0 for empty */
};

static size_t name_hash(const char *name)
{
    size_t h = 1469598103934665603ULL;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ULL;
    return h;
}

static void index_put(struct catalog_index *x, const struct scenario *items, int i)
{
    size_t at = name_hash(items[i].name) & x->mask;
    while (x->slot[at])
        at = (at + 1) & x->mask;
    x->slot[at] = i + 1;
}

/* Bring CAT's index up to its items (parse.c calls it as it adds them). */
static void index_update(struct catalog *cat)
{
    struct catalog_index *x = cat->index;
    if (!x)
        x = cat->index = xcalloc(1, sizeof(*x));
    size_t want = 64;
    while (want < 2 * (size_t)cat->count)
        want *= 2;
    if (x->items != cat->items || x->indexed > cat->count || x->mask + 1 < want) {
        free(x->slot);
        x->slot = xcalloc(want, sizeof(int));
        x->mask = want - 1;
        x->items = cat->items;
        x->indexed = 0;
    }
    for (; x->indexed < cat->count; x->indexed++)
        index_put(x, cat->items, x->indexed);
}

static void index_free(struct catalog *cat)
{
    if (cat->index)
        free(cat->index->slot);
    free(cat->index);
    cat->index = NULL;
}

int catalog_find(const struct catalog *cat, const char *name)
{
    const struct catalog_index *x = cat->index;
    if (x && x->items == cat->items && x->indexed == cat->count) {
        for (size_t at = name_hash(name) & x->mask; x->slot[at]; at = (at + 1) & x->mask)
            if (strcmp(cat->items[x->slot[at] - 1].name, name) == 0)
                return x->slot[at] - 1;
        return -1;
    }
    for (int i = 0; i < cat->count; i++)
        if (strcmp(cat->items[i].name, name) == 0)
            return i;
    return -1;
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

/* Expand B into FILE_CAT (this file's instances); names must be new to
 * both it and DONE (the files parsed before). */
static int expand_block(struct parser *p, const struct block *b, const struct catalog *done,
                        struct catalog *cat, int *cap)
{
    /* a 'for' whose parameters no step uses makes instances that differ
     * only by name (a label beside used parameters is fine) */
    for (int d = 0; d < b->ndims; d++) {
        int used = 0;
        for (int m = 0; m < b->dims[d].nnames && !used; m++)
            for (int i = 0; i < b->nsteps && !used; i++)
                used = mentions(b->step_text[i], b->dims[d].names[m]);
        if (!used) {
            p->line = b->line;
            return fail(p, "the parameters of 'for %s ...' in scenario '%s' are used by no step",
                        b->dims[d].names[0], b->name);
        }
    }
    int pick[MAX_DIMS] = { 0 };
    for (;;) {
        struct scenario s;
        if (instantiate(p, b, pick, &s) < 0)
            return -1;
        const struct catalog *where = done;
        int other = catalog_find(done, s.name);
        if (other < 0)
            other = catalog_find(where = cat, s.name);
        if (other >= 0) {
            p->line = b->line;
            return fail(p, "scenario name '%s' is already used at %s:%d", s.name,
                        where->items[other].file, where->items[other].line);
        }
        push_instance(cat, cap, &s);
        index_update(cat);
        int d = b->ndims - 1;
        for (; d >= 0; d--) {
            if (++pick[d] < b->dims[d].nvalues)
                break;
            pick[d] = 0;
        }
        if (d < 0)
            return 0;
    }
}

int parse_text(struct catalog *cat, const char *file, const char *text, struct parse_error *err)
{
    struct parser p = { .file = file, .err = err };
    /* this file's instances, added to CAT only when the whole file parsed */
    struct catalog work = { 0 };
    int cap = 0;
    if (cat->count)
        index_update(cat);
    char *copy = xstrdup(text);
    struct block b;
    int in_block = 0, steps_cap = 0, rc = 0;
    int lineno = 0;
    for (char *cursor = copy; cursor; ) {
        char *nl = strchr(cursor, '\n');
        if (nl)
            *nl = '\0';
        char *line = cursor;
        cursor = nl ? nl + 1 : NULL;
        p.line = ++lineno;
        if (strlen(line) >= MAX_LINE) {
            rc = fail(&p, "line longer than %d characters", MAX_LINE - 1);
            break;
        }
        char scratch[MAX_LINE];
        snprintf(scratch, sizeof(scratch), "%s", line);
        char *tok[MAX_TOKENS];
        int n = tokenize(&p, scratch, tok, MAX_TOKENS);
        if (n < 0) {
            rc = -1;
            break;
        }
        if (n == 0)
            continue;
        if (!in_block) {
            if (strcmp(tok[0], "scenario") != 0) {
                rc = fail(&p, "expected 'scenario NAME', found '%s'", tok[0]);
                break;
            }
            if (n != 2) {
                rc = fail(&p, "write 'scenario NAME' (one name, no spaces)");
                break;
            }
            memset(&b, 0, sizeof(b));
            b.name = xstrdup(tok[1]);
            b.line = lineno;
            steps_cap = 0;
            in_block = 1;
            continue;
        }
        if (strcmp(tok[0], "end") == 0 && n == 1) {
            if ((rc = expand_block(&p, &b, cat, &work, &cap)) < 0)
                break;
            in_block = 0;
            continue;
        }
        if (strcmp(tok[0], "scenario") == 0) {
            rc = fail(&p, "'scenario' inside scenario '%s' (started at line %d): missing 'end'",
                      b.name, b.line);
            break;
        }
        if (strcmp(tok[0], "doc") == 0) {
            const char *d = strstr(line, "doc") + 3;
            while (isspace((unsigned char)*d))
                d++;
            b.doc = xstrdup(d);
        } else if (strcmp(tok[0], "only") == 0) {
            const char *why = n >= 2 ? strstr(line, tok[1]) + strlen(tok[1]) : NULL;
            while (why && isspace((unsigned char)*why))
                why++;
            int known = n >= 3;
            char list[64];
            snprintf(list, sizeof(list), "%s", n >= 2 ? tok[1] : "");
            char *save = NULL;
            for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save))
                known = known && (!strcmp(w, "kernel") || !strcmp(w, "ref") || !strcmp(w, "model"));
            if (!known) {
                rc = fail(&p, "write 'only BACKEND[,BACKEND] REASON' with kernel, model, ref "
                              "(and why the others cannot run it)");
                break;
            }
            b.only = xstrdup(tok[1]);
            b.only_reason = xstrdup(why);
        } else if (strcmp(tok[0], "procs") == 0) {
            if (b.procs_line) {
                rc = fail(&p, "'procs' given twice");
                break;
            }
            b.procs_line = xstrdup(line);
            b.procs_lineno = lineno;
        } else if (strcmp(tok[0], "for") == 0) {
            if (b.nsteps) {
                rc = fail(&p, "'for' must come before the steps");
                break;
            }
            if ((rc = parse_for(&p, &b, tok, n)) < 0)
                break;
        } else if (strcmp(tok[0], "deadline") == 0) {
            for (int k = 1; k < n && rc == 0; k++) {
                if (strncmp(tok[k], "step=", 5) == 0)
                    rc = parse_duration(&p, tok[k] + 5, &b.step_deadline_ms);
                else if (strncmp(tok[k], "scenario=", 9) == 0)
                    rc = parse_duration(&p, tok[k] + 9, &b.scenario_deadline_ms);
                else
                    rc = fail(&p, "write 'deadline step=2s scenario=20s'");
            }
            if (rc < 0)
                break;
        } else {
            if (b.nsteps == steps_cap) {
                steps_cap = steps_cap ? steps_cap * 2 : 16;
                b.step_text = realloc(b.step_text, (size_t)steps_cap * sizeof(char *));
                b.step_line = realloc(b.step_line, (size_t)steps_cap * sizeof(int));
                if (!b.step_text || !b.step_line) {
                    perror("svipc: realloc");
                    exit(2);
                }
            }
            b.step_text[b.nsteps] = xstrdup(line);
            b.step_line[b.nsteps++] = lineno;
        }
    }
    if (rc == 0 && in_block) {
        p.line = b.line;
        rc = fail(&p, "scenario '%s' has no 'end'", b.name);
    }
    free(copy);
    index_free(&work);
    if (rc < 0) {
        free(work.items);
        return -1;
    }
    if (work.count) {
        struct scenario *items = realloc(cat->items, (size_t)(cat->count + work.count) * sizeof(*items));
        if (!items) {
            perror("svipc: realloc");
            exit(2);
        }
        memcpy(items + cat->count, work.items, (size_t)work.count * sizeof(*items));
        cat->items = items;
        cat->count += work.count;
        index_update(cat);
    }
    free(work.items);
    return 0;
}

static int load_file(struct catalog *cat, const char *path, struct parse_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = 0;
        snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    int read_error = ferror(f);
    fclose(f);
    fclose(mem);
    if (read_error || memchr(text, '\0', size)) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = 0;
        snprintf(err->reason, sizeof(err->reason), read_error ? "read error" : "binary file (NUL byte)");
        free(text);
        return -1;
    }
    int rc = parse_text(cat, path, text, err);
    free(text);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_path(struct catalog *cat, const char *path, int top, struct parse_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = 0;
        snprintf(err->reason, sizeof(err->reason), "%s", strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        size_t len = strlen(path);
        if (!top && (len < 6 || strcmp(path + len - 6, ".svipc") != 0))
            return 0;
        return load_file(cat, path, err);
    }
    DIR *dir = opendir(path);
    if (!dir) {
        snprintf(err->file, sizeof(err->file), "%s", path);
        err->line = 0;
        snprintf(err->reason, sizeof(err->reason), "%s", strerror(errno));
        return -1;
    }
    char **names = NULL;
    int count = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            names = realloc(names, (size_t)cap * sizeof(char *));
            if (!names) {
                perror("svipc: realloc");
                exit(2);
            }
        }
        size_t need = strlen(path) + strlen(e->d_name) + 2;
        names[count] = xcalloc(need, 1);
        snprintf(names[count++], need, "%s/%s", path, e->d_name);
    }
    closedir(dir);
    qsort(names, (size_t)count, sizeof(char *), compare_names);
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++)
        rc = load_path(cat, names[i], 0, err);
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    return rc;
}

int catalog_load(struct catalog *cat, char *const *paths, int npaths, struct parse_error *err)
{
    for (int i = 0; i < npaths; i++)
        if (load_path(cat, paths[i], 1, err) < 0)
            return -1;
    return 0;
}
