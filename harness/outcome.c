/* outcome.c: decoding replies into fields, normalising them, checking
 * expectations.  See outcome.h.
 * Must not: perform any system call on IPC objects. */
#define _GNU_SOURCE
#include "outcome.h"
#include "abi.h"
#include "linux_ipc.h"

#include "names.h"
#include "tool.h"
#include "wire.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>

const char *outcome_status_name(enum outcome_status status)
{
    static const char *const names[] = {
        [OUT_DONE] = "done", [OUT_BLOCKED] = "blocked", [OUT_FAULT] = "fault",
        [OUT_EXITED] = "exited", [OUT_DIED] = "died", [OUT_TIMEOUT] = "timeout",
        [OUT_HANG] = "hang", [OUT_ERROR] = "error",
    };
    return names[status];
}

struct field *outcome_add(struct outcome *out, const char *name, enum field_type type, long raw)
{
    if (out->nfields == MAX_FIELDS)
        return NULL;
    struct field *f = &out->field[out->nfields++];
    memset(f, 0, sizeof(*f));
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->type = type;
    f->raw = raw;
    return f;
}

static void add_bytes(struct outcome *out, const char *name, const unsigned char *data, size_t len)
{
    struct field *f = outcome_add(out, name, F_BYTES, (long)len);
    if (!f)
        return;
    f->bytes = malloc(len ? len : 1);
    if (f->bytes)
        memcpy(f->bytes, data, len);
    f->len = len;
}

void outcome_add_word(struct outcome *out, const char *name, const char *word)
{
    struct field *f = outcome_add(out, name, F_WORD, 0);
    if (f)
        snprintf(f->norm, sizeof(f->norm), "%s", word);
}

/* A structure's fields, as its ABI lays them out; then its padding and
 * reserved words, which Linux zero-fills: "pad" counts those that are not. */
static void decode_struct(struct outcome *out, const struct abi_struct *st, const unsigned char *data, size_t len)
{
    if (len < st->size)
        return;
    unsigned char covered[256] = { 0 };
    for (int i = 0; i < st->nfields; i++) {
        const struct abi_field *f = &st->field[i];
        outcome_add(out, f->name, f->type, abi_read(data, f));
        memset(covered + f->off, 1, f->size);
    }
    long pad = 0;
    for (size_t i = 0; i < st->size && i < sizeof(covered); i++)
        pad += !covered[i] && data[i];
    if (pad)
        outcome_add(out, "pad", F_INT, pad);
}

/* GETALL's values, as a list. */
static void decode_values(struct outcome *out, const unsigned char *data, size_t len)
{
    char list[NORM_SIZE] = "";
    size_t n = len / sizeof(unsigned short), used = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned short v;
        memcpy(&v, data + i * sizeof(v), sizeof(v));
        int w = snprintf(list + used, sizeof(list) - used, "%s%u", i ? "," : "", v);
        if (w < 0 || (size_t)w >= sizeof(list) - used) {
            snprintf(list + sizeof(list) - 4, 4, "...");
            break;
        }
        used += (size_t)w;
    }
    outcome_add_word(out, "vals", list);
}

/* /proc/sysvipc/TABLE: a header line naming the columns, then the line. */
static void decode_sysvipc(struct outcome *out, const unsigned char *data, size_t len)
{
    char text[2048];
    if (len >= sizeof(text))
        len = sizeof(text) - 1;
    memcpy(text, data, len);
    text[len] = '\0';
    char *nl = strchr(text, '\n');
    if (!nl)
        return;
    *nl = '\0';
    char *names[32], *values[32];
    int nn = 0, nv = 0;
    char *save = NULL;
    for (char *t = strtok_r(text, " \t", &save); t && nn < 32; t = strtok_r(NULL, " \t", &save))
        names[nn++] = t;
    for (char *t = strtok_r(nl + 1, " \t\n", &save); t && nv < 32; t = strtok_r(NULL, " \t\n", &save))
        values[nv++] = t;
    for (int i = 0; i < nn && i < nv; i++) {
        const char *n = names[i];
        size_t l = strlen(n);
        enum field_type type = F_INT;
        long raw = strtol(values[i], NULL, 10);
        if (strcmp(n, "perms") == 0) {
            type = F_MODE;
            raw = strtol(values[i], NULL, 8);
        } else if (strcmp(n, "key") == 0)
            type = F_KEY;
        else if (strcmp(n, "msqid") == 0)
            type = F_ID_MSG;
        else if (strcmp(n, "semid") == 0)
            type = F_ID_SEM;
        else if (strcmp(n, "shmid") == 0)
            type = F_ID_SHM;
        else if (l > 3 && strcmp(n + l - 3, "pid") == 0)
            type = F_PID;
        else if (l > 4 && strcmp(n + l - 4, "time") == 0)
            type = F_TIME;
        else
            raw = (long)strtoul(values[i], NULL, 10);
        outcome_add(out, n, type, raw);
    }
}

void outcome_decode(struct outcome *out, enum op op, const int64_t *args, const struct returned *r)
{
    static const struct returned nothing = { 0 };
    if (!r)
        r = &nothing;
    const unsigned char *data = r->data;
    size_t len = r->len;
    const struct abi *abi = abi_by_id(r->abi) ? abi_by_id(r->abi) : abi_by_id(abi_native());
    const struct op_desc *d = op_desc(op);
    const struct ctl_cmd *cmd = args ? op_ctl_cmd(d, args) : NULL;
    out->ret_type = d->ret_type;
    if (cmd && cmd->ret == CTL_RET_ID)
        out->ret_type = op == OP_MSGCTL ? F_ID_MSG : op == OP_SEMCTL ? F_ID_SEM : F_ID_SHM;
    else if (cmd && cmd->ret == CTL_RET_PID)
        out->ret_type = F_PID;
    switch (op) {
    case OP_SHMAT:
        /* at NULL (or what SHM_RND rounds to it) the system chooses, maybe
         * inside the window: where is its business, and only order counts */
        if (args && (uint64_t)args[1] < 4096)
            out->ret_type = F_ADDR_CHOSEN;
        break;
    case OP_MSGRCV:
        if (len >= abi->long_size) {
            /* the type is the ABI's long, as wide as it says */
            struct abi_field mtype = { "mtype", 0, (uint8_t)abi->long_size, 1, F_INT };
            outcome_add(out, "mtype", F_INT, abi_read(data, &mtype));
            add_bytes(out, "text", data + abi->long_size, len - abi->long_size);
        }
        break;
    case OP_MSGCTL:
    case OP_SEMCTL:
    case OP_SHMCTL:
        if (cmd && cmd->per_sem && cmd->buffer == CTL_BUF_OUT)
            decode_values(out, data, len);
        else if (cmd && cmd->buffer == CTL_BUF_OUT)
            decode_struct(out, &abi->s[abi_ctl_struct(op, cmd->cmd, (r->flags & WIRE_IPC_OLD) != 0)], data, len);
        break;
    case OP_READ:
        add_bytes(out, "data", data, len);
        break;
    case OP_WAIT:
    case OP_REAP: {
        int status;
        if (len < sizeof(status))
            break;
        memcpy(&status, data, sizeof(status));
        if (WIFEXITED(status))
            outcome_add(out, "exit", F_INT, WEXITSTATUS(status));
        else if (WIFSIGNALED(status))
            outcome_add_word(out, "signal", signal_name(WTERMSIG(status)));
        break;
    }
    case OP_SYSCTL: {
        char value[NORM_SIZE];
        size_t n = len < sizeof(value) - 1 ? len : sizeof(value) - 1;
        memcpy(value, data, n);
        value[n] = '\0';
        for (char *c = value; *c; c++)
            if (*c == '\t')
                *c = ' ';
        while (n && isspace((unsigned char)value[n - 1]))
            value[--n] = '\0';
        if (len)
            outcome_add_word(out, "value", value);
        break;
    }
    case OP_SYSVIPC:
        decode_sysvipc(out, data, len);
        break;
    case OP_TOOL:
        if (out->ret != -1)
            tool_decode(out, data, len);
        break;
    default:
        break;
    }
    if (op == OP_FTOK && len >= 2 * sizeof(uint64_t) && out->ret != -1) {
        uint64_t ids[2];
        memcpy(ids, data, sizeof(ids));
        /* ftok(3): low 16 bits of the inode, low 8 of the device, low 8 of proj */
        long expect = (long)(int)((ids[1] & 0xffff) | ((ids[0] & 0xff) << 16) |
                                  (((uint64_t)args[0] & 0xff) << 24));
        outcome_add_word(out, "matches_stat", expect == out->ret ? "yes" : "no");
    }
    /* what the call wrote where it should not: none on Linux */
    if (r->wrote)
        outcome_add(out, "wrote", F_INT, r->wrote);
    if (r->beyond)
        outcome_add(out, "beyond", F_INT, r->beyond);
}

/* ---------- normalisation ---------- */

static void norm_bytes(const unsigned char *b, size_t len, char *buf, size_t size)
{
    int printable = len <= 40;
    for (size_t i = 0; i < len && printable; i++)
        printable = b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\';
    if (printable) {
        snprintf(buf, size, "\"%.*s\"", (int)len, (const char *)b);
        return;
    }
    uint32_t h = 2166136261u;          /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 16777619u;
    snprintf(buf, size, "len=%zu,fnv=%08x", len, h);
}

static int kind_of(enum field_type t)
{
    return t == F_ID_MSG ? 0 : t == F_ID_SEM ? 1 : 2;
}

static void norm_value(enum field_type type, long raw, struct normaliser *n, char *buf, size_t size)
{
    static const char *const id_prefix[] = { "msq", "sem", "shm" };
    switch (type) {
    case F_PID:
        if (raw == 0) {
            snprintf(buf, size, "0");
            return;
        }
        for (int i = 0; i < n->nprocs; i++)
            if (n->pid[i] == raw && n->name && n->name[i]) {
                snprintf(buf, size, "%s", n->name[i]);
                return;
            }
        for (int i = 0; i < n->nspawned; i++)
            if (n->spawned[i].pid == raw) {
                snprintf(buf, size, "%s", n->spawned[i].name);
                return;
            }
        snprintf(buf, size, "pid?");
        return;
    case F_TIME: {
        int after = 0;                 /* the ticks at or before it */
        while (after < n->nticks && n->ticks[after] <= raw)
            after++;
        if (!raw || !after)
            snprintf(buf, size, "%s", raw ? "set" : "0");
        else
            snprintf(buf, size, "set+%d", after);
        return;
    }
    case F_ID_MSG: case F_ID_SEM: case F_ID_SHM: {
        int k = kind_of(type), i;
        for (i = 0; i < n->nids[k]; i++)
            if (n->ids[k][i] == raw)
                break;
        if (i == n->nids[k] && i < 128)
            n->ids[k][n->nids[k]++] = raw;
        snprintf(buf, size, "%s#%d", id_prefix[k], i);
        return;
    }
    case F_ADDR:
    case F_ADDR_CHOSEN: {
        uintptr_t a = (uintptr_t)raw;
        if (raw == -1) {
            snprintf(buf, size, "-1");
            return;
        }
        if (type == F_ADDR && n->base && a >= n->base && a < n->base + n->base_span) {
            snprintf(buf, size, "base+0x%lx", (unsigned long)(a - n->base));
            return;
        }
        int i;
        for (i = 0; i < n->naddrs; i++)
            if (n->addrs[i] == a)
                break;
        if (i == n->naddrs && i < 64)
            n->addrs[n->naddrs++] = a;
        snprintf(buf, size, "addr#%d", i);
        return;
    }
    case F_KEY: {
        /* as written, where the scenario chose it (and IPC_PRIVATE); else
         * the system chose it (ipcmk, ftok): by order of appearance */
        int written = raw == 0;
        for (int i = 0; i < n->nwritten_keys && !written; i++)
            written = (int32_t)n->written_keys[i] == (int32_t)raw;
        if (written) {
            snprintf(buf, size, "0x%08x", (unsigned)raw);
            return;
        }
        int i;
        for (i = 0; i < n->nkeys; i++)
            if ((int32_t)n->keys[i] == (int32_t)raw)
                break;
        if (i == n->nkeys && i < 64)
            n->keys[n->nkeys++] = raw;
        snprintf(buf, size, "key#%d", i);
        return;
    }
    case F_MODE:
        snprintf(buf, size, "0%lo", (unsigned long)raw);
        return;
    default:
        snprintf(buf, size, "%ld", raw);
        return;
    }
}

void normaliser_name_pid(struct normaliser *n, pid_t pid, const char *name)
{
    if (pid <= 0 || n->nspawned == (int)(sizeof(n->spawned) / sizeof(n->spawned[0])))
        return;
    int taken = 0;
    for (int i = 0; i < n->nspawned; i++)
        taken += strncmp(n->spawned[i].name, name, strlen(name)) == 0 &&
                 (n->spawned[i].name[strlen(name)] == '\0' || n->spawned[i].name[strlen(name)] == '#');
    n->spawned[n->nspawned].pid = pid;
    if (taken)
        snprintf(n->spawned[n->nspawned].name, sizeof(n->spawned[0].name), "%s#%d", name, taken + 1);
    else
        snprintf(n->spawned[n->nspawned].name, sizeof(n->spawned[0].name), "%s", name);
    n->nspawned++;
}

void outcome_normalise(struct outcome *out, enum op op, struct normaliser *n)
{
    if (out->status == OUT_DONE) {
        if (out->ret == -1)
            snprintf(out->ret_norm, sizeof(out->ret_norm), "%s", errno_name(out->err));
        else if (op == OP_FTOK)
            snprintf(out->ret_norm, sizeof(out->ret_norm), "key");   /* depends on the inode */
        else {
            if (op == OP_TICK && n->nticks < (int)(sizeof(n->ticks) / sizeof(n->ticks[0])))
                n->ticks[n->nticks++] = out->ret;
            norm_value(out->ret_type, out->ret, n, out->ret_norm, sizeof(out->ret_norm));
        }
    } else if (out->status == OUT_FAULT) {
        snprintf(out->ret_norm, sizeof(out->ret_norm), "%s", signal_name(out->sig));
    } else {
        snprintf(out->ret_norm, sizeof(out->ret_norm), "%s", outcome_status_name(out->status));
    }
    for (int i = 0; i < out->nfields; i++) {
        struct field *f = &out->field[i];
        if (f->type == F_WORD)
            continue;
        if (f->type == F_BYTES)
            norm_bytes(f->bytes, f->len, f->norm, sizeof(f->norm));
        else
            norm_value(f->type, f->raw, n, f->norm, sizeof(f->norm));
    }
}

void outcome_init(struct outcome *out)
{
    memset(out, 0, offsetof(struct outcome, field));
}

void outcome_move(struct outcome *to, struct outcome *from)
{
    memcpy(to, from, offsetof(struct outcome, field) + (size_t)from->nfields * sizeof(struct field));
    outcome_init(from);
}

void outcome_clear(struct outcome *out)
{
    for (int i = 0; i < out->nfields; i++)
        free(out->field[i].bytes);
    outcome_init(out);
}

void outcome_format(const struct outcome *out, char *buf, size_t size)
{
    size_t used = 0;
    int w;
    switch (out->status) {
    case OUT_DONE:
    case OUT_FAULT:
        w = snprintf(buf, size, "%s", out->ret_norm);
        break;
    case OUT_BLOCKED:
        w = snprintf(buf, size, "blocks");
        break;
    default:
        w = snprintf(buf, size, "%s%s%s", outcome_status_name(out->status),
                     *out->detail ? ": " : "", out->detail);
        break;
    }
    used = w > 0 ? (size_t)w : 0;
    for (int i = 0; i < out->nfields && used < size; i++) {
        w = snprintf(buf + used, size - used, " %s=%s", out->field[i].name, out->field[i].norm);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ---------- expectations ---------- */

long expr_eval(const struct expr *e, const long *vars, uintptr_t base)
{
    /* two's complement arithmetic, as the machine does it: no overflow */
    unsigned long v = 0;
    for (int i = 0; i < e->nterms; i++) {
        const struct term *t = &e->term[i];
        unsigned long x = (unsigned long)(t->kind == TERM_LITERAL ? t->value : t->kind == TERM_VAR ? vars[t->var]
                                                                                                 : (long)base);
        switch (t->op) {
        case '|': v |= x; break;
        case '-': v -= x; break;
        default:  v += x; break;
        }
    }
    return (long)v;
}

static int why(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return 0;
}

static const struct field *find_field(const struct outcome *out, const char *name)
{
    for (int i = 0; i < out->nfields; i++)
        if (strcmp(out->field[i].name, name) == 0)
            return &out->field[i];
    return NULL;
}

int expect_holds(const struct step *step, const struct outcome *out,
                 const long *vars, uintptr_t base, char *buf, size_t size)
{
    const struct expect *e = &step->expect;
    int failed = out->status == OUT_DONE && out->ret == -1;
    switch (e->kind) {
    case EXPECT_ANY:
        /* any return value; the fields written after it still count */
        if (out->status >= OUT_DIED && step->op != OP_EXIT)
            return why(buf, size, "the step did not complete");
        if (out->status == OUT_BLOCKED)
            return 1;
        break;
    case EXPECT_BLOCKS:
        if (out->status != OUT_BLOCKED)
            return why(buf, size, "expected the call to block");
        return 1;
    case EXPECT_FAULT:
        if (out->status != OUT_FAULT || out->sig != e->value)
            return why(buf, size, "expected a %s fault", signal_name(e->value));
        return 1;
    case EXPECT_ERRNO:
        if (out->status != OUT_DONE || !failed || out->err != e->value)
            return why(buf, size, "expected failure with %s", errno_name(e->value));
        return 1;
    case EXPECT_RET_WORD:
        if (out->status != OUT_DONE || failed || strcmp(out->ret_norm, e->word) != 0)
            return why(buf, size, "expected %s", e->word);
        break;
    case EXPECT_SUCCESS:
    case EXPECT_RET:
        if (out->status == OUT_EXITED && step->op == OP_EXIT)
            break;
        if (out->status != OUT_DONE || failed)
            return why(buf, size, "expected %s", e->kind == EXPECT_RET ? "a return value" : "success");
        if (e->kind == EXPECT_RET) {
            long want = expr_eval(&e->ret, vars, base);
            if (out->ret != want)
                return why(buf, size, "expected return value %ld, got %ld", want, out->ret);
        }
        break;
    }
    for (int i = 0; i < e->nfields; i++) {
        const struct field_expect *fe = &e->field[i];
        const struct field *f = find_field(out, fe->name);
        if (!f)
            return why(buf, size, "the outcome has no field '%s'", fe->name);
        if (fe->is_bytes && f->type == F_WORD) {
            /* a word with spaces, written as a string: value="250 32000 32 128" */
            if (strlen(f->norm) != fe->bytes.len || memcmp(f->norm, fe->bytes.ptr, fe->bytes.len) != 0)
                return why(buf, size, "%s: expected %s, got %s", fe->name, fe->text, f->norm);
        } else if (fe->is_bytes) {
            if (f->type != F_BYTES || f->len != fe->bytes.len ||
                memcmp(f->bytes, fe->bytes.ptr, f->len) != 0)
                return why(buf, size, "%s differs: expected %s", fe->name, fe->text);
        } else if (fe->is_number) {
            long want = expr_eval(&fe->number, vars, base), have = f->raw;
            char *end = NULL;
            if (f->type == F_WORD) {    /* a number read as text (a sysctl), maybe unsigned */
                errno = 0;
                have = strtol(f->norm, &end, 10);
                if (errno == ERANGE)
                    have = (long)strtoul(f->norm, &end, 10);
            }
            if ((f->type == F_WORD && (end == f->norm || *end)) || have != want)
                return why(buf, size, "%s: expected %ld, got %s", fe->name, want, f->norm);
        } else if (strcmp(f->norm, fe->text) != 0) {
            return why(buf, size, "%s: expected %s, got %s", fe->name, fe->text, f->norm);
        }
    }
    return 1;
}
