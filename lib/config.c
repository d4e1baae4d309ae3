/*
 * config.c - load and validate tern.conf (see config.h)
 *
 * The policy is data: `keys[]` lists every section/key with its type,
 * default, flags and a one-line description. libinih tokenizes the file; we
 * feed it line by line through our own reader so every key reaches the
 * handler with its line number. Values are validated by type, defaults are
 * applied first, required keys are checked last, and every problem found
 * is reported, not just the first.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <ini.h>
#include <netinet/in.h>
#include <libpq-fe.h>
#include <sys/un.h>

#include "email.h"
#include "log.h"
#include "tenant.h"
#include "token.h"

enum cfg_type {
    T_STRING,
    T_PATH,     /* absolute path */
    T_DBURL,    /* libpq connection string */
    T_HTTPURL,  /* http(s)://host[:port][/path], no trailing slash */
    T_SMTPURL,  /* smtp(s)://host[:port] */
    T_INT,      /* whole number within [min, max] */
    T_BOOL,     /* on/off, yes/no, true/false, 1/0 */
    T_DURATION, /* 250ms, 30s, 5m, 2h, 1d */
    T_LEVEL,    /* log level name */
    T_HMAC,     /* key id ":" base64 secret of at least 32 bytes */
    T_HMACLIST, /* comma-separated T_HMAC */
    T_MSOCKET,  /* libmilter socket spec */
    T_LISTEN,   /* host:port, [v6]:port or unix:/path */
    T_SIZE,     /* 512, 64KB, 10MB, 1GB */
    T_CHOICE,   /* one of the words in cfg_key.choices */
    T_CIDRLIST, /* comma-separated addresses or networks: 127.0.0.0/8, ::1 */
    T_LIST,     /* comma-separated words, blanks around entries ignored */
    T_TENANT,   /* a tenant name (lib/tenant) */
    T_LOGINMAP, /* comma-separated login:tenant */
    T_ADDRESS,  /* a bare mail address: news@example.com */
    T_MAILBOX,  /* an address, or a display name and <address>: Shop <news@example.com> */
    T_SENDERS,  /* comma-separated addresses or @domains */
    T_DOMAINS,  /* comma-separated domain names, each may start with "." or "*." */
};

#define REQUIRED 1u

struct cfg_key {
    const char *section, *name;
    enum cfg_type type;
    size_t offset;
    const char *def; /* default as it would be written in the file; NULL: none */
    unsigned flags;
    long min, max; /* T_INT bounds; T_DURATION (ms) and T_SIZE (bytes) too when max > 0 */
    const char *help;
    const char *choices; /* T_CHOICE: the accepted words, separated by '|' */
};

#define OFF(f) offsetof(struct config, f)

/* Every key Tern knows. Adding a key here is all it takes to accept it. */
static const struct cfg_key keys[] = {
    {"database", "url", T_DBURL, OFF(database.url), NULL, REQUIRED, 0, 0,
     "PostgreSQL connection string (URI or key=value)", NULL},
    {"database", "pool_size", T_INT, OFF(database.pool_size), "4", 0, 1, 256,
     "connections each daemon keeps open (tern engine: one for its scripts' db.query)", NULL},
    {"database", "statement_timeout", T_DURATION, OFF(database.statement_timeout_ms), "5s", 0, 0, 0,
     "longest any single statement may run", NULL},
    {"database", "connect_timeout", T_DURATION, OFF(database.connect_timeout_ms), "5s", 0, 0, 0,
     "how long to wait for a connection to be established", NULL},
    {"keys", "hmac", T_HMAC, OFF(keys.hmac), NULL, REQUIRED, 0, 0,
     "current token signing key, <key id>:<base64 secret of 32+ bytes>", NULL},
    {"keys", "hmac_old", T_HMACLIST, OFF(keys.hmac_old), NULL, 0, 0, 0,
     "retired keys, comma-separated; still verified, never used to sign", NULL},
    {"log", "level", T_LEVEL, OFF(log.level), "info", 0, 0, 0, "error, warning, info or debug",
     NULL},
    {"log", "syslog", T_BOOL, OFF(log.syslog), "off", 0, 0, 0,
     "log to syslog (mail facility) instead of stderr", NULL},
    {"milter", "socket", T_MSOCKET, OFF(milter.socket), "unix:/run/tern/milter.sock", 0, 0, 0,
     "where tern milter listens (libmilter syntax)", NULL},
    {"milter", "trusted_networks", T_CIDRLIST, OFF(milter.trusted_networks), "127.0.0.0/8, ::1", 0,
     0, 0, "clients whose mail may be managed (SASL-authenticated clients always may)", NULL},
    {"milter", "managed_senders", T_SENDERS, OFF(milter.managed_senders), NULL, 0, 0, 0,
     "envelope senders managed without control headers: user@domain or @domain", NULL},
    {"milter", "multi_recipient", T_CHOICE, OFF(milter.multi_recipient), "anonymous", 0, 0, 0,
     "managed mail to several recipients: anonymous tracking, or split (452 after the first)",
     "anonymous|split"},
    {"milter", "max_size", T_SIZE, OFF(milter.max_size), "10MB", 0, 0, 0,
     "larger managed messages pass untouched (and are logged)", NULL},
    {"milter", "on_error", T_CHOICE, OFF(milter.on_error), "deliver", 0, 0, 0,
     "on an internal or script error: deliver the original untouched, or tempfail",
     "deliver|tempfail"},
    {"milter", "notrack_domains", T_DOMAINS, OFF(milter.notrack_domains), NULL, 0, 0, 0,
     "link domains never rewritten (subdomains included)", NULL},
    {"milter", "tenant", T_TENANT, OFF(milter.tenant), "default", 0, 0, 0,
     "tenant of managed mail that names none (X-Tern-Tenant)", NULL},
    {"milter", "sasl_tenants", T_LOGINMAP, OFF(milter.sasl_tenants), NULL, 0, 0, 0,
     "SASL logins that always send for one tenant: login:tenant, comma-separated", NULL},
    {"milter", "unsubscribe_mailto", T_ADDRESS, OFF(milter.unsubscribe_mailto), NULL, 0, 0, 0,
     "address added as mailto: to List-Unsubscribe (optional)", NULL},
    {"milter", "spool", T_PATH, OFF(milter.spool), "/var/spool/tern/milter", 0, 0, 0,
     "directory of the durable spool of message records", NULL},
    {"milter", "spool_max", T_SIZE, OFF(milter.spool_max), "1GB", 0, 0, 0,
     "spool size at which records are dropped (with a warning) until PostgreSQL catches up", NULL},
    {"milter", "contact_cache", T_INT, OFF(milter.contact_cache), "10000", 0, 0, 10000000,
     "contacts kept in the lookup cache (0: no cache)", NULL},
    {"milter", "render_timeout", T_DURATION, OFF(milter.render_timeout_ms), "5s", 0, 10, 60000,
     "time the templates of one message may take to render; longer is an error (on_error)", NULL},
    {"milter", "contact_ttl", T_DURATION, OFF(milter.contact_ttl_ms), "60s", 0, 0, 0,
     "how long a cached contact (or its absence) is trusted", NULL},
    {"track", "listen", T_LISTEN, OFF(track.listen), "127.0.0.1:8080", 0, 0, 0,
     "where tern track listens: host:port or unix:/path", NULL},
    {"track", "base_url", T_HTTPURL, OFF(track.base_url), NULL, REQUIRED, 0, 0,
     "public URL that tracking links point to", NULL},
    {"track", "honeypot", T_BOOL, OFF(track.honeypot), "off", 0, 0, 0,
     "add a hidden link to every message; hits on it are classified as machines", NULL},
    {"track", "threads", T_INT, OFF(track.threads), "2", 0, 1, 256, "HTTP worker threads", NULL},
    {"track", "max_connections", T_INT, OFF(track.max_connections), "1024", 0, 1, 1000000,
     "concurrent connections accepted", NULL},
    {"track", "spool", T_PATH, OFF(track.spool), "/var/spool/tern/track", 0, 0, 0,
     "directory of the durable event spool", NULL},
    {"track", "spool_max", T_SIZE, OFF(track.spool_max), "1GB", 0, 0, 0,
     "spool size at which new hits are refused with 503 until PostgreSQL catches up", NULL},
    {"track", "pages", T_PATH, OFF(track.pages), NULL, 0, 0, 0,
     "directory of page templates overriding the built-in ones (NAME.mustache)", NULL},
    {"track", "tls_cert", T_PATH, OFF(track.tls_cert), NULL, 0, 0, 0,
     "PEM certificate chain for serving HTTPS without a proxy in front (with tls_key; read"
     " again on SIGHUP)",
     NULL},
    {"track", "tls_key", T_PATH, OFF(track.tls_key), NULL, 0, 0, 0, "PEM private key of tls_cert",
     NULL},
    {"track", "api_rate", T_INT, OFF(track.api_rate), "50", 0, 1, 1000000,
     "events API requests per second per key (bursts of twice that)", NULL},
    {"track", "trusted_proxies", T_CIDRLIST, OFF(track.trusted_proxies), "127.0.0.0/8, ::1", 0, 0,
     0, "front proxies whose X-Forwarded-For names the real client", NULL},
    {"track", "max_body", T_SIZE, OFF(track.max_body), "1MB", 0, 0, 0,
     "largest POST body (forms, events API); larger ones get 413", NULL},
    {"track", "scanner_networks", T_CIDRLIST, OFF(track.scanner_networks), NULL, 0, 0, 0,
     "clients classified as scanners (security gateways that follow links)", NULL},
    {"track", "scanner_agents", T_LIST, OFF(track.scanner_agents),
     "bot, crawler, spider, scanner, preview, python-requests, python-urllib, go-http-client, "
     "curl/, wget/, libwww-perl, java/, okhttp, headlesschrome, phantomjs, barracuda, mimecast, "
     "proofpoint, symantec, forcepoint, trendmicro, fireeye, existence discovery",
     0, 0, 0, "user agent substrings (case-insensitive) classified as scanners", NULL},
    {"track", "image_proxy_agents", T_LIST, OFF(track.image_proxy_agents),
     "GoogleImageProxy, ggpht.com, YahooMailProxy", 0, 0, 0,
     "user agent substrings of mailbox providers' image proxies (opens)", NULL},
    {"track", "apple_mpp_networks", T_CIDRLIST, OFF(track.apple_mpp_networks), "17.0.0.0/8", 0, 0,
     0, "opens from here are Apple Mail Privacy Protection prefetches", NULL},
    {"track", "scanner_delay", T_DURATION, OFF(track.scanner_delay_ms), "10s", 0, 0, 0,
     "clicks sooner than this after the send are scanners (0s: off)", NULL},
    {"track", "scanner_burst", T_INT, OFF(track.scanner_burst), "3", 0, 0, 8, /* BURST_LINKS */
     "this many links of one message clicked within burst_window is a scanner (0: off)", NULL},
    {"track", "burst_window", T_DURATION, OFF(track.burst_window_ms), "2s", 0, 0, 0,
     "the window of scanner_burst", NULL},
    {"track", "topics", T_LIST, OFF(track.topics), "news, offers, events", 0, 0, 0,
     "topics a contact can choose on the preference page", NULL},
    {"engine", "scripts", T_PATH, OFF(engine.scripts), "/etc/tern/scripts", 0, 0, 0,
     "directory of journey, segment, hook and policy scripts", NULL},
    {"engine", "templates", T_PATH, OFF(engine.templates), "/etc/tern/templates", 0, 0, 0,
     "directory of Mustache templates", NULL},
    {"engine", "smtp", T_SMTPURL, OFF(engine.smtp), "smtp://127.0.0.1:25", 0, 0, 0,
     "where the engine submits mail (Postfix smtpd)", NULL},
    {"engine", "from", T_MAILBOX, OFF(engine.from), NULL, 0, 0, 0,
     "From of journey mail whose template names none (unset: such mail is parked)", NULL},
    {"engine", "send_connections", T_INT, OFF(engine.send_connections), "4", 0, 1, 64,
     "connections each sender keeps open to engine.smtp, one submission in flight on each", NULL},
    {"engine", "send_pass", T_DURATION, OFF(engine.send_pass_ms), "5m", 0, 1000, 300000,
     "how long one pass of a sender claims and submits mail before it records the last"
     " outcomes and ends (mail it still holds goes back due at once, untried)",
     NULL},
    {"engine", "idempotency_keep", T_DURATION, OFF(engine.idempotency_keep_ms), "30d", 0, 0, 0,
     "how long an idempotency key of the events API stops a retry from being written again;"
     " the engine deletes older keys (0s: never)",
     NULL},
    {"engine", "rejects_keep", T_DURATION, OFF(engine.rejects_keep_ms), "0s", 0, 0, 0,
     "how long an events API item the drain could not place stays in tern.event_rejects,"
     " and a spooled record PostgreSQL refused in tern.record_rejects;"
     " the engine deletes older ones (0s: kept until you delete them)",
     NULL},
    {"lua", "memory", T_SIZE, OFF(lua.memory), "64MB", 0, 1L << 20, 4L << 30,
     "memory budget of each Lua state", NULL},
    {"lua", "call_timeout", T_DURATION, OFF(lua.call_timeout_ms), "100ms", 0, 1, 600000,
     "time budget of one call into a script (its CPU time and query waits)", NULL},
    {"lua", "states", T_INT, OFF(lua.states), "4", 0, 1, 256,
     "pre-warmed Lua states of tern milter (tern engine runs one)", NULL},
};

#define NKEYS (sizeof keys / sizeof keys[0])

/* ---------------------------------------------------------------------
 * value parsers (string -> typed value)
 * --------------------------------------------------------------------- */

bool
config_parse_bool(const char *s, bool *v)
{
    static const char *const yes[] = {"1", "on", "yes", "true"};
    static const char *const no[] = {"0", "off", "no", "false"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) return *v = true;
        if (strcasecmp(s, no[i]) == 0) return !(*v = false);
    }
    return false;
}

static bool
parse_unit_number(const char *s, const char *const units[], const int64_t mult[], size_t nunits,
                  int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (end == s || errno || n < 0 || !isdigit((unsigned char)*s)) return false;
    for (size_t i = 0; i < nunits; i++) {
        if (strcasecmp(end, units[i]) != 0) continue;
        if (n > INT64_MAX / mult[i]) return false;
        *out = n * mult[i];
        return true;
    }
    return false;
}

bool
config_parse_duration_ms(const char *s, int64_t *ms)
{
    static const char *const units[] = {"ms", "s", "m", "h", "d", "w"};
    static const int64_t mult[] = {1, 1000, 60000, 3600000, 86400000, 604800000};
    return parse_unit_number(s, units, mult, 6, ms);
}

bool
config_parse_size(const char *s, int64_t *bytes)
{
    static const char *const units[] = {"",   "b",   "k", "kb", "kib", "m",
                                        "mb", "mib", "g", "gb", "gib"};
    static const int64_t mult[] = {1,       1,       1024,    1024,    1024,   1 << 20,
                                   1 << 20, 1 << 20, 1 << 30, 1 << 30, 1 << 30};
    return parse_unit_number(s, units, mult, 11, bytes);
}

/* ---------------------------------------------------------------------
 * validators: each returns NULL when `v` is acceptable, else the reason
 * --------------------------------------------------------------------- */

/* One "<key id>:<base64 secret>" entry; the token module owns the format. */
static const char *
check_hmac(const char *v, char *why, size_t n)
{
    return tok_key_parse(v, NULL, why, n) ? why : NULL;
}

bool
config_list_next(const char **pos, char *item, size_t itemlen)
{
    const char *p = *pos;
    while (*p == ',' || isspace((unsigned char)*p))
        p++;
    if (!*p) return false;
    size_t len = strcspn(p, ",");
    *pos = p + len;
    while (len > 0 && isspace((unsigned char)p[len - 1]))
        len--;
    if (itemlen == 0) return true;
    if (len >= itemlen) len = itemlen - 1;
    memcpy(item, p, len);
    item[len] = '\0';
    return true;
}

static const char *
check_hmac_list(const char *v, char *why, size_t n)
{
    char item[1100];
    for (const char *pos = v; config_list_next(&pos, item, sizeof item);)
        if (check_hmac(item, why, n)) return why;
    return NULL;
}

/* `n` bytes at `a` as a mail address (lib/email's rules, those of an import); why says why not. */
static const char *
check_address_n(const char *a, size_t n, char *why, size_t whylen)
{
    struct buf norm = BUF_INIT;
    char reason[160];
    enum email_status st = email_normalize(a, n, &norm, reason, sizeof reason);
    buf_free(&norm);
    if (st == EMAIL_OK) return NULL;
    snprintf(why, whylen, "\"%.*s\" is not a mail address: %s", (int)(n > 200 ? 200 : n), a,
             reason);
    return why;
}

static const char *
check_address(const char *v, char *why, size_t n)
{
    return check_address_n(v, strlen(v), why, n);
}

/* "news@example.com" or "Shop <news@example.com>": the part in <> is the address. */
static const char *
check_mailbox(const char *v, char *why, size_t n)
{
    const char *lt = strrchr(v, '<');
    if (!lt) return check_address(v, why, n);
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (len == 0 || v[len - 1] != '>' || v + len - 1 < lt)
        return "expected an address, or a name and <address>";
    return check_address_n(lt + 1, (size_t)(v + len - 1 - (lt + 1)), why, n);
}

/* "@example.com" or "news@example.com", each. */
static const char *
check_senders(const char *v, char *why, size_t n)
{
    char item[256], probe[264];
    for (const char *pos = v; config_list_next(&pos, item, sizeof item);) {
        if (item[0] != '@') {
            if (check_address(item, why, n)) return why;
            continue;
        }
        snprintf(probe, sizeof probe, "x%s", item); /* the domain, by the address rules */
        if (check_address(probe, why, n)) {
            snprintf(why, n, "\"%.100s\" is not a domain: expected @domain or user@domain", item);
            return why;
        }
    }
    return NULL;
}

/* "example.com", ".example.com" or "*.example.com", each. */
static const char *
check_domains(const char *v, char *why, size_t n)
{
    char item[256], probe[264];
    for (const char *pos = v; config_list_next(&pos, item, sizeof item);) {
        const char *d = item;
        if (d[0] == '*' && d[1] == '.') d += 2;
        if (d[0] == '.') d++;
        snprintf(probe, sizeof probe, "x@%s", d);
        if (strpbrk(d, "/:@*") || check_address(probe, why, n)) {
            snprintf(why, n, "\"%.100s\" is not a domain name like example.com or *.example.com",
                     item);
            return why;
        }
    }
    return NULL;
}

/* "192.0.2.0/24", "2001:db8::/32", "::1" or "10.1.2.3" */
static const char *
check_cidr(const char *v, char *why, size_t n)
{
    char addr[INET6_ADDRSTRLEN + 8];
    unsigned char raw[sizeof(struct in6_addr)];
    snprintf(addr, sizeof addr, "%s", v);
    char *slash = strchr(addr, '/');
    if (slash) *slash = '\0';
    int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, addr, raw) != 1) {
        snprintf(why, n, "\"%s\" is not an IPv4 or IPv6 address", v);
        return why;
    }
    if (!slash) return NULL;
    char *end;
    long bits = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end || bits < 0 || bits > (family == AF_INET ? 32 : 128)) {
        snprintf(why, n, "\"%s\" has a bad prefix length", v);
        return why;
    }
    return NULL;
}

static const char *
check_cidr_list(const char *v, char *why, size_t n)
{
    char item[INET6_ADDRSTRLEN + 8];
    for (const char *pos = v; config_list_next(&pos, item, sizeof item);)
        if (check_cidr(item, why, n)) return why;
    return NULL;
}

static const char *
check_choice(const struct cfg_key *k, const char *v, char *why, size_t n)
{
    size_t len = strlen(v);
    for (const char *c = k->choices; *c;) {
        size_t cl = strcspn(c, "|");
        if (cl == len && strncmp(c, v, len) == 0) return NULL;
        c += cl + (c[cl] == '|');
    }
    char list[128];
    size_t w = 0;
    for (const char *c = k->choices; *c && w + 3 < sizeof list; c++) {
        if (*c == '|')
            list[w++] = ',', list[w++] = ' ';
        else
            list[w++] = *c;
    }
    list[w] = '\0';
    snprintf(why, n, "expected one of: %s", list);
    return why;
}

static const char *
check_dburl(const char *v, char *why, size_t n)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(v, &msg);
    if (opts) {
        PQconninfoFree(opts);
        return NULL;
    }
    snprintf(why, n, "not a PostgreSQL connection string: %s", msg ? msg : "out of memory");
    for (char *p = why; *p; p++)
        if (*p == '\n') *p = ' ';
    PQfreemem(msg);
    return why;
}

static bool
valid_port(const char *p)
{
    char *end;
    long port = strtol(p, &end, 10);
    return end != p && *end == '\0' && port > 0 && port < 65536;
}

/* host:port with a non-empty host, or [v6]:port */
static bool
valid_host_port(const char *v)
{
    const char *colon;
    if (*v == '[') {
        const char *close = strchr(v, ']');
        if (!close || close == v + 1 || close[1] != ':') return false;
        colon = close + 1;
    } else {
        colon = strrchr(v, ':');
        if (!colon || colon == v) return false;
    }
    return valid_port(colon + 1);
}

static const char *
check_url(const char *v, const char *const schemes[], size_t nschemes, const char *expect)
{
    for (size_t i = 0; i < nschemes; i++) {
        size_t sl = strlen(schemes[i]);
        if (strncasecmp(v, schemes[i], sl) != 0) continue;
        const char *host = v + sl;
        if (!*host || *host == '/' || *host == ':') return "URL has no host";
        if (strpbrk(v, " \t\"<>\\^`{|}")) return "URL contains characters that must be encoded";
        return NULL;
    }
    return expect;
}

static const char *
check_httpurl(const char *v)
{
    static const char *const s[] = {"https://", "http://"};
    const char *bad = check_url(v, s, 2, "must start with https:// (or http://)");
    if (!bad && v[strlen(v) - 1] == '/') return "must not end with '/'";
    if (!bad && (strchr(v, '?') || strchr(v, '#'))) return "must not contain a query or fragment";
    return bad;
}

static const char *
check_smtpurl(const char *v)
{
    static const char *const s[] = {"smtp://", "smtps://"};
    return check_url(v, s, 2, "must start with smtp:// or smtps://");
}

/* A unix socket's path, as bind(2) takes it: absolute, and short enough. */
_Static_assert(sizeof((struct sockaddr_un *)0)->sun_path == 108, "the message below says 107");
static const char *
check_unix_path(const char *path)
{
    if (*path != '/') return "unix socket path must be absolute";
    if (strlen(path) >= sizeof((struct sockaddr_un *)0)->sun_path)
        return "unix socket path is longer than 107 bytes (the kernel's limit)";
    return NULL;
}

static const char *
check_msocket(const char *v)
{
    if (!strncmp(v, "unix:", 5) || !strncmp(v, "local:", 6))
        return check_unix_path(strchr(v, ':') + 1);
    if (!strncmp(v, "inet:", 5) || !strncmp(v, "inet6:", 6)) {
        const char *port = strchr(v, ':') + 1;
        char tmp[16];
        size_t len = strcspn(port, "@");
        if (len == 0 || len >= sizeof tmp) return "expected inet:PORT@HOST";
        memcpy(tmp, port, len);
        tmp[len] = '\0';
        return valid_port(tmp) ? NULL : "port must be 1 to 65535";
    }
    return "expected unix:/path, inet:PORT@HOST or inet6:PORT@HOST";
}

static const char *
check_listen(const char *v)
{
    if (!strncmp(v, "unix:", 5)) return check_unix_path(v + 5);
    return valid_host_port(v) ? NULL : "expected HOST:PORT, [IPv6]:PORT or unix:/path";
}

/* ---------------------------------------------------------------------
 * storing a validated value into the snapshot
 * --------------------------------------------------------------------- */

/* Whether a duration or size falls outside the key's bounds (none when max is 0); why says so. */
static bool
out_of_bounds(const struct cfg_key *k, int64_t num, const char *unit, char *why, size_t n)
{
    if (k->max <= 0 || (num >= k->min && num <= k->max)) return false;
    snprintf(why, n, "must be between %ld%s and %ld%s", k->min, unit, k->max, unit);
    return true;
}

static const char *
store(struct config *cfg, const struct cfg_key *k, const char *v, char *why, size_t n)
{
    void *field = (char *)cfg + k->offset;
    const char *bad = NULL;
    int64_t num;
    switch (k->type) {
    case T_INT: {
        char *end;
        errno = 0;
        long x = strtol(v, &end, 10);
        if (end == v || *end || errno) return "is not a whole number";
        if (x < k->min || x > k->max) {
            snprintf(why, n, "must be between %ld and %ld", k->min, k->max);
            return why;
        }
        *(int *)field = (int)x;
        return NULL;
    }
    case T_BOOL:
        return config_parse_bool(v, (bool *)field) ? NULL : "expected on/off, yes/no or true/false";
    case T_DURATION:
        if (!config_parse_duration_ms(v, &num))
            return "expected a duration like 250ms, 30s, 5m, 2h";
        if (out_of_bounds(k, num, "ms", why, n)) return why;
        *(int64_t *)field = num;
        return NULL;
    case T_LEVEL: {
        int lvl = log_level_parse(v);
        if (lvl < 0) return "expected error, warning, info or debug";
        *(int *)field = lvl;
        return NULL;
    }
    case T_PATH: bad = *v == '/' ? NULL : "must be an absolute path"; break;
    case T_DBURL: bad = check_dburl(v, why, n); break;
    case T_HTTPURL: bad = check_httpurl(v); break;
    case T_SMTPURL: bad = check_smtpurl(v); break;
    case T_HMAC: bad = check_hmac(v, why, n); break;
    case T_HMACLIST: bad = check_hmac_list(v, why, n); break;
    case T_MSOCKET: bad = check_msocket(v); break;
    case T_LISTEN: bad = check_listen(v); break;
    case T_SIZE:
        if (!config_parse_size(v, &num)) return "expected a size like 512, 64KB, 10MB or 1GB";
        if (out_of_bounds(k, num, " bytes", why, n)) return why;
        *(int64_t *)field = num;
        return NULL;
    case T_CHOICE: bad = check_choice(k, v, why, n); break;
    case T_CIDRLIST: bad = check_cidr_list(v, why, n); break;
    case T_TENANT:
        bad = tenant_name_valid(v, strlen(v))
                  ? NULL
                  : "expected a tenant name: lower-case letters, digits, _ and - (at most 63)";
        break;
    case T_LOGINMAP: bad = tenant_map_check(v, why, n); break;
    case T_ADDRESS: bad = check_address(v, why, n); break;
    case T_MAILBOX: bad = check_mailbox(v, why, n); break;
    case T_SENDERS: bad = check_senders(v, why, n); break;
    case T_DOMAINS: bad = check_domains(v, why, n); break;
    case T_LIST:
    case T_STRING: break;
    }
    if (bad) return bad;
    char *copy = strdup(v);
    if (!copy) return "out of memory";
    free(*(char **)field);
    *(char **)field = copy;
    return NULL;
}

static bool
is_string_type(enum cfg_type t)
{
    return t != T_INT && t != T_BOOL && t != T_DURATION && t != T_LEVEL && t != T_SIZE;
}

/* ---------------------------------------------------------------------
 * parsing: libinih drives, we count lines and collect errors
 * --------------------------------------------------------------------- */

struct load {
    struct config *cfg;
    const char *name;   /* file name for messages */
    struct buf *errors; /* one line per problem */
    int nerrors;
    int line;             /* current physical line, counted by the reader */
    const char *text;     /* input; the reader walks it */
    unsigned seen[NKEYS]; /* line where each key was set, 0 if not */
    char bad_section[64];
};

static void report(struct load *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
report(struct load *ld, int line, const char *fmt, ...)
{
    va_list ap;
    ld->nerrors++;
    if (line > 0)
        buf_printf(ld->errors, "%s:%d: ", ld->name, line);
    else
        buf_printf(ld->errors, "%s: ", ld->name);
    va_start(ap, fmt);
    buf_vprintf(ld->errors, fmt, ap);
    va_end(ap);
    buf_putc(ld->errors, '\n');
}

/* fgets-like reader over a string, so the handler knows the line number. */
static char *
read_line(char *str, int num, void *stream)
{
    struct load *ld = stream;
    if (!*ld->text) return NULL;
    size_t len = strcspn(ld->text, "\n");
    bool has_nl = ld->text[len] == '\n';
    ld->line++;
    if (len + 2 > (size_t)num) {
        report(ld, ld->line, "line is longer than %d characters", num - 2);
        len = 0; /* hand inih an empty line instead */
    } else {
        memcpy(str, ld->text, len);
    }
    if (has_nl) str[len++] = '\n';
    str[len] = '\0';
    ld->text += strcspn(ld->text, "\n") + has_nl;
    return str;
}

/* Levenshtein distance, for "did you mean" on misspelled keys. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63) return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            row[j] = sub < row[j] + 1 ? sub : row[j] + 1;
            if (row[j - 1] + 1 < row[j]) row[j] = row[j - 1] + 1;
            prev = cur;
        }
    }
    return row[lb];
}

static void
report_unknown(struct load *ld, const char *section, const char *name)
{
    bool section_known = false;
    const char *best = NULL;
    size_t best_d = 3; /* suggest only close matches */
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, section) != 0) continue;
        section_known = true;
        size_t d = distance(name, keys[i].name);
        if (d < best_d) best_d = d, best = keys[i].name;
    }
    if (!section_known) {
        if (strcmp(ld->bad_section, section) == 0) return; /* said once per section */
        snprintf(ld->bad_section, sizeof ld->bad_section, "%s", section);
        if (!*section)
            report(ld, ld->line, "key \"%s\" is outside any [section]", name);
        else
            report(ld, ld->line, "unknown section [%s]", section);
        return;
    }
    if (best)
        report(ld, ld->line, "[%s] unknown key \"%s\" (did you mean \"%s\"?)", section, name, best);
    else
        report(ld, ld->line, "[%s] unknown key \"%s\"", section, name);
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
    struct load *ld = user;
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &keys[i];
        if (strcmp(k->section, section) != 0 || strcmp(k->name, name) != 0) continue;
        if (ld->seen[i]) {
            report(ld, ld->line, "[%s] %s is set twice (first on line %u)", section, name,
                   ld->seen[i]);
            return 1;
        }
        ld->seen[i] = (unsigned)ld->line;
        char why[256];
        const char *bad = *value ? store(ld->cfg, k, value, why, sizeof why) : "is empty";
        if (bad) report(ld, ld->line, "[%s] %s: %s", section, name, bad);
        return 1;
    }
    report_unknown(ld, section, name);
    return 1; /* keep going: report every problem in one run */
}

static size_t
key_index(const char *section, const char *name)
{
    size_t i = 0;
    while (i < NKEYS && (strcmp(keys[i].section, section) || strcmp(keys[i].name, name)))
        i++;
    return i;
}

/* Keys that mean something only together: one set without the other is an error at its line. */
static void
check_pairs(struct load *ld)
{
    static const struct {
        const char *section, *a, *b, *what;
    } pairs[] = {{"track", "tls_cert", "tls_key", "a certificate and its private key"}};
    for (size_t p = 0; p < sizeof pairs / sizeof *pairs; p++) {
        size_t a = key_index(pairs[p].section, pairs[p].a),
               b = key_index(pairs[p].section, pairs[p].b);
        if (!ld->seen[a] == !ld->seen[b]) continue;
        size_t set = ld->seen[a] ? a : b, unset = ld->seen[a] ? b : a;
        report(ld, (int)ld->seen[set], "[%s] %s needs %s too (%s)", pairs[p].section,
               keys[set].name, keys[unset].name, pairs[p].what);
    }
}

static bool
apply_defaults(struct config *cfg)
{
    char why[256];
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].def && store(cfg, &keys[i], keys[i].def, why, sizeof why)) return false;
    return true;
}

struct config *
config_load_string(const char *name, const char *text, struct buf *errors)
{
    struct config *cfg = calloc(1, sizeof *cfg);
    struct load ld = {.cfg = cfg, .name = name, .errors = errors, .text = text};
    if (cfg) cfg->refcount = 1;
    if (!cfg || !apply_defaults(cfg) || !(cfg->path = strdup(name))) {
        buf_printf(errors, "%s: out of memory\n", name);
        config_unref(cfg);
        return NULL;
    }
    /* libinih's knobs are process-wide; set them for our format each time. */
    ini_allow_multiline = false;
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = 4096;
    int rc = ini_parse_stream(read_line, &ld, on_key, &ld);
    if (rc > 0 && ld.nerrors == 0) /* a line inih itself could not read */
        report(&ld, rc, "syntax error: expected \"key = value\" or \"[section]\"");
    else if (rc < 0)
        report(&ld, 0, "out of memory");
    for (size_t i = 0; i < NKEYS; i++)
        if ((keys[i].flags & REQUIRED) && !ld.seen[i])
            report(&ld, 0, "[%s] %s is required (%s)", keys[i].section, keys[i].name, keys[i].help);
    check_pairs(&ld);
    if (ld.nerrors) {
        config_unref(cfg);
        return NULL;
    }
    return cfg;
}

static char *
slurp(const char *path, struct buf *errors)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        buf_printf(errors, "%s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    struct buf b = BUF_INIT;
    char chunk[8192];
    size_t n;
    bool ok = true;
    while (ok && (n = fread(chunk, 1, sizeof chunk, fp)) > 0)
        ok = b.len + n < (1u << 20) && buf_append(&b, chunk, n); /* a config is small */
    if (ferror(fp) || !ok) {
        buf_printf(errors, "%s: cannot read: %s\n", path,
                   ferror(fp) ? strerror(errno) : "file is larger than 1 MiB");
        buf_free(&b);
        fclose(fp);
        return NULL;
    }
    fclose(fp);
    if (!b.data && !buf_puts(&b, "")) return NULL;
    if (memchr(b.data, '\0', b.len)) {
        buf_printf(errors, "%s: is not a text file (contains a NUL byte)\n", path);
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

struct config *
config_load(const char *path, struct buf *errors)
{
    char *text = slurp(path, errors);
    if (!text) return NULL;
    struct config *cfg = config_load_string(path, text, errors);
    free(text);
    return cfg;
}

const char *
config_path(const char *explicit_path)
{
    if (explicit_path) return explicit_path;
    const char *env = getenv("TERN_CONFIG");
    return env && *env ? env : CONFIG_DEFAULT_PATH;
}

struct config *
config_ref(struct config *cfg)
{
    __atomic_add_fetch(&cfg->refcount, 1, __ATOMIC_RELAXED);
    return cfg;
}

void
config_unref(struct config *cfg)
{
    if (!cfg || __atomic_sub_fetch(&cfg->refcount, 1, __ATOMIC_ACQ_REL) > 0) return;
    for (size_t i = 0; i < NKEYS; i++)
        if (is_string_type(keys[i].type)) free(*(char **)((char *)cfg + keys[i].offset));
    free(cfg->path);
    free(cfg);
}

void
config_describe(struct buf *out)
{
    const char *section = "";
    for (size_t i = 0; i < NKEYS; i++) {
        const struct cfg_key *k = &keys[i];
        if (strcmp(section, k->section) != 0) {
            buf_printf(out, "%s[%s]\n", i ? "\n" : "", k->section);
            section = k->section;
        }
        buf_printf(out, "; %s%s\n", k->help, (k->flags & REQUIRED) ? " (required)" : "");
        if (k->def)
            buf_printf(out, "%s = %s\n", k->name, k->def);
        else
            buf_printf(out, ";%s =\n", k->name);
    }
}
