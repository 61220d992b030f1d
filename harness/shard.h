/* shard.h: svipc run --shard I/N, one of N parts of the selected instances,
 * for CI matrices.  An instance belongs to part 1 + h(name) mod N, where h
 * is a hash of its stable name (FNV-1a, 64 bits, then MurmurHash3's
 * finalizer): deterministic, independent of the catalog's order and size,
 * so a scenario added to the catalog moves no other instance between
 * shards.  reports/shards.py computes the same function to check, when it
 * merges shard results, that each result came from its shard.
 * Must not: depend on an instance's index or on anything but its name. */
#ifndef SVIPC_SHARD_H
#define SVIPC_SHARD_H

#include <jansson.h>
#include <stdint.h>

#define SHARD_MAX 1000

struct shard {
    int index;                 /* 1..count */
    int count;                 /* 0: no sharding */
};

/* "I/N" with 1 <= I <= N <= SHARD_MAX into OUT: 0, or -1. */
int shard_parse(const char *text, struct shard *out);

/* The 64-bit hash of NAME that decides its shard. */
uint64_t shard_hash(const char *name);

/* Whether the instance called NAME is in S (always, without sharding). */
int shard_selects(const struct shard *s, const char *name);

/* What every shard of a run selects, for the end record of each shard's
 * results: the merge joins only shards of one selection (the same
 * instances, backends and target), each once, all of them. */
struct shard_selection {
    struct shard shard;
    int instances;               /* selected before sharding */
    uint64_t fingerprint;        /* of their names in catalog order, the backends, the target */
    char backends[128];          /* "kernel,ref" */
    char target[256];
};

void shard_selection_start(struct shard_selection *w, struct shard s, const char *target);
void shard_selection_backend(struct shard_selection *w, const char *backend);
void shard_selection_add(struct shard_selection *w, const char *name);

/* {"index":I, "count":N, "instances":M, "selection":"hex", "backends":"...",
 * "target":"..."}: the end record's "shard". */
json_t *shard_record(const struct shard_selection *w);

#endif
