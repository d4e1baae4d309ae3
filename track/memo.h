/*
 * memo.h - a small bounded map of short strings, for what the tracker remembers
 *
 * Owns: a fixed number of slots mapping a key to a value, each with the
 * time it was stored. A new key in a taken slot evicts the old one, so it
 * is a cache: whatever is looked up here must also be right when the
 * entry is gone. Two uses (gen.h):
 *
 *     idempotency keys   "tenant\x1fkey" -> the event id that holds it and
 *                        its spool sequence number, to answer an events
 *                        API repeat with the first id once that is
 *                        durable, before the drain has put it into
 *                        PostgreSQL
 *     contact tenants    "contact id" -> tenant, to pick a contact's pages
 *                        without asking PostgreSQL each time
 *
 * Keys and values longer than MEMO_KEY_MAX / MEMO_VALUE_MAX are never
 * stored (lookups miss, claims succeed).
 *
 * Depends on: pthreads.
 *
 * THREADS
 *     Any thread; slots are locked in stripes.
 */
#ifndef TERN_TRACK_MEMO_H
#define TERN_TRACK_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMO_KEY_MAX   200
#define MEMO_VALUE_MAX 63

struct memo;

/* A map of about `slots` entries (a power of two is used); NULL when out of memory. */
struct memo *memo_new(unsigned slots);
void memo_free(struct memo *m);

/* A key claimed and not settled yet: its stripe stays locked. */
struct memo_hold {
    void *slot, *lock; /* NULL: a key too long to store, nothing held */
};

/*
 * Claim `key` unless the key is there already: true when it is now the
 * caller's, false when an earlier value holds it; that value is copied
 * into `value` (`len` bytes, at least MEMO_VALUE_MAX + 1). A claim keeps
 * the key's stripe locked until memo_settle, so whatever the caller does
 * in between (append the event the key stands for) is done before a
 * repeat of the key can see the claim. Keep it short: it holds up every
 * key of the stripe.
 */
bool memo_claim(struct memo *m, const char *key, char *value, size_t len, struct memo_hold *h);

/* End a claim: store `value` under its key, or with NULL leave the key unclaimed. */
void memo_settle(struct memo_hold *h, const char *value);

/* The value of `key` stored at or after `since_us`, copied into `value`; false when none. */
bool memo_get(struct memo *m, const char *key, int64_t since_us, char *value, size_t len);

/* Store `value` under `key` at `now_us`, replacing what was there. */
void memo_put(struct memo *m, const char *key, const char *value, int64_t now_us);

#endif
