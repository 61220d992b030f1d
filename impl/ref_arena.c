/* ref_arena.c: the arena file: layout, making, opening with its trust
 * checks, mapping with its damage checks, the robust lock, and the log with
 * its checkpoints and replay (see ref_arena.h for the scheme).
 * Must not: interpret operations (model_apply does) or wake processes. */
#define _GNU_SOURCE
#include "ref_arena.h"
#include "ref_runtime.h"
#include "ref_signals.h"
#include "ref_spin.h"
#include "ref_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define CHECKSUM_VERSION 5              /* checksum()'s and the checkpoint's: a different sum is a different
                                         * layout */
#define LOCK_SPIN_NS    100000          /* looked at this long at most before sleeping for it (spin_for_lock) */
#define LOCK_PATIENCE_S 2               /* a lock held this long is looked at: is its holder alive? */

static size_t round_page(size_t n)
{
    return (n + PAGE - 1) & ~(PAGE - 1);
}

_Static_assert(REF_LOG_SIZE <= UINT32_MAX, "a log's end is 32 bits");
_Static_assert(REF_AREA_UNITS <= 64 && REF_AREA_SIZE % REF_PREFAULT_UNIT == 0, "an area's map of units is one word");
_Static_assert(REF_MAX_PROCS <= UINT16_MAX, "the lock's contenders and the waiting slots are counted in 16 bits");
_Static_assert(sizeof(struct ref_proc_slot) == 64, "a process's slot is one cache line of its own");
_Static_assert(offsetof(struct ref_header, transactions) + sizeof(uint64_t) - offsetof(struct ref_header, lock) <= 64,
               "the lock and what every operation writes share one line");

/* The fixed part: header, the common logs, the slots' areas, the state's
 * span; the data space after. */
static size_t header_span(void) { return round_page(sizeof(struct ref_header)); }
static size_t log_offset(int k) { return header_span() + (size_t)k * REF_LOG_SIZE; }
static size_t areas_offset(void) { return log_offset(2); }
static size_t state_offset(void) { return areas_offset() + (size_t)REF_MAX_PROCS * 2 * REF_AREA_SIZE; }
static size_t state_span(void) { return round_page(sizeof(struct ref_state) + REF_HEAP_SIZE); }
static size_t map_span(void) { return state_offset() + state_span(); }
static uint64_t data_start(void) { return map_span(); }

uint64_t ref_arena_layout(void)
{
    const uint64_t facts[] = {
        REF_ARENA_ADDR, REF_MAX_PROCS, REF_HEAP_SIZE, REF_LOG_SIZE, REF_AREA_SIZE, REF_MAX_FREE, MODEL_IPCMNI,
        MODEL_SHMDT_PIECES,            /* the last operation: a new one changes the log's meaning */
        MODEL_COLLECT_FIRST,           /* so does a new flag */
        sizeof(struct ref_header), offsetof(struct ref_header, lock), offsetof(struct ref_header, current),
        offsetof(struct ref_header, holder_cpu), offsetof(struct ref_header, seg), offsetof(struct ref_header, procs),
        offsetof(struct ref_header, area_end), sizeof(struct ref_area_end),
        sizeof(struct ref_proc_slot), offsetof(struct ref_proc_slot, fork_applied_start),
        offsetof(struct ref_proc_slot, tells_pending), offsetof(struct ref_header, keeper_scan), sizeof(pthread_mutex_t), sizeof(struct ref_checkpoint),
        sizeof(struct ref_state), offsetof(struct ref_state, heap), offsetof(struct ref_state, heap_bytes),
        sizeof(struct model_heap), sizeof(struct model_ns), sizeof(struct model_limits), sizeof(struct model_ids),
        sizeof(struct model_perm), sizeof(struct model_msq), sizeof(struct model_msg),
        sizeof(struct model_msg_waiter), sizeof(struct model_sem_array), sizeof(struct model_sem),
        sizeof(struct model_sem_waiter), sizeof(struct model_undo), sizeof(struct model_shm),
        sizeof(struct model_attach), sizeof(struct model_caller), offsetof(struct model_caller, groups),
        sizeof(struct model_request), offsetof(struct model_request, caller),
        sizeof(struct ref_record), offsetof(struct ref_record, seq), CHECKSUM_VERSION,
    };
    uint64_t h = 0xcbf29ce484222325ULL;          /* FNV-1a over the facts */
    const unsigned char *b = (const unsigned char *)facts;
    for (size_t i = 0; i < sizeof(facts); i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

/* A checksum of N bytes: four lanes of 8-byte words, then the words and
 * bytes of the tail.  Scalar on purpose: every operation sums its record
 * under the lock, and a compiler's vectorised 64-bit multiply (SSE2 has
 * none) took three times as long. */
static uint64_t checksum_mix(uint64_t lane, uint64_t w)
{
    lane = (lane ^ w) * 0x100000001b3ULL;
    return lane ^ (lane >> 29);
}

static uint64_t checksum(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    uint64_t l0 = h ^ 0x9e3779b97f4a7c15ULL, l1 = h + n, l2 = h ^ 0xc2b2ae3d27d4eb4fULL, l3 = ~h;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, b + i, 32);
        l0 = checksum_mix(l0, w[0]);
        l1 = checksum_mix(l1, w[1]);
        l2 = checksum_mix(l2, w[2]);
        l3 = checksum_mix(l3, w[3]);
        __asm__("" : "+r"(l0), "+r"(l1), "+r"(l2), "+r"(l3));   /* keeps the lanes in registers, unvectorised */
    }
    uint64_t s = l0 ^ (l1 << 1) ^ (l2 << 2) ^ (l3 << 3);
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        s = checksum_mix(s, w);
    }
    for (; i < n; i++)
        s = (s ^ b[i]) * 0x100000001b3ULL;
    return s ^ (s >> 31);
}

/* ---------- records ---------- */

/* The bytes of a request whose caller has NGROUPS groups that a record
 * keeps: all but the groups it does not have (the groups are the
 * request's last member). */
static size_t request_bytes(int ngroups)
{
    size_t n = ngroups < 0 ? 0 : ngroups > MODEL_MAX_GROUPS ? MODEL_MAX_GROUPS : (size_t)ngroups;
    return offsetof(struct model_request, caller.groups) + n * sizeof(gid_t);
}

static size_t round8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t record_size(size_t rq_len, size_t in_len)
{
    return sizeof(struct ref_record) + round8(rq_len) + round8(in_len);
}

static const unsigned char *record_input(const struct ref_record *rec)
{
    return rec->body + round8(rec->rq_len);
}

/* A field of the request REC holds (one of the bytes it keeps). */
#define RECORD_FIELD(rec, type, member) \
    ({ type v_; memcpy(&v_, (rec)->body + offsetof(struct model_request, member), sizeof(v_)); v_; })

/* The request REC holds, its absent groups zero. */
static void record_request(const struct ref_record *rec, struct model_request *rq)
{
    memcpy(rq, rec->body, rec->rq_len);
    memset((unsigned char *)rq + rec->rq_len, 0, sizeof(*rq) - rec->rq_len);
}

/* A record's checksum but its sequence number: its sizes, the request's
 * bytes and the input (built before the lock, when staged). */
static uint64_t record_sum(const struct ref_record *rec)
{
    uint64_t h = checksum(rec, offsetof(struct ref_record, seq), 0);
    h = checksum(rec->body, rec->rq_len, h);
    return checksum(record_input(rec), rec->in_len, h);
}

/* The whole sum: SUM (record_sum's) mixed with the sequence number SEQ. */
static uint64_t sealed_sum(uint64_t sum, uint32_t seq)
{
    return checksum_mix(sum, 0x5e90000000000000ULL ^ seq);
}

/* Whether the ROOM bytes at REC hold a whole record: its sizes within
 * them and agreeing with each other and with the request's groups, and
 * its sum right. */
static int record_whole(const struct ref_record *rec, uint64_t room)
{
    if (room < sizeof(*rec) || rec->size < sizeof(*rec) || rec->size > room || rec->size % 8 ||
        rec->rq_len < offsetof(struct model_request, caller.groups) || rec->rq_len > sizeof(struct model_request) ||
        rec->in_len > rec->size || rec->size != record_size(rec->rq_len, rec->in_len))
        return 0;
    return request_bytes(RECORD_FIELD(rec, int, caller.ngroups)) == rec->rq_len &&
           sealed_sum(record_sum(rec), rec->seq) == rec->sum;
}

/* ---------- mapping ---------- */

static void set_view(struct ref_arena *a, int fd, void *base)
{
    unsigned char *p = base;
    a->fd = fd;
    a->hdr = base;
    a->state = (struct ref_state *)(p + state_offset());
    ref_arena_forget_pages(a);         /* of a mapping made before, perhaps of another file */
}

size_t ref_arena_state_offset(void)
{
    return state_offset();
}

size_t ref_arena_area_offset(int area, int k)
{
    return area == REF_AREA_COMMON ? log_offset(k) : areas_offset() + ((size_t)area * 2 + (size_t)k) * REF_AREA_SIZE;
}

/* AREA's log K in this view. */
static unsigned char *area_at(const struct ref_arena *a, int area, uint32_t k)
{
    return (unsigned char *)a->hdr + ref_arena_area_offset(area, (int)k);
}

static uint64_t area_room(int area)
{
    return area == REF_AREA_COMMON ? REF_LOG_SIZE : REF_AREA_SIZE;
}

/* The committed bytes of AREA's log K: 0 when its end was written in
 * another epoch than log K's checkpoint. */
static uint32_t area_end(const struct ref_header *h, int area, uint32_t k)
{
    uint64_t w = __atomic_load_n(&h->area_end[area].word[k], __ATOMIC_ACQUIRE);
    return (uint32_t)(w >> 32) == h->checkpoint[k].epoch ? (uint32_t)w : 0;
}

/* AREA's log K ends at END: one store, the commit. */
static void set_area_end(struct ref_header *h, int area, uint32_t k, uint64_t end)
{
    __atomic_store_n(&h->area_end[area].word[k], (uint64_t)h->checkpoint[k].epoch << 32 | end, __ATOMIC_RELEASE);
}

/* Whether the mapping at REF_ARENA_ADDR is of the file MINE: its
 * /proc/self/map_files link, or, where that is refused (it needs a
 * capability of the initial user namespace: a rootless run), the device
 * and inode /proc/self/maps gives it. */
static int mapped_file_is(const struct stat *mine)
{
    struct stat there;
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", REF_ARENA_ADDR, REF_ARENA_ADDR + map_span());
    if (stat(path, &there) == 0)
        return mine->st_dev == there.st_dev && mine->st_ino == there.st_ino;
    if (errno != EPERM && errno != EACCES)
        return 0;
    int fd = ref_sys_open("/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;      /* not fopen: the library exports it */
    if (fd >= 0 && !f)
        ref_sys_close(fd);
    char line[512];
    int same = 0;
    while (f && fgets(line, sizeof(line), f)) {
        unsigned long start, major, minor, inode;
        if (sscanf(line, "%lx-%*x %*s %*x %lx:%lx %lu", &start, &major, &minor, &inode) == 4 &&
            start == REF_ARENA_ADDR) {
            same = major == major(mine->st_dev) && minor == minor(mine->st_dev) && inode == mine->st_ino;
            break;
        }
    }
    if (f)
        fclose(f);
    return same;
}

/* Map FD's fixed part at REF_ARENA_ADDR; inherited (mapped already) when
 * *INHERITED comes back 1. */
static int map_fixed(struct ref_arena *a, int fd, const char *name, int *inherited, char *why, size_t size)
{
    void *want = (void *)REF_ARENA_ADDR;
    *inherited = 0;
    void *p = mmap(want, map_span(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED && errno == EEXIST) {
        /* mapped already (inherited across fork): it must be this file */
        struct stat mine;
        if (fstat(fd, &mine) == 0 && mapped_file_is(&mine)) {
            set_view(a, fd, want);
            *inherited = 1;
            return 0;
        }
        snprintf(why, size, "%s: the address %#lx the reference arena needs is taken", name, REF_ARENA_ADDR);
        return -1;
    }
    if (p == MAP_FAILED) {
        snprintf(why, size, "%s: cannot map the reference arena: %s", name, strerror(errno));
        return -1;
    }
    if (p != want) {               /* a kernel without MAP_FIXED_NOREPLACE */
        munmap(p, map_span());
        snprintf(why, size, "%s: the address %#lx the reference arena needs is taken", name, REF_ARENA_ADDR);
        return -1;
    }
    set_view(a, fd, p);
    return 0;
}

void ref_arena_unmap(struct ref_arena *a)
{
    if (a->hdr)
        munmap(a->hdr, map_span());
    memset(a, 0, sizeof(*a));
    a->fd = -1;
}

int ref_arena_check_size(const struct ref_arena *a, char *why, size_t size)
{
    /* the end read before the size: the file grows before its end is
     * stored (grow_to), so a process growing it meanwhile (the keeper looks
     * without the lock) never makes a whole file look truncated */
    uint64_t end = __atomic_load_n(&a->hdr->data_end, __ATOMIC_ACQUIRE);
    struct stat st;
    if (fstat(a->fd, &st) < 0 || (uint64_t)st.st_size < data_start() || (uint64_t)st.st_size < end) {
        snprintf(why, size, "%s: the arena file was truncated (%lld bytes, %llu expected)", a->name,
                 (long long)st.st_size, (unsigned long long)end);
        return -1;
    }
    return 0;
}

/* ---------- the data space ---------- */

/* The file grows to END; 0, or -1 (the file system refuses). */
static int grow_to(struct ref_arena *a, uint64_t end)
{
    if (end <= a->hdr->data_end)
        return 0;
    if (ftruncate(a->fd, (off_t)end) < 0)
        return -1;
    __atomic_store_n(&a->hdr->data_end, end, __ATOMIC_RELEASE);   /* after the file has grown */
    return 0;
}

/* Whether E lies in the data space (never the header, logs or state). */
static int in_data_space(const struct ref_arena *a, struct ref_extent e)
{
    return e.off >= data_start() && e.off <= a->hdr->data_end && e.len <= a->hdr->data_end - e.off;
}

/* E's memory given back, to read as zeros again: 0, or -1 (the file
 * system cannot punch holes: the extent must not be given out again). */
static int punch(struct ref_arena *a, struct ref_extent e)
{
    if (!in_data_space(a, e))
        return -1;
    return fallocate(a->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)e.off, (off_t)e.len);
}

struct ref_extent ref_space_alloc(struct ref_arena *a, uint64_t len, uint64_t align)
{
    struct ref_header *h = a->hdr;
    struct ref_extent none = { 0, 0 };
    len = round_page(len ? len : 1);
    align = align < PAGE ? PAGE : align;
    /* first fit among the freed extents (holes: their memory reads as zero) */
    for (uint32_t i = 0; i < h->nfree; i++) {
        struct ref_extent *f = &h->free_extents[i];
        uint64_t start = (f->off + align - 1) & ~(align - 1);
        if (start + len > f->off + f->len)
            continue;
        struct ref_extent got = { start, len };
        struct ref_extent before = { f->off, start - f->off }, after = { start + len, f->off + f->len - start - len };
        *f = h->free_extents[--h->nfree];
        if (before.len && h->nfree < REF_MAX_FREE)
            h->free_extents[h->nfree++] = before;
        if (after.len && h->nfree < REF_MAX_FREE)
            h->free_extents[h->nfree++] = after;
        return got;
    }
    uint64_t start = (h->data_end + align - 1) & ~(align - 1);
    if (start + len < start || grow_to(a, start + len) < 0)
        return none;
    if (start > h->data_end && h->nfree < REF_MAX_FREE)   /* the alignment's gap */
        h->free_extents[h->nfree++] = (struct ref_extent){ h->data_end, start - h->data_end };
    return (struct ref_extent){ start, len };
}

/* E, its memory already given back, in the free list. */
static void free_extent(struct ref_arena *a, struct ref_extent e)
{
    struct ref_header *h = a->hdr;
    /* merged with its neighbours, so space is found again as one piece */
    for (uint32_t i = 0; i < h->nfree;) {
        struct ref_extent *f = &h->free_extents[i];
        if (f->off + f->len == e.off) {
            e = (struct ref_extent){ f->off, f->len + e.len };
        } else if (e.off + e.len == f->off) {
            e.len += f->len;
        } else {
            i++;
            continue;
        }
        *f = h->free_extents[--h->nfree];
    }
    if (h->nfree < REF_MAX_FREE)
        h->free_extents[h->nfree++] = e;     /* else a hole the file keeps */
}

void ref_space_free(struct ref_arena *a, struct ref_extent e)
{
    if (e.len && punch(a, e) == 0)
        free_extent(a, e);
}

/* An empty entry of the releasing table, or -1 (full). */
static int releasing_entry(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    for (uint32_t i = 0; i < REF_MAX_RELEASING; i++)
        if (h->releasing[i].pid == 0) {
            if (i >= h->releasing_high)
                h->releasing_high = i + 1;
            return (int)i;
        }
    return -1;
}

void ref_space_release(struct ref_arena *a, struct ref_extent e, int32_t pid, uint64_t start)
{
    struct ref_header *h = a->hdr;
    if (!e.len)
        return;
    int i = pid > 0 ? releasing_entry(a) : -1;
    if (i < 0) {
        ref_space_free(a, e);
        return;
    }
    h->releasing[i].e = e;
    h->releasing[i].start = start;
    __atomic_store_n(&h->releasing[i].pid, pid, __ATOMIC_RELEASE);
    a->releasing++;
    a->releaser = pid;
    a->releaser_start = start;
}

static int is_releaser(const struct ref_releasing *r, int32_t pid, uint64_t start)
{
    return __atomic_load_n(&r->pid, __ATOMIC_ACQUIRE) == pid && r->start == start;
}

/* Without the lock: the entries are this process's alone until it puts
 * them back under the lock; the table's other entries are not touched. */
void ref_space_punch_released(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    uint32_t high = __atomic_load_n(&h->releasing_high, __ATOMIC_ACQUIRE);
    for (uint32_t i = 0; a->releasing && i < high && i < REF_MAX_RELEASING; i++)
        if (is_releaser(&h->releasing[i], a->releaser, a->releaser_start) && punch(a, h->releasing[i].e) < 0)
            h->releasing[i].e.len = 0;
}

/* Under the lock: the extents of the process PID started at START join
 * the free list (PUNCHED: their memory was given back already). */
static void free_released(struct ref_arena *a, int32_t pid, uint64_t start, int punched)
{
    struct ref_header *h = a->hdr;
    for (uint32_t i = 0; i < h->releasing_high; i++)
        if (is_releaser(&h->releasing[i], pid, start)) {
            struct ref_extent e = h->releasing[i].e;
            h->releasing[i].pid = 0;
            if (punched && e.len)
                free_extent(a, e);
            else if (!punched)
                ref_space_free(a, e);
        }
    while (h->releasing_high > 0 && h->releasing[h->releasing_high - 1].pid == 0)
        h->releasing_high--;
}

void ref_space_reuse_released(struct ref_arena *a)
{
    if (a->releasing)
        free_released(a, a->releaser, a->releaser_start, 1);
    a->releasing = 0;
}

void ref_space_orphaned(struct ref_arena *a, int32_t pid, uint64_t start)
{
    if (pid > 0)
        free_released(a, pid, start, 0);
}

void ref_space_sweep_dead(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    int32_t looked = 0;
    uint64_t looked_start = 0;
    for (uint32_t i = 0; i < h->releasing_high; i++) {
        int32_t pid = h->releasing[i].pid;
        uint64_t start = h->releasing[i].start;
        if (!pid || (pid == looked && start == looked_start))
            continue;
        looked = pid;
        looked_start = start;
        if (ref_start_time(pid) != start)
            free_released(a, pid, start, 0);
    }
}

/* ---------- making and checking ---------- */

/* The fresh state: an empty namespace with Linux's defaults.  A new file
 * reads as zeros already (ZEROED), and its pages stay untouched. */
static void fresh_state(struct ref_state *s, int zeroed)
{
    if (!zeroed)
        memset(s, 0, sizeof(*s));
    model_heap_init(&s->heap, s->heap_bytes, REF_HEAP_SIZE);
    model_ns_init(&s->ns, &s->heap);
}

int ref_arena_format(struct ref_arena *a, int fd, const char *name, char *why, size_t size)
{
    uint64_t formatting = REF_FORMATTING;
    if (ftruncate(fd, (off_t)data_start()) < 0 || pwrite(fd, &formatting, sizeof(formatting), 0) != 8) {
        snprintf(why, size, "%s: cannot size the reference arena: %s", name, strerror(errno));
        return -1;
    }
    int inherited;
    if (map_fixed(a, fd, name, &inherited, why, size) < 0)
        return -1;
    a->name = name;
    struct ref_header *h = a->hdr;             /* zeros but the marker: the file was empty */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    h->lock_kind = h->lock.__data.__kind;
    if (getrandom(&h->arena_id, sizeof(h->arena_id), 0) != sizeof(h->arena_id))
        h->arena_id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
    h->owner_uid = (int32_t)geteuid();
    h->data_end = data_start();
    /* tests make checkpoints frequent with a smaller limit */
    const char *limit = getenv("SVIPC_REF_LOG_BYTES");
    h->log_limit_fixed = limit ? strtoull(limit, NULL, 10) : 0;
    if (h->log_limit_fixed < 4096 || h->log_limit_fixed > REF_LOG_SIZE)
        h->log_limit_fixed = 0;
    h->log_limit = h->log_limit_fixed ? h->log_limit_fixed : REF_LOG_LEAST;
    h->layout = ref_arena_layout();
    h->seg_high = -1;
    h->proc_high = -1;
    h->checkpoint[0].kind = h->checkpoint[1].kind = REF_CK_FRESH;
    fresh_state(a->state, 1);
    __atomic_store_n(&h->magic, REF_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

static size_t state_used(const struct ref_state *s)
{
    return (size_t)(s->heap.top - (uintptr_t)s);
}

/* The bytes of the state a checkpoint holds: its USED bytes but each id
 * table's slots above the table's highest index MAX_IDX[t], which are NULL
 * in a well-formed state (a removal keeps them so) and never read
 * (model_ids_at): 3 x 32,768 slots, most of a small state, that every
 * checkpoint would copy and sum.  The parts, in order, into PART; the
 * bytes of them all. */
#define STATE_PARTS 4                  /* before each id table's tail, and after the last */
struct state_part { size_t off, len; };
_Static_assert(offsetof(struct model_ns, msg_ids) < offsetof(struct model_ns, sem_ids) &&
                   offsetof(struct model_ns, sem_ids) < offsetof(struct model_ns, shm_ids),
               "state_parts takes the id tables in this order");

static size_t state_parts(const struct ref_state *s, size_t used, const int32_t max_idx[3],
                          struct state_part part[STATE_PARTS])
{
    const struct model_ids *tables[3] = { &s->ns.msg_ids, &s->ns.sem_ids, &s->ns.shm_ids };
    size_t at = 0, total = 0;
    for (int t = 0; t < 3; t++) {      /* the tables lie in this order in the namespace */
        size_t gap_from = (size_t)((const char *)&tables[t]->slot[max_idx[t] + 1] - (const char *)s);
        part[t] = (struct state_part){ at, gap_from - at };
        total += part[t].len;
        at = (size_t)((const char *)&tables[t]->slot[MODEL_IPCMNI] - (const char *)s);
    }
    part[3] = (struct state_part){ at, used > at ? used - at : 0 };
    return total + part[3].len;
}

/* The tables' highest indexes; one out of range (a damaged state, which
 * nobody checked while processes live) has its whole table copied. */
static void live_max_idx(const struct ref_state *s, int32_t max_idx[3])
{
    const struct model_ids *tables[3] = { &s->ns.msg_ids, &s->ns.sem_ids, &s->ns.shm_ids };
    for (int t = 0; t < 3; t++) {
        int32_t m = tables[t]->max_idx;
        max_idx[t] = m < -1 || m >= MODEL_IPCMNI ? MODEL_IPCMNI - 1 : m;
    }
}

/* A checkpoint's sum: its epoch and the highest indexes, then each part's
 * bytes (the live state's, or the copy's). */
static uint64_t checkpoint_sum(const struct iovec bytes[STATE_PARTS], const int32_t max_idx[3], uint32_t epoch)
{
    uint64_t h = checksum(&epoch, sizeof(epoch), 0);
    h = checksum(max_idx, 3 * sizeof(int32_t), h);
    for (int i = 0; i < STATE_PARTS; i++)
        h = checksum(bytes[i].iov_base, bytes[i].iov_len, h);
    return h;
}

static int checkpoint_whole(const struct ref_arena *a, int k)
{
    const struct ref_checkpoint *ck = &a->hdr->checkpoint[k];
    if (ck->kind == REF_CK_FRESH)
        return 1;
    if (ck->kind != REF_CK_COPY || ck->size > state_span() || ck->packed > ck->size || ck->where.len < ck->packed ||
        ck->where.off < data_start() || ck->where.off + ck->where.len > a->hdr->data_end)
        return 0;
    for (int t = 0; t < 3; t++)
        if (ck->max_idx[t] < -1 || ck->max_idx[t] >= MODEL_IPCMNI)
            return 0;
    struct state_part part[STATE_PARTS];
    if (state_parts(a->state, ck->size, ck->max_idx, part) != ck->packed)
        return 0;
    unsigned char *p = mmap(NULL, ck->where.len, PROT_READ, MAP_SHARED, a->fd, (off_t)ck->where.off);
    if (p == MAP_FAILED)
        return 0;
    struct iovec copied[STATE_PARTS];
    size_t at = 0;
    for (int i = 0; i < STATE_PARTS; at += part[i].len, i++)
        copied[i] = (struct iovec){ p + at, part[i].len };
    int whole = checkpoint_sum(copied, ck->max_idx, ck->epoch) == ck->sum;
    munmap(p, ck->where.len);
    return whole;
}

/* A committed record of log K, for the rebuild: its sequence number,
 * area and offset there. */
struct logged {
    uint32_t seq;
    int area;
    uint64_t off;
};

/* AREA's committed records in log K, from its start while each is whole
 * and numbered after the one before it, each added to ALL at *N (at most
 * ROOM of them; ALL NULL: none); where they stop: the area's end when all
 * are, else the first that is not (an end beyond the area: 0, none of its
 * records to be trusted). */
static uint64_t walk_area(const struct ref_arena *a, int area, uint32_t k, struct logged *all, size_t *n,
                          size_t room)
{
    uint64_t end = area_end(a->hdr, area, k), off = 0;
    if (end > area_room(area))
        return 0;
    const unsigned char *log = area_at(a, area, k);
    for (uint32_t seq = 0; off < end;) {
        const struct ref_record *rec = (const struct ref_record *)(log + off);
        if (!record_whole(rec, end - off) || rec->seq <= seq || (all && *n >= room))
            break;
        if (all)
            all[(*n)++] = (struct logged){ rec->seq, area, off };
        seq = rec->seq;
        off += rec->size;
    }
    return off;
}

/* Whether the committed part of every area's log K is records with their
 * checksums, in their order. */
static int log_whole(const struct ref_arena *a, uint32_t k, char *why, size_t size)
{
    for (int area = 0; area < REF_AREAS; area++) {
        uint64_t end = area_end(a->hdr, area, k), whole = walk_area(a, area, k, NULL, NULL, 0);
        if (whole != end) {
            snprintf(why, size, "%s: log %u's record at %llu of area %d is damaged", a->name, k,
                     (unsigned long long)whole, area);
            return 0;
        }
    }
    return 1;
}

static int rebuild(struct ref_arena *a);

/* Whether a process of the arena is alive (its slot's pid, with the start
 * time it registered with). */
static int has_live_process(const struct ref_arena *a)
{
    const struct ref_header *h = a->hdr;
    for (int i = 0; i <= h->proc_high && i < REF_MAX_PROCS; i++) {
        pid_t pid = h->procs[i].pid;
        if (pid > 0 && h->procs[i].start_time && ref_start_time(pid) == h->procs[i].start_time)
            return 1;
    }
    return 0;
}

/* Under the lock: the header's own fields, the checkpoint, the log and the
 * state; a state that is not well formed is rebuilt when it can be.  The
 * deep part (the state's structure, the log's checksums), whose cost grows
 * with them, is for an arena opened with none of its processes alive (left
 * behind, or written while unused): one its live processes use is as they
 * keep it, each operation whole or undone by recovery, and a process
 * joining them (a program's fork child, its next command) is not held up
 * for long under the lock. */
static int check_contents(struct ref_arena *a, char *why, size_t size)
{
    struct ref_header *h = a->hdr;
    if (h->current > 1 || h->proc_high >= REF_MAX_PROCS || h->seg_high >= MODEL_IPCMNI || h->log_limit > REF_LOG_SIZE ||
        h->nfree > REF_MAX_FREE || h->data_end < data_start()) {
        snprintf(why, size, "%s: the arena's header is damaged", a->name);
        return -1;
    }
    if (h->releasing_high > REF_MAX_RELEASING) {
        snprintf(why, size, "%s: the arena's header is damaged", a->name);
        return -1;
    }
    for (uint32_t i = 0; i < h->releasing_high; i++)
        if (h->releasing[i].pid && h->releasing[i].e.len && !in_data_space(a, h->releasing[i].e)) {
            snprintf(why, size, "%s: the arena's header is damaged (an extent being released lies outside the "
                     "data space)", a->name);
            return -1;
        }
    if (ref_arena_check_size(a, why, size) < 0)
        return -1;
    if (has_live_process(a))
        return 0;
    int k = (int)h->current;
    uintptr_t lo = (uintptr_t)a->state, hi = lo + state_span();
    const struct model_heap *heap = &a->state->heap;
    char state_why[256] = "";
    int state_ok = heap->base == (uintptr_t)a->state->heap_bytes && heap->end <= hi && heap->top >= heap->base &&
                   heap->top <= heap->end && a->state->ns.heap == &a->state->heap &&
                   model_ns_check(&a->state->ns, lo, hi, state_why, sizeof(state_why)) == 0;
    if (state_ok)
        return 0;
    if (!checkpoint_whole(a, k) || !log_whole(a, (uint32_t)k, why, size)) {
        if (!*why)
            snprintf(why, size, "%s: the arena's checkpoint is damaged", a->name);
        return -1;
    }
    /* the live state is derived: rebuild it from what is whole */
    if (rebuild(a) < 0) {
        snprintf(why, size, "%s: the arena's checkpoint is damaged", a->name);
        return -1;
    }
    h->recoveries++;
    if (model_ns_check(&a->state->ns, lo, hi, state_why, sizeof(state_why)) < 0) {
        snprintf(why, size, "%s: the arena's state is damaged (%s) and its log does not rebuild it", a->name,
                 state_why);
        return -1;
    }
    return 0;
}

int ref_arena_map(struct ref_arena *a, int fd, const char *name, char *why, size_t size)
{
    struct stat st;
    uint64_t head[2];
    if (fstat(fd, &st) < 0 || pread(fd, head, sizeof(head), 0) != (ssize_t)sizeof(head)) {
        snprintf(why, size, "%s: not a reference arena (too short)", name);
        return -1;
    }
    if (head[0] != REF_MAGIC) {
        snprintf(why, size, "%s: not a reference arena", name);
        return -1;
    }
    if (head[1] != ref_arena_layout()) {
        snprintf(why, size, "%s: an arena made by another build of svipc (layout %016llx, this build's %016llx); "
                 "remove the file to start afresh", name, (unsigned long long)head[1],
                 (unsigned long long)ref_arena_layout());
        return -1;
    }
    if ((uint64_t)st.st_size < data_start()) {
        snprintf(why, size, "%s: the arena file was truncated (%lld bytes, at least %llu expected)", name,
                 (long long)st.st_size, (unsigned long long)data_start());
        return -1;
    }
    int inherited;
    if (map_fixed(a, fd, name, &inherited, why, size) < 0)
        return -1;
    a->name = name;
    if (inherited)
        return 0;
    if (a->hdr->lock_kind != a->hdr->lock.__data.__kind) {
        snprintf(why, size, "%s: the arena's lock is damaged", name);
        ref_arena_unmap(a);
        return -1;
    }
    if (ref_lock(a) < 0) {
        snprintf(why, size, "%s: the arena's lock is held by a thread that does not exist, or is damaged", name);
        ref_arena_unmap(a);
        return -1;
    }
    int rc = check_contents(a, why, size);
    ref_unlock(a);
    if (rc < 0)
        ref_arena_unmap(a);
    return rc;
}

/* The file's trust: a regular file, this user's (or, SHARED, one whose
 * owner lets us write), writable by nobody else unless SHARED. */
static int trusted(int fd, const char *path, int shared, char *why, size_t size)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return 0;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, size, "%s: not a regular file", path);
        return 0;
    }
    if (!shared && st.st_uid != geteuid()) {
        snprintf(why, size, "%s: belongs to uid %u, not to this user (uid %u); an arena is shared only when "
                 "SVIPC_REF_SHARED=1 says its owner is trusted", path, (unsigned)st.st_uid, (unsigned)geteuid());
        return 0;
    }
    if (!shared && (st.st_mode & 022)) {
        snprintf(why, size, "%s: writable by others (mode %04o): whoever can write an arena can change every "
                 "object in it; set SVIPC_REF_SHARED=1 to trust them", path, (unsigned)(st.st_mode & 07777));
        return 0;
    }
    return 1;
}

int ref_arena_open_path(struct ref_arena *a, const char *path, int shared, char *why, size_t size)
{
    int fd = ref_sys_open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0 && errno == ENOENT)
        fd = ref_sys_open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)                /* made meanwhile by another process */
        fd = ref_sys_open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(why, size, "%s: %s", path, errno == ELOOP ? "is a symbolic link (refused)" : strerror(errno));
        return -1;
    }
    if (!trusted(fd, path, shared, why, size)) {
        ref_sys_close(fd);
        return -1;
    }
    if (flock(fd, LOCK_EX) < 0) {
        snprintf(why, size, "%s: flock: %s", path, strerror(errno));
        ref_sys_close(fd);
        return -1;
    }
    /* under the flock: empty, or left half-made by a maker that died, is
     * made now; an arena is mapped and checked; anything else is refused */
    struct stat st;
    uint64_t magic = 0;
    int rc;
    if (fstat(fd, &st) == 0 && (st.st_size == 0 || (pread(fd, &magic, sizeof(magic), 0) == 8 &&
                                                     magic == REF_FORMATTING))) {
        rc = ftruncate(fd, 0) == 0 ? ref_arena_format(a, fd, path, why, size) : -1;
        if (rc < 0 && !*why)
            snprintf(why, size, "%s: %s", path, strerror(errno));
    } else if (magic == REF_MAGIC || (pread(fd, &magic, sizeof(magic), 0) == 8 && magic == REF_MAGIC)) {
        rc = ref_arena_map(a, fd, path, why, size);
    } else {
        snprintf(why, size, "%s: not a reference arena (it holds other data, which is left alone)", path);
        rc = -1;
    }
    flock(fd, LOCK_UN);
    if (rc < 0)
        ref_sys_close(fd);
    return rc;
}

/* ---------- the lock ---------- */

/* Whether thread TID exists in this PID namespace. */
static int thread_exists(pid_t tid)
{
    if (tid <= 0)
        return 0;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)tid, (int)tid);
    return ref_sys_access(path, F_OK) == 0 || syscall(SYS_tgkill, tid, tid, 0) == 0 || errno != ESRCH;
}

/* The lock is glibc's robust mutex, which makes a holder's death visible
 * (EOWNERDEAD).  One hole is closed here: a holder killed inside unlock,
 * after releasing the word and before waking a sleeper, loses that wake-up
 * when another process takes and releases the lock meanwhile (the kernel
 * wakes at the death only if the word is still free).  So whoever sleeps
 * for the lock is counted, and every unlock wakes one sleeper while the
 * count says there are any.  The count is exact after a contender's death
 * too: the keeper takes the dead process's share back (its flag says).
 * A wait is bounded: past LOCK_PATIENCE_S, a holder that does not exist (a
 * damaged word, or a process of another PID namespace) is reported. */

/* This thread's CPU + 1, or 0 when not known. */
static uint16_t cpu_now(void)
{
    int cpu = sched_getcpu();
    return cpu >= 0 && cpu < UINT16_MAX ? (uint16_t)(cpu + 1) : 0;
}

/* Spinning for the lock while its holder may be running: the word read
 * until no thread holds it (a read shares the cache line; a failed trylock
 * would take it away from the holder), then taken (also when its holder
 * died: EOWNERDEAD); EBUSY, to sleep, once LOCK_SPIN_NS (or the view's
 * lock_spin_ns) have passed, or at once when the holder took it on this
 * CPU (it is not running, then: this thread is).
 * No budget that shrinks when spins fail, as a wait for an outcome has
 * (ref_spin.h): with a hundred processes on two CPUs it sent each process
 * to sleep at every contention after a few failures, each sleep cost a
 * context switch and a wake-up, and the wake-up, preempting whoever held
 * the lock on the other CPU, made the next processes fail: msg_pairs at
 * 100 pairs slept for the lock once every 5 messages (76k sleeps, 2.9 s;
 * the kernel 1.0 s).  Spinning through the holder's work instead, it
 * sleeps once every 50 (1.5-1.8 s). */
static int spin_for_lock(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    uint16_t me = cpu_now();
    uint64_t until = ref_spin_now_ns() + (a->lock_spin_ns ? a->lock_spin_ns : LOCK_SPIN_NS);
    for (uint32_t i = 1;; i++) {
        if (!(__atomic_load_n(&h->lock.__data.__lock, __ATOMIC_RELAXED) & FUTEX_TID_MASK)) {
            int rc = pthread_mutex_trylock(&h->lock);
            if (rc != EBUSY)
                return rc;
        } else if (me && __atomic_load_n(&h->holder_cpu, __ATOMIC_RELAXED) == me) {
            return EBUSY;
        }
        ref_cpu_relax();
        if ((i & 15) == 0 && ref_spin_now_ns() >= until)
            return EBUSY;
    }
}

int ref_lock(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    int rc = pthread_mutex_trylock(&h->lock);
    if (rc == EBUSY)
        rc = spin_for_lock(a);
    if (rc == EBUSY) {
        __atomic_add_fetch(&h->lock_contenders, 1, __ATOMIC_SEQ_CST);
        if (a->contending)
            __atomic_store_n(a->contending, 1, __ATOMIC_SEQ_CST);
        for (;;) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += LOCK_PATIENCE_S;
            rc = pthread_mutex_timedlock(&h->lock, &until);
            __atomic_store_n(&h->lock_waking, 0, __ATOMIC_SEQ_CST);   /* the wake-up in flight has landed */
            if (rc != ETIMEDOUT)
                break;
            pid_t owner = (pid_t)(__atomic_load_n(&h->lock.__data.__lock, __ATOMIC_ACQUIRE) & FUTEX_TID_MASK);
            if (owner && !thread_exists(owner)) {
                rc = ENOTRECOVERABLE;
                break;
            }
        }
        if (a->contending)
            __atomic_store_n(a->contending, 0, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&h->lock_contenders, 1, __ATOMIC_SEQ_CST);
    }
    if (rc == 0 || rc == EOWNERDEAD)
        __atomic_store_n(&h->holder_cpu, cpu_now(), __ATOMIC_RELAXED);
    if (rc == EOWNERDEAD) {
        pthread_mutex_consistent(&h->lock);
        if (rebuild(a) == 0) {
            h->recoveries++;
            return 0;
        }
        pthread_mutex_unlock(&h->lock);
        rc = EINVAL;                   /* the checkpoint to rebuild from is damaged */
    }
    if (rc == 0)
        return 0;
    fprintf(stderr, "svipc-ref: %s: the arena's lock %s; remove the file to start afresh\n", a->name,
            rc == ENOTRECOVERABLE ? "is held by a thread that does not exist (damaged, or shared across PID "
                                    "namespaces)" : "is damaged");
    errno = ENOTRECOVERABLE;
    return -1;
}

/* One wake-up in flight at a time: a sleeper woken and not yet back
 * (LOCK_WAKING set) will take the lock or sleep again with its bit set, so
 * waking a second one meanwhile costs a system call and a context switch
 * for nothing (at hundreds of processes, nearly every unlock did).  A word
 * that shows sleepers (FUTEX_WAITERS, set by a sleeper and cleared only by
 * the holder's unlock) is woken by glibc's unlock itself.  Otherwise a
 * counted contender may be one whose wake-up was lost (its bit went with
 * an unlock that died before waking): this unlock wakes it.  The flag is
 * cleared by whoever returns from sleeping for the lock, by an unlock that
 * sees no contender, and by the keeper for a contender that died; a flag
 * left by a wakee killed before it cleared it delays the sleepers by
 * LOCK_PATIENCE_S at most. */
void ref_unlock(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    int glibc_wakes = (__atomic_load_n(&h->lock.__data.__lock, __ATOMIC_RELAXED) & FUTEX_WAITERS) != 0;
    if (!__atomic_load_n(&h->lock_contenders, __ATOMIC_SEQ_CST)) {
        /* nobody to come back and clear it (the bit of a sleeper that
         * has taken the lock since wakes nobody) */
        if (__atomic_load_n(&h->lock_waking, __ATOMIC_RELAXED))
            __atomic_store_n(&h->lock_waking, 0, __ATOMIC_SEQ_CST);
    } else if (glibc_wakes) {
        __atomic_store_n(&h->lock_waking, 1, __ATOMIC_SEQ_CST);
    }
    pthread_mutex_unlock(&h->lock);
    if (!glibc_wakes && __atomic_load_n(&h->lock_contenders, __ATOMIC_SEQ_CST) > 0 &&
        !__atomic_load_n(&h->lock_waking, __ATOMIC_SEQ_CST) && !__atomic_exchange_n(&h->lock_waking, 1, __ATOMIC_SEQ_CST))
        syscall(SYS_futex, &h->lock.__data.__lock, FUTEX_WAKE, 1, NULL, NULL, 0);
}

void ref_forget_contender(struct ref_arena *a, uint32_t *contending)
{
    if (__atomic_exchange_n(contending, 0, __ATOMIC_SEQ_CST)) {
        __atomic_sub_fetch(&a->hdr->lock_contenders, 1, __ATOMIC_SEQ_CST);
        __atomic_store_n(&a->hdr->lock_waking, 0, __ATOMIC_SEQ_CST);   /* it may have been the wakee */
    }
}

/* ---------- checkpoints and replay ---------- */

/* A new checkpoint of the live state, with an empty log; the switch is one
 * store, so a death half-way leaves the old checkpoint and log in force.
 * Each of the two checkpoints keeps its extent and reuses its memory; it
 * moves to a larger one (half as large again) when the state outgrows it.
 * -1 when the data space cannot hold it. */
static int checkpoint(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    uint32_t next = 1 - h->current;
    size_t used = state_used(a->state);
    int32_t max_idx[3];
    live_max_idx(a->state, max_idx);
    struct state_part part[STATE_PARTS];
    size_t packed = state_parts(a->state, used, max_idx, part);
    struct ref_checkpoint *ck = &h->checkpoint[next];
    struct ref_extent e = ck->where;
    if (e.len < packed) {
        e = ref_space_alloc(a, packed + packed / 2, PAGE);
        if (!e.len)
            return -1;
    }
    /* written in one call, not through a mapping of its own: mapping,
     * populating and unmapping the copy cost more than the copy (a small
     * log, checkpointed often, keeps what each process maps of the logs
     * small); a file that cannot hold it fails the call, where a store
     * through a mapping would fault */
    struct iovec live[STATE_PARTS];
    for (int i = 0; i < STATE_PARTS; i++)
        live[i] = (struct iovec){ (unsigned char *)a->state + part[i].off, part[i].len };
    if (pwritev(a->fd, live, STATE_PARTS, (off_t)e.off) != (ssize_t)packed) {
        if (e.off != ck->where.off)
            ref_space_free(a, e);
        return -1;
    }
    /* a new epoch: every area's end in log NEXT, written in an older one,
     * is 0 from now on */
    uint32_t epoch = h->checkpoint[h->current].epoch + 1;
    uint64_t sum = checkpoint_sum(live, max_idx, epoch);
    struct ref_extent old = ck->where;
    /* the old contents of this slot are not in force (the current slot is
     * the other one), so it changes in place */
    *ck = (struct ref_checkpoint){ .kind = REF_CK_COPY, .epoch = epoch, .where = e, .size = used, .packed = packed,
                                   .max_idx = { max_idx[0], max_idx[1], max_idx[2] }, .sum = sum };
    __atomic_store_n(&h->current, next, __ATOMIC_RELEASE);
    h->log_used = 0;                   /* (a rebuild counts them again, should this process die here) */
    h->log_seq = 0;
    /* a log REF_LOG_PER_STATE times as long as the copy: copying costs
     * each operation a fraction of its own size.  Set once the new log,
     * empty, is in force: a shorter limit never lies below its use */
    if (!h->log_limit_fixed) {
        uint64_t want = (uint64_t)packed * REF_LOG_PER_STATE;
        if (want > REF_LOG_MULTIPLE_MAX)
            want = packed > REF_LOG_MULTIPLE_MAX ? packed : REF_LOG_MULTIPLE_MAX;
        h->log_limit = want < REF_LOG_LEAST ? REF_LOG_LEAST : want > REF_LOG_SIZE ? REF_LOG_SIZE : round_page(want);
    }
    if (old.len && old.off != e.off)
        ref_space_free(a, old);
    h->checkpoints++;
    return 0;
}

static int by_seq(const void *x, const void *y)
{
    uint32_t a = ((const struct logged *)x)->seq, b = ((const struct logged *)y)->seq;
    return (a > b) - (a < b);
}

/* Every area's committed records in log K that are whole (walk_area's;
 * when TRIM, an area ends where its walk stopped), in their order; their
 * count in *N.  Aborts when out of memory (a rebuild half done must not
 * go on). */
static struct logged *committed_records(struct ref_arena *a, uint32_t k, int trim, size_t *n)
{
    size_t room = 0;
    for (int area = 0; area < REF_AREAS; area++) {
        uint64_t end = area_end(a->hdr, area, k);
        room += end <= area_room(area) ? end / sizeof(struct ref_record) : 0;
    }
    struct logged *all = malloc((room ? room : 1) * sizeof(*all));
    if (!all)
        abort();
    *n = 0;
    for (int area = 0; area < REF_AREAS; area++) {
        uint64_t whole = walk_area(a, area, k, all, n, room);
        if (trim && whole != area_end(a->hdr, area, k))
            set_area_end(a->hdr, area, k, whole);
    }
    qsort(all, *n, sizeof(*all), by_seq);
    return all;
}

/* After a rebuild that applied the records up to sequence number LAST:
 * each area ends before its first record past it (one that came after a
 * damaged or missing record, which the rebuild could not apply), so that
 * the numbers from LAST + 1 on are given to new records only; and the
 * header's count of the log is that of the records left. */
static void log_rebuilt(struct ref_arena *a, uint32_t k, const struct logged *all, size_t n, size_t applied)
{
    struct ref_header *h = a->hdr;
    for (size_t i = applied; i < n; i++) {     /* in order: an area's first one past LAST comes first */
        uint64_t end = area_end(h, all[i].area, k);
        if (all[i].off < end)
            set_area_end(h, all[i].area, k, all[i].off);
    }
    uint64_t used = 0;
    for (int area = 0; area < REF_AREAS; area++)
        used += area_end(h, area, k);  /* each within its room: committed_records trimmed it */
    h->log_used = (uint32_t)used;
    h->log_seq = applied ? all[applied - 1].seq : 0;
}

/* Rebuild the live state: the checkpoint, then every committed record, in
 * their order.  -1, the state untouched, when the checkpoint is damaged; a
 * record found damaged or missing stops the rebuild where it is (the state
 * of what came before), and when TRIM, it and the records after it are
 * dropped from the log. */
static int rebuild_state(struct ref_arena *a, int trim)
{
    struct ref_header *h = a->hdr;
    uint32_t k = h->current;
    const struct ref_checkpoint *ck = &h->checkpoint[k];
    if (!checkpoint_whole(a, (int)k))
        return -1;
    if (ck->kind == REF_CK_COPY) {
        void *p = mmap(NULL, ck->where.len, PROT_READ, MAP_SHARED, a->fd, (off_t)ck->where.off);
        if (p == MAP_FAILED)
            return -1;
        /* the parts copied back, the tables' tails between them made NULL */
        struct state_part part[STATE_PARTS];
        state_parts(a->state, ck->size, ck->max_idx, part);
        const unsigned char *from = p;
        for (int i = 0; i < STATE_PARTS; i++) {
            size_t gap_end = i + 1 < STATE_PARTS ? part[i + 1].off : part[i].off + part[i].len;
            memcpy((unsigned char *)a->state + part[i].off, from, part[i].len);
            memset((unsigned char *)a->state + part[i].off + part[i].len, 0, gap_end - part[i].off - part[i].len);
            from += part[i].len;
        }
        munmap(p, ck->where.len);
    } else {
        fresh_state(a->state, 0);
    }
    size_t scratch_size = 0, n, applied = 0;
    void *scratch = NULL;
    struct logged *all = committed_records(a, k, trim, &n);
    for (; applied < n && all[applied].seq == applied + 1; applied++) {
        const struct ref_record *rec = (const struct ref_record *)(area_at(a, all[applied].area, k) + all[applied].off);
        if (rec->out_len > scratch_size) {
            free(scratch);
            scratch_size = rec->out_len;
            scratch = malloc(scratch_size);
            if (!scratch)
                abort();               /* half rebuilt: never carry on corrupt */
        }
        struct model_request rq;
        record_request(rec, &rq);
        model_apply(&a->state->ns, &rq, record_input(rec), scratch);
    }
    free(scratch);
    if (trim)
        log_rebuilt(a, k, all, n, applied);
    free(all);
    model_forget_resolved(&a->state->ns);
    return 0;
}

/* Called before and after the state is rewritten in place: rebuild_seq is
 * odd meanwhile, for the state's readers without the lock. */
static void rewriting(struct ref_arena *a)
{
    __atomic_add_fetch(&a->hdr->rebuild_seq, 1, __ATOMIC_SEQ_CST);
}

static int rebuild(struct ref_arena *a)
{
    rewriting(a);
    int r = rebuild_state(a, 1);
    rewriting(a);
    return r;
}

/* Room for N bytes of output, or NULL. */
void *ref_arena_bounce(struct ref_arena *a, size_t n)
{
    if (n > a->bounce_size) {
        void *p = realloc(a->bounce, n);
        if (!p)
            return NULL;
        a->bounce = p;
        a->bounce_size = n;
    }
    return a->bounce;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23       /* Linux 5.14 */
#endif

static int unit_populated(const uint64_t *map, uint64_t unit)
{
    return (map[unit / 64] >> (unit % 64)) & 1;
}

static void mark_populated(uint64_t *map, uint64_t unit)
{
    map[unit / 64] |= 1ULL << (unit % 64);
}

void ref_arena_forget_pages(struct ref_arena *a)
{
    a->common_map_valid = 0;
    a->prefault_window = 0;
    ref_arena_write_to(a, REF_AREA_COMMON);
}

void ref_arena_write_to(struct ref_arena *a, int area)
{
    a->area = area >= 0 && area < REF_AREAS ? area : REF_AREA_COMMON;
    a->area_populated[0] = a->area_populated[1] = 0;
    a->next_known = 0;
}

/* Where a record of SIZE bytes by this process goes in log K: its own
 * area when it has room, else the common log. */
static int area_for(const struct ref_arena *a, uint32_t k, size_t size)
{
    return a->area != REF_AREA_COMMON && area_end(a->hdr, a->area, k) + size <= REF_AREA_SIZE ? a->area
                                                                                               : REF_AREA_COMMON;
}

/* Where this process's next record goes: a typical one, or a few. */
static struct ref_log_place next_place(const struct ref_arena *a)
{
    uint32_t k = __atomic_load_n(&a->hdr->current, __ATOMIC_RELAXED) & 1;
    int area = area_for(a, k, 1024);
    return (struct ref_log_place){ k, area, area_end(a->hdr, area, k) };
}

void ref_arena_prefault(struct ref_arena *a)
{
    struct ref_log_place at = a->next_known ? a->next_place : next_place(a);
    uint32_t k = at.k & 1;
    int common = at.area == REF_AREA_COMMON;
    if (common && a->area == REF_AREA_COMMON)
        return;                        /* no slot (yet): a few records, not worth a map of the common log */
    if (common && !a->common_map_valid) {
        memset(a->populated, 0, sizeof(a->populated));
        a->common_map_valid = 1;
    }
    uint64_t *map = common ? a->populated[k] : &a->area_populated[k];
    /* where the next records reach: mapped in already, the usual case, is
     * known without reading the header (its line is the one every commit
     * writes: a read here, after each unlock, took it from the next holder) */
    uint64_t end = at.end, from = end & ~(REF_PREFAULT_UNIT - 1), ahead = end + PAGE;
    uint64_t room = area_room(at.area);
    if (ahead >= room || (unit_populated(map, from / REF_PREFAULT_UNIT) && unit_populated(map, ahead / REF_PREFAULT_UNIT)))
        return;
    /* the common log's use is bounded by the limit (a hint); an area's by its room */
    uint64_t limit = common ? __atomic_load_n(&a->hdr->log_limit, __ATOMIC_RELAXED) : room;
    if (limit > room)
        limit = room;
    uint64_t beyond = ahead / REF_PREFAULT_UNIT;
    if (ahead >= limit && beyond != from / REF_PREFAULT_UNIT)   /* past the log's end: nothing to map */
        mark_populated(map, beyond);                              /* there, nor to ask for again */
    if (from >= limit)
        return;
    uint64_t window = a->prefault_window ? a->prefault_window : REF_PREFAULT_FIRST;
    a->prefault_window = window * 2 < REF_PREFAULT_WINDOW ? window * 2 : REF_PREFAULT_WINDOW;
    uint64_t to = from + window < limit ? from + window : limit;
    unsigned char *log = area_at(a, at.area, k);
    /* the units not mapped in yet, each run of them in one call */
    for (uint64_t u = from / REF_PREFAULT_UNIT, last = (to - 1) / REF_PREFAULT_UNIT; u <= last;) {
        if (unit_populated(map, u)) {
            u++;
            continue;
        }
        uint64_t run = u;
        while (run <= last && !unit_populated(map, run)) {
            mark_populated(map, run);
            run++;
        }
        uint64_t lo = u * REF_PREFAULT_UNIT, hi = run * REF_PREFAULT_UNIT < limit ? run * REF_PREFAULT_UNIT : limit;
        madvise(log + lo, (size_t)(hi - lo), MADV_POPULATE_WRITE);
        u = run;
    }
}

/* RQ's record at REC: its sizes, the request, IN_LEN bytes of input read
 * from USER_IN, and its sum but the sequence number's (seal_record adds
 * it, under the lock).  0, or -EFAULT when the input could not be read
 * (REC then holds all but the input and the sum). */
static int build_record(struct ref_record *rec, const struct model_request *rq, size_t in_len, size_t out_len,
                        const void *user_in)
{
    size_t rq_len = request_bytes(rq->caller.ngroups);
    *rec = (struct ref_record){ .size = (uint32_t)record_size(rq_len, in_len), .in_len = (uint32_t)in_len,
                                .out_len = (uint32_t)out_len, .rq_len = (uint32_t)rq_len };
    memcpy(rec->body, rq, rq_len);
    memset(rec->body + rq_len, 0, round8(rq_len) - rq_len);
    unsigned char *in = rec->body + round8(rq_len);
    if (in_len && ref_copy_guarded(in, user_in, in_len) < 0)
        return -EFAULT;
    memset(in + in_len, 0, round8(in_len) - in_len);
    rec->sum = record_sum(rec);
    return 0;
}

/* Under the lock: where a record of SIZE bytes goes (*AT: this process's
 * area, or the common log; a checkpoint made first when the log is full),
 * and in *RESULT where the operation writes its OUT_LEN bytes of output
 * before they reach OUT; or NULL when there is no room to make it durable
 * or no memory. */
static struct ref_record *log_room(struct ref_arena *a, size_t size, void *out, size_t out_len, void **result,
                                   struct ref_log_place *at)
{
    struct ref_header *h = a->hdr;
    h->transactions++;
    if (size > h->log_limit)
        return NULL;                   /* more than a log holds: no way to make it durable */
    if (h->log_used + size > h->log_limit && checkpoint(a) < 0)
        return NULL;                   /* no room for a checkpoint */
    /* the output goes to the caller's memory only once the operation is
     * done, as the kernel's copy_to_user: a fault there is EFAULT after a
     * whole operation, never half of one */
    *result = out;
    if (out && out_len && !(*result = ref_arena_bounce(a, out_len)))
        return NULL;
    /* the common log holds what the limit allows: it is part of the use */
    uint32_t k = h->current;
    int area = area_for(a, k, size);
    *at = (struct ref_log_place){ k, area, area_end(h, area, k) };
    return (struct ref_record *)(area_at(a, area, k) + at->end);
}

/* Under the lock: REC, written by log_room's caller, is next in the log's
 * order. */
static void seal_record(const struct ref_arena *a, struct ref_record *rec)
{
    rec->seq = a->hdr->log_seq + 1;
    rec->sum = sealed_sum(rec->sum, rec->seq);
}

/* Under the lock: apply the record just written at AT and commit it; its
 * output, written at RESULT, copied to OUT.  REC is that record, or the
 * staged one it was copied from: the same bytes, which this process has in
 * its cache (read back at once, the log's copy stalled the operation until
 * its lines had come from wherever they were). */
static long apply_logged(struct ref_arena *a, const struct ref_record *rec, struct ref_log_place at, void *out,
                         void *result)
{
    struct ref_header *h = a->hdr;
    struct model_request rq;
    record_request(rec, &rq);
    long ret = model_apply(&a->state->ns, &rq, record_input(rec), result);
    /* copied out before the commit, as the kernel's copy_to_user is done
     * before a killed caller dies: a receive that counts has delivered */
    if (result != out && ret >= 0 && ref_copy_guarded(out, result, model_output_size(&rq, ret, rec->out_len)) < 0)
        ret = -EFAULT;
    if (a->crash_countdown && --a->crash_countdown == 0)
        kill(getpid(), SIGKILL);
    set_area_end(h, at.area, at.k, at.end + rec->size);   /* the commit */
    h->log_used += rec->size;
    h->log_seq++;
    /* for ref_arena_prefault after the unlock: the same area, or the
     * common log once its own is nearly full (read from the header then) */
    if (at.area == REF_AREA_COMMON || at.end + rec->size + 1024 <= REF_AREA_SIZE)
        a->next_place = (struct ref_log_place){ at.k, at.area, at.end + rec->size };
    else
        a->next_place = next_place(a);
    a->next_known = 1;
    a->committed++;
    return ret;
}

long ref_txn(struct ref_arena *a, const struct model_request *rq, const void *user_in, void *out)
{
    size_t out_len;
    size_t in_len = model_input_size(&a->state->ns, rq, &out_len);
    void *result;
    struct ref_log_place at;
    struct ref_record *logged =
        log_room(a, record_size(request_bytes(rq->caller.ngroups), in_len), out, out_len, &result, &at);
    if (!logged)
        return -ENOMEM;
    if (build_record(logged, rq, in_len, out_len, user_in) < 0) {
        /* unreadable input: the model fails the call where Linux's
         * copy_from_user would (a smaller record, in the room made) */
        struct model_request unread = *rq;
        unread.flags |= MODEL_NULL_BUFFER;
        build_record(logged, &unread, 0, 0, NULL);
    }
    seal_record(a, logged);
    return apply_logged(a, logged, at, out, result);
}

/* The sizes are what the request says, every limit taken to allow it: a
 * limit lowered before the lock is taken leaves the outcome as it was, the
 * model refusing a size over it by the request's own numbers (msgsz,
 * nsops) before it reads the input; the record then holds input the model
 * does not read. */
uint64_t ref_stage(struct ref_arena *a, const struct model_request *rq, const void *user_in)
{
    size_t out_len;
    size_t in_len = model_input_size(NULL, rq, &out_len);
    if (in_len == MODEL_SIZE_UNKNOWN || in_len > REF_STAGE_MAX)
        return 0;
    /* one room, never moved: a call a signal handler makes meanwhile
     * writes over it, and the ticket says so, but never frees it */
    if (!a->staged && !(a->staged = malloc(record_size(sizeof(*rq), REF_STAGE_MAX))))
        return 0;
    uint64_t ticket = ++a->staged_ticket;
    /* a fault is left to ref_txn, which builds the record Linux's order of
     * checks gives (a size over a limit is refused before the text is read) */
    if (build_record(a->staged, rq, in_len, out_len, user_in) < 0 || a->staged_ticket != ticket)
        return 0;
    return ticket;
}

long ref_txn_staged(struct ref_arena *a, uint64_t ticket, const struct model_request *rq, const void *user_in,
                    void *out)
{
    const struct ref_record *staged = a->staged;
    /* the flags are the one part of the request the caller sets again
     * under the lock (the collect it folds in): they must agree */
    if (!ticket || ticket != a->staged_ticket || RECORD_FIELD(staged, uint32_t, flags) != rq->flags)
        return ref_txn(a, rq, user_in, out);
    void *result;
    struct ref_log_place at;
    struct ref_record *logged = log_room(a, staged->size, out, staged->out_len, &result, &at);
    if (!logged)
        return -ENOMEM;
    memcpy(logged, staged, staged->size);
    seal_record(a, logged);
    return apply_logged(a, staged, at, out, result);
}

long ref_arena_verify_replay(struct ref_arena *a)
{
    size_t used = state_used(a->state);
    unsigned char *live = malloc(used);
    if (!live)
        return -1;
    /* whose wait was decided is not state: the runtime asks every waiter
     * after a rebuild */
    model_forget_resolved(&a->state->ns);
    memcpy(live, a->state, used);
    /* one rewrite for the readers without the lock: the rebuild, then the
     * live state put back (a failed rebuild leaves it untouched) */
    rewriting(a);
    long diff = -1;
    if (rebuild_state(a, 0) == 0) {
        size_t rebuilt = state_used(a->state);
        diff = rebuilt != used ? (long)(rebuilt < used ? rebuilt : used) + 1 : 0;
        for (size_t i = 0; !diff && i < used; i++)
            if (((unsigned char *)a->state)[i] != live[i])
                diff = (long)i + 1;
        memcpy(a->state, live, used);
    }
    rewriting(a);
    free(live);
    return diff;
}
