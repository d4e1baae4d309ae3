/*
 * import.c - contacts CSV -> batches -> COPY, in parallel sessions (see import.h)
 *
 * The reader (the calling thread) parses and validates rows and fills
 * batches in memory; writer threads, each with its own session, take the
 * batches in file order and write each in one transaction. A batch is
 * sorted by address first, so the unique index is walked in order. A
 * batch of addresses none of which is known goes into tern.contacts with
 * one COPY; otherwise (or when that COPY finds a known address) it is
 * copied into a staging table and upserted. Duplicate addresses are found
 * by the reader with a hash of (tenant, address): a repeat closes the
 * current batch, and a batch that repeats an address of a batch still
 * being written waits for it, so rows apply in file order.
 */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "buf.h"
#include "csv.h"
#include "db.h"
#include "email.h"
#include "tenant.h"
#include "utf8.h"

#define DEFAULT_BATCH       50000
#define DEFAULT_CONNECTIONS 2 /* one per core of a small database server */
#define MAX_CONNECTIONS     8
#define COPY_CHUNK          (256 * 1024) /* bytes buffered before handing them to libpq */
#define MAX_COLUMN_NAME     128
#define MAX_BATCH_TENANTS   64 /* distinct tenants in one batch; one more closes it */
#define MAX_RANGES          (2 * MAX_CONNECTIONS + 2)

enum col_kind { COL_EMAIL, COL_TENANT, COL_TIMEZONE, COL_LOCALE, COL_STATUS, COL_ATTR };
enum attr_type { ATTR_STRING, ATTR_NUMBER, ATTR_INT, ATTR_BOOL };

struct column {
    enum col_kind kind;
    enum attr_type type;
    char *name; /* attribute name (without the :type suffix) */
    char *key;  /* the JSON-escaped "name": prefix, built once */
};

/* Addresses seen so far: open addressing over 64-bit hashes -> line. */
struct seen {
    uint64_t *hash;
    unsigned long *line;
    size_t cap, used;
};

/* A batch: COPY text lines in file order, written in address order. */
struct batch {
    enum { B_FREE, B_FILLING, B_QUEUED, B_WRITING } state;
    unsigned long seq;         /* position in file order */
    unsigned long first, last; /* file lines of its first and last row */
    bool barrier;              /* repeats an address of a batch in flight */
    bool direct;               /* try COPY straight into tern.contacts */
    struct buf data;
    size_t *start; /* start[i]: offset of line i; start[n]: end of the data */
    uint32_t *order;
    size_t n, cap;
    char tenants[MAX_BATCH_TENANTS][64];
    size_t ntenants;
};

struct pipeline;

struct writer {
    struct pipeline *p;
    PGconn *conn;
    pthread_t thread;
    struct buf out, tenants;
    char err[512];
};

/* Committed batches seq_first..seq_last, file lines first..last. */
struct range {
    unsigned long seq_first, seq_last, first, last;
};

/* Shared by the reader and the writers; every field under `mu`. */
struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t changed; /* any state change; waiters re-check */
    bool ready;             /* mu and changed are initialized */
    struct batch *batches;
    size_t nbatches, queued, writing;
    unsigned long next_seq;
    struct writer *writers;
    size_t nwriters;
    bool eof, failed, try_direct;
    struct imp_stats *st; /* created and updated */
    struct range ranges[MAX_RANGES];
    size_t nranges;
    bool ranges_lost;
    char err[512];
};

struct importer {
    PGconn *conn;
    const struct imp_options *opt;
    struct imp_stats *st;
    const char *default_tenant;
    size_t batch_max;

    struct column *cols;
    size_t ncols;
    bool has_timezone;

    struct batch *cur; /* being filled, or NULL */
    struct pipeline pipe;

    struct buf email, attrs, msg;
    struct seen seen;
    char **zones; /* sorted IANA names, when the file has a timezone column */
    size_t nzones;

    char *err;
    size_t errlen;
};

static const char *const statuses[] = {"subscribed", "unsubscribed", "bounced", "complained",
                                       "pending"};

/* ---------------------------------------------------------------------
 * small validators
 * --------------------------------------------------------------------- */

/* en, nl_NL, pt-BR, zh-Hant-TW */
static bool
valid_locale(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && isalpha((unsigned char)s[i]))
        i++;
    if (i < 2 || i > 3) return false;
    while (i < n) {
        if (s[i] != '_' && s[i] != '-') return false;
        size_t start = ++i;
        while (i < n && isalnum((unsigned char)s[i]))
            i++;
        if (i - start < 2 || i - start > 8) return false;
    }
    return true;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
known_zone(struct importer *im, const char *name)
{
    return bsearch(&name, im->zones, im->nzones, sizeof *im->zones, cmp_str) != NULL;
}

/* ---------------------------------------------------------------------
 * duplicate detection
 * --------------------------------------------------------------------- */

/*
 * The hash of (tenant, address) as the unique index (tenant, lower(email))
 * sees it: in a UTF-8 database lower() folds non-ASCII capitals too, so
 * Ärger@ and ärger@ are one address there. Told apart here, both could land
 * in one batch, whose upsert then fails whole ("cannot affect row a second
 * time"); folded, the later one wins and the repeat is reported.
 */
static uint64_t
address_hash(const char *tenant, size_t tlen, const char *email, size_t elen)
{
    char *folded = NULL;
    for (size_t i = 0; i < elen && !folded; i++)
        if ((unsigned char)email[i] >= 0x80) folded = g_utf8_strdown(email, (gssize)elen);
    if (folded) email = folded, elen = strlen(folded);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < tlen; i++)
        h = (h ^ (unsigned char)tenant[i]) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL; /* separator no address byte can be */
    for (size_t i = 0; i < elen; i++)
        h = (h ^ (unsigned char)email[i]) * 1099511628211ULL;
    g_free(folded);
    return h ? h : 1; /* 0 marks an empty slot */
}

static bool
seen_grow(struct seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 1 << 16;
    uint64_t *hash = calloc(cap, sizeof *hash);
    unsigned long *line = malloc(cap * sizeof *line);
    if (!hash || !line) {
        free(hash);
        free(line);
        return false;
    }
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->hash[i]) continue;
        size_t j = s->hash[i] & (cap - 1);
        while (hash[j])
            j = (j + 1) & (cap - 1);
        hash[j] = s->hash[i];
        line[j] = s->line[i];
    }
    free(s->hash);
    free(s->line);
    s->hash = hash;
    s->line = line;
    s->cap = cap;
    return true;
}

/* Record `h` at `line`; returns the earlier line with the same address, 0 if
 * none, or -1 when out of memory. The later line replaces the earlier. */
static long
seen_put(struct seen *s, uint64_t h, unsigned long line)
{
    if (s->used * 2 >= s->cap && !seen_grow(s)) return -1;
    size_t i = h & (s->cap - 1);
    while (s->hash[i] && s->hash[i] != h)
        i = (i + 1) & (s->cap - 1);
    long earlier = s->hash[i] ? (long)s->line[i] : 0;
    if (!s->hash[i]) s->used++;
    s->hash[i] = h;
    s->line[i] = line;
    return earlier;
}

/* ---------------------------------------------------------------------
 * encoding: JSON strings, COPY text fields
 * --------------------------------------------------------------------- */

static bool
json_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    bool ok = buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n && ok; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        ok = buf_append(b, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            ok = ok && buf_append(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            ok = ok && buf_append(b, esc, 6);
        }
    }
    return ok && buf_append(b, s + run, n - run) && buf_putc(b, '"');
}

/* ---------------------------------------------------------------------
 * typed attribute values
 * --------------------------------------------------------------------- */

static const char *
typed_value(struct buf *b, enum attr_type type, const char *s, size_t n)
{
    char *end;
    switch (type) {
    case ATTR_STRING: return json_string(b, s, n) ? NULL : "out of memory";
    case ATTR_INT: {
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || *end || errno || isspace((unsigned char)*s)) return "is not a whole number";
        return buf_printf(b, "%lld", v) ? NULL : "out of memory";
    }
    case ATTR_NUMBER: {
        if (strspn(s, "0123456789+-.eE") != n) return "is not a number";
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || *end || errno || !isfinite(v)) return "is not a number";
        char shortest[32];
        snprintf(shortest, sizeof shortest, "%.15g", v);
        if (strtod(shortest, NULL) != v) snprintf(shortest, sizeof shortest, "%.17g", v);
        return buf_puts(b, shortest) ? NULL : "out of memory";
    }
    case ATTR_BOOL: {
        static const char *const yes[] = {"true", "yes", "1", "on"}, *const no[] = {"false", "no",
                                                                                    "0", "off"};
        for (int i = 0; i < 4; i++) {
            if (!strcasecmp(s, yes[i])) return buf_puts(b, "true") ? NULL : "out of memory";
            if (!strcasecmp(s, no[i])) return buf_puts(b, "false") ? NULL : "out of memory";
        }
        return "is not a boolean (true/false, yes/no, 1/0)";
    }
    }
    return "unknown type";
}

/* ---------------------------------------------------------------------
 * the header row
 * --------------------------------------------------------------------- */

static int fail(struct importer *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct importer *im, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(im->err, im->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int
parse_column(struct importer *im, struct column *col, const char *raw, size_t n, size_t index)
{
    while (n && isspace((unsigned char)*raw))
        raw++, n--;
    while (n && isspace((unsigned char)raw[n - 1]))
        n--;
    if (n == 0) return fail(im, "header: column %zu has no name", index + 1);
    if (n > MAX_COLUMN_NAME)
        return fail(im, "header: column %zu name is longer than %d bytes", index + 1,
                    MAX_COLUMN_NAME);
    if (!utf8_valid(raw, n, NULL))
        return fail(im, "header: column %zu name is not valid UTF-8", index + 1);
    static const struct {
        const char *name;
        enum col_kind kind;
    } special[] = {{"email", COL_EMAIL},
                   {"tenant", COL_TENANT},
                   {"timezone", COL_TIMEZONE},
                   {"locale", COL_LOCALE},
                   {"status", COL_STATUS}};
    col->kind = COL_ATTR;
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
        if (strlen(special[i].name) == n && !strncasecmp(raw, special[i].name, n))
            col->kind = special[i].kind;
    const char *colon = memchr(raw, ':', n);
    size_t namelen = colon ? (size_t)(colon - raw) : n;
    col->type = ATTR_STRING;
    if (col->kind == COL_ATTR && colon) {
        static const struct {
            const char *name;
            enum attr_type type;
        } types[] = {{"string", ATTR_STRING},
                     {"number", ATTR_NUMBER},
                     {"int", ATTR_INT},
                     {"bool", ATTR_BOOL}};
        size_t tlen = n - namelen - 1, t;
        for (t = 0; t < 4; t++)
            if (strlen(types[t].name) == tlen && !strncmp(colon + 1, types[t].name, tlen)) break;
        if (t == 4)
            return fail(
                im, "header: column %zu \"%.*s\": unknown type (use string, number, int or bool)",
                index + 1, (int)n, raw);
        if (namelen == 0) return fail(im, "header: column %zu has no name before ':'", index + 1);
        col->type = types[t].type;
    }
    struct buf key = BUF_INIT;
    if (!(col->name = strndup(raw, namelen)) || !json_string(&key, raw, namelen) ||
        !buf_putc(&key, ':'))
        return fail(im, "out of memory");
    col->key = key.data;
    return 0;
}

static int
parse_header(struct importer *im, const struct csv_record *rec)
{
    if (!(im->cols = calloc(rec->nfields, sizeof *im->cols))) return fail(im, "out of memory");
    im->ncols = rec->nfields;
    bool email = false;
    for (size_t i = 0; i < rec->nfields; i++) {
        if (parse_column(im, &im->cols[i], rec->fields[i].ptr, rec->fields[i].len, i) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (im->cols[j].kind == im->cols[i].kind &&
                (im->cols[i].kind != COL_ATTR || !strcmp(im->cols[j].name, im->cols[i].name)))
                return fail(im, "header: column %zu \"%s\" repeats column %zu", i + 1,
                            im->cols[i].name, j + 1);
        email |= im->cols[i].kind == COL_EMAIL;
        im->has_timezone |= im->cols[i].kind == COL_TIMEZONE;
    }
    if (!email) return fail(im, "header: no \"email\" column (the header row must name one)");
    return 0;
}

/* ---------------------------------------------------------------------
 * one data row -> one COPY line (or a rejection)
 * --------------------------------------------------------------------- */

struct row {
    const char *tenant, *timezone, *locale, *status; /* NULL: absent */
    size_t tenant_len, timezone_len, locale_len, status_len;
};

/* Problem with the row's field `i`, or NULL. Fills the row's parts. */
static const char *
check_field(struct importer *im, const struct column *col, const struct csv_field *f, struct row *r,
            bool *first_attr)
{
    if (f->len == 0) return NULL; /* empty cell: absent */
    switch (col->kind) {
    case COL_EMAIL: {
        char why[160];
        buf_reset(&im->email);
        if (email_normalize(f->ptr, f->len, &im->email, why, sizeof why) != 0) {
            buf_reset(&im->msg);
            buf_printf(&im->msg, "email: %s", why);
            return buf_str(&im->msg);
        }
        return NULL;
    }
    case COL_TENANT:
        r->tenant = f->ptr, r->tenant_len = f->len;
        return tenant_name_valid(f->ptr, f->len)
                   ? NULL
                   : "tenant: must be 1-63 characters of a-z, 0-9, '_' "
                     "and '-', starting with a letter or digit";
    case COL_TIMEZONE:
        r->timezone = f->ptr, r->timezone_len = f->len;
        return known_zone(im, f->ptr)
                   ? NULL
                   : "timezone: not a known IANA time zone (e.g. Europe/Amsterdam)";
    case COL_LOCALE:
        r->locale = f->ptr, r->locale_len = f->len;
        return valid_locale(f->ptr, f->len)
                   ? NULL
                   : "locale: expected a language tag like en, nl_NL or pt-BR";
    case COL_STATUS:
        r->status = f->ptr, r->status_len = f->len;
        for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
            if (!strcmp(f->ptr, statuses[i])) return NULL;
        return "status: expected subscribed, unsubscribed, bounced, complained or pending";
    case COL_ATTR: {
        if (!*first_attr && !buf_putc(&im->attrs, ',')) return "out of memory";
        *first_attr = false;
        if (!buf_puts(&im->attrs, col->key)) return "out of memory";
        const char *bad = typed_value(&im->attrs, col->type, f->ptr, f->len);
        if (!bad) return NULL;
        buf_reset(&im->msg);
        buf_printf(&im->msg, "%s: \"%.40s\" %s", col->name, f->ptr, bad);
        return buf_str(&im->msg);
    }
    }
    return NULL;
}

/* Validate a record; on success the COPY line is in im->attrs etc. */
static const char *
check_row(struct importer *im, const struct csv_record *rec, struct row *r)
{
    if (rec->nfields != im->ncols) {
        buf_reset(&im->msg);
        buf_printf(&im->msg, "row has %zu fields, the header has %zu", rec->nfields, im->ncols);
        return buf_str(&im->msg);
    }
    buf_reset(&im->attrs);
    buf_reset(&im->email);
    buf_putc(&im->attrs, '{');
    bool first = true;
    for (size_t i = 0; i < rec->nfields; i++) {
        size_t bad_at;
        if (!utf8_valid(rec->fields[i].ptr, rec->fields[i].len, &bad_at)) {
            buf_reset(&im->msg);
            buf_printf(&im->msg, "%s: not valid UTF-8 (byte %zu)", im->cols[i].name, bad_at + 1);
            return buf_str(&im->msg);
        }
        const char *bad = check_field(im, &im->cols[i], &rec->fields[i], r, &first);
        if (bad) return bad;
    }
    if (im->email.len == 0) return "email: is empty";
    return buf_putc(&im->attrs, '}') ? NULL : "out of memory";
}

static int
sql_fail(struct importer *im, PGresult *res, const char *what)
{
    char why[512];
    db_error(im->conn, res, why, sizeof why);
    PQclear(res);
    return fail(im, "%s failed: %s", what, why);
}

/* ---------------------------------------------------------------------
 * batches: rows held in memory, one COPY stream each
 * --------------------------------------------------------------------- */

static bool
batch_has_tenant(const struct batch *b, const char *tenant, size_t len)
{
    for (size_t i = 0; i < b->ntenants; i++)
        if (strlen(b->tenants[i]) == len && !memcmp(b->tenants[i], tenant, len)) return true;
    return false;
}

static void
batch_add_tenant(struct batch *b, const char *tenant, size_t len)
{
    memcpy(b->tenants[b->ntenants], tenant, len); /* tenant_name_valid(): len <= 63 */
    b->tenants[b->ntenants++][len] = '\0';
}

/* Make room for one more line; its start is the end of the data so far. */
static bool
batch_open_line(struct batch *b)
{
    if (b->n + 2 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        size_t *start = realloc(b->start, cap * sizeof *start);
        if (!start) return false;
        b->start = start;
        uint32_t *order = realloc(b->order, cap * sizeof *order);
        if (!order) return false;
        b->order = order;
        b->cap = cap;
    }
    b->start[b->n] = b->data.len;
    return true;
}

static int
cmp_line(const void *a, const void *b, void *ctx)
{
    const struct batch *bt = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    size_t li = bt->start[i + 1] - bt->start[i], lj = bt->start[j + 1] - bt->start[j];
    int c = memcmp(bt->data.data + bt->start[i], bt->data.data + bt->start[j], li < lj ? li : lj);
    return c ? c : (li > lj) - (li < lj);
}

/*
 * Lines start with "tenant\temail\t" and no two lines of a batch share an
 * address, so byte order of whole lines is (tenant, email) order: the
 * order of the unique index, in a codepoint collation. Inserting in index
 * order touches each index page once per batch instead of at random. In
 * other collations the order is only roughly the index's; the result is
 * the same, it just costs more.
 */
static void
batch_sort(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        b->order[i] = (uint32_t)i;
    qsort_r(b->order, b->n, sizeof *b->order, cmp_line, b);
}

static void
batch_free(struct batch *b)
{
    buf_free(&b->data);
    free(b->start);
    free(b->order);
}

/* ---------------------------------------------------------------------
 * writers: one thread and one session each, a batch per transaction
 * --------------------------------------------------------------------- */

enum { COPY_OK, COPY_FAILED, COPY_CONFLICT };

static const char stage_sql[] = "CREATE TEMP TABLE IF NOT EXISTS tern_import_stage ("
                                "  tenant text, email text, attributes jsonb,"
                                "  timezone text, locale text, status text) ON COMMIT DELETE ROWS";

/* The statement-level tenant check keeps every row of a COPY in a
 * tuplestore; enough memory keeps a batch of them off the disk. Set per
 * transaction, so the caller's session is left as it was. */
static const char begin_sql[] = "BEGIN; SET LOCAL work_mem = '64MB'";

static const char tenants_sql[] =
    "INSERT INTO tern.tenants (id) SELECT t FROM unnest($1::text[]) AS t ORDER BY t "
    "ON CONFLICT DO NOTHING";

static const char direct_sql[] =
    "COPY tern.contacts (tenant, email, attributes, timezone, locale, status) FROM STDIN";

static const char stage_copy_sql[] = "COPY tern_import_stage FROM STDIN";

/*
 * For a batch that may hold known addresses: new addresses are inserted,
 * existing ones get the file's attributes merged over theirs and the
 * fields the file gives; rows that would change nothing are not written.
 * Conflicts are found through the (tenant, lower(email)) unique index,
 * row by row, so a batch costs the same whatever the size of the table.
 * `xmax = 0` tells an inserted row from an updated one.
 */
static const char upsert_sql[] =
    "WITH written AS ("
    " INSERT INTO tern.contacts AS c (tenant, email, attributes, timezone, locale, status)"
    " SELECT tenant, email, attributes, timezone, locale, status FROM tern_import_stage"
    " ON CONFLICT (tenant, lower(email)) DO UPDATE"
    "  SET attributes = c.attributes || EXCLUDED.attributes,"
    "      timezone = coalesce(EXCLUDED.timezone, c.timezone),"
    "      locale = coalesce(EXCLUDED.locale, c.locale), updated_at = now()"
    "  WHERE (c.attributes || EXCLUDED.attributes, coalesce(EXCLUDED.timezone, c.timezone),"
    "         coalesce(EXCLUDED.locale, c.locale))"
    "        IS DISTINCT FROM (c.attributes, c.timezone, c.locale)"
    " RETURNING xmax = 0 AS created)"
    "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM written";

static int
w_fail(struct writer *w, PGresult *res, const char *what)
{
    char why[400]; /* leaves room for `what` in w->err */
    db_error(w->conn, res, why, sizeof why);
    PQclear(res);
    snprintf(w->err, sizeof w->err, "%s failed: %s", what, why);
    return -1;
}

static int
w_exec(struct writer *w, const char *sql, const char *what)
{
    PGresult *res = PQexec(w->conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return w_fail(w, res, what);
    PQclear(res);
    return 0;
}

static void
w_rollback(struct writer *w)
{
    PQclear(PQexec(w->conn, "ROLLBACK"));
}

/* Tenants first, in one order for every session, so that two sessions
 * creating the same new tenants wait for each other instead of deadlocking. */
static int
ensure_tenants(struct writer *w, const struct batch *b)
{
    buf_reset(&w->tenants);
    bool ok = buf_putc(&w->tenants, '{');
    for (size_t i = 0; i < b->ntenants && ok; i++) /* ids need no escaping */
        ok = buf_printf(&w->tenants, "%s\"%s\"", i ? "," : "", b->tenants[i]);
    if (!ok || !buf_putc(&w->tenants, '}')) {
        snprintf(w->err, sizeof w->err, "out of memory");
        return -1;
    }
    const char *params[] = {w->tenants.data};
    PGresult *res = PQexecParams(w->conn, tenants_sql, 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return w_fail(w, res, "creating tenants");
    PQclear(res);
    return 0;
}

static int
put_chunk(struct writer *w)
{
    if (w->out.len && PQputCopyData(w->conn, w->out.data, (int)w->out.len) != 1) {
        snprintf(w->err, sizeof w->err, "sending rows failed: %s", PQerrorMessage(w->conn));
        return -1;
    }
    buf_reset(&w->out);
    return 0;
}

static int
send_lines(struct writer *w, const struct batch *b)
{
    buf_reset(&w->out);
    for (size_t i = 0; i < b->n; i++) {
        uint32_t k = b->order[i];
        if (!buf_append(&w->out, b->data.data + b->start[k], b->start[k + 1] - b->start[k])) {
            snprintf(w->err, sizeof w->err, "out of memory");
            return -1;
        }
        if (w->out.len >= COPY_CHUNK && put_chunk(w) < 0) return -1;
    }
    return put_chunk(w);
}

/* The address index said no: an address of the batch is already known. */
static bool
is_address_conflict(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    return state && !strcmp(state, "23505") && constraint &&
           !strcmp(constraint, "contacts_tenant_email");
}

/* COPY the batch's lines in address order with `sql`. */
static int
copy_batch(struct writer *w, const struct batch *b, const char *sql, const char *what)
{
    PGresult *res = PQexec(w->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) return w_fail(w, res, what), COPY_FAILED;
    PQclear(res);
    bool sent = send_lines(w, b) == 0;
    if (PQputCopyEnd(w->conn, sent ? NULL : "import stopped") != 1 && sent) {
        snprintf(w->err, sizeof w->err, "ending COPY failed: %s", PQerrorMessage(w->conn));
        sent = false;
    }
    int rc = COPY_OK;
    while ((res = PQgetResult(w->conn))) {
        if (sent && rc == COPY_OK && PQresultStatus(res) != PGRES_COMMAND_OK) {
            rc = is_address_conflict(res) ? COPY_CONFLICT : COPY_FAILED;
            if (rc == COPY_FAILED) {
                w_fail(w, res, what);
                continue;
            }
        }
        PQclear(res);
    }
    return sent ? rc : COPY_FAILED;
}

/*
 * A batch of addresses none of which is known yet goes straight into
 * tern.contacts with COPY: one pass, no staging, no conflict handling.
 * If an address turns out to be known (an earlier import, or another
 * writer of contacts), the unique index refuses the COPY, the transaction
 * is rolled back and the batch goes the upsert way instead.
 */
static int
write_direct(struct writer *w, const struct batch *b)
{
    if (w_exec(w, begin_sql, "BEGIN") < 0) return COPY_FAILED;
    int rc = ensure_tenants(w, b) < 0 ? COPY_FAILED : copy_batch(w, b, direct_sql, "COPY");
    if (rc == COPY_OK && w_exec(w, "COMMIT", "COMMIT") < 0) rc = COPY_FAILED;
    if (rc != COPY_OK) w_rollback(w);
    return rc;
}

static int
write_upsert(struct writer *w, const struct batch *b, unsigned long *created,
             unsigned long *updated)
{
    if (w_exec(w, begin_sql, "BEGIN") < 0) return -1;
    if (ensure_tenants(w, b) < 0 || copy_batch(w, b, stage_copy_sql, "COPY") != COPY_OK) {
        w_rollback(w);
        return -1;
    }
    PGresult *res = PQexec(w->conn, upsert_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        w_fail(w, res, "writing contacts");
        w_rollback(w);
        return -1;
    }
    *created = strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    *updated = strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    if (w_exec(w, "COMMIT", "COMMIT") < 0) {
        w_rollback(w);
        return -1;
    }
    return 0;
}

static int
write_batch(struct writer *w, struct batch *b, unsigned long *created, unsigned long *updated)
{
    batch_sort(b);
    if (b->direct) {
        int rc = write_direct(w, b);
        if (rc == COPY_OK) {
            *created = b->n, *updated = 0;
            return 0;
        }
        if (rc == COPY_FAILED) return -1;
    }
    return write_upsert(w, b, created, updated);
}

/* ---------------------------------------------------------------------
 * the pipeline: the reader fills batches, writers take them in file order
 * --------------------------------------------------------------------- */

/* Lines committed so far, as ranges of consecutive batches. */
static void
note_committed(struct pipeline *p, const struct batch *b)
{
    size_t i = 0;
    while (i < p->nranges && p->ranges[i].seq_last + 1 < b->seq)
        i++;
    if (i < p->nranges && p->ranges[i].seq_last + 1 == b->seq) {
        p->ranges[i].seq_last = b->seq, p->ranges[i].last = b->last;
    } else if (i < p->nranges && p->ranges[i].seq_first == b->seq + 1) {
        p->ranges[i].seq_first = b->seq, p->ranges[i].first = b->first;
    } else if (p->nranges < MAX_RANGES) {
        memmove(p->ranges + i + 1, p->ranges + i, (p->nranges - i) * sizeof *p->ranges);
        p->ranges[i] = (struct range){b->seq, b->seq, b->first, b->last};
        p->nranges++;
    } else {
        p->ranges_lost = true; /* cannot happen: at most one range per writer is open */
    }
    if (i + 1 < p->nranges && p->ranges[i].seq_last + 1 == p->ranges[i + 1].seq_first) {
        p->ranges[i].seq_last = p->ranges[i + 1].seq_last;
        p->ranges[i].last = p->ranges[i + 1].last;
        memmove(p->ranges + i + 1, p->ranges + i + 2, (p->nranges - i - 2) * sizeof *p->ranges);
        p->nranges--;
    }
}

/* The oldest batch in file order that is waiting for a writer, or NULL.
 * A batch that repeats an address of an earlier batch still in flight
 * waits until no batch is being written, so it applies after that one. */
static struct batch *
next_queued(struct pipeline *p)
{
    struct batch *first = NULL;
    for (size_t i = 0; i < p->nbatches; i++)
        if (p->batches[i].state == B_QUEUED && (!first || p->batches[i].seq < first->seq))
            first = &p->batches[i];
    return first && first->barrier && p->writing ? NULL : first;
}

static struct batch *
take_batch(struct pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    struct batch *b;
    while (!p->failed && !(b = next_queued(p)) && !(p->eof && !p->queued))
        pthread_cond_wait(&p->changed, &p->mu);
    if (p->failed || (p->eof && !p->queued)) {
        pthread_mutex_unlock(&p->mu);
        return NULL;
    }
    b->state = B_WRITING;
    b->direct = p->try_direct;
    p->queued--, p->writing++;
    pthread_mutex_unlock(&p->mu);
    return b;
}

/*
 * The direct way pays off while batches hold only new addresses; once a
 * batch had known ones, the next batches are likely to have them too and
 * go the upsert way until one is entirely new again.
 */
static void
finish_batch(struct pipeline *p, struct writer *w, struct batch *b, int rc, unsigned long created,
             unsigned long updated)
{
    pthread_mutex_lock(&p->mu);
    p->writing--;
    if (rc == 0) {
        p->st->created += created;
        p->st->updated += updated;
        p->try_direct = created == b->n;
        note_committed(p, b);
    } else if (!p->failed) {
        p->failed = true;
        snprintf(p->err, sizeof p->err, "%s", w->err);
    }
    b->state = B_FREE;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
}

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    struct batch *b;
    while ((b = take_batch(w->p))) {
        unsigned long created = 0, updated = 0;
        int rc = write_batch(w, b, &created, &updated);
        finish_batch(w->p, w, b, rc, created, updated);
    }
    return NULL;
}

static int
session_setup(struct writer *w)
{
    return w_exec(w, stage_sql, "creating the staging table");
}

/*
 * Sessions for the writers: `conn` itself, and clones of it up to `want`.
 * A clone that cannot be opened (say the server is at max_connections)
 * only means fewer writers. Returns how many are open; 0 on failure.
 */
static size_t
open_sessions(struct importer *im, size_t want)
{
    struct pipeline *p = &im->pipe;
    PGresult *res =
        PQexec(im->conn, "SELECT name, setting FROM pg_settings WHERE source = 'session'");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        return sql_fail(im, res, "reading session settings"), 0;
    size_t n;
    for (n = 0; n < want; n++) {
        struct writer *w = &p->writers[n];
        *w = (struct writer){.p = p, .conn = n ? db_clone(im->conn, res) : im->conn};
        if (w->conn && session_setup(w) == 0) continue;
        if (n == 0)
            fail(im, "%s", w->err);
        else
            PQfinish(w->conn);
        break;
    }
    PQclear(res);
    return n;
}

/* One thread per open session; all sessions are set up before any thread
 * runs, so no two threads ever touch one connection. */
static int
open_writers(struct importer *im, size_t want)
{
    struct pipeline *p = &im->pipe;
    size_t sessions = open_sessions(im, want);
    if (sessions == 0) return -1;
    for (size_t i = 0; i < sessions; i++) {
        struct writer *w = &p->writers[i];
        int e = pthread_create(&w->thread, NULL, writer_main, w);
        if (e == 0) {
            p->nwriters++;
            continue;
        }
        for (size_t j = i > 0 ? i : 1; j < sessions; j++)
            PQfinish(p->writers[j].conn);
        if (i == 0) return fail(im, "cannot start a writer thread: %s", strerror(e));
        break;
    }
    return 0;
}

static void
close_writers(struct pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    p->eof = true;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; i < p->nwriters; i++) {
        pthread_join(p->writers[i].thread, NULL);
        if (i) PQfinish(p->writers[i].conn);
        buf_free(&p->writers[i].out);
        buf_free(&p->writers[i].tenants);
    }
    p->nwriters = 0;
}

static bool
pipeline_init(struct pipeline *p, struct imp_stats *st, size_t writers)
{
    *p = (struct pipeline){.st = st, .try_direct = true, .nbatches = writers + 1};
    p->batches = calloc(p->nbatches, sizeof *p->batches);
    p->writers = calloc(writers, sizeof *p->writers);
    if (!p->batches || !p->writers) return false;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->changed, NULL);
    p->ready = true;
    return true;
}

static void
pipeline_free(struct pipeline *p)
{
    for (size_t i = 0; p->batches && i < p->nbatches; i++)
        batch_free(&p->batches[i]);
    free(p->batches);
    free(p->writers);
    if (p->ready) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->changed);
    }
}

/* ---------------------------------------------------------------------
 * the reader's side: filling and handing over batches
 * --------------------------------------------------------------------- */

static int
pipeline_failed(struct importer *im)
{
    return fail(im, "%s", im->pipe.err);
}

static int
begin_batch(struct importer *im, unsigned long line)
{
    struct pipeline *p = &im->pipe;
    struct batch *b = NULL;
    pthread_mutex_lock(&p->mu);
    while (!p->failed && !b) {
        for (size_t i = 0; i < p->nbatches && !b; i++)
            if (p->batches[i].state == B_FREE) b = &p->batches[i];
        if (!b) pthread_cond_wait(&p->changed, &p->mu);
    }
    if (b) b->state = B_FILLING;
    pthread_mutex_unlock(&p->mu);
    if (!b) return pipeline_failed(im);
    buf_reset(&b->data);
    b->n = b->ntenants = 0;
    b->first = b->last = line;
    b->barrier = false;
    im->cur = b;
    return 0;
}

static int
end_batch(struct importer *im)
{
    struct pipeline *p = &im->pipe;
    struct batch *b = im->cur;
    if (!b) return 0;
    im->cur = NULL;
    pthread_mutex_lock(&p->mu);
    bool failed = p->failed;
    b->state = failed ? B_FREE : B_QUEUED;
    b->seq = p->next_seq++;
    p->queued += !failed;
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->mu);
    return failed ? pipeline_failed(im) : 0;
}

/* Is line `earlier` in a batch not yet committed (queued or being written)? */
static bool
in_flight(struct importer *im, unsigned long earlier)
{
    struct pipeline *p = &im->pipe;
    bool found = false;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->nbatches && !found; i++) {
        const struct batch *b = &p->batches[i];
        found = (b->state == B_QUEUED || b->state == B_WRITING) && earlier >= b->first &&
                earlier <= b->last;
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

/* "rows up to line 300000 are imported, and lines 400001-450000; later ones are not" */
static void
describe_committed(struct importer *im, struct buf *out)
{
    const struct pipeline *p = &im->pipe;
    size_t i = 0;
    unsigned long prefix = 0;
    if (p->nranges && p->ranges[0].seq_first == 0) prefix = p->ranges[i++].last;
    buf_printf(out, "rows up to line %lu are imported", prefix);
    for (const char *sep = ", and lines "; i < p->nranges; i++, sep = ", ")
        buf_printf(out, "%s%lu-%lu", sep, p->ranges[i].first, p->ranges[i].last);
    buf_puts(out,
             p->ranges_lost ? ", and some later batches; others are not" : "; later ones are not");
}

/* ---------------------------------------------------------------------
 * one row into the current batch
 * --------------------------------------------------------------------- */

static bool
copy_line(struct importer *im, const struct row *r, const char *tenant, size_t tlen)
{
    struct buf *b = &im->cur->data;
    if (!batch_open_line(im->cur)) return false;
    bool ok = db_copy_text(b, tenant, tlen) && buf_putc(b, '\t') &&
              db_copy_text(b, im->email.data, im->email.len) && buf_putc(b, '\t') &&
              db_copy_text(b, im->attrs.data, im->attrs.len);
    const char *opt[] = {r->timezone, r->locale};
    size_t len[] = {r->timezone_len, r->locale_len};
    for (int i = 0; i < 2 && ok; i++)
        ok = buf_putc(b, '\t') && (opt[i] ? db_copy_text(b, opt[i], len[i]) : buf_puts(b, "\\N"));
    /* status applies to new contacts only; the upsert ignores it otherwise */
    ok = ok && buf_putc(b, '\t') &&
         (r->status ? db_copy_text(b, r->status, r->status_len) : buf_puts(b, "subscribed"));
    if (!ok || !buf_putc(b, '\n')) return false;
    im->cur->start[++im->cur->n] = b->len;
    return true;
}

static void
report(struct importer *im, unsigned long line, const char *msg)
{
    if (im->opt->report) im->opt->report(im->opt->ctx, line, msg);
}

/* The earlier line with this row's address (reported), 0 if none, -1 on failure. */
static long
check_repeat(struct importer *im, unsigned long line, const char *tenant, size_t tlen)
{
    long earlier =
        seen_put(&im->seen, address_hash(tenant, tlen, im->email.data, im->email.len), line);
    if (earlier < 0) return fail(im, "out of memory");
    if (earlier == 0) return 0;
    im->st->duplicates++;
    buf_reset(&im->msg);
    buf_printf(&im->msg,
               "%s (tenant %.*s) also appears on line %ld; rows apply in file order, so this "
               "one's values win",
               im->email.data, (int)tlen, tenant, earlier);
    report(im, line, buf_str(&im->msg));
    return earlier;
}

/*
 * Rows apply in file order. A batch never holds an address twice (a
 * repeat closes the batch), and a batch that repeats an address of a batch
 * still in flight is written only after it (the barrier), so batches
 * written at the same time never share an address.
 */
static int
take_row(struct importer *im, const struct csv_record *rec)
{
    struct row r = {0};
    im->st->rows++;
    const char *bad = check_row(im, rec, &r);
    if (bad) {
        im->st->rejected++;
        report(im, rec->line, bad);
        return 0;
    }
    const char *tenant = r.tenant ? r.tenant : im->default_tenant;
    size_t tlen = r.tenant ? r.tenant_len : strlen(tenant);
    long earlier = check_repeat(im, rec->line, tenant, tlen);
    if (earlier < 0) return -1;
    struct batch *b = im->cur;
    bool full = b && !batch_has_tenant(b, tenant, tlen) && b->ntenants == MAX_BATCH_TENANTS;
    if (b && (full || (earlier > 0 && (unsigned long)earlier >= b->first)) && end_batch(im) < 0)
        return -1;
    if (!im->cur && begin_batch(im, rec->line) < 0) return -1;
    b = im->cur;
    if (!batch_has_tenant(b, tenant, tlen)) batch_add_tenant(b, tenant, tlen);
    if (earlier > 0 && in_flight(im, (unsigned long)earlier)) b->barrier = true;
    if (!copy_line(im, &r, tenant, tlen)) return fail(im, "out of memory");
    b->last = rec->line;
    return b->n >= im->batch_max ? end_batch(im) : 0;
}

/* ---------------------------------------------------------------------
 * setup and the main loop
 * --------------------------------------------------------------------- */

static int
load_zones(struct importer *im)
{
    PGresult *res = PQexec(im->conn, "SELECT name FROM pg_timezone_names");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return sql_fail(im, res, "reading time zones");
    im->nzones = (size_t)PQntuples(res);
    im->zones = calloc(im->nzones ? im->nzones : 1, sizeof *im->zones);
    for (size_t i = 0; im->zones && i < im->nzones; i++)
        if (!(im->zones[i] = strdup(PQgetvalue(res, (int)i, 0)))) {
            PQclear(res);
            return fail(im, "out of memory");
        }
    PQclear(res);
    if (!im->zones) return fail(im, "out of memory");
    qsort(im->zones, im->nzones, sizeof *im->zones, cmp_str);
    return 0;
}

static void
importer_free(struct importer *im)
{
    for (size_t i = 0; i < im->ncols; i++) {
        free(im->cols[i].name);
        free(im->cols[i].key);
    }
    free(im->cols);
    for (size_t i = 0; i < im->nzones; i++)
        free(im->zones[i]);
    free(im->zones);
    free(im->seen.hash);
    free(im->seen.line);
    buf_free(&im->email);
    buf_free(&im->attrs);
    buf_free(&im->msg);
    pipeline_free(&im->pipe);
}

static int
read_header(struct importer *im, struct csv_reader *r)
{
    struct csv_record rec;
    switch (csv_next(r, &rec)) {
    case CSV_RECORD: return parse_header(im, &rec);
    case CSV_EOF:
        return fail(im, "the file is empty: expected a header row naming an email column");
    case CSV_BAD: return fail(im, "header: line %lu: %s", rec.line, rec.error);
    default: return fail(im, "%s", csv_error(r));
    }
}

static int
read_rows(struct importer *im, struct csv_reader *r)
{
    struct csv_record rec;
    for (;;) {
        switch (csv_next(r, &rec)) {
        case CSV_RECORD:
            if (take_row(im, &rec) < 0) return -1;
            break;
        case CSV_BAD:
            im->st->rows++;
            im->st->rejected++;
            report(im, rec.line, rec.error);
            break;
        case CSV_EOF: return end_batch(im);
        default: return fail(im, "%s", csv_error(r));
        }
    }
}

/* Read every row, then let the writers finish; the first failure of
 * either side is the import's, with what was committed by then. */
static int
import_rows(struct importer *im, struct csv_reader *r)
{
    int rc = read_rows(im, r);
    if (rc < 0) {
        pthread_mutex_lock(&im->pipe.mu);
        im->pipe.failed = true; /* writers take no more batches */
        if (im->cur) im->cur->state = B_FREE;
        pthread_mutex_unlock(&im->pipe.mu);
        im->cur = NULL;
    }
    close_writers(&im->pipe);
    if (rc == 0 && im->pipe.failed) rc = pipeline_failed(im);
    if (rc < 0) {
        struct buf why = BUF_INIT;
        buf_printf(&why, "%s; ", im->err);
        describe_committed(im, &why);
        snprintf(im->err, im->errlen, "%s", why.data ? why.data : "out of memory");
        buf_free(&why);
    }
    return rc;
}

int
imp_contacts(PGconn *conn, int fd, const struct imp_options *opt, struct imp_stats *stats,
             char *err, size_t errlen)
{
    struct importer im = {
        .conn = conn,
        .opt = opt,
        .st = stats,
        .err = err,
        .errlen = errlen,
        .default_tenant = opt->default_tenant ? opt->default_tenant : "default",
        .batch_max = opt->batch_rows ? opt->batch_rows : DEFAULT_BATCH,
    };
    memset(stats, 0, sizeof *stats);
    size_t writers = opt->connections ? opt->connections : DEFAULT_CONNECTIONS;
    if (writers > MAX_CONNECTIONS) writers = MAX_CONNECTIONS;
    if (!tenant_name_valid(im.default_tenant, strlen(im.default_tenant)))
        return fail(&im, "default tenant \"%s\" is not a valid tenant id", im.default_tenant);
    if (im.batch_max > UINT32_MAX) im.batch_max = UINT32_MAX;
    if (!pipeline_init(&im.pipe, stats, writers)) {
        pipeline_free(&im.pipe);
        return fail(&im, "out of memory");
    }
    struct csv_options copt = {0};
    struct csv_reader *r = csv_open_fd(fd, &copt);
    int rc = r ? read_header(&im, r) : fail(&im, "out of memory");
    if (rc == 0 && im.has_timezone) rc = load_zones(&im);
    if (rc == 0) rc = open_writers(&im, writers);
    if (rc == 0)
        rc = import_rows(&im, r);
    else if (im.pipe.nwriters)
        close_writers(&im.pipe);
    csv_close(r);
    importer_free(&im);
    return rc;
}
