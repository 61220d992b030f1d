/* proc.c: the namespace's /proc/sysvipc files, as ipc/msg.c, sem.c and
 * shm.c print them (sysvipc_msg_proc_show and its siblings): a header
 * naming the columns, then a line per object in the order of their
 * indexes (sysvipc_find_ipc walks the idr upwards).  A segment's rss and
 * swap columns are 0: the model keeps no pages.
 * Must not: change the namespace. */
#include "model_ns.h"

#include <stdio.h>
#include <string.h>

static const char msg_header[] =
    "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime"
    "      ctime\n";
static const char sem_header[] =
    "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n";
static const char shm_header[] =
    "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime"
    "      ctime                   rss                  swap\n";

/* The line of the object at OBJ in TABLE (its kind), into OUT: snprintf's count. */
static int object_line(const char *table, const void *obj, char *out, size_t size)
{
    if (strcmp(table, "msg") == 0) {
        const struct model_msq *q = obj;
        return snprintf(out, size, "%10d %10d  %4o  %10zu %10zu %5d %5d %5u %5u %5u %5u %10ld %10ld %10ld\n",
                        q->perm.key, q->perm.id, q->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid, q->perm.uid,
                        q->perm.gid, q->perm.cuid, q->perm.cgid, q->stime, q->rtime, q->ctime);
    }
    if (strcmp(table, "sem") == 0) {
        const struct model_sem_array *sma = obj;
        long otime = 0;
        for (int i = 0; i < sma->nsems; i++)
            if (sma->sems[i].otime > otime)
                otime = sma->sems[i].otime;
        return snprintf(out, size, "%10d %10d  %4o %10d %5u %5u %5u %5u %10ld %10ld\n", sma->perm.key, sma->perm.id,
                        sma->perm.mode, sma->nsems, sma->perm.uid, sma->perm.gid, sma->perm.cuid, sma->perm.cgid,
                        otime, sma->ctime);
    }
    const struct model_shm *shp = obj;
    return snprintf(out, size, "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
                    shp->perm.key, shp->perm.id, shp->perm.mode, shp->segsz, shp->cpid, shp->lpid, shp->nattch,
                    shp->perm.uid, shp->perm.gid, shp->perm.cuid, shp->perm.cgid, shp->atime, shp->dtime,
                    shp->ctime, 0UL, 0UL);
}

/* TABLE's ids and header; NULL for an unknown table. */
static const struct model_ids *table_of(const struct model_ns *ns, const char *table, const char **header)
{
    if (strcmp(table, "msg") == 0) {
        *header = msg_header;
        return &ns->msg_ids;
    }
    if (strcmp(table, "sem") == 0) {
        *header = sem_header;
        return &ns->sem_ids;
    }
    if (strcmp(table, "shm") == 0) {
        *header = shm_header;
        return &ns->shm_ids;
    }
    return NULL;
}

int model_sysvipc_line(const struct model_ns *ns, const char *table, int id, unsigned char *out, size_t size)
{
    const char *header;
    const struct model_ids *ids = table_of(ns, table, &header);
    const void *obj = ids ? model_ids_find(ids, id) : NULL;
    if (!obj)
        return 0;
    int n = snprintf((char *)out, size, "%s", header);
    if (n < 0 || (size_t)n >= size)
        return 0;
    return object_line(table, obj, (char *)out + n, size - (size_t)n) > 0 ? 1 : 0;
}

size_t model_sysvipc_text(const struct model_ns *ns, const char *table, char *out, size_t size)
{
    const char *header;
    const struct model_ids *ids = table_of(ns, table, &header);
    if (!ids)
        return 0;
    size_t used = 0;
    char line[512];
    int n = snprintf(line, sizeof(line), "%s", header);
    for (int idx = -1; idx <= ids->max_idx; idx++) {
        if (idx >= 0) {
            const struct model_perm *perm = ids->slot[idx];
            if (!perm)
                continue;
            n = object_line(table, perm, line, sizeof(line));
        }
        if (n > 0 && used + (size_t)n < size)
            memcpy(out + used, line, (size_t)n);
        used += n > 0 ? (size_t)n : 0;
    }
    if (size)
        out[used < size ? used : size - 1] = '\0';
    return used;
}
