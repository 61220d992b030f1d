/* idmap.c: the ids of this process's user namespace; see idmap.h.
 * Must not: change credentials or namespaces. */
#define _GNU_SOURCE
#include "idmap.h"

#include <stdio.h>
#include <string.h>

static void read_map(const char *path, struct id_map *map)
{
    FILE *f = fopen(path, "re");
    map->n = -1;
    if (!f)
        return;
    map->n = 0;
    unsigned long inside, outside, count;
    while (fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3) {
        if (map->n == IDMAP_RANGES) {      /* more than kept: do not refuse anything */
            map->n = -1;
            break;
        }
        map->range[map->n++] = (struct id_range){ inside, outside, count };
    }
    fclose(f);
}

void id_maps_read(struct id_maps *m)
{
    memset(m, 0, sizeof(*m));
    read_map("/proc/self/uid_map", &m->uid);
    read_map("/proc/self/gid_map", &m->gid);
    char word[16] = "";
    FILE *f = fopen("/proc/self/setgroups", "re");
    if (f) {
        if (fscanf(f, "%15s", word) == 1)
            m->setgroups_denied = strcmp(word, "deny") == 0;
        fclose(f);
    }
}

int id_mapped(const struct id_map *map, unsigned long id)
{
    if (map->n < 0)
        return 1;
    for (int i = 0; i < map->n; i++)
        if (id >= map->range[i].inside && id - map->range[i].inside < map->range[i].count)
            return 1;
    return 0;
}

static int identity(const struct id_map *map)
{
    return map->n < 0 || (map->n == 1 && map->range[0].inside == 0 && map->range[0].outside == 0 &&
                          map->range[0].count == 4294967295UL);
}

int id_maps_initial(const struct id_maps *m)
{
    return identity(&m->uid) && identity(&m->gid);
}

/* The ids MAP maps, as "0-65536" or "0". */
static void describe(const struct id_map *map, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < map->n && used < size; i++) {
        const struct id_range *r = &map->range[i];
        int w = r->count == 1 ? snprintf(out + used, size - used, "%s%lu", i ? "," : "", r->inside)
                              : snprintf(out + used, size - used, "%s%lu-%lu", i ? "," : "", r->inside,
                                         r->inside + r->count - 1);
        used += w > 0 ? (size_t)w : 0;
    }
}

static unsigned long map_size(const struct id_map *map)
{
    unsigned long n = 0;
    for (int i = 0; map->n > 0 && i < map->n; i++)
        n += map->range[i].count;
    return n;
}

/* A literal id of E, or -1 when E is not one number (or is -1: "no
 * change", or an id no system has, which the scenario means as such). */
static long literal_id(const struct expr *e)
{
    if (e->nterms != 1 || e->term[0].kind != TERM_LITERAL)
        return -1;
    unsigned long id = (unsigned long)e->term[0].value & 0xffffffffUL;
    return id == 0xffffffffUL ? -1 : (long)id;
}

/* The first id of STEP that MAPS does not map: its kind ("uid", "gid")
 * in *KIND; -1 when none. */
static long unmapped_id(const struct id_maps *maps, const struct step *step, const char **kind)
{
    long id;
    switch (step->op) {
    case OP_SETUID:
    case OP_SETEUID:
        *kind = "uid";
        id = step->nargs > 0 ? literal_id(&step->arg[0]) : -1;
        return id >= 0 && !id_mapped(&maps->uid, (unsigned long)id) ? id : -1;
    case OP_SETGID:
    case OP_SETEGID:
        *kind = "gid";
        id = step->nargs > 0 ? literal_id(&step->arg[0]) : -1;
        return id >= 0 && !id_mapped(&maps->gid, (unsigned long)id) ? id : -1;
    case OP_SETGROUPS:
        *kind = "gid";
        for (int i = 0; i < step->nlist; i++) {
            unsigned long g = (unsigned long)step->list[i] & 0xffffffffUL;
            if (g != 0xffffffffUL && !id_mapped(&maps->gid, g))
                return (long)g;
        }
        return -1;
    case OP_MSGCTL:
    case OP_SEMCTL:
    case OP_SHMCTL: {
        const struct keyword *k = step_keyword(step, "uid");
        *kind = "uid";
        if (k && (id = literal_id(&k->value)) >= 0 && !id_mapped(&maps->uid, (unsigned long)id))
            return id;
        k = step_keyword(step, "gid");
        *kind = "gid";
        if (k && (id = literal_id(&k->value)) >= 0 && !id_mapped(&maps->gid, (unsigned long)id))
            return id;
        return -1;
    }
    default:
        return -1;
    }
}

int id_maps_cover(const struct id_maps *m, const struct scenario *s, const char *context, char *why,
                  size_t size)
{
    const char *ctx = context && *context ? context : "not svipc's own";
    for (int i = 0; i < s->nsteps; i++) {
        const struct step *step = &s->steps[i];
        const char *kind = "";
        long id = unmapped_id(m, step, &kind);
        int single = map_size(&m->uid) == 1 && map_size(&m->gid) == 1;
        if (id >= 0 && single) {
            /* one class for all of them: the reason is the namespace's */
            snprintf(why, size, "needs ids other than 0 (distinct users and groups), and the run's user "
                                "namespace maps one id (%s)", ctx);
            return -1;
        }
        if (id >= 0) {
            char uids[128], gids[128];
            describe(&m->uid, uids, sizeof(uids));
            describe(&m->gid, gids, sizeof(gids));
            snprintf(why, size, "needs %s %ld, which the run's user namespace does not map (uids %s, gids %s: %s)",
                     kind, id, uids, gids, ctx);
            return -1;
        }
        if (step->op == OP_SETGROUPS && m->setgroups_denied) {
            snprintf(why, size, "calls setgroups, which the run's user namespace denies (%s)", ctx);
            return -1;
        }
    }
    return 0;
}
