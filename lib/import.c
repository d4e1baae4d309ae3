/*
 * import.c - contacts CSV -> COPY -> upsert, in batches (see import.h)
 *
 * Per batch, one transaction: BEGIN; COPY rows into a temporary staging
 * table while the file is still being read (the server parses as we
 * send); then update the contacts that exist, insert the ones that do not,
 * COMMIT. Duplicate addresses are found client-side with a hash of
 * (tenant, address); one that would fall into the current batch closes the
 * batch first, so every batch applies its rows in file order.
 */
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "csv.h"
#include "db.h"
#include "email.h"
#include "utf8.h"

#define DEFAULT_BATCH   50000
#define COPY_CHUNK      (256 * 1024) /* bytes buffered before handing them to libpq */
#define MAX_COLUMN_NAME 128

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

struct importer {
    PGconn *conn;
    const struct imp_options *opt;
    struct imp_stats *st;
    const char *default_tenant;
    size_t batch_max;

    struct column *cols;
    size_t ncols;
    bool has_timezone;

    bool in_batch;
    unsigned long batch_first; /* line of the batch's first row */
    size_t batch_rows;
    unsigned long committed_through; /* last line of the last committed batch */

    struct buf copy, email, attrs, msg;
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

static bool
valid_tenant(const char *s, size_t n)
{
    if (n == 0 || n > 63 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_' &&
            s[i] != '-')
            return false;
    return true;
}

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

static uint64_t
address_hash(const char *tenant, size_t tlen, const char *email, size_t elen)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < tlen; i++)
        h = (h ^ (unsigned char)tenant[i]) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL; /* separator no address byte can be */
    for (size_t i = 0; i < elen; i++)
        h = (h ^ (unsigned char)email[i]) * 1099511628211ULL;
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

/* One field in COPY's text format: escape what COPY treats specially. */
static bool
copy_field(struct buf *b, const char *s, size_t n)
{
    size_t run = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        char c = s[i], e;
        switch (c) {
        case '\\': e = '\\'; break;
        case '\n': e = 'n'; break;
        case '\r': e = 'r'; break;
        case '\t': e = 't'; break;
        default: continue;
        }
        char esc[2] = {'\\', e};
        ok = buf_append(b, s + run, i - run) && buf_append(b, esc, 2);
        run = i + 1;
    }
    return ok && buf_append(b, s + run, n - run);
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
            if (im->cols[j].kind == im->cols[i].kind && !strcmp(im->cols[j].name, im->cols[i].name))
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
        return valid_tenant(f->ptr, f->len) ? NULL
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

static bool
copy_line(struct importer *im, unsigned long line, const struct row *r)
{
    struct buf *b = &im->copy;
    const char *tenant = r->tenant ? r->tenant : im->default_tenant;
    size_t tlen = r->tenant ? r->tenant_len : strlen(im->default_tenant);
    bool ok = buf_printf(b, "%lu\t", line) && copy_field(b, tenant, tlen) && buf_putc(b, '\t') &&
              copy_field(b, im->email.data, im->email.len) && buf_putc(b, '\t') &&
              copy_field(b, im->attrs.data, im->attrs.len);
    const char *opt[] = {r->timezone, r->locale, r->status};
    size_t len[] = {r->timezone_len, r->locale_len, r->status_len};
    for (int i = 0; i < 3 && ok; i++)
        ok = buf_putc(b, '\t') && (opt[i] ? copy_field(b, opt[i], len[i]) : buf_puts(b, "\\N"));
    return ok && buf_putc(b, '\n');
}

/* ---------------------------------------------------------------------
 * batches: BEGIN; COPY ...; upsert; COMMIT
 * --------------------------------------------------------------------- */

static const char stage_sql[] = "CREATE TEMP TABLE IF NOT EXISTS tern_import_stage ("
                                "  line bigint, tenant text, email text, attributes jsonb,"
                                "  timezone text, locale text, status text) ON COMMIT DELETE ROWS";

static const char tenants_sql[] =
    "INSERT INTO tern.tenants (id) SELECT DISTINCT tenant FROM tern_import_stage "
    "ON CONFLICT DO NOTHING";

/*
 * One statement per batch: new addresses are inserted, existing ones get
 * the file's attributes merged over theirs and the fields the file gives;
 * rows that would change nothing are not written. Conflicts are found
 * through the (tenant, lower(email)) unique index, row by row, so a batch
 * costs the same whatever the size of the table. `xmax = 0` tells an
 * inserted row from an updated one.
 */
static const char upsert_sql[] =
    "WITH written AS ("
    " INSERT INTO tern.contacts AS c (tenant, email, attributes, timezone, locale, status)"
    " SELECT tenant, email, attributes, timezone, locale, coalesce(status, 'subscribed')"
    " FROM tern_import_stage"
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
sql_fail(struct importer *im, PGresult *res, const char *what)
{
    char why[512];
    db_error(im->conn, res, why, sizeof why);
    PQclear(res);
    fail(im, "%s failed: %s; rows up to line %lu are imported, later ones are not", what, why,
         im->committed_through);
    return -1;
}

static int
begin_batch(struct importer *im, unsigned long line)
{
    PGresult *res = PQexec(im->conn, "BEGIN");
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return sql_fail(im, res, "BEGIN");
    PQclear(res);
    res = PQexec(im->conn, "COPY tern_import_stage FROM STDIN");
    if (PQresultStatus(res) != PGRES_COPY_IN) return sql_fail(im, res, "COPY");
    PQclear(res);
    im->in_batch = true;
    im->batch_first = line;
    im->batch_rows = 0;
    return 0;
}

static int
send_copy(struct importer *im)
{
    if (im->copy.len && PQputCopyData(im->conn, im->copy.data, (int)im->copy.len) != 1) {
        fail(im, "sending rows failed: %s", PQerrorMessage(im->conn));
        return -1;
    }
    buf_reset(&im->copy);
    return 0;
}

static int
run(struct importer *im, const char *sql, const char *what)
{
    PGresult *res = PQexec(im->conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return sql_fail(im, res, what);
    PQclear(res);
    return 0;
}

static int
upsert(struct importer *im)
{
    PGresult *res = PQexec(im->conn, upsert_sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) return sql_fail(im, res, "writing contacts");
    im->st->created += strtoul(PQgetvalue(res, 0, 0), NULL, 10);
    im->st->updated += strtoul(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return 0;
}

static int
end_batch(struct importer *im, unsigned long last_line)
{
    if (!im->in_batch) return 0;
    im->in_batch = false;
    if (send_copy(im) < 0) return -1;
    if (PQputCopyEnd(im->conn, NULL) != 1)
        return fail(im, "ending COPY failed: %s", PQerrorMessage(im->conn));
    PGresult *res = PQgetResult(im->conn);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) return sql_fail(im, res, "COPY");
    PQclear(res);
    while ((res = PQgetResult(im->conn)))
        PQclear(res);
    if (run(im, tenants_sql, "creating tenants") < 0 || upsert(im) < 0 ||
        run(im, "COMMIT", "COMMIT") < 0) {
        PQclear(PQexec(im->conn, "ROLLBACK"));
        return -1;
    }
    im->committed_through = last_line;
    return 0;
}

static void
report(struct importer *im, unsigned long line, const char *msg)
{
    if (im->opt->report) im->opt->report(im->opt->ctx, line, msg);
}

static int
take_row(struct importer *im, const struct csv_record *rec, unsigned long *last_line)
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
    long earlier =
        seen_put(&im->seen, address_hash(tenant, tlen, im->email.data, im->email.len), rec->line);
    if (earlier < 0) return fail(im, "out of memory");
    if (earlier > 0) {
        im->st->duplicates++;
        buf_reset(&im->msg);
        buf_printf(&im->msg,
                   "%s (tenant %.*s) also appears on line %ld; rows apply in file order, so this "
                   "one's values win",
                   im->email.data, (int)tlen, tenant, earlier);
        report(im, rec->line, buf_str(&im->msg));
        /* keep every batch free of repeats, so rows apply in order */
        if (im->in_batch && (unsigned long)earlier >= im->batch_first &&
            end_batch(im, *last_line) < 0)
            return -1;
    }
    if (!im->in_batch && begin_batch(im, rec->line) < 0) return -1;
    if (!copy_line(im, rec->line, &r)) return fail(im, "out of memory");
    *last_line = rec->line;
    if (im->copy.len >= COPY_CHUNK && send_copy(im) < 0) return -1;
    if (++im->batch_rows >= im->batch_max) return end_batch(im, *last_line);
    return 0;
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
        if (!(im->zones[i] = strdup(PQgetvalue(res, (int)i, 0)))) return fail(im, "out of memory");
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
    buf_free(&im->copy);
    buf_free(&im->email);
    buf_free(&im->attrs);
    buf_free(&im->msg);
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
    unsigned long last_line = 0;
    for (;;) {
        switch (csv_next(r, &rec)) {
        case CSV_RECORD:
            if (take_row(im, &rec, &last_line) < 0) return -1;
            break;
        case CSV_BAD:
            im->st->rows++;
            im->st->rejected++;
            report(im, rec.line, rec.error);
            break;
        case CSV_EOF: return end_batch(im, last_line);
        default:
            return fail(im, "%s; rows up to line %lu are imported", csv_error(r),
                        im->committed_through);
        }
    }
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
    if (!valid_tenant(im.default_tenant, strlen(im.default_tenant)))
        return fail(&im, "default tenant \"%s\" is not a valid tenant id", im.default_tenant);
    struct csv_options copt = {0};
    struct csv_reader *r = csv_open_fd(fd, &copt);
    if (!r) return fail(&im, "out of memory");
    int rc = read_header(&im, r);
    if (rc == 0 && im.has_timezone) rc = load_zones(&im);
    if (rc == 0) {
        PGresult *res = PQexec(conn, stage_sql);
        rc = PQresultStatus(res) == PGRES_COMMAND_OK
                 ? 0
                 : sql_fail(&im, res, "creating the staging table");
        if (rc == 0) PQclear(res);
    }
    if (rc == 0) rc = read_rows(&im, r);
    if (rc < 0 && im.in_batch) { /* abandon the open batch, keep what committed */
        PQputCopyEnd(conn, "import stopped");
        PGresult *res;
        while ((res = PQgetResult(conn)))
            PQclear(res);
        PQclear(PQexec(conn, "ROLLBACK"));
    }
    csv_close(r);
    importer_free(&im);
    return rc;
}
