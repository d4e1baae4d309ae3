/*
 * apikeys.h - the events API's active keys, in memory, with a rate limit each
 *
 * Owns: a copy of the active rows of tern.api_keys (id, tenant, secret
 * hash), reloaded from PostgreSQL every APIKEYS_REFRESH_S seconds by the
 * daemon, so checking a key costs no query and keeps working while
 * PostgreSQL is briefly away (a revoked key stops working within one
 * refresh). Each key has a token bucket: track.api_rate requests per
 * second, bursts of twice that. The daemon saves the set to a file (ids,
 * tenants and hashes, never a secret) and loads it when it starts while
 * PostgreSQL is away, so the API keeps accepting events across a restart
 * during an outage.
 *
 * THREADS
 *     Any thread may check; one thread reloads. One mutex.
 *
 * Depends on: libpq, OpenSSL (CRYPTO_memcmp), track/apikey.
 */
#ifndef TERN_TRACK_APIKEYS_H
#define TERN_TRACK_APIKEYS_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "apikey.h"

#define APIKEYS_REFRESH_S 5

enum apikeys_verdict { APIKEY_OK, APIKEY_UNKNOWN, APIKEY_LIMITED };

struct apikeys;

struct apikeys *apikeys_new(void);
void apikeys_free(struct apikeys *k);

/* Replace the key set with the active rows of tern.api_keys. -1 with a reason. */
int apikeys_reload(struct apikeys *k, PGconn *conn, char *err, size_t errlen);

/* Write the key set to `path` (mode 0600, replaced atomically) unless it
 * is what the last call wrote. -1 with a reason. */
int apikeys_save(struct apikeys *k, const char *path, char *err, size_t errlen);

/* Replace the key set with one saved by apikeys_save: the number of keys,
 * or -1 with a reason ("PATH:3: not a saved key", no such file). */
int apikeys_load(struct apikeys *k, const char *path, char *err, size_t errlen);

/*
 * Check the `Authorization` header value ("Bearer tern_..."): OK with the
 * key's id and tenant copied out, UNKNOWN (missing, malformed, unknown,
 * revoked, wrong secret: all the same answer), or LIMITED when the key is
 * over `rate` requests per second at `now_us`.
 */
enum apikeys_verdict apikeys_check(struct apikeys *k, const char *authorization, int rate,
                                   int64_t now_us, char id[APIKEY_ID_LEN + 1], char tenant[64]);

#endif
