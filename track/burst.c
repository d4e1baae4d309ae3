/*
 * burst.c - recent clicks per message (see burst.h)
 */
#include "burst.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 64

struct slot {
    unsigned char message[16];
    int64_t contact;
    uint32_t link[BURST_LINKS];
    int64_t at[BURST_LINKS];
    unsigned n;
};

struct burst {
    struct slot *slots;
    unsigned mask;
    pthread_mutex_t lock[STRIPES];
};

struct burst *
burst_new(unsigned slots)
{
    unsigned size = STRIPES;
    while (size < slots && size < (1u << 24))
        size <<= 1;
    struct burst *b = calloc(1, sizeof *b);
    if (!b || !(b->slots = calloc(size, sizeof *b->slots))) {
        free(b);
        return NULL;
    }
    b->mask = size - 1;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_init(&b->lock[i], NULL);
    return b;
}

void
burst_free(struct burst *b)
{
    if (!b) return;
    for (int i = 0; i < STRIPES; i++)
        pthread_mutex_destroy(&b->lock[i]);
    free(b->slots);
    free(b);
}

/* FNV-1a over the message and contact. */
static uint32_t
slot_hash(const unsigned char message[16], int64_t contact)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ message[i]) * 16777619u;
    for (int i = 0; i < 8; i++)
        h = (h ^ (unsigned char)((uint64_t)contact >> (8 * i))) * 16777619u;
    return h;
}

/* Drop the clicks that left the window, keeping the order of the rest. */
static void
slot_expire(struct slot *s, int64_t since)
{
    unsigned kept = 0;
    for (unsigned i = 0; i < s->n; i++) {
        if (s->at[i] < since) continue;
        s->link[kept] = s->link[i];
        s->at[kept++] = s->at[i];
    }
    s->n = kept;
}

/* Record `link` at `now`: refresh it if present, else append (evicting the oldest). */
static void
slot_add(struct slot *s, uint32_t link, int64_t now)
{
    for (unsigned i = 0; i < s->n; i++) {
        if (s->link[i] != link) continue;
        s->at[i] = now;
        return;
    }
    if (s->n == BURST_LINKS) {
        memmove(s->link, s->link + 1, (BURST_LINKS - 1) * sizeof s->link[0]);
        memmove(s->at, s->at + 1, (BURST_LINKS - 1) * sizeof s->at[0]);
        s->n--;
    }
    s->link[s->n] = link;
    s->at[s->n++] = now;
}

unsigned
burst_note(struct burst *b, const unsigned char message[16], int64_t contact, uint32_t link,
           int64_t now_us, int64_t window_us)
{
    uint32_t h = slot_hash(message, contact);
    struct slot *s = &b->slots[h & b->mask];
    pthread_mutex_t *lock = &b->lock[h % STRIPES];
    pthread_mutex_lock(lock);
    bool same = s->contact == contact && memcmp(s->message, message, 16) == 0;
    if (!same) { /* another message's slot, or empty: take it over */
        memcpy(s->message, message, 16);
        s->contact = contact;
        s->n = 0;
    }
    slot_expire(s, now_us - window_us);
    slot_add(s, link, now_us);
    unsigned n = s->n;
    pthread_mutex_unlock(lock);
    return n;
}
