/*
 * tplcache.c - a small LRU table of compiled templates (see tplcache.h)
 */
#include "tplcache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One compiled template; `refs` counts the table's own reference and each holder. */
struct tplc_hold {
    struct tpl *tpl;
    char *src; /* NULL: not cached (too large, or no memory for the copy) */
    size_t len;
    char name[16];
    unsigned long used; /* tick of the last hit, for LRU */
    int refs;           /* under the lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tplc_hold *table[TPLC_ENTRIES];
static unsigned long tick;

static void
hold_free(struct tplc_hold *h)
{
    tpl_free(h->tpl);
    free(h->src);
    free(h);
}

/* Drop one reference; under the lock. True when `h` is to be freed (outside it). */
static bool
unref(struct tplc_hold *h)
{
    return --h->refs == 0;
}

static bool
same(const struct tplc_hold *h, const char *src, size_t len, const char *name)
{
    return h->len == len && strcmp(h->name, name) == 0 && memcmp(h->src, src, len) == 0;
}

/* A cached entry for this source, referenced for the caller; under the lock. */
static struct tplc_hold *
lookup(const char *src, size_t len, const char *name)
{
    for (size_t i = 0; i < TPLC_ENTRIES; i++) {
        struct tplc_hold *h = table[i];
        if (h && same(h, src, len, name)) {
            h->used = ++tick;
            h->refs++;
            return h;
        }
    }
    return NULL;
}

/* Put `h` in the table in place of the least recently used; returns the one pushed out. */
static struct tplc_hold *
insert(struct tplc_hold *h)
{
    size_t victim = 0;
    for (size_t i = 0; i < TPLC_ENTRIES; i++) {
        if (table[i] && same(table[i], h->src, h->len, h->name)) return NULL; /* raced: keep it */
        if (!table[i]) {
            victim = i;
            break;
        }
        if (table[i]->used < table[victim]->used) victim = i;
    }
    struct tplc_hold *old = table[victim];
    h->used = ++tick;
    h->refs++; /* the table's */
    table[victim] = h;
    return old && unref(old) ? old : NULL;
}

/* A fresh entry for `src`, compiled and (when small enough) copied for later hits. */
static struct tplc_hold *
compile(const char *src, size_t len, const char *name, struct tpl_error *te)
{
    struct tplc_hold *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(te->msg, sizeof te->msg, "out of memory");
        return NULL;
    }
    struct tpl_opts o = {.name = name};
    if (!(h->tpl = tpl_compile(src, len, &o, te))) {
        free(h);
        return NULL;
    }
    h->refs = 1; /* the caller's */
    h->len = len;
    snprintf(h->name, sizeof h->name, "%s", name);
    if (len <= TPLC_MAX_SOURCE && strlen(name) < sizeof h->name && (h->src = malloc(len + 1))) {
        memcpy(h->src, src, len);
        h->src[len] = '\0';
    }
    return h;
}

const struct tpl *
tplc_get(const char *src, size_t len, const char *name, struct tpl_error *te,
         struct tplc_hold **hold)
{
    pthread_mutex_lock(&lock);
    struct tplc_hold *h = lookup(src, len, name);
    pthread_mutex_unlock(&lock);
    if (!h) {
        if (!(h = compile(src, len, name, te))) {
            *hold = NULL;
            return NULL;
        }
        if (h->src) {
            pthread_mutex_lock(&lock);
            struct tplc_hold *old = insert(h);
            pthread_mutex_unlock(&lock);
            if (old) hold_free(old);
        }
    }
    *hold = h;
    return h->tpl;
}

void
tplc_release(struct tplc_hold *h)
{
    if (!h) return;
    pthread_mutex_lock(&lock);
    bool last = unref(h);
    pthread_mutex_unlock(&lock);
    if (last) hold_free(h);
}

void
tplc_clear(void)
{
    struct tplc_hold *gone[TPLC_ENTRIES];
    size_t n = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < TPLC_ENTRIES; i++) {
        if (table[i] && unref(table[i])) gone[n++] = table[i];
        table[i] = NULL;
    }
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < n; i++)
        hold_free(gone[i]);
}
