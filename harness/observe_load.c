/* observe_load.c: observe_load.h with dlopen: the observer's functions
 * are found in libsvipc-observe.so by name.
 * The library's JSON comes from the same libjansson.so as svipc's (svipc
 * is linked dynamically; the static svipc of the VM target never observes).
 * Must not: link libbpf into svipc, or load anything unless asked. */
#define _GNU_SOURCE
#include "observe_load.h"

#include "../observe/observe.h"
#include "paths.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The observer's runtime object: the library and its functions. */
struct observe_handle {
    void *library;
    struct observer *observer;
    struct observer *(*open)(char *, size_t);
    int (*scope)(struct observer *);
    int (*take)(struct observer *, struct observation *);
    void (*close)(struct observer *);
    json_t *(*json)(const struct observation *, long);
    int scoped;                 /* this runner is a scope */
    struct observation seen;    /* one scenario's, kept off the runner's stack */
};

struct observe_handle *observe_load(char *why, size_t size)
{
    char path[4096];
    svipc_path(SVIPC_OBSERVER, path, sizeof(path));
    struct observe_handle *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(why, size, "out of memory");
        return NULL;
    }
    if (!(h->library = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        const char *err = dlerror();
        snprintf(why, size, "%s cannot be loaded (%s): svipc was built without libbpf, clang or bpftool "
                            "(ci/install-deps.sh bench, then make)", path, err ? err : "no reason given");
        free(h);
        return NULL;
    }
    *(void **)&h->open = dlsym(h->library, "observer_open");
    *(void **)&h->scope = dlsym(h->library, "observer_scope");
    *(void **)&h->take = dlsym(h->library, "observer_take");
    *(void **)&h->close = dlsym(h->library, "observer_close");
    *(void **)&h->json = dlsym(h->library, "observation_json");
    if (!h->open || !h->scope || !h->take || !h->close || !h->json) {
        snprintf(why, size, "%s lacks the observer's functions (another build's library?)", path);
        observe_unload(h);
        return NULL;
    }
    if (!(h->observer = h->open(why, size))) {
        observe_unload(h);
        return NULL;
    }
    return h;
}

int observe_runner(struct observe_handle *h)
{
    h->scoped = h->scope(h->observer) == 0;
    return h->scoped ? 0 : -1;
}

void observe_scenario_begin(struct observe_handle *h)
{
    if (!h->scoped)
        return;
    memset(&h->seen, 0, sizeof(h->seen));
    h->take(h->observer, &h->seen);
}

json_t *observe_scenario_end(struct observe_handle *h)
{
    if (!h->scoped)
        return NULL;
    memset(&h->seen, 0, sizeof(h->seen));
    if (h->take(h->observer, &h->seen) < 0)
        return NULL;
    return h->json(&h->seen, 0);
}

void observe_unload(struct observe_handle *h)
{
    if (!h)
        return;
    if (h->observer)
        h->close(h->observer);
    if (h->library)
        dlclose(h->library);
    free(h);
}
