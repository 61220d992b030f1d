/* coverage.c: svipc coverage -- the coverage map checked against the catalog
 * and a run's results (see coverage.h for what "covered" means).
 * Must not: run scenarios, or count an item as covered on a name alone: the
 * scenario must have run, passed, and assert the item in one of its steps. */
#define _GNU_SOURCE
#include "coverage.h"

#include "names.h"
#include "results.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GLOBS 32

/* The manual pages the map may name, and the calls each documents (or,
 * for a program's page, the program its tool steps run). */
struct page {
    const char *name;
    enum op ops[12];
    int nops;
    const char *tool;
};

static const struct page pages[] = {
    { "msgget(2)", { OP_MSGGET }, 1, NULL },
    { "msgop(2)", { OP_MSGSND, OP_MSGRCV }, 2, NULL },
    { "msgctl(2)", { OP_MSGCTL }, 1, NULL },
    { "semget(2)", { OP_SEMGET }, 1, NULL },
    { "semop(2)", { OP_SEMOP, OP_SEMTIMEDOP }, 2, NULL },
    { "semctl(2)", { OP_SEMCTL }, 1, NULL },
    { "shmget(2)", { OP_SHMGET }, 1, NULL },
    { "shmop(2)", { OP_SHMAT, OP_SHMDT }, 2, NULL },
    { "shmctl(2)", { OP_SHMCTL }, 1, NULL },
    { "ftok(3)", { OP_FTOK }, 1, NULL },
    { "sysvipc(7)", { OP_MSGGET, OP_MSGSND, OP_MSGRCV, OP_MSGCTL, OP_SEMGET, OP_SEMOP, OP_SEMTIMEDOP,
                      OP_SEMCTL, OP_SHMGET, OP_SHMAT, OP_SHMDT, OP_SHMCTL }, 12, NULL },
    { "ipcmk(1)", { OP_TOOL }, 1, "ipcmk" },
    { "ipcrm(1)", { OP_TOOL }, 1, "ipcrm" },
    { "ipcs(1)", { OP_TOOL }, 1, "ipcs" },
    { "lsipc(1)", { OP_TOOL }, 1, "lsipc" },
};
#define NPAGES (int)(sizeof(pages) / sizeof(pages[0]))

enum item_kind { ITEM_ERRNO, ITEM_FLAG, ITEM_COMMAND, ITEM_CALL, ITEM_OPTION };
static const char *const kind_names[] = { "errno", "flag", "command", "call", "option" };
#define NKINDS 5

struct item {
    int line;
    const struct page *page;
    enum item_kind kind;
    char *name;
    int err;                     /* ITEM_ERRNO */
    char *untestable;            /* the reason, or NULL */
    int nglobs;
    char *glob[MAX_GLOBS];
};

/* What one scenario instance did in the run: passes and failures over backends. */
struct ran {
    int passed, failed;
};

static const struct page *page_named(const char *name)
{
    for (int i = 0; i < NPAGES; i++)
        if (strcmp(pages[i].name, name) == 0)
            return &pages[i];
    return NULL;
}

static int page_has_op(const struct page *pg, enum op op)
{
    for (int i = 0; i < pg->nops; i++)
        if (pg->ops[i] == op)
            return 1;
    return 0;
}

static int map_error(const char *path, int line, const char *reason, const char *what)
{
    fprintf(stderr, "%s:%d: %s%s%s\n", path, line, reason, what ? ": " : "", what ? what : "");
    return -1;
}

/* Read one map line into IT; 0 when blank or a comment, 1 for an item, -1 on error. */
static int parse_map_line(char *text, const char *path, int line, struct item *it)
{
    memset(it, 0, sizeof(*it));
    char *hash = strchr(text, '#');
    if (hash)
        *hash = 0;
    char *save = NULL;
    char *page = strtok_r(text, " \t\r\n", &save);
    if (!page)
        return 0;
    char *kind = strtok_r(NULL, " \t\r\n", &save);
    char *name = strtok_r(NULL, " \t\r\n", &save);
    if (!kind || !name)
        return map_error(path, line, "an item is PAGE KIND NAME SCENARIO-GLOBS... or PAGE KIND NAME untestable: REASON", NULL);
    it->line = line;
    if (!(it->page = page_named(page)))
        return map_error(path, line, "unknown manual page (msgget(2) ... shmctl(2), ftok(3), sysvipc(7), "
                                     "ipcmk(1), ipcrm(1), ipcs(1), lsipc(1))", page);
    int k;
    for (k = 0; k < NKINDS && strcmp(kind_names[k], kind); k++)
        ;
    if (k == NKINDS)
        return map_error(path, line, "unknown kind (errno, flag, command, call, option)", kind);
    it->kind = (enum item_kind)k;
    if ((it->kind == ITEM_OPTION) != (it->page->tool != NULL))
        return map_error(path, line, it->page->tool ? "a program's page lists options" :
                                     "options belong to a program's page", kind);
    if (it->kind == ITEM_OPTION && (name[0] != '-' || strstr(name, ",,") || name[strlen(name) - 1] == ','))
        return map_error(path, line, "an option is its forms as the page writes them, joined by ',' (-q,--queues)",
                         name);
    long value;
    if (it->kind == ITEM_ERRNO && !(it->err = name_errno(name)))
        return map_error(path, line, "not an errno name", name);
    if ((it->kind == ITEM_FLAG || it->kind == ITEM_COMMAND) && name_constant(name, &value) < 0)
        return map_error(path, line, "not a constant scenarios can write", name);
    if (it->kind == ITEM_CALL) {
        int found = 0;
        for (int i = 0; i < it->page->nops; i++)
            found |= strcmp(op_name(it->page->ops[i]), name) == 0;
        if (!found)
            return map_error(path, line, "not a call of this page", name);
    }
    it->name = strdup(name);
    char *rest = save ? save + strspn(save, " \t") : NULL;
    if (rest && strncmp(rest, "untestable:", 11) == 0) {
        char *reason = rest + 11;
        reason += strspn(reason, " \t");
        reason[strcspn(reason, "\r\n")] = 0;
        if (!*reason)
            return map_error(path, line, "untestable needs a reason", name);
        it->untestable = strdup(reason);
        return 1;
    }
    for (char *g; (g = strtok_r(NULL, " \t\r\n", &save));) {
        if (it->nglobs == MAX_GLOBS)
            return map_error(path, line, "too many scenario globs", name);
        it->glob[it->nglobs++] = strdup(g);
    }
    if (!it->nglobs)
        return map_error(path, line, "no scenarios named (or 'untestable: REASON')", name);
    return 1;
}

static void free_item(struct item *it)
{
    free(it->name);
    free(it->untestable);
    for (int g = 0; g < it->nglobs; g++)
        free(it->glob[g]);
}

/* Whether WORD occurs in TEXT as a whole word (not part of a longer name). */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; (p = strstr(p, word)); p++) {
        int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after)
            return 1;
    }
    return 0;
}

/* Whether WORD, an argument of a tool step, gives option FORMS ("-q,--queues"):
 * one of them as a whole word, or a long one with its value (--mode=0600). */
static int gives_option(const char *word, const char *forms)
{
    for (const char *f = forms; *f;) {
        size_t n = strcspn(f, ",");
        if ((strlen(word) == n && strncmp(word, f, n) == 0) ||
            (n > 2 && f[1] == '-' && strncmp(word, f, n) == 0 && word[n] == '='))
            return 1;
        f += n + (f[n] == ',');
    }
    return 0;
}

/* Whether S has a step of IT's page that asserts IT.  A 'resumes' step
 * counts as the call it completes. */
static int scenario_asserts(const struct scenario *s, const struct item *it)
{
    int blocked_step[MAX_PROCS];
    for (int p = 0; p < MAX_PROCS; p++)
        blocked_step[p] = -1;
    for (int k = 0; k < s->nsteps; k++) {
        const struct step *st = &s->steps[k];
        enum op op = st->op;
        const char *source = st->source;
        if (op == OP_RESUMES && st->proc >= 0 && blocked_step[st->proc] >= 0) {
            op = s->steps[blocked_step[st->proc]].op;
            /* the flags of a resumed call are written on its blocking step */
            if (it->kind != ITEM_ERRNO)
                source = s->steps[blocked_step[st->proc]].source;
        }
        if (st->expect.kind == EXPECT_BLOCKS && st->proc >= 0)
            blocked_step[st->proc] = k;
        if (!page_has_op(it->page, op) || st->expect.kind == EXPECT_ANY)
            continue;
        switch (it->kind) {
        case ITEM_ERRNO:
            if (st->expect.kind == EXPECT_ERRNO && st->expect.value == it->err)
                return 1;
            break;
        case ITEM_FLAG:
        case ITEM_COMMAND:
            if (has_word(source, it->name))
                return 1;
            break;
        case ITEM_CALL:
            if (strcmp(op_name(op), it->name) == 0)
                return 1;
            break;
        case ITEM_OPTION:
            if (st->nargv && strcmp(st->argv[0], it->page->tool) == 0)
                for (int a = 1; a < st->nargv; a++)
                    if (gives_option(st->argv[a], it->name))
                        return 1;
            break;
        }
    }
    return 0;
}

/* The run's results: instance name -> {"passed": N, "failed": N}.  An
 * incomplete run's results are read, and *INCOMPLETE says why. */
static json_t *load_results(const char *path, char *incomplete, size_t size)
{
    struct results_file rf;
    char why[1024];
    if (results_load(path, &rf, why, sizeof(why)) < 0) {
        fprintf(stderr, "svipc coverage: cannot read the results %s (run the catalog first: svipc run --json FILE)\n",
                why);
        return NULL;
    }
    snprintf(incomplete, size, "%s", rf.complete ? "" : rf.incomplete);
    json_t *ran = results_tally(&rf);
    results_free(&rf);
    return ran;
}

/* Whether IT is covered; prints why not to OUT. */
static int item_covered(const struct item *it, const struct catalog *cat, json_t *ran, const char *map_path,
                        FILE *out)
{
    int ok = 1, asserted = 0;
    for (int g = 0; g < it->nglobs; g++) {
        int named = 0;
        for (int i = 0; i < cat->count; i++) {
            const struct scenario *s = &cat->items[i];
            if (fnmatch(it->glob[g], s->name, 0) != 0)
                continue;
            named++;
            json_t *entry = json_object_get(ran, s->name);
            json_int_t passed = json_integer_value(json_object_get(entry, "passed"));
            json_int_t failed = json_integer_value(json_object_get(entry, "failed"));
            if (failed || !passed) {
                fprintf(out, "%s:%d: %s %s %s: scenario %s %s\n", map_path, it->line, it->page->name,
                        kind_names[it->kind], it->name, s->name, failed ? "failed" : "did not run");
                ok = 0;
            }
            asserted |= scenario_asserts(s, it);
        }
        if (!named) {
            fprintf(out, "%s:%d: %s %s %s: '%s' names no scenario\n", map_path, it->line, it->page->name,
                    kind_names[it->kind], it->name, it->glob[g]);
            ok = 0;
        }
    }
    if (!asserted) {
        fprintf(out, "%s:%d: %s %s %s: no scenario named asserts it in a step of the page's calls\n", map_path,
                it->line, it->page->name, kind_names[it->kind], it->name);
        ok = 0;
    }
    return ok;
}

int coverage_check(const struct catalog *cat, const char *map_path, const char *results_path, int verbose,
                   FILE *out)
{
    FILE *f = fopen(map_path, "re");
    if (!f) {
        fprintf(stderr, "svipc coverage: cannot read the map %s: %s\n", map_path, strerror(errno));
        return 2;
    }
    struct item *items = NULL;
    int nitems = 0, cap = 0, lineno = 0, bad = 0;
    char *line = NULL;
    size_t linecap = 0;
    while (!bad && getline(&line, &linecap, f) >= 0) {
        lineno++;
        struct item it;
        int r = parse_map_line(line, map_path, lineno, &it);
        if (r < 0) {
            bad = 1;
            free_item(&it);
            break;
        }
        if (r == 0)
            continue;
        for (int i = 0; i < nitems; i++)
            if (items[i].page == it.page && items[i].kind == it.kind && strcmp(items[i].name, it.name) == 0) {
                char what[160];
                snprintf(what, sizeof(what), "%s %s %s (first at line %d)", it.page->name,
                         kind_names[it.kind], it.name, items[i].line);
                map_error(map_path, lineno, "item listed twice", what);
                bad = 1;
            }
        if (nitems == cap) {
            cap = cap ? cap * 2 : 64;
            items = realloc(items, (size_t)cap * sizeof(*items));
        }
        items[nitems++] = it;
    }
    free(line);
    fclose(f);
    char incomplete[1100] = "";
    json_t *ran = bad ? NULL : load_results(results_path, incomplete, sizeof(incomplete));
    if (bad || !ran) {
        for (int i = 0; i < nitems; i++)
            free_item(&items[i]);
        free(items);
        return 2;
    }

    int covered = 0, untestable = 0, missing = 0;
    for (int p = 0; p < NPAGES; p++) {
        int pc = 0, pu = 0, pm = 0;
        for (int i = 0; i < nitems; i++) {
            const struct item *it = &items[i];
            if (it->page != &pages[p])
                continue;
            if (it->untestable) {
                pu++;
                if (verbose)
                    fprintf(out, "%s %s %s: untestable: %s\n", it->page->name, kind_names[it->kind], it->name,
                            it->untestable);
            } else if (item_covered(it, cat, ran, map_path, out)) {
                pc++;
            } else {
                pm++;
            }
        }
        if (pc + pu + pm)
            fprintf(out, "%-11s %3d items: %3d exercised, %d untestable (with a reason), %d not covered\n",
                    pages[p].name, pc + pu + pm, pc, pu, pm);
        covered += pc, untestable += pu, missing += pm;
    }
    int total = covered + untestable + missing;
    fprintf(out, "coverage: %d of %d items exercised by passing scenarios (%.1f%%), %d untestable here with a "
                 "reason, %d not covered: %.1f%% accounted for\n",
            covered, total, total ? 100.0 * covered / total : 0.0, untestable, missing,
            total ? 100.0 * (covered + untestable) / total : 0.0);
    for (int i = 0; i < nitems; i++)
        free_item(&items[i]);
    free(items);
    json_decref(ran);
    if (*incomplete)
        fprintf(out, "coverage: the results are of an %s; the items are judged on what ran\n", incomplete);
    return missing || *incomplete ? 1 : 0;
}
