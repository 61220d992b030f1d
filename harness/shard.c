/* shard.c: instances into shards by name; see shard.h.
 * Must not: change the function: shard files of one run, and the merge's
 * check, rely on every svipc computing the same one. */
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shard_parse(const char *text, struct shard *out)
{
    char *end;
    errno = 0;
    long i = strtol(text, &end, 10);
    if (errno || end == text || *end != '/')
        return -1;
    const char *rest = end + 1;
    long n = strtol(rest, &end, 10);
    if (errno || end == rest || *end || n < 1 || n > SHARD_MAX || i < 1 || i > n)
        return -1;
    out->index = (int)i;
    out->count = (int)n;
    return 0;
}

uint64_t shard_hash(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL;            /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        h ^= *c;
        h *= 0x100000001b3ULL;
    }
    h ^= h >> 33;                                  /* MurmurHash3's fmix64: every bit counts */
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

int shard_selects(const struct shard *s, const char *name)
{
    return s->count == 0 || (int)(shard_hash(name) % (uint64_t)s->count) == s->index - 1;
}

/* One more word into the fingerprint (order matters). */
static void mix(struct shard_selection *w, const char *word)
{
    w->fingerprint = (w->fingerprint ^ shard_hash(word)) * 0x100000001b3ULL;
}

void shard_selection_start(struct shard_selection *w, struct shard s, const char *target)
{
    memset(w, 0, sizeof(*w));
    w->shard = s;
    w->fingerprint = 0xcbf29ce484222325ULL;
    snprintf(w->target, sizeof(w->target), "%s", target);
    mix(w, target);
}

void shard_selection_backend(struct shard_selection *w, const char *backend)
{
    size_t used = strlen(w->backends);
    snprintf(w->backends + used, sizeof(w->backends) - used, "%s%s", used ? "," : "", backend);
    mix(w, backend);
}

void shard_selection_add(struct shard_selection *w, const char *name)
{
    w->instances++;
    mix(w, name);
}

json_t *shard_record(const struct shard_selection *w)
{
    char selection[32];
    snprintf(selection, sizeof(selection), "%016llx", (unsigned long long)w->fingerprint);
    return json_pack("{s:i, s:i, s:i, s:s, s:s, s:s}", "index", w->shard.index, "count", w->shard.count,
                     "instances", w->instances, "selection", selection, "backends", w->backends, "target",
                     w->target);
}
