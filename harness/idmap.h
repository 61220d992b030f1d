/* idmap.h: the user and group ids this process's user namespace maps
 * (/proc/self/uid_map, gid_map, setgroups), and whether a scenario's ids
 * are among them.  As root on the host every id is mapped; in the user
 * namespace of a rootless run (userns.h) only 0 and the user's range of
 * /etc/subuid are, or 0 alone: a scenario that changes to, or sets an
 * owner to, an id that is not mapped would fail with EINVAL for a reason
 * that is not its subject, so it is skipped, saying which id and why.
 * Must not: change credentials or namespaces; read anything of a scenario
 * but its literal ids. */
#ifndef SVIPC_IDMAP_H
#define SVIPC_IDMAP_H

#include "scenario.h"

#include <stddef.h>

#define IDMAP_RANGES 16            /* ranges kept of a map; more are treated as mapped */

struct id_range {
    unsigned long inside, outside, count;
};

struct id_map {
    int n;                         /* -1: unknown (no /proc): every id counts as mapped */
    struct id_range range[IDMAP_RANGES];
};

struct id_maps {
    struct id_map uid, gid;
    int setgroups_denied;          /* /proc/self/setgroups says "deny" */
};

/* This process's maps into M (fields unknown when /proc cannot tell). */
void id_maps_read(struct id_maps *m);

/* Whether M is the initial user namespace's (every id, as itself): where
 * root has the capabilities that capable() checks, not only ns_capable(). */
int id_maps_initial(const struct id_maps *m);

/* Whether ID is mapped by MAP. */
int id_mapped(const struct id_map *map, unsigned long id);

/* 0 when every id S uses (setuid, setgid, seteuid, setegid, setgroups, and
 * the uid= and gid= of an IPC_SET) is mapped and setgroups is allowed if S
 * calls it; else -1 and WHY: the first id that is not, and CONTEXT (how
 * the namespace was made, or NULL). */
int id_maps_cover(const struct id_maps *m, const struct scenario *s, const char *context, char *why,
                  size_t size);

#endif
