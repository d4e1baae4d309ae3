/*
 * memo.c - a bounded map of short strings (see memo.h)
 *
 * Direct-mapped slots: a key hashes to one slot. Good enough for caches
 * whose misses are settled elsewhere (the drain, PostgreSQL).
 */
#include "memo.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

struct slot {
    char key[MEMO_KEY_MAX + 1]; /* "" when free */
    char value[MEMO_VALUE_MAX + 1];
    int64_t at_us;
};

struct memo {
    struct slot *slots;
    unsigned mask;
    pthread_mutex_t lock[STRIPES];
};

struct memo *
memo_new(unsigned slots)
{
    unsigned size = STRIPES;
    while (size < slots && size < (1u << 22))
        size <<= 1;
    struct memo *m = calloc(1, sizeof *m);
    if (!m || !(m->slots = calloc(size, sizeof *m->slots))) {
        free(m);
        return NULL;
    }
    m->mask = size - 1;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&m->lock[i], NULL);
    return m;
}

void
memo_free(struct memo *m)
{
    if (!m) return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&m->lock[i]);
    free(m->slots);
    free(m);
}

/* The slot of `key`, its stripe locked; NULL (nothing locked) for a key too long to store. */
static struct slot *
lock_slot(struct memo *m, const char *key, pthread_mutex_t **lock)
{
    if (strlen(key) > MEMO_KEY_MAX) return NULL;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    *lock = &m->lock[h % STRIPES]; /* slot index and stripe share the low bits */
    pthread_mutex_lock(*lock);
    return &m->slots[h & m->mask];
}

static bool
holds(const struct slot *s, const char *key)
{
    return s->key[0] && strcmp(s->key, key) == 0;
}

bool
memo_claim(struct memo *m, const char *key, char *value, size_t len, struct memo_hold *h)
{
    pthread_mutex_t *lock;
    *h = (struct memo_hold){NULL, NULL};
    struct slot *s = lock_slot(m, key, &lock);
    if (!s) return true;
    if (holds(s, key)) {
        snprintf(value, len, "%s", s->value);
        pthread_mutex_unlock(lock);
        return false;
    }
    snprintf(s->key, sizeof s->key, "%s", key); /* evicts what held the slot */
    s->value[0] = '\0', s->at_us = 0;
    *h = (struct memo_hold){s, lock};
    return true;
}

void
memo_settle(struct memo_hold *h, const char *value)
{
    struct slot *s = h->slot;
    if (!s) return;
    if (value && strlen(value) <= MEMO_VALUE_MAX)
        snprintf(s->value, sizeof s->value, "%s", value);
    else
        s->key[0] = '\0'; /* a value too long to store: as if never claimed */
    pthread_mutex_unlock(h->lock);
    *h = (struct memo_hold){NULL, NULL};
}

bool
memo_get(struct memo *m, const char *key, int64_t since_us, char *value, size_t len)
{
    pthread_mutex_t *lock;
    struct slot *s = lock_slot(m, key, &lock);
    if (!s) return false;
    bool found = holds(s, key) && s->at_us >= since_us;
    if (found) snprintf(value, len, "%s", s->value);
    pthread_mutex_unlock(lock);
    return found;
}

void
memo_put(struct memo *m, const char *key, const char *value, int64_t now_us)
{
    pthread_mutex_t *lock;
    if (strlen(value) > MEMO_VALUE_MAX) return;
    struct slot *s = lock_slot(m, key, &lock);
    if (!s) return;
    snprintf(s->key, sizeof s->key, "%s", key);
    snprintf(s->value, sizeof s->value, "%s", value);
    s->at_us = now_us;
    pthread_mutex_unlock(lock);
}
