/* ref_arena.c: mapping, formatting, the robust lock, and the log with its
 * checkpoints and replay (see ref_arena.h for the scheme).
 * Must not: interpret operations (model_apply does) or wake processes. */
#define _GNU_SOURCE
#include "ref_arena.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL

static size_t round_page(size_t n)
{
    return (n + PAGE - 1) & ~(PAGE - 1);
}

static size_t header_span(void) { return round_page(sizeof(struct ref_header)); }
static size_t state_span(void) { return round_page(sizeof(struct ref_state) + REF_HEAP_SIZE); }
static size_t map_span(void) { return header_span() + 3 * state_span() + 2 * REF_LOG_SIZE; }
static uint64_t file_span(void) { return ref_segment_offset(MODEL_IPCMNI); }

uint64_t ref_arena_layout(void)
{
    const uint64_t facts[] = {
        REF_ARENA_ADDR, REF_MAX_PROCS, REF_HEAP_SIZE, REF_LOG_SIZE, REF_DATA_SHIFT, MODEL_IPCMNI,
        MODEL_SHM_MAP_SIZE,            /* the last operation: a new one changes the log's meaning */
        sizeof(struct ref_header), offsetof(struct ref_header, lock), offsetof(struct ref_header, current),
        offsetof(struct ref_header, seg_data_id), offsetof(struct ref_header, procs),
        sizeof(struct ref_proc_slot), sizeof(pthread_mutex_t),
        sizeof(struct ref_state), offsetof(struct ref_state, heap), offsetof(struct ref_state, heap_bytes),
        sizeof(struct model_heap), sizeof(struct model_ns), sizeof(struct model_limits), sizeof(struct model_ids),
        sizeof(struct model_perm), sizeof(struct model_msq), sizeof(struct model_msg),
        sizeof(struct model_msg_waiter), sizeof(struct model_sem_array), sizeof(struct model_sem),
        sizeof(struct model_sem_waiter), sizeof(struct model_undo), sizeof(struct model_shm),
        sizeof(struct model_attach), sizeof(struct model_caller), sizeof(struct model_request),
        sizeof(struct ref_record),
    };
    uint64_t h = 0xcbf29ce484222325ULL;          /* FNV-1a over the facts */
    const unsigned char *b = (const unsigned char *)facts;
    for (size_t i = 0; i < sizeof(facts); i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static void set_view(struct ref_arena *a, int fd, void *base)
{
    unsigned char *p = base;
    a->fd = fd;
    a->hdr = base;
    a->state = (struct ref_state *)(p + header_span());
    a->checkpoint[0] = p + header_span() + state_span();
    a->checkpoint[1] = a->checkpoint[0] + state_span();
    a->log[0] = a->checkpoint[1] + state_span();
    a->log[1] = a->log[0] + REF_LOG_SIZE;
}

int ref_arena_map(struct ref_arena *a, int fd, char *why, size_t size)
{
    void *want = (void *)REF_ARENA_ADDR;
    void *p = mmap(want, map_span(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
    if (p == MAP_FAILED && errno == EEXIST) {
        /* mapped already (inherited across fork): it must be this file */
        struct stat mine, there;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", REF_ARENA_ADDR, REF_ARENA_ADDR + map_span());
        if (fstat(fd, &mine) == 0 && stat(path, &there) == 0 && mine.st_dev == there.st_dev &&
            mine.st_ino == there.st_ino) {
            set_view(a, fd, want);
            return 0;
        }
        snprintf(why, size, "the address %#lx the reference arena needs is taken", REF_ARENA_ADDR);
        return -1;
    }
    if (p == MAP_FAILED) {
        snprintf(why, size, "cannot map the reference arena: %s", strerror(errno));
        return -1;
    }
    if (p != want) {               /* a kernel without MAP_FIXED_NOREPLACE */
        munmap(p, map_span());
        snprintf(why, size, "the address %#lx the reference arena needs is taken", REF_ARENA_ADDR);
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

/* The fresh state: an empty namespace with Linux's defaults.  A new file
 * reads as zeros already (ZEROED), and its pages stay untouched. */
static void fresh_state(struct ref_state *s, int zeroed)
{
    if (!zeroed)
        memset(s, 0, sizeof(*s));
    model_heap_init(&s->heap, s->heap_bytes, REF_HEAP_SIZE);
    model_ns_init(&s->ns, &s->heap);
}

int ref_arena_format(struct ref_arena *a, int fd, char *why, size_t size)
{
    if (ftruncate(fd, (off_t)file_span()) < 0) {
        snprintf(why, size, "cannot size the reference arena: %s", strerror(errno));
        return -1;
    }
    if (ref_arena_map(a, fd, why, size) < 0)
        return -1;
    struct ref_header *h = a->hdr;             /* zeros: the file was empty */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&h->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    if (getrandom(&h->arena_id, sizeof(h->arena_id), 0) != sizeof(h->arena_id))
        h->arena_id = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
    h->file_size = file_span();
    h->layout = ref_arena_layout();
    h->seg_high = -1;
    h->proc_high = -1;
    h->checkpoint_kind[0] = h->checkpoint_kind[1] = REF_CK_FRESH;
    fresh_state(a->state, 1);
    __atomic_store_n(&h->magic, REF_MAGIC, __ATOMIC_RELEASE);
    return 0;
}

int ref_arena_open_path(struct ref_arena *a, const char *path, char *why, size_t size)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, size, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX) < 0) {
        snprintf(why, size, "%s: flock: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    struct stat st;
    uint64_t magic = 0;
    int rc;
    if (fstat(fd, &st) == 0 && (uint64_t)st.st_size == file_span() &&
        pread(fd, &magic, sizeof(magic), 0) == sizeof(magic) && magic == REF_MAGIC) {
        rc = ref_arena_map(a, fd, why, size);
        if (rc == 0 && a->hdr->layout != ref_arena_layout()) {
            snprintf(why, size, "%s: an arena made by another build of svipc (layout %016llx, this build's "
                     "%016llx); remove the file to start afresh", path, (unsigned long long)a->hdr->layout,
                     (unsigned long long)ref_arena_layout());
            ref_arena_unmap(a);
            rc = -1;
        }
    } else {
        rc = ftruncate(fd, 0) == 0 ? ref_arena_format(a, fd, why, size) : -1;
        if (rc < 0 && !*why)
            snprintf(why, size, "%s: %s", path, strerror(errno));
    }
    flock(fd, LOCK_UN);
    if (rc < 0)
        close(fd);
    return rc;
}

/* ---------- checkpoints and replay ---------- */

static size_t state_used(const struct ref_state *s)
{
    return (size_t)(s->heap.top - (uintptr_t)s);
}

/* A new checkpoint of the live state, with an empty log; the switch is one
 * store, so a death half-way leaves the old checkpoint and log in force. */
static void checkpoint(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    uint32_t next = 1 - h->current;
    size_t used = state_used(a->state);
    memcpy(a->checkpoint[next], a->state, used);
    h->checkpoint_size[next] = used;
    h->checkpoint_kind[next] = REF_CK_COPY;
    h->log_end[next] = 0;
    __atomic_store_n(&h->current, next, __ATOMIC_RELEASE);
    h->checkpoints++;
}

/* Rebuild the live state: the checkpoint, then every committed record. */
static void rebuild(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    uint32_t k = h->current;
    if (h->checkpoint_kind[k] == REF_CK_FRESH)
        fresh_state(a->state, 0);
    else
        memcpy(a->state, a->checkpoint[k], h->checkpoint_size[k]);
    size_t scratch_size = 0;
    void *scratch = NULL;
    for (uint64_t off = 0; off < h->log_end[k];) {
        const struct ref_record *rec = (const struct ref_record *)(a->log[k] + off);
        if (rec->out_len > scratch_size) {
            free(scratch);
            scratch_size = rec->out_len;
            scratch = malloc(scratch_size);
            if (!scratch)
                abort();               /* cannot rebuild: never carry on corrupt */
        }
        model_apply(&a->state->ns, &rec->rq, rec->in, scratch);
        off += rec->size;
    }
    free(scratch);
}

/* The lock is glibc's robust mutex, which makes a holder's death visible
 * (EOWNERDEAD).  One hole is closed here: a holder killed inside unlock,
 * after releasing the word and before waking a sleeper, loses that wake-up
 * when another process takes and releases the lock meanwhile (the kernel
 * wakes at the death only if the word is still free).  So whoever sleeps
 * for the lock is counted, and every unlock wakes one sleeper while the
 * count says there are any.  The count is exact after a contender's death
 * too: the keeper takes the dead process's share back (its flag says). */
void ref_lock(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    int rc = pthread_mutex_trylock(&h->lock);
    if (rc == EBUSY) {
        __atomic_add_fetch(&h->lock_contenders, 1, __ATOMIC_SEQ_CST);
        if (a->contending)
            __atomic_store_n(a->contending, 1, __ATOMIC_SEQ_CST);
        rc = pthread_mutex_lock(&h->lock);
        if (a->contending)
            __atomic_store_n(a->contending, 0, __ATOMIC_SEQ_CST);
        __atomic_sub_fetch(&h->lock_contenders, 1, __ATOMIC_SEQ_CST);
    }
    if (rc == EOWNERDEAD) {
        rebuild(a);
        h->recoveries++;
        pthread_mutex_consistent(&h->lock);
    } else if (rc != 0) {
        abort();                       /* ENOTRECOVERABLE: a bug, not a state */
    }
}

void ref_unlock(struct ref_arena *a)
{
    struct ref_header *h = a->hdr;
    pthread_mutex_unlock(&h->lock);
    if (__atomic_load_n(&h->lock_contenders, __ATOMIC_SEQ_CST) > 0)
        syscall(SYS_futex, &h->lock.__data.__lock, FUTEX_WAKE, 1, NULL, NULL, 0);
}

void ref_forget_contender(struct ref_arena *a, uint32_t *contending)
{
    if (__atomic_exchange_n(contending, 0, __ATOMIC_SEQ_CST))
        __atomic_sub_fetch(&a->hdr->lock_contenders, 1, __ATOMIC_SEQ_CST);
}

static size_t record_size(size_t in_len)
{
    return (sizeof(struct ref_record) + in_len + 7) & ~(size_t)7;
}

long ref_txn(struct ref_arena *a, const struct model_request *rq, const void *user_in, void *out)
{
    struct ref_header *h = a->hdr;
    size_t out_len;
    size_t in_len = model_input_size(&a->state->ns, rq, &out_len);
    struct ref_record head = { .size = (uint32_t)record_size(in_len), .in_len = (uint32_t)in_len,
                               .out_len = (uint32_t)out_len, .rq = *rq };
    h->transactions++;
    if (head.size > REF_LOG_SIZE - h->log_end[h->current])
        checkpoint(a);
    if (head.size <= REF_LOG_SIZE) {
        uint32_t k = h->current;
        struct ref_record *logged = (struct ref_record *)(a->log[k] + h->log_end[k]);
        memcpy(logged, &head, sizeof(head));
        if (in_len)
            memcpy(logged->in, user_in, in_len);
        long ret = model_apply(&a->state->ns, &logged->rq, logged->in, out);
        if (a->crash_countdown && --a->crash_countdown == 0)
            kill(getpid(), SIGKILL);
        __atomic_store_n(&h->log_end[k], h->log_end[k] + logged->size, __ATOMIC_RELEASE);
        return ret;
    }
    /* too big to log: applied right after a checkpoint and made durable by
     * the next one, so a death in between undoes it */
    long ret = model_apply(&a->state->ns, rq, user_in, out);
    checkpoint(a);
    return ret;
}

long ref_arena_verify_replay(struct ref_arena *a)
{
    size_t used = state_used(a->state);
    unsigned char *live = malloc(used);
    if (!live)
        return -1;
    memcpy(live, a->state, used);
    rebuild(a);
    size_t rebuilt = state_used(a->state);
    long diff = 0;
    if (rebuilt != used)
        diff = (long)(rebuilt < used ? rebuilt : used) + 1;
    for (size_t i = 0; !diff && i < used; i++)
        if (((unsigned char *)a->state)[i] != live[i])
            diff = (long)i + 1;
    memcpy(a->state, live, used);
    free(live);
    return diff;
}
