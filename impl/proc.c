/* proc.c: the namespace's /proc/sysvipc files, as ipc/msg.c, sem.c and
 * shm.c print them (sysvipc_msg_proc_show and its siblings).
 * Must not: change the namespace. */
#include "model_ns.h"

#include <stdio.h>
#include <string.h>

int model_sysvipc_line(const struct model_ns *ns, const char *table, int id, unsigned char *out, size_t size)
{
    int n = 0;
    if (strcmp(table, "msg") == 0) {
        const struct model_msq *q = model_ids_find(&ns->msg_ids, id);
        if (!q)
            return 0;
        n = snprintf((char *)out, size,
                     "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"
                     "%10d %10d  %4o  %10zu %10zu %5d %5d %5u %5u %5u %5u %10ld %10ld %10ld\n",
                     q->perm.key, q->perm.id, q->perm.mode, q->cbytes, q->qnum, q->lspid, q->lrpid, q->perm.uid,
                     q->perm.gid, q->perm.cuid, q->perm.cgid, q->stime, q->rtime, q->ctime);
    } else if (strcmp(table, "sem") == 0) {
        const struct model_sem_array *sma = model_ids_find(&ns->sem_ids, id);
        if (!sma)
            return 0;
        long otime = 0;
        for (int i = 0; i < sma->nsems; i++)
            if (sma->sems[i].otime > otime)
                otime = sma->sems[i].otime;
        n = snprintf((char *)out, size,
                     "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n"
                     "%10d %10d  %4o %10d %5u %5u %5u %5u %10ld %10ld\n", sma->perm.key, sma->perm.id,
                     sma->perm.mode, sma->nsems, sma->perm.uid, sma->perm.gid, sma->perm.cuid, sma->perm.cgid,
                     otime, sma->ctime);
    } else {
        const struct model_shm *shp = model_ids_find(&ns->shm_ids, id);
        if (!shp)
            return 0;
        n = snprintf((char *)out, size,
                     "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n"
                     "%10d %10d  %4o %21lu %5d %5d  %5lu %5u %5u %5u %5u %10ld %10ld %10ld %21lu %21lu\n",
                     shp->perm.key, shp->perm.id, shp->perm.mode, shp->segsz, shp->cpid, shp->lpid, shp->nattch,
                     shp->perm.uid, shp->perm.gid, shp->perm.cuid, shp->perm.cgid, shp->atime, shp->dtime,
                     shp->ctime, 0UL, 0UL);
    }
    return n > 0 ? 1 : 0;
}

