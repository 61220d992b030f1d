/* tool_output.c: what a util-linux program printed, as an outcome's fields
 * (tool.h).  A small parser, documented in suites/README.md ("Tool steps"):
 *
 *   ipcmk     "Message queue id: N" ... : msqid, semid, shmid
 *   ipcrm -v  "removing message queue id `N'" ...: removed.R (an id)
 *   ipcs, lsipc (text)
 *             "------ Title ------" starts a section and names the kind of
 *             object its ids are (Message, Shared, Semaphore); a header line
 *             (words only) starts a table whose rows end at a blank line:
 *             each cell is COLUMN.R (R counts the rows of the whole output
 *             from 0), the cells found under the header's words (a cell's
 *             words overlap its column's header word, or follow one that
 *             does); "LABEL = VALUE", "LABEL: VALUE" and "WORDS NUMBER"
 *             lines are LABEL (lowercase, words joined by '_'); "k=v" pairs
 *             (ipcs -i) are k
 *   lsipc     --json: each array's objects as rows (COLUMN.R); --export and
 *             --newline: NAME="value" pairs, a row a line (a blank line with
 *             --newline); --raw: space-separated cells with \xHH escapes
 *
 * A value is typed by its name: key (hex), msqid/semid/shmid and id (of the
 * section's kind), *pid and msg_sender/msg_receiver (processes), perms and
 * mode (octal, or rwx as lsipc prints them), the time columns (0 when "Not
 * set", "-" or null, else set); a number is a number and anything else a
 * word.  The creator's command (lsipc's COMMAND) is left out: lsipc reads
 * it from /proc/PID of the host's /proc, which is not the scenario's PID
 * namespace's.  Also: rows (when the output had a table), error (the
 * first line of standard error, without "PROGRAM: "), errors (its lines),
 * unparsed (lines none of the above read), signal (what killed it), and
 * dropped (fields beyond what an outcome holds).
 * Must not: guess: a line it cannot read is counted in unparsed. */
#define _GNU_SOURCE
#include "tool.h"

#include "names.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MAX_COLUMNS 32

/* The parse of one output: the outcome it fills and where it is. */
struct parse {
    struct outcome *out;
    const char *tool;
    enum field_type kind;               /* the section's ids: F_ID_MSG, F_ID_SEM, F_ID_SHM, or F_INT */
    int rows;
    int saw_table;
    int unparsed;
    int dropped;
    /* the table being read */
    int ncols;
    char col_name[MAX_COLUMNS][FIELD_NAME];
    int col_start[MAX_COLUMNS], col_end[MAX_COLUMNS];
};

/* ---------- values ---------- */

static int is_number(const char *v, long *out)
{
    char *end;
    if (!*v || (!isdigit((unsigned char)*v) && !(*v == '-' && isdigit((unsigned char)v[1]))))
        return 0;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (*end || errno == ERANGE)
        return 0;
    *out = n;
    return 1;
}

/* rw-r--r-- as the mode bits it shows; -1 when it is not that. */
static long symbolic_mode(const char *v)
{
    if (strlen(v) != 9)
        return -1;
    long mode = 0;
    for (int i = 0; i < 9; i++) {
        char want = "rwx"[i % 3];
        if (v[i] == want)
            mode |= 1L << (8 - i);
        else if (v[i] != '-')
            return -1;
    }
    return mode;
}

static int is_time_name(const char *n)
{
    static const char *const names[] = { "send", "recv", "change", "changed", "attached", "detached", "attach",
                                         "detach", "last-op", "last-changed", "last_change", "last_op",
                                         "last_operation", "msg_sent", "msg_received" };
    size_t l = strlen(n);
    if (l >= 4 && strcmp(n + l - 4, "time") == 0)
        return 1;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(n, names[i]) == 0)
            return 1;
    return 0;
}

/* NAME without a row suffix (".3"), into BUF. */
static const char *base_name(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s", name);
    char *dot = strrchr(buf, '.');
    if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1))
        *dot = '\0';
    return buf;
}

/* A field NAME with text VALUE (NULL: JSON's null), typed by its name. */
static void put(struct parse *ps, const char *name, const char *value)
{
    struct outcome *o = ps->out;
    if (o->nfields >= MAX_FIELDS - 1) {        /* the last one says how many were dropped */
        ps->dropped++;
        return;
    }
    char n[FIELD_NAME];
    base_name(name, n, sizeof(n));
    if (strcmp(n, "command") == 0)
        return;                                /* the host's /proc: see above */
    const char *v = value ? value : "";
    long num;
    if (strcmp(n, "key") == 0) {
        char *end;
        unsigned long k = strtoul(v, &end, 0);
        if (*v && !*end) {
            outcome_add(o, name, F_KEY, (long)(int32_t)(uint32_t)k);
            return;
        }
    } else if (strcmp(n, "msqid") == 0 || strcmp(n, "semid") == 0 || strcmp(n, "shmid") == 0 ||
               strcmp(n, "id") == 0) {
        enum field_type t = n[1] == 's' ? F_ID_MSG : n[1] == 'e' ? F_ID_SEM : n[1] == 'h' ? F_ID_SHM : ps->kind;
        if (is_number(v, &num)) {
            outcome_add(o, name, t, num);
            return;
        }
    } else if ((strlen(n) >= 3 && strcmp(n + strlen(n) - 3, "pid") == 0) || strcmp(n, "msg_sender") == 0 ||
               strcmp(n, "msg_receiver") == 0) {
        if (is_number(v, &num)) {
            outcome_add(o, name, F_PID, num);
            return;
        }
    } else if (strcmp(n, "perms") == 0 || strcmp(n, "mode") == 0 || strcmp(n, "access_perms") == 0 ||
               strcmp(n, "permissions") == 0) {
        long mode = symbolic_mode(v);
        char *end;
        if (mode < 0 && *v && strspn(v, "01234567") == strlen(v))
            mode = strtol(v, &end, 8);
        if (mode >= 0) {
            outcome_add(o, name, F_MODE, mode);
            return;
        }
    } else if (is_time_name(n)) {
        int unset = !*v || strcmp(v, "-") == 0 || strcasecmp(v, "not set") == 0;
        outcome_add(o, name, F_TIME, !unset);
        return;
    }
    if (is_number(v, &num)) {
        outcome_add(o, name, F_INT, num);
        return;
    }
    char word[NORM_SIZE];
    if (strlen(v) >= sizeof(word))
        snprintf(word, sizeof(word), "%.*s...", (int)sizeof(word) - 4, v);   /* cut, and says so */
    else
        snprintf(word, sizeof(word), "%s", v);
    outcome_add_word(o, name, word);
}

/* A label as a field name: lowercase, words joined by '_', other signs dropped. */
static void label_name(const char *label, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    int gap = 0;
    for (size_t i = 0; i < len && n + 2 < size; i++) {
        unsigned char c = (unsigned char)label[i];
        if (isalnum(c)) {
            if (gap && n)
                buf[n++] = '_';
            buf[n++] = (char)tolower(c);
            gap = 0;
        } else if (c == '%') {
            if (n + 5 < size) {
                memcpy(buf + n, n ? "_pct" : "pct", n ? 4 : 3);
                n += n ? 4 : 3;
            }
        } else {
            gap = 1;
        }
    }
    buf[n] = '\0';
}

/* A column name from a header or a JSON key: lowercase, as written. */
static void column_name(const char *name, size_t len, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++)
        buf[n++] = (char)tolower((unsigned char)name[i]);
    buf[n] = '\0';
}

static void put_cell(struct parse *ps, const char *column, int row, const char *value)
{
    char name[FIELD_NAME + 16];
    snprintf(name, sizeof(name), "%s.%d", column, row);
    put(ps, name, value);
}

/* ---------- lines ---------- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* A section title or a detail's first line names the kind of its ids. */
static void learn_kind(struct parse *ps, const char *line)
{
    if (strcasestr(line, "message"))
        ps->kind = F_ID_MSG;
    else if (strcasestr(line, "shared memory"))
        ps->kind = F_ID_SHM;
    else if (strcasestr(line, "semaphore"))
        ps->kind = F_ID_SEM;
}

/* Whether LINE is a header: two words or more, each a name (a letter
 * first; letters, digits, '-', '_', '%'). */
static int is_header(const char *line)
{
    int words = 0;
    for (const char *c = line; *c;) {
        while (*c == ' ' || *c == '\t')
            c++;
        if (!*c)
            break;
        if (!isalpha((unsigned char)*c))
            return 0;
        for (; *c && *c != ' ' && *c != '\t'; c++)
            if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '%')
                return 0;
        words++;
    }
    return words >= 2;
}

static void start_table(struct parse *ps, const char *line)
{
    ps->ncols = 0;
    ps->saw_table = 1;
    for (const char *c = line; *c && ps->ncols < MAX_COLUMNS;) {
        if (*c == ' ' || *c == '\t') {
            c++;
            continue;
        }
        const char *start = c;
        while (*c && *c != ' ' && *c != '\t')
            c++;
        column_name(start, (size_t)(c - start), ps->col_name[ps->ncols], FIELD_NAME);
        ps->col_start[ps->ncols] = (int)(start - line);
        ps->col_end[ps->ncols] = (int)(c - line) - 1;
        ps->ncols++;
    }
}

/* A table row: one word a column when the counts agree, else each word
 * to the column whose header it overlaps, or to the column of the word
 * before it. */
static void table_row(struct parse *ps, const char *line)
{
    char cell[MAX_COLUMNS][256];
    int nwords = 0, starts[64], ends[64];
    for (int c = 0; c < ps->ncols; c++)
        cell[c][0] = '\0';
    for (const char *c = line; *c && nwords < 64;) {
        if (*c == ' ' || *c == '\t') {
            c++;
            continue;
        }
        starts[nwords] = (int)(c - line);
        while (*c && *c != ' ' && *c != '\t')
            c++;
        ends[nwords++] = (int)(c - line) - 1;
    }
    int col = -1;
    for (int w = 0; w < nwords; w++) {
        int overlap = -1;
        if (nwords == ps->ncols) {
            overlap = w;
        } else {
            for (int c = 0; c < ps->ncols && overlap < 0; c++)
                if (starts[w] <= ps->col_end[c] && ends[w] >= ps->col_start[c])
                    overlap = c;
        }
        if (overlap >= 0)
            col = overlap;
        if (col < 0)
            col = 0;
        size_t used = strlen(cell[col]);
        snprintf(cell[col] + used, sizeof(cell[col]) - used, "%s%.*s", used ? " " : "", ends[w] - starts[w] + 1,
                 line + starts[w]);
    }
    for (int c = 0; c < ps->ncols; c++)
        put_cell(ps, ps->col_name[c], ps->rows, cell[c]);
    ps->rows++;
}

/* "k=v" pairs separated by tabs or commas (ipcs -i): k is the last word
 * before '=', v runs to the separator. */
static void pairs_line(struct parse *ps, char *line)
{
    learn_kind(ps, line);
    char *save = NULL;
    for (char *part = strtok_r(line, "\t,", &save); part; part = strtok_r(NULL, "\t,", &save)) {
        char *eq = strchr(part, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *key = trim(part);
        char *space = strrchr(key, ' ');
        if (space)
            key = space + 1;
        char name[FIELD_NAME];
        label_name(key, strlen(key), name, sizeof(name));
        put(ps, name, trim(eq + 1));
    }
}

/* "LABEL: N WORD N WORD" (ipcs -u's "Swap performance: 0 attempts 0
 * successes") as LABEL_WORD fields; 0 when V is not that. */
static int counts_line(struct parse *ps, const char *label, const char *v)
{
    char copy[256], *words[16];
    int n = 0;
    snprintf(copy, sizeof(copy), "%s", v);
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w && n < 16; w = strtok_r(NULL, " \t", &save))
        words[n++] = w;
    long num;
    if (n < 2 || n % 2)
        return 0;
    for (int i = 0; i < n; i += 2)
        if (!is_number(words[i], &num) || !isalpha((unsigned char)words[i + 1][0]))
            return 0;
    for (int i = 0; i < n; i += 2) {
        char name[FIELD_NAME];
        snprintf(name, sizeof(name), "%.*s_%.*s", FIELD_NAME / 2, label, FIELD_NAME / 2 - 2, words[i + 1]);
        put(ps, name, words[i]);
    }
    return 1;
}

/* One line of text output (ipcs, lsipc's tables and lists). */
static void text_line(struct parse *ps, char *raw)
{
    char *line = raw;
    if (!*trim(line)) {
        ps->ncols = 0;                          /* a table ends */
        return;
    }
    if (strncmp(trim(line), "------", 6) == 0) {
        learn_kind(ps, line);
        ps->ncols = 0;
        return;
    }
    if (ps->ncols) {
        table_row(ps, raw);
        return;
    }
    char *t = trim(line);
    char *eq = strstr(t, " = ");
    char *colon = strchr(t, ':');
    char name[FIELD_NAME];
    if (eq) {                                   /* "max queues system wide = 32000", "used space = 0 bytes" */
        label_name(t, (size_t)(eq - t), name, sizeof(name));
        char *v = trim(eq + 3);
        char *unit = strchr(v, ' ');
        long n;
        if (unit && strspn(trim(unit), "abcdefghijklmnopqrstuvwxyz") == strlen(trim(unit))) {
            *unit = '\0';
            if (!is_number(v, &n))
                *unit = ' ';
        }
        put(ps, name, v);
        return;
    }
    if (strchr(t, '=')) {                       /* ipcs -i: "uid=0\tgid=0 ..." */
        pairs_line(ps, t);
        return;
    }
    if (colon && colon > t && strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ") ==
                                  (size_t)(colon - t)) {
        label_name(t, (size_t)(colon - t), name, sizeof(name));   /* lsipc -i: "Key:   0x..." */
        char *v = trim(colon + 1);
        if (counts_line(ps, name, v))
            return;
        if (*v || strcmp(ps->tool, "lsipc") == 0)
            put(ps, name, v);
        return;
    }
    if (is_header(t)) {
        start_table(ps, raw);
        return;
    }
    char *last = strrchr(t, ' ');               /* "segments allocated 1" */
    long n;
    if (last && is_number(last + 1, &n) &&
        strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ") >= (size_t)(last - t)) {
        label_name(t, (size_t)(last - t), name, sizeof(name));
        put(ps, name, last + 1);
        return;
    }
    ps->unparsed++;
}

/* ---------- the tools ---------- */

static void ipcmk_line(struct parse *ps, char *line)
{
    static const struct { const char *text, *field; } made[] = {
        { "Message queue id: ", "msqid" }, { "Shared memory id: ", "shmid" }, { "Semaphore id: ", "semid" },
    };
    for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++)
        if (strncmp(line, made[i].text, strlen(made[i].text)) == 0) {
            put(ps, made[i].field, trim(line + strlen(made[i].text)));
            return;
        }
    if (*trim(line))
        ps->unparsed++;
}

static void ipcrm_line(struct parse *ps, char *line)
{
    static const struct { const char *text; enum field_type kind; } gone[] = {
        { "removing message queue id `", F_ID_MSG }, { "removing shared memory segment id `", F_ID_SHM },
        { "removing semaphore id `", F_ID_SEM },
    };
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++)
        if (strncmp(line, gone[i].text, strlen(gone[i].text)) == 0) {
            long id;
            char *num = line + strlen(gone[i].text), *quote = strchr(num, '\'');
            if (quote)
                *quote = '\0';
            char name[32];
            snprintf(name, sizeof(name), "removed.%d", ps->rows++);
            if (is_number(num, &id))
                outcome_add(ps->out, name, gone[i].kind, id);
            return;
        }
    if (strcmp(trim(line), "resource(s) deleted") == 0) {
        put(ps, "deleted", "1");
        return;
    }
    if (*trim(line))
        ps->unparsed++;
}

/* lsipc's output format, from its arguments. */
enum lsipc_format { LSIPC_TEXT, LSIPC_JSON, LSIPC_EXPORT, LSIPC_NEWLINE, LSIPC_RAW };

static enum lsipc_format lsipc_format(char *const *argv, int argc)
{
    enum lsipc_format f = LSIPC_TEXT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0)
            f = LSIPC_JSON;
        else if (strcmp(a, "--export") == 0 && f != LSIPC_JSON)
            f = LSIPC_EXPORT;
        else if (strcmp(a, "--newline") == 0 && f != LSIPC_JSON)
            f = LSIPC_NEWLINE;
        else if (strcmp(a, "--raw") == 0)
            f = f == LSIPC_TEXT ? LSIPC_RAW : f;
        else if (a[0] == '-' && a[1] != '-') {
            for (const char *c = a + 1; *c; c++) {
                if (*c == 'J')
                    f = LSIPC_JSON;
                else if (*c == 'e' && f != LSIPC_JSON)
                    f = LSIPC_EXPORT;
                else if (*c == 'n' && f != LSIPC_JSON)
                    f = LSIPC_NEWLINE;
                else if (*c == 'r' && f == LSIPC_TEXT)
                    f = LSIPC_RAW;
                else if (*c == 'i' || *c == 'o')
                    break;                      /* the rest is its argument */
            }
        }
        if ((strcmp(a, "-i") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--id") == 0 ||
             strcmp(a, "--output") == 0) && i + 1 < argc)
            i++;
    }
    return f;
}

static void lsipc_kind(struct parse *ps, char *const *argv, int argc)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--queues") == 0 || (a[0] == '-' && a[1] != '-' && strchr(a, 'q')))
            ps->kind = F_ID_MSG;
        else if (strcmp(a, "--shmems") == 0 || (a[0] == '-' && a[1] != '-' && strchr(a, 'm')))
            ps->kind = F_ID_SHM;
        else if (strcmp(a, "--semaphores") == 0 || (a[0] == '-' && a[1] != '-' && strchr(a, 's')))
            ps->kind = F_ID_SEM;
    }
}

static void json_rows(struct parse *ps, const char *text, size_t len)
{
    json_error_t err;
    json_t *doc = json_loadb(text, len, 0, &err);
    if (!json_is_object(doc)) {
        ps->unparsed++;
        json_decref(doc);
        return;
    }
    const char *table;
    json_t *rows;
    json_object_foreach(doc, table, rows) {
        if (!json_is_array(rows)) {
            ps->unparsed++;
            continue;
        }
        ps->saw_table = 1;
        if (strcmp(table, "messages") == 0)
            ps->kind = F_ID_MSG;
        else if (strcmp(table, "sharedmemory") == 0)
            ps->kind = F_ID_SHM;
        else if (strcmp(table, "semaphores") == 0)
            ps->kind = F_ID_SEM;
        size_t i;
        json_t *row;
        json_array_foreach(rows, i, row) {
            const char *column;
            json_t *v;
            json_object_foreach(row, column, v) {
                char name[FIELD_NAME], num[32];
                column_name(column, strlen(column), name, sizeof(name));
                if (json_is_string(v))
                    put_cell(ps, name, ps->rows, json_string_value(v));
                else if (json_is_integer(v))
                    snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v)), put_cell(ps, name, ps->rows, num);
                else if (json_is_null(v))
                    put_cell(ps, name, ps->rows, NULL);
                else
                    ps->unparsed++;            /* a nested array (lsipc -s -i's elements) */
            }
            ps->rows++;
        }
    }
    json_decref(doc);
}

/* NAME="value" pairs: a row a line (--export), or a pair a line, a name
 * seen again starting the next row (--newline). */
static void pairs_rows(struct parse *ps, char *text, int a_row_a_line)
{
    char seen[MAX_COLUMNS][FIELD_NAME];
    int nseen = 0;
    char *save = NULL;
    ps->saw_table = 1;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int pairs = 0;
        for (char *c = line; *c;) {
            while (*c == ' ')
                c++;
            char *eq = strchr(c, '=');
            if (!*c || !eq || eq[1] != '"')
                break;
            char name[FIELD_NAME], value[256];
            column_name(c, (size_t)(eq - c), name, sizeof(name));
            size_t n = 0;
            for (c = eq + 2; *c && *c != '"'; c++) {
                if (*c == '\\' && c[1])
                    c++;
                if (n + 1 < sizeof(value))
                    value[n++] = *c;
            }
            value[n] = '\0';
            if (*c == '"')
                c++;
            for (int k = 0; !a_row_a_line && k < nseen; k++)
                if (strcmp(seen[k], name) == 0) {
                    ps->rows++;
                    nseen = 0;
                    break;
                }
            if (nseen < MAX_COLUMNS)
                snprintf(seen[nseen++], FIELD_NAME, "%s", name);
            put_cell(ps, name, ps->rows, value);
            pairs++;
        }
        if (!pairs)
            ps->unparsed++;
        else if (a_row_a_line)
            ps->rows++, nseen = 0;
    }
    if (nseen)
        ps->rows++;
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        unsigned hex;
        if (r[0] == '\\' && r[1] == 'x' && sscanf(r + 2, "%2x", &hex) == 1) {
            *w++ = (char)hex;
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* --raw: cells separated by one space, escaped; without a header line
 * (--noheadings) the cells have no names: each row is counted unparsed. */
static void raw_rows(struct parse *ps, char *text, int headings)
{
    char *save = NULL;
    int header = headings;
    if (!headings)
        ps->ncols = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *cells[MAX_COLUMNS];
        int n = 0;
        for (char *c = line; n < MAX_COLUMNS;) {
            cells[n++] = c;
            char *sp = strchr(c, ' ');
            if (!sp)
                break;
            *sp = '\0';
            c = sp + 1;
        }
        if (header) {
            ps->ncols = n;
            ps->saw_table = 1;
            for (int i = 0; i < n; i++)
                column_name(cells[i], strlen(cells[i]), ps->col_name[i], FIELD_NAME);
            header = 0;
            continue;
        }
        for (int i = 0; i < n && i < ps->ncols; i++) {
            unescape(cells[i]);
            put_cell(ps, ps->col_name[i], ps->rows, cells[i]);
        }
        if (n != ps->ncols) {
            ps->unparsed++;
            continue;
        }
        ps->rows++;
    }
}

static int has_word(char *const *argv, int argc, const char *word)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], word) == 0)
            return 1;
    return 0;
}

void tool_decode(struct outcome *out, const unsigned char *data, size_t len)
{
    struct tool_reply head;
    if (len < sizeof(head))
        return;
    memcpy(&head, data, sizeof(head));
    if ((size_t)head.argv_len + head.out_len + head.err_len > len - sizeof(head))
        return;
    char *argv[TOOL_MAX_ARGS + 1];
    int argc = 0;
    char *words = malloc((size_t)head.argv_len + 1);      /* NUL-separated: not a string */
    if (words) {
        memcpy(words, data + sizeof(head), head.argv_len);
        words[head.argv_len] = '\0';
    }
    char *text = strndup((const char *)data + sizeof(head) + head.argv_len, head.out_len);
    char *errors = strndup((const char *)data + sizeof(head) + head.argv_len + head.out_len, head.err_len);
    if (!words || !text || !errors)
        goto done;
    for (size_t at = 0; at < head.argv_len && argc < TOOL_MAX_ARGS; at += strlen(words + at) + 1)
        argv[argc++] = words + at;
    argv[argc] = NULL;
    if (!argc)
        goto done;
    out->tool_pid = head.pid;
    snprintf(out->tool_name, sizeof(out->tool_name), "%s", argv[0]);
    if (head.flags & TOOL_TIMED_OUT) {
        out->status = OUT_TIMEOUT;
        snprintf(out->detail, sizeof(out->detail), "%s did not end before the step's deadline: killed", argv[0]);
        goto done;
    }

    struct parse ps = { .out = out, .tool = argv[0], .kind = F_INT };
    if (strcmp(argv[0], "lsipc") == 0)
        lsipc_kind(&ps, argv, argc);
    enum lsipc_format format = strcmp(argv[0], "lsipc") == 0 ? lsipc_format(argv, argc) : LSIPC_TEXT;
    if (format == LSIPC_JSON) {
        json_rows(&ps, text, strlen(text));
    } else if (format == LSIPC_EXPORT || format == LSIPC_NEWLINE) {
        pairs_rows(&ps, text, format == LSIPC_EXPORT);
    } else if (format == LSIPC_RAW) {
        raw_rows(&ps, text, !has_word(argv, argc, "--noheadings"));
    } else {
        for (char *line = text, *next; line; line = next) {
            next = strchr(line, '\n');
            if (next)
                *next++ = '\0';
            if (!next && !*line)
                break;
            if (strcmp(argv[0], "ipcmk") == 0)
                ipcmk_line(&ps, line);
            else if (strcmp(argv[0], "ipcrm") == 0)
                ipcrm_line(&ps, line);
            else
                text_line(&ps, line);
        }
    }
    if (ps.saw_table)
        outcome_add(out, "rows", F_INT, ps.rows);
    if (ps.unparsed)
        outcome_add(out, "unparsed", F_INT, ps.unparsed);
    if (head.flags & TOOL_OUT_CUT)
        outcome_add_word(out, "output", "cut");

    /* standard error: its first line, without the program's name */
    int lines = 0;
    for (const char *c = errors; *c; c++)
        lines += *c == '\n';
    if (*errors && errors[strlen(errors) - 1] != '\n')
        lines++;                                /* a last line without its newline */
    if (lines) {
        char first[NORM_SIZE];
        size_t prefix = strlen(argv[0]);
        const char *e = errors;
        if (strncmp(e, argv[0], prefix) == 0 && strncmp(e + prefix, ": ", 2) == 0)
            e += prefix + 2;
        size_t n = strcspn(e, "\n");
        snprintf(first, sizeof(first), "%.*s", (int)(n < sizeof(first) - 1 ? n : sizeof(first) - 1), e);
        outcome_add_word(out, "error", first);
        outcome_add(out, "errors", F_INT, lines);
    }
    if (WIFSIGNALED(head.status))
        outcome_add_word(out, "signal", signal_name(WTERMSIG(head.status)));
    if (ps.dropped)
        outcome_add(out, "dropped", F_INT, ps.dropped);
done:
    free(words);
    free(text);
    free(errors);
}

int tool_package_version(char *buf, size_t size)
{
    /* dpkg's status file: the stanza of util-linux, its Version: line */
    FILE *f = fopen("/var/lib/dpkg/status", "re");
    char line[512];
    int in_stanza = 0, found = 0;
    while (f && !found && fgets(line, sizeof(line), f)) {
        if (strcmp(line, "\n") == 0)
            in_stanza = 0;
        else if (strcmp(line, "Package: util-linux\n") == 0)
            in_stanza = 1;
        else if (in_stanza && strncmp(line, "Version: ", 9) == 0) {
            snprintf(buf, size, "%.*s", (int)strcspn(line + 9, "\n"), line + 9);
            found = 1;
        }
    }
    if (f)
        fclose(f);
    if (found)
        return 0;
    /* elsewhere: what ipcs says ("ipcs from util-linux 2.38.1") */
    f = popen("ipcs -V 2>/dev/null", "re");
    if (f && fgets(line, sizeof(line), f)) {
        char *v = strstr(line, "util-linux ");
        if (v) {
            snprintf(buf, size, "%.*s", (int)strcspn(v + 11, "\n"), v + 11);
            found = 1;
        }
    }
    if (f)
        pclose(f);
    return found ? 0 : -1;
}
