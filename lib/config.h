/*
 * config.h - tern.conf: the table of known keys, loading and validation
 *
 * Owns: the in-memory configuration snapshot. The file is INI (parsed by
 * libinih); every section and key Tern understands is listed in one table
 * in config.c with its type, default and whether it is required. Loading
 * validates everything at once and reports every problem as
 *
 *     tern.conf:7: [database] pool_size: "lots" is not a whole number
 *
 * so a daemon refuses to start instead of failing later. A loaded snapshot
 * is immutable and reference-counted: a reload builds a new one while
 * messages in flight keep theirs.
 * Depends on: lib/buf, libinih, libpq (to validate connection strings).
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define CONFIG_DEFAULT_PATH "/etc/tern/tern.conf"

struct config {
    struct {
        char *url;                    /* libpq URI or key=value string */
        int pool_size;                /* connections per process */
        int64_t statement_timeout_ms; /* applied to every pooled connection */
        int64_t connect_timeout_ms;
    } database;
    struct {
        char *hmac;     /* "k1:<base64 secret>", signs new tokens */
        char *hmac_old; /* comma-separated, verify only; NULL when unset */
    } keys;
    struct {
        int level; /* enum log_level */
        bool syslog;
    } log;
    struct {
        char *socket;             /* libmilter syntax: unix:/path, inet:port@host */
        char *trusted_networks;   /* "127.0.0.0/8, ::1" (validated) */
        char *managed_senders;    /* "news@example.com, @shop.example" or NULL */
        char *multi_recipient;    /* "anonymous" or "split" */
        int64_t max_size;         /* bytes */
        char *on_error;           /* "deliver" or "tempfail" */
        char *notrack_domains;    /* comma-separated or NULL */
        char *tenant;             /* default tenant */
        char *sasl_tenants;       /* "login:tenant, ..." or NULL */
        char *unsubscribe_mailto; /* NULL: https List-Unsubscribe only */
        char *spool;
        int64_t spool_max; /* bytes */
        int contact_cache; /* entries */
        int64_t contact_ttl_ms;
        int64_t render_timeout_ms; /* a message's templates render within this */
    } milter;
    struct {
        char *listen;   /* host:port or unix:/path */
        char *base_url; /* https://t.example.com, no trailing slash */
        bool honeypot;
        int threads;
        int max_connections;
        char *spool;
        int64_t spool_max;        /* bytes */
        char *pages;              /* NULL: built-in pages */
        char *tls_cert;           /* PEM certificate chain: serve HTTPS itself; NULL: plain HTTP */
        char *tls_key;            /* PEM private key of tls_cert */
        int api_rate;             /* requests/s per API key */
        char *trusted_proxies;    /* CIDR list whose X-Forwarded-For is believed */
        int64_t max_body;         /* bytes of a POST body */
        char *scanner_networks;   /* CIDR list or NULL */
        char *scanner_agents;     /* comma-separated substrings */
        char *image_proxy_agents; /* comma-separated substrings */
        char *apple_mpp_networks; /* CIDR list or NULL */
        int64_t scanner_delay_ms;
        int scanner_burst;
        int64_t burst_window_ms;
        char *topics; /* comma-separated topic names of the preference page */
    } track;
    struct {
        char *scripts;
        char *templates;
        char *smtp;                  /* smtp://host:port */
        char *from;                  /* From when a template has none; NULL: none */
        int send_connections;        /* submissions in flight per sender */
        int64_t send_pass_ms;        /* a sender's pass starts submissions this long */
        int64_t idempotency_keep_ms; /* events API idempotency keys older than this go; 0: kept */
        int64_t rejects_keep_ms;     /* unplaced items, set-aside records older go; 0: kept */
    } engine;
    struct {
        int64_t memory; /* bytes per state */
        int64_t call_timeout_ms;
        int states;
    } lua;

    char *path;   /* the file this came from */
    int refcount; /* see config_ref() */
};

/*
 * Resolve which file to read: `explicit_path` (from -c) if given, else
 * $TERN_CONFIG, else CONFIG_DEFAULT_PATH.
 */
const char *config_path(const char *explicit_path);

/*
 * Load and validate `path`. On success returns a snapshot with refcount 1.
 * On failure returns NULL and appends one line per problem to `errors`
 * ("file:line: [section] key: reason"); nothing is half-applied.
 */
struct config *config_load(const char *path, struct buf *errors);

/* Same, from a string (tests); `name` stands in for the file name. */
struct config *config_load_string(const char *name, const char *text, struct buf *errors);

/* Reference counting for snapshots shared between threads. */
struct config *config_ref(struct config *cfg);
void config_unref(struct config *cfg);

/*
 * Write every known key with its type, default and description, as a
 * commented example tern.conf (used by `tern check-config --defaults`).
 */
void config_describe(struct buf *out);

/* Parsers shared with other modules (CLI flags use the same syntax). */
bool config_parse_duration_ms(const char *s, int64_t *ms);
bool config_parse_size(const char *s, int64_t *bytes);

/*
 * Iterate over a comma-separated list value (T_LIST, T_CIDRLIST, hmac_old):
 * each call copies the next entry, trimmed, into `item` and returns true;
 * false at the end. `*pos` starts at the value. Entries longer than
 * `itemlen - 1` are truncated.
 */
bool config_list_next(const char **pos, char *item, size_t itemlen);
bool config_parse_bool(const char *s, bool *v);

#endif
