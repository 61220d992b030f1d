/* shm.c: shared memory segments as ipc/shm.c keeps them: sizes and limits,
 * attachments and nattch, removal (SHM_DEST, the key made private, the
 * segment destroyed at the last detach), shm_rmid_forced, SHM_LOCK.
 * The memory itself and where an attachment lands are the runtime's.
 * Must not: map memory or read a clock. */
#define _GNU_SOURCE
#include "model_ns.h"
#include "linux_ipc.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#define PAGE 4096UL                    /* PAGE_SIZE and SHMLBA on x86_64 */
#define SHMMIN 1
#define SHM_DEST_BIT 01000
#define SHM_LOCKED_BIT 02000

static unsigned long pages(unsigned long size)
{
    return (size + PAGE - 1) / PAGE;
}

/* shm_destroy */
static void shm_destroy(struct model_ns *ns, struct model_shm *shp)
{
    ns->shm_destroyed++;
    ns->shm_tot -= pages(shp->segsz);
    model_ids_remove(&ns->shm_ids, &shp->perm);
    model_free(ns, shp);
}

/* shm_may_destroy */
static int may_destroy(const struct model_ns *ns, const struct model_shm *shp)
{
    return shp->nattch == 0 && (ns->limits.shm_rmid_forced || (shp->perm.mode & SHM_DEST_BIT));
}

/* shm_open: an attachment appears (shmat, or a fork copying one). */
static void shm_open(struct model_shm *shp, pid_t pid, long now)
{
    shp->atime = now;
    shp->lpid = pid;
    shp->nattch++;
}

/* shm_close: an attachment goes (shmdt, exec, exit). */
static void shm_close(struct model_ns *ns, struct model_shm *shp, pid_t pid, long now)
{
    shp->lpid = pid;
    shp->dtime = now;
    shp->nattch--;
    if (may_destroy(ns, shp))
        shm_destroy(ns, shp);
}

/* A piece of SHP's attachment FILE in PID: SIZE bytes at ADDR, PGOFF pages into it. */
static struct model_attach *add_piece(struct model_ns *ns, pid_t pid, uintptr_t addr, unsigned long size,
                                      unsigned long pgoff, unsigned long file, struct model_shm *shp)
{
    struct model_attach *a = model_alloc(ns, sizeof(*a));
    if (!a)
        return NULL;
    a->pid = pid;
    a->addr = addr;
    a->size = size;
    a->pgoff = pgoff;
    a->file = file;
    a->shm = shp;
    a->next = ns->attaches;
    ns->attaches = a;
    return a;
}

static void add_attach(struct model_ns *ns, pid_t pid, uintptr_t addr, struct model_shm *shp)
{
    add_piece(ns, pid, addr, shp->map_size, 0, ++ns->shm_files, shp);
}

/* Where the attachment piece A belongs to began: the address its shmat
 * returned (vm_start less vm_pgoff pages). */
static uintptr_t origin(const struct model_attach *a)
{
    return a->addr - a->pgoff * PAGE;
}

/* __split_vma: piece A is cut at AT; it keeps the part below AT when
 * KEEP_LOW, else the part from AT, and the other part becomes a new piece,
 * which opens the segment (vm_ops->open: shm_open), so counts in nattch. */
static int split_piece(struct model_ns *ns, struct model_attach *a, uintptr_t at, int keep_low, long now)
{
    unsigned long below = at - a->addr;
    struct model_attach *other = keep_low ? add_piece(ns, a->pid, at, a->size - below, a->pgoff + below / PAGE,
                                                      a->file, a->shm)
                                          : add_piece(ns, a->pid, a->addr, below, a->pgoff, a->file, a->shm);
    if (!other)
        return -1;
    if (keep_low) {
        a->size = below;
    } else {
        a->addr = at;
        a->size -= below;
        a->pgoff += below / PAGE;
    }
    shm_open(a->shm, a->pid, now);
    return 0;
}

/* PID's mappings in [LO, HI) go, as do_mmap with MAP_FIXED unmaps what
 * it replaces: a piece that sticks out is split first (its parts outside
 * stay, each counting), then the part inside closes (shm_close, which may
 * destroy its segment). */
static void unmap_range(struct model_ns *ns, pid_t pid, uintptr_t lo, uintptr_t hi, long now)
{
    struct model_attach **p = &ns->attaches;
    while (*p) {
        struct model_attach *a = *p;
        if (a->pid != pid || a->addr >= hi || a->addr + a->size <= lo) {
            p = &a->next;
            continue;
        }
        if (a->addr < lo && split_piece(ns, a, lo, 0, now) < 0)
            return;
        if (a->addr + a->size > hi && split_piece(ns, a, hi, 1, now) < 0)
            return;
        while (*p != a)                /* a split's new piece went to the head, which P may be */
            p = &(*p)->next;
        *p = a->next;
        shm_close(ns, a->shm, pid, now);
        model_free(ns, a);
    }
}

/* Whether piece A may be split at AT: a huge page segment's only on a
 * huge page boundary (hugetlb's may_split). */
static int may_split(const struct model_attach *a, uintptr_t at)
{
    return !a->shm->huge || !(at & (a->shm->huge_page - 1));
}

/* Whether unmapping [LO, HI) would split a piece where it may not be: then
 * do_mmap fails with EINVAL before anything is unmapped, though the split
 * at LO, made first (vms_gather_munmap_vmas), stays when the one at HI is
 * refused; it is made here. */
static int refuses_split(struct model_ns *ns, pid_t pid, uintptr_t lo, uintptr_t hi, long now)
{
    struct model_attach *at_lo = NULL, *at_hi = NULL;
    for (struct model_attach *a = ns->attaches; a; a = a->next) {
        if (a->pid != pid)
            continue;
        if (a->addr < lo && lo < a->addr + a->size)
            at_lo = a;
        if (a->addr < hi && hi < a->addr + a->size)
            at_hi = a;
    }
    if (at_lo && !may_split(at_lo, lo))
        return 1;
    if (!at_hi || may_split(at_hi, hi))
        return 0;
    if (at_lo)
        split_piece(ns, at_lo, lo, 0, now);
    return 1;
}

/* ---------- shmget ---------- */

static long newseg(struct model_ns *ns, const struct model_caller *c, int32_t key, unsigned long size,
                   int flags, long now)
{
    unsigned long numpages = pages(size);
    if (size < SHMMIN || size > ns->limits.shmmax)
        return -EINVAL;
    if (numpages * PAGE < size)
        return -ENOSPC;
    if (ns->shm_tot + numpages < ns->shm_tot || ns->shm_tot + numpages > ns->limits.shmall)
        return -ENOSPC;
    unsigned long huge_page = 0;
    if (flags & SHM_HUGETLB) {
        /* hstate_sizelog: the size in bits 26..31, 0 for the default (2 MiB);
         * a size the host has no pool of is EINVAL (size_to_hstate) */
        int log = (flags >> 26) & 0x3f;
        if (log && log != 21 && !model_host_has_huge_pages(ns, log))
            return -EINVAL;
        /* hugetlb_file_setup: can_do_hugetlb_shm, then the reservation
         * of the pages unless SHM_NORESERVE */
        if (!(c->caps & MODEL_CAP_IPC_LOCK) && !model_in_group(c, ns->limits.hugetlb_shm_group))
            return -EPERM;
        huge_page = model_huge_page_size(log);
        unsigned long need = (size + huge_page - 1) / huge_page;
        if (!(flags & SHM_NORESERVE) && need > model_huge_pages_free(ns, log))
            return -ENOMEM;
    } else {
        /* shmem_kernel_file_setup: __shmem_file_setup refuses a size beyond
         * MAX_LFS_FILESIZE (LLONG_MAX; as a loff_t the size is negative)
         * with EINVAL, then shmem_acct_size charges its pages (VM_ACCT)
         * unless the file is VM_NORESERVE, which newseg asks for
         * SHM_NORESERVE but not under OVERCOMMIT_NEVER; __vm_enough_memory
         * refuses the charge with ENOMEM (OVERCOMMIT_GUESS: more pages than
         * RAM + swap; OVERCOMMIT_ALWAYS: never) */
        if (size > LLONG_MAX)
            return -EINVAL;
        if ((!(flags & SHM_NORESERVE) || ns->limits.noreserve_ignored) && numpages > ns->limits.commit_pages)
            return -ENOMEM;
    }
    struct model_shm *shp = model_alloc(ns, sizeof(*shp));
    if (!shp)
        return -ENOMEM;
    shp->perm.key = key;
    shp->perm.mode = (unsigned)flags & MODEL_S_IRWXUGO;
    shp->cpid = c->pid;
    shp->creator = c->pid;
    shp->ctime = now;
    shp->segsz = size;
    shp->huge = (flags & SHM_HUGETLB) != 0;
    shp->huge_page = huge_page;
    shp->map_size = shp->huge ? (size + huge_page - 1) / huge_page * huge_page : pages(size) * PAGE;
    int id = model_ids_add(&ns->shm_ids, &shp->perm, shp, ns->limits.shmmni, c);
    if (id < 0) {
        model_free(ns, shp);
        return id;
    }
    ns->shm_tot += numpages;
    return id;
}

long model_shmget(struct model_ns *ns, const struct model_caller *c, int32_t key, unsigned long size,
                  int flags, long now)
{
    if (key == IPC_PRIVATE)
        return newseg(ns, c, key, size, flags, now);
    struct model_shm *shp = model_ids_find_key(&ns->shm_ids, key);
    if (!shp)
        return (flags & IPC_CREAT) ? newseg(ns, c, key, size, flags, now) : -ENOENT;
    if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
        return -EEXIST;
    if (shp->segsz < size)                         /* shm_more_checks */
        return -EINVAL;
    if (model_ipcperms(c, &shp->perm, flags))
        return -EACCES;
    return shp->perm.id;
}

/* ---------- shmat / shmdt ---------- */

static int overlaps(const struct model_ns *ns, pid_t pid, uintptr_t addr, unsigned long size)
{
    for (const struct model_attach *a = ns->attaches; a; a = a->next)
        if (a->pid == pid && addr < a->addr + a->size && a->addr < addr + size)
            return 1;
    return 0;
}

long model_shmat(struct model_ns *ns, const struct model_caller *c, int id, uintptr_t addr, int flags,
                 uintptr_t auto_addr, long now)
{
    if (id < 0)
        return -EINVAL;
    if (addr) {
        if (addr & (PAGE - 1)) {
            if (!(flags & SHM_RND))
                return -EINVAL;
            addr &= ~(PAGE - 1);
            if (!addr && (flags & SHM_REMAP))
                return -EINVAL;
        }
    } else if (flags & SHM_REMAP) {
        return -EINVAL;
    }
    int acc = (flags & SHM_RDONLY) ? MODEL_S_IRUGO : MODEL_S_IRUGO | MODEL_S_IWUGO;
    if (flags & SHM_EXEC)
        acc |= 0111;
    struct model_shm *shp = model_ids_find(&ns->shm_ids, id);
    if (!shp)
        return -EINVAL;
    if (model_ipcperms(c, &shp->perm, acc))
        return -EACCES;
    /* From here do_shmat holds a count on nattch; a failure drops it through
     * shm_may_destroy, which with shm_rmid_forced destroys an unattached
     * segment: even a failed shmat can remove one. */
    unsigned long size = shp->map_size;
    int bad = (addr && !(flags & SHM_REMAP) && (addr + size < addr || overlaps(ns, c->pid, addr, size))) ||
              (addr && shp->huge && (addr & (shp->huge_page - 1)));   /* prepare_hugepage_range, from do_mmap */
    if (bad) {
        if (may_destroy(ns, shp))
            shm_destroy(ns, shp);
        return -EINVAL;
    }
    if (!addr && !auto_addr) {
        /* no hole of the segment's size: do_mmap's get_unmapped_area fails,
         * and do_shmat gives back its count as above */
        if (may_destroy(ns, shp))
            shm_destroy(ns, shp);
        return -ENOMEM;
    }
    if (!addr)
        addr = auto_addr;
    else if ((flags & SHM_REMAP) && refuses_split(ns, c->pid, addr, addr + size, now)) {
        if (may_destroy(ns, shp))
            shm_destroy(ns, shp);
        return -EINVAL;
    }
    /* do_shmat's own count keeps the segment while do_mmap replaces what
     * the range held (with SHM_REMAP: this segment's pieces too) */
    shp->nattch++;
    unmap_range(ns, c->pid, addr, addr + size, now);
    shm_open(shp, c->pid, now);
    add_attach(ns, c->pid, addr, shp);
    shp->nattch--;
    return (long)addr;
}

/* What a shmdt(ADDR) by PID takes: ksys_shmdt's first loop finds, of the
 * process's pieces, the lowest whose origin is ADDR (it looks at every
 * mapping from ADDR up and takes the first whose start matches its page
 * offset); its second takes with it the pieces of the same attachment
 * (the same file) with that origin, up to the file's size from ADDR (the
 * size page aligned; a huge page segment's file is huge page aligned:
 * newseg makes it so; the attachment's size either way).  Those lie above
 * the first by their origin.  0: nothing matches (EINVAL). */
struct detach {
    pid_t pid;
    uintptr_t addr;
    unsigned long file, i_size;
};

static int detach_find(const struct model_ns *ns, pid_t pid, uintptr_t addr, struct detach *d)
{
    const struct model_attach *first = NULL;
    for (const struct model_attach *a = ns->attaches; !(addr & (PAGE - 1)) && a; a = a->next)
        if (a->pid == pid && origin(a) == addr && (!first || a->addr < first->addr))
            first = a;
    if (first)
        *d = (struct detach){ pid, addr, first->file, first->shm->map_size };
    return first != NULL;
}

static int detach_takes(const struct detach *d, const struct model_attach *a)
{
    return a->pid == d->pid && a->file == d->file && origin(a) == d->addr && a->addr + a->size - d->addr <= d->i_size;
}

int model_shmdt_pieces(const struct model_ns *ns, pid_t pid, uintptr_t addr, int from, struct model_piece *out,
                       int max)
{
    struct detach d;
    int n = 0;
    for (const struct model_attach *a = detach_find(ns, pid, addr, &d) ? ns->attaches : NULL; a; a = a->next)
        if (detach_takes(&d, a)) {
            if (n >= from && n - from < max)
                out[n - from] = (struct model_piece){ a->addr, a->size };
            n++;
        }
    return n;
}

long model_shmdt(struct model_ns *ns, const struct model_caller *c, uintptr_t addr, long now)
{
    struct detach d;
    if (!detach_find(ns, c->pid, addr, &d))
        return -EINVAL;
    for (struct model_attach **p = &ns->attaches; *p;) {
        struct model_attach *a = *p;
        if (!detach_takes(&d, a)) {
            p = &a->next;
            continue;
        }
        *p = a->next;
        shm_close(ns, a->shm, c->pid, now);
        model_free(ns, a);
    }
    return 0;
}

/* ---------- shmctl ---------- */

static long shmctl_stat(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        struct shmid_ds *ds)
{
    memset(ds, 0, sizeof(*ds));
    int err;
    struct model_shm *shp = model_stat_obtain(&ns->shm_ids, c, id, cmd != IPC_STAT, cmd == SHM_STAT_ANY, &err);
    if (!shp)
        return err;
    model_fill_perm(&ds->shm_perm, &shp->perm);
    ds->shm_segsz = shp->segsz;
    ds->shm_atime = shp->atime;
    ds->shm_dtime = shp->dtime;
    ds->shm_ctime = shp->ctime;
    ds->shm_cpid = shp->cpid;
    ds->shm_lpid = shp->lpid;
    ds->shm_nattch = shp->nattch;
    return cmd == IPC_STAT ? 0 : shp->perm.id;
}

static long shmctl_info(struct model_ns *ns, int cmd, void *buf)
{
    if (cmd == IPC_INFO) {
        struct shminfo *si = buf;
        memset(si, 0, sizeof(*si));
        si->shmmax = ns->limits.shmmax;
        si->shmmin = SHMMIN;
        si->shmmni = (unsigned long)ns->limits.shmmni;
        si->shmseg = (unsigned long)ns->limits.shmmni;  /* shmctl_ipc_info reports shmmni here */
        si->shmall = ns->limits.shmall;
    } else {
        struct shm_info *si = buf;
        memset(si, 0, sizeof(*si));
        si->used_ids = ns->shm_ids.in_use;
        si->shm_tot = ns->shm_tot;
        /* shm_rss/shm_swp: resident pages are the runtime's; untouched, 0 */
    }
    int max = model_ids_max_index(&ns->shm_ids);
    return max < 0 ? 0 : max;
}

/* shmctl_do_lock */
static long shmctl_lock(struct model_ns *ns, const struct model_caller *c, int id, int cmd)
{
    struct model_shm *shp = model_ids_find(&ns->shm_ids, id);
    if (!shp)
        return -EINVAL;
    if (!(c->caps & MODEL_CAP_IPC_LOCK) && c->euid != shp->perm.uid && c->euid != shp->perm.cuid)
        return -EPERM;
    if (cmd == SHM_LOCK)
        shp->perm.mode |= SHM_LOCKED_BIT;
    else
        shp->perm.mode &= ~(unsigned)SHM_LOCKED_BIT;
    return 0;
}

static long shmctl_down(struct model_ns *ns, const struct model_caller *c, int id, int cmd,
                        const struct shmid_ds *ds, long now)
{
    int err;
    struct model_shm *shp = model_ctl_obtain(&ns->shm_ids, c, id, &err);
    if (!shp)
        return err;
    if (cmd == IPC_RMID) {
        /* do_shm_rmid: with attachments, marked and hidden from its key */
        if (shp->nattch) {
            shp->perm.mode |= SHM_DEST_BIT;
            shp->perm.key = IPC_PRIVATE;
        } else {
            shm_destroy(ns, shp);
        }
        return 0;
    }
    if ((err = model_update_perm(&shp->perm, &ds->shm_perm)) < 0)
        return err;
    shp->ctime = now;
    return 0;
}

long model_shmctl(struct model_ns *ns, const struct model_caller *c, int id, int cmd, void *buf, long now)
{
    if (cmd < 0 || id < 0)
        return -EINVAL;
    switch (cmd) {
    case IPC_INFO:
    case SHM_INFO: {
        union {
            struct shminfo info;
            struct shm_info counts;
        } u;
        return model_copy_out(buf, &u, cmd == IPC_INFO ? sizeof(u.info) : sizeof(u.counts),
                              shmctl_info(ns, cmd, &u));
    }
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: {
        struct shmid_ds ds;
        return model_copy_out(buf, &ds, sizeof(ds), shmctl_stat(ns, c, id, cmd, &ds));
    }
    case IPC_SET:
        if (!buf)
            return -EFAULT;             /* copied in before the id is looked up */
        return shmctl_down(ns, c, id, cmd, buf, now);
    case IPC_RMID:
        return shmctl_down(ns, c, id, cmd, buf, now);
    case SHM_LOCK:
    case SHM_UNLOCK:
        return shmctl_lock(ns, c, id, cmd);
    default:
        return -EINVAL;
    }
}

/* ---------- process events ---------- */

/* dup_mmap copies the attachments; it runs in the parent, so shm_open
 * records the parent as the last process. */
void model_fork(struct model_ns *ns, pid_t parent, pid_t child, long now)
{
    for (struct model_attach *a = ns->attaches; a; a = a->next)
        if (a->pid == parent && a->shm) {
            shm_open(a->shm, parent, now);
            add_piece(ns, child, a->addr, a->size, a->pgoff, a->file, a->shm);
        }
}

void model_shm_detach_all(struct model_ns *ns, pid_t pid, long now)
{
    for (struct model_attach **p = &ns->attaches; *p;) {
        struct model_attach *a = *p;
        if (a->pid != pid) {
            p = &a->next;
            continue;
        }
        *p = a->next;
        shm_close(ns, a->shm, pid, now);
        model_free(ns, a);
    }
}

/* exit_shm: segments the process created become orphans, or with
 * shm_rmid_forced are destroyed when nothing is attached. */
void model_shm_exit(struct model_ns *ns, pid_t pid)
{
    for (int i = 0; i <= ns->shm_ids.max_idx; i++) {
        struct model_shm *shp = ns->shm_ids.slot[i];
        if (!shp || shp->creator != pid)
            continue;
        shp->creator = 0;
        if (ns->limits.shm_rmid_forced && may_destroy(ns, shp))
            shm_destroy(ns, shp);
    }
}

/* shm_destroy_orphaned: writing shm_rmid_forced = 1 */
void model_shm_destroy_orphans(struct model_ns *ns)
{
    for (int i = 0; i <= ns->shm_ids.max_idx; i++) {
        struct model_shm *shp = ns->shm_ids.slot[i];
        if (shp && !shp->creator && may_destroy(ns, shp))
            shm_destroy(ns, shp);
    }
}

void model_shm_free_all(struct model_ns *ns)
{
    for (int i = 0; i <= ns->shm_ids.max_idx; i++)    /* none above the highest in use */
        if (ns->shm_ids.slot[i])
            model_free(ns, ns->shm_ids.slot[i]);
    while (ns->attaches) {
        struct model_attach *next = ns->attaches->next;
        model_free(ns, ns->attaches);
        ns->attaches = next;
    }
}
