/*
 * tpl_set.c - a named, thread-safe cache of compiled templates (see tpl.h)
 *
 * Partials are compiled once, on first use, and kept until the set is
 * freed: a render holding a template from the set never sees it vanish,
 * even when tpl_set_add() replaces it (the old one is retired, not freed).
 * A name the loader did not find is remembered as missing, so a template
 * naming an absent partial costs one load, not one per message. The table
 * is bounded; one mutex guards it (lookups are short, loads are rare).
 */
#include "tpl_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS    256
#define MAX_ENTRIES 4096

struct entry {
    struct entry *next;
    struct tpl *t; /* NULL: known to be missing */
    char name[];
};

struct tpl_set {
    pthread_mutex_t mu;
    struct entry *bucket[NBUCKETS];
    size_t count;
    struct tpl **retired; /* replaced templates, freed with the set */
    size_t nretired;
    tpl_load_fn load;
    void *load_ctx;
    size_t max_source;
};

static unsigned
hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % NBUCKETS;
}

static struct entry *
find(struct tpl_set *s, const char *name)
{
    for (struct entry *e = s->bucket[hash(name)]; e; e = e->next)
        if (strcmp(e->name, name) == 0) return e;
    return NULL;
}

static struct entry *
insert(struct tpl_set *s, const char *name)
{
    if (s->count == MAX_ENTRIES) return NULL;
    size_t n = strlen(name);
    struct entry *e = calloc(1, sizeof *e + n + 1);
    if (!e) return NULL;
    memcpy(e->name, name, n + 1);
    unsigned h = hash(name);
    e->next = s->bucket[h];
    s->bucket[h] = e;
    s->count++;
    return e;
}

struct tpl_set *
tpl_set_new(tpl_load_fn load, void *load_ctx, const struct tpl_opts *opts)
{
    struct tpl_set *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return NULL;
    }
    s->load = load;
    s->load_ctx = load_ctx;
    s->max_source = opts ? opts->max_source : 0;
    return s;
}

void
tpl_set_free(struct tpl_set *s)
{
    if (!s) return;
    for (int i = 0; i < NBUCKETS; i++) {
        for (struct entry *e = s->bucket[i], *next; e; e = next) {
            next = e->next;
            tpl_free(e->t);
            free(e);
        }
    }
    for (size_t i = 0; i < s->nretired; i++)
        tpl_free(s->retired[i]);
    free(s->retired);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static struct tpl *
compile(struct tpl_set *s, const char *name, const char *src, size_t len, struct tpl_error *err)
{
    struct tpl_opts o = {.name = name, .max_source = s->max_source};
    return tpl_compile(src, len, &o, err);
}

__attribute__((format(printf, 2, 3))) static int
set_err(struct tpl_error *err, const char *fmt, ...)
{
    va_list ap;
    memset(err, 0, sizeof *err);
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static int
add_locked(struct tpl_set *s, const char *name, struct tpl *t, struct tpl_error *err)
{
    struct entry *e = find(s, name);
    if (!e && !(e = insert(s, name)))
        return set_err(err, "cannot add template \"%s\": too many templates or out of memory",
                       name);
    if (e->t) {
        struct tpl **r = realloc(s->retired, (s->nretired + 1) * sizeof *r);
        if (!r) return set_err(err, "cannot replace template \"%s\": out of memory", name);
        s->retired = r;
        s->retired[s->nretired++] = e->t;
    }
    e->t = t;
    return 0;
}

int
tpl_set_add(struct tpl_set *s, const char *name, const char *src, size_t len, struct tpl_error *err)
{
    struct tpl_error dummy;
    if (!err) err = &dummy;
    if (strlen(name) > TPL_MAX_NAME)
        return set_err(err, "template name \"%.40s...\" is too long", name);
    struct tpl *t = compile(s, name, src, len, err);
    if (!t) return -1;
    pthread_mutex_lock(&s->mu);
    int rc = add_locked(s, name, t, err);
    pthread_mutex_unlock(&s->mu);
    if (rc < 0) tpl_free(t);
    return rc;
}

/* Load and compile `name` into entry e (mutex held). */
static const struct tpl *
load_locked(struct tpl_set *s, struct entry *e, const char *name, struct tpl_error *err)
{
    struct buf src = BUF_INIT;
    int found = s->load(s->load_ctx, name, &src, err);
    struct tpl *t = NULL;
    if (found > 0) t = compile(s, name, buf_str(&src), src.len, err);
    buf_free(&src);
    if (found < 0 && !err->msg[0]) set_err(err, "cannot load template \"%s\"", name);
    if (t && e)
        e->t = t;
    else if (t)
        tpl_free(t), t = NULL, set_err(err, "cannot cache template \"%s\"", name);
    return t;
}

const struct tpl *
tpl_set_get(struct tpl_set *s, const char *name, struct tpl_error *err)
{
    struct tpl_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    if (!name || strlen(name) > TPL_MAX_NAME) return NULL;
    pthread_mutex_lock(&s->mu);
    const struct tpl *t = NULL;
    struct entry *e = find(s, name);
    if (e) {
        t = e->t;
    } else if (s->load) {
        e = insert(s, name); /* NULL when full: load anyway, but remember nothing */
        t = load_locked(s, e, name, err);
        if (!t && e && err->msg[0]) { /* failures are retried next time, misses are not */
            s->bucket[hash(name)] = e->next;
            s->count--;
            free(e);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return t;
}

const struct tpl *
tpl_set_partial(void *set, const char *name, struct tpl_error *err)
{
    return tpl_set_get(set, name, err);
}
