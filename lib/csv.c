/*
 * csv.c - streaming CSV reader (see csv.h)
 *
 * Input sits in one chunk buffer (or the caller's memory). A record is
 * parsed by three small scanners - unquoted field, quoted field, after the
 * closing quote - that skip plain bytes 8 at a time, stop at the chunk's
 * end and refill, so a field or a CRLF may straddle two reads. Field
 * bytes are copied into one reused buffer with a NUL after each field, which
 * frees the chunk for the next read. Once a record is bad its bytes are only
 * counted, so a huge or endless field costs no memory.
 */
#include "csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"

#define KEEP_MAX 4 /* unread bytes a refill may carry over (the BOM check) */

struct csv_reader {
    int fd;              /* -1 for a memory reader */
    const char *p, *end; /* unread input */
    char *chunk;         /* read buffer of an fd reader */
    bool eof;            /* nothing more after `end` */
    bool started;        /* BOM check done */
    bool failed;
    unsigned long line; /* physical line of *p */
    struct csv_options opt;
    struct buf data;                /* this record's field bytes, each field NUL-terminated */
    size_t *offs;                   /* where each field starts in `data` */
    struct csv_field *fields;       /* handed to the caller */
    size_t cap;                     /* entries in offs and fields */
    unsigned char plain_stop[256];  /* bytes ending a run in an unquoted field */
    unsigned char quoted_stop[256]; /* bytes ending a run in a quoted field */
    char err[128];
};

/* One record in progress. */
struct rec_state {
    size_t nfields; /* fields begun, so also the current field's 1-based number */
    size_t flen;    /* bytes in the current field, stored or not */
    size_t rlen;    /* bytes stored for the record */
    size_t too_big; /* field over max_field still being measured; 0 when none */
    bool bad;       /* skip to the record's end, storing nothing */
    char *error;    /* the caller's rec->error */
    size_t errlen;
};

/* Where a scanner stopped. */
enum stop { STOP_FIELD, STOP_RECORD, STOP_CLOSED, STOP_GARBAGE, STOP_FAIL };

/*
 * ---------------------------------------------------------------------
 * opening and closing
 * ---------------------------------------------------------------------
 */

static bool
options(struct csv_options *o, const struct csv_options *in)
{
    static const struct csv_options none;
    *o = in ? *in : none;
    if (!o->max_field) o->max_field = CSV_DEFAULT_MAX_FIELD;
    if (!o->max_fields) o->max_fields = CSV_DEFAULT_MAX_FIELDS;
    if (!o->max_record) o->max_record = CSV_DEFAULT_MAX_RECORD;
    if (!o->chunk) o->chunk = CSV_DEFAULT_CHUNK;
    if (!o->delimiter) o->delimiter = ',';
    return o->delimiter != '"' && o->delimiter != '\r' && o->delimiter != '\n';
}

static void
classes(struct csv_reader *r)
{
    static const unsigned char ends[] = {'\0', '\r', '\n'};
    for (size_t i = 0; i < sizeof ends; i++)
        r->plain_stop[ends[i]] = r->quoted_stop[ends[i]] = 1;
    r->plain_stop[(unsigned char)r->opt.delimiter] = 1;
    r->quoted_stop['"'] = 1;
}

static struct csv_reader *
open_common(const struct csv_options *opt)
{
    struct csv_options o;
    if (!options(&o, opt)) {
        errno = EINVAL;
        return NULL;
    }
    struct csv_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->opt = o;
    r->line = 1;
    classes(r);
    return r;
}

struct csv_reader *
csv_open_fd(int fd, const struct csv_options *opt)
{
    struct csv_reader *r = open_common(opt);
    if (!r) return NULL;
    if (r->opt.chunk > SIZE_MAX - KEEP_MAX || !(r->chunk = malloc(r->opt.chunk + KEEP_MAX))) {
        free(r);
        errno = ENOMEM;
        return NULL;
    }
    r->fd = fd;
    r->p = r->end = r->chunk;
    return r;
}

struct csv_reader *
csv_open_mem(const char *p, size_t n, const struct csv_options *opt)
{
    struct csv_reader *r = open_common(opt);
    if (!r) return NULL;
    r->fd = -1;
    r->p = n ? p : "";
    r->end = r->p + n;
    r->eof = true;
    return r;
}

void
csv_close(struct csv_reader *r)
{
    if (!r) return;
    buf_free(&r->data);
    free(r->offs);
    free(r->fields);
    free(r->chunk);
    free(r);
}

const char *
csv_error(const struct csv_reader *r)
{
    return r->err;
}

/*
 * ---------------------------------------------------------------------
 * input (fd or memory -> chunk)
 * ---------------------------------------------------------------------
 */

__attribute__((format(printf, 2, 3))) static void
fail(struct csv_reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = true;
}

/* Read more input after the unread bytes. 1: got some, 0: end of input, -1: failed. */
static int
refill(struct csv_reader *r)
{
    if (r->eof) return 0;
    size_t keep = (size_t)(r->end - r->p); /* < KEEP_MAX: only the BOM check keeps bytes */
    memmove(r->chunk, r->p, keep);
    r->p = r->chunk;
    r->end = r->chunk + keep;
    for (;;) {
        ssize_t n = read(r->fd, r->chunk + keep, r->opt.chunk);
        if (n > 0) {
            r->end += n;
            return 1;
        }
        if (n == 0) {
            r->eof = true;
            return 0;
        }
        if (errno != EINTR) break;
    }
    fail(r, "read error: %s", strerror(errno));
    return -1;
}

/* The next byte without taking it; -1 at end of input, -2 on a read error. */
static int
peek(struct csv_reader *r)
{
    if (r->p == r->end) {
        int got = refill(r);
        if (got <= 0) return got - 1;
    }
    return (unsigned char)*r->p;
}

static bool
skip_bom(struct csv_reader *r)
{
    r->started = true;
    while (r->end - r->p < 3 && !r->eof) /* a pipe may deliver fewer than 3 bytes */
        if (refill(r) < 0) return false;
    if (r->end - r->p >= 3 && memcmp(r->p, "\xEF\xBB\xBF", 3) == 0) r->p += 3;
    return true;
}

/*
 * ---------------------------------------------------------------------
 * record state (scanner -> field buffer)
 * ---------------------------------------------------------------------
 */

/* Mark the record bad with the first reason found; later ones are dropped. */
__attribute__((format(printf, 2, 3))) static void
spoil(struct rec_state *st, const char *fmt, ...)
{
    if (st->bad) return;
    st->bad = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->error, st->errlen, fmt, ap);
    va_end(ap);
}

static bool
grow(struct csv_reader *r, size_t n)
{
    if (n <= r->cap) return true;
    size_t cap = r->cap ? r->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof *r->fields) return false;
    size_t *offs = realloc(r->offs, cap * sizeof *offs);
    if (!offs) return false;
    r->offs = offs;
    struct csv_field *fields = realloc(r->fields, cap * sizeof *fields);
    if (!fields) return false;
    r->fields = fields;
    r->cap = cap;
    return true;
}

/* buf_append() without a call in the common case: this runs for every field. */
static inline bool
put(struct csv_reader *r, const char *s, size_t n)
{
    struct buf *b = &r->data;
    if (b->cap - b->len <= n && !buf_reserve(b, n)) { /* room for n bytes and buf's NUL */
        fail(r, "out of memory");
        return false;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0'; /* keep buf's invariant */
    return true;
}

/* Append field bytes, or only count them once the record is bad. False: out of memory. */
static bool
store(struct csv_reader *r, struct rec_state *st, const char *s, size_t n)
{
    if (st->bad || !n) {
        st->flen += n;
        return true;
    }
    size_t field_room = r->opt.max_field - st->flen; /* flen <= max_field until bad */
    size_t record_room = r->opt.max_record - st->rlen;
    st->flen += n;
    /* The limit the first excess byte breaks wins, however the input was split. */
    if (n > field_room && field_room <= record_room) {
        spoil(st, "field %zu is over the %zu-byte limit", st->nfields, r->opt.max_field);
        st->too_big = st->nfields; /* the exact size is known at the field's end */
        return true;
    }
    if (n > record_room) {
        spoil(st, "record is over the %zu-byte limit", r->opt.max_record);
        return true;
    }
    st->rlen += n;
    return put(r, s, n);
}

static void
nul(struct rec_state *st)
{
    st->flen++;
    spoil(st, "field %zu contains a NUL byte", st->nfields);
}

static bool
field_begin(struct csv_reader *r, struct rec_state *st)
{
    st->nfields++;
    st->flen = 0;
    if (st->bad) return true;
    if (st->nfields > r->opt.max_fields) {
        spoil(st, "record has more than %zu fields", r->opt.max_fields);
        return true;
    }
    if (!grow(r, st->nfields)) {
        fail(r, "out of memory");
        return false;
    }
    r->offs[st->nfields - 1] = r->data.len;
    return true;
}

static bool
field_end(struct csv_reader *r, struct rec_state *st)
{
    if (st->too_big == st->nfields) {
        snprintf(st->error, st->errlen, "field %zu is %zu bytes, over the %zu-byte limit",
                 st->nfields, st->flen, r->opt.max_field);
        st->too_big = 0;
    }
    if (st->bad) return true;
    r->fields[st->nfields - 1].len = st->flen;
    return put(r, "", 1); /* the field's terminating NUL */
}

/*
 * ---------------------------------------------------------------------
 * scanners (chunk -> record state)
 * ---------------------------------------------------------------------
 */

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Non-zero when some byte of `w` is zero (exact, no false positives). */
static inline uint64_t
zero_byte(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

/*
 * The end of the run at `s` (up to `end`) free of NUL, CR, LF and `special`
 * (the delimiter or the quote). Fields are mostly plain text, so it skips
 * 8 bytes per step and finishes byte by byte with the class table.
 */
static const char *
span(const char *s, const char *end, unsigned char special, const unsigned char *stop)
{
    const uint64_t sp = ONES * special, cr = ONES * '\r', lf = ONES * '\n';
    for (; end - s >= 8; s += 8) {
        uint64_t w;
        memcpy(&w, s, 8); /* one unaligned load */
        if (zero_byte(w) | zero_byte(w ^ cr) | zero_byte(w ^ lf) | zero_byte(w ^ sp)) break;
    }
    while (s < end && !stop[(unsigned char)*s])
        s++;
    return s;
}

/* `c` (CR or LF) was taken: count the line, and take the LF of a CRLF. */
static enum stop
line_end(struct csv_reader *r, int c)
{
    r->line++;
    if (c == '\r') {
        int next = peek(r);
        if (next == -2) return STOP_FAIL;
        if (next == '\n') r->p++;
    }
    return STOP_RECORD;
}

static enum stop
unquoted(struct csv_reader *r, struct rec_state *st)
{
    for (;;) {
        const char *s = span(r->p, r->end, (unsigned char)r->opt.delimiter, r->plain_stop);
        if (!store(r, st, r->p, (size_t)(s - r->p))) return STOP_FAIL;
        r->p = s;
        if (s == r->end) {
            int got = refill(r);
            if (got < 0) return STOP_FAIL;
            if (got == 0) return STOP_RECORD; /* last record without a line end */
            continue;
        }
        unsigned char c = (unsigned char)*r->p++;
        if (c == '\0')
            nul(st);
        else if (c == (unsigned char)r->opt.delimiter)
            return STOP_FIELD;
        else
            return line_end(r, c);
    }
}

/* A CR or LF inside quotes: keep it and count the physical line. */
static bool
quoted_newline(struct csv_reader *r, struct rec_state *st, char c)
{
    r->line++;
    if (!store(r, st, &c, 1)) return false;
    if (c != '\r') return true;
    int next = peek(r);
    if (next == -2) return false;
    if (next != '\n') return true;
    r->p++;
    return store(r, st, "\n", 1);
}

/* After the opening quote; STOP_CLOSED after the closing one. */
static enum stop
quoted(struct csv_reader *r, struct rec_state *st)
{
    unsigned long opened = r->line;
    for (;;) {
        const char *s = span(r->p, r->end, '"', r->quoted_stop);
        if (!store(r, st, r->p, (size_t)(s - r->p))) return STOP_FAIL;
        r->p = s;
        if (s == r->end) {
            int got = refill(r);
            if (got < 0) return STOP_FAIL;
            if (got > 0) continue;
            st->bad = false; /* this reason wins: it explains why the file ended */
            st->too_big = 0;
            spoil(st, "quoted field opened on line %lu is never closed", opened);
            return STOP_RECORD;
        }
        char c = *r->p++;
        if (c == '"') {
            int next = peek(r);
            if (next == -2) return STOP_FAIL;
            if (next != '"') return STOP_CLOSED;
            r->p++; /* "" is one quote */
            if (!store(r, st, "\"", 1)) return STOP_FAIL;
        } else if (c == '\0') {
            nul(st);
        } else if (!quoted_newline(r, st, c)) {
            return STOP_FAIL;
        }
    }
}

/* Only a delimiter, a line end or the end of input may follow a closing quote. */
static enum stop
after_quote(struct csv_reader *r, struct rec_state *st)
{
    int c = peek(r);
    if (c == -2) return STOP_FAIL;
    if (c == -1) return STOP_RECORD;
    if (c == (unsigned char)r->opt.delimiter) {
        r->p++;
        return STOP_FIELD;
    }
    if (c == '\r' || c == '\n') {
        r->p++;
        return line_end(r, c);
    }
    spoil(st, "unexpected character after closing quote in field %zu", st->nfields);
    return STOP_GARBAGE; /* the rest of the field is read as unquoted to find its end */
}

static enum stop
field(struct csv_reader *r, struct rec_state *st)
{
    int c = peek(r);
    if (c == -2) return STOP_FAIL;
    if (c == '"') {
        r->p++;
        enum stop s = quoted(r, st);
        if (s == STOP_CLOSED) s = after_quote(r, st);
        if (s != STOP_GARBAGE) return s;
    }
    return unquoted(r, st);
}

/* Skip empty physical lines; the first byte of the next record, -1 at end, -2 on failure. */
static int
skip_blank(struct csv_reader *r)
{
    for (;;) {
        int c = peek(r);
        if (c != '\r' && c != '\n') return c;
        r->p++;
        if (line_end(r, c) == STOP_FAIL) return -2;
    }
}

/*
 * ---------------------------------------------------------------------
 * records (record state -> caller)
 * ---------------------------------------------------------------------
 */

static enum csv_status
failed(struct csv_reader *r, struct csv_record *rec)
{
    snprintf(rec->error, sizeof rec->error, "%s", r->err);
    return CSV_FAIL;
}

static void
hand_over(struct csv_reader *r, const struct rec_state *st, struct csv_record *rec)
{
    for (size_t i = 0; i < st->nfields; i++)
        r->fields[i].ptr = r->data.data + r->offs[i];
    rec->fields = r->fields;
    rec->nfields = st->nfields;
}

enum csv_status
csv_next(struct csv_reader *r, struct csv_record *rec)
{
    rec->fields = NULL;
    rec->nfields = 0;
    rec->error[0] = '\0';
    rec->line = r->line;
    if (r->failed || (!r->started && !skip_bom(r))) return failed(r, rec);
    int c = skip_blank(r);
    rec->line = r->line;
    if (c == -2) return failed(r, rec);
    if (c == -1) return CSV_EOF;

    struct rec_state st = {.error = rec->error, .errlen = sizeof rec->error};
    enum stop s;
    buf_reset(&r->data);
    do {
        if (!field_begin(r, &st)) return failed(r, rec);
        s = field(r, &st);
        if (s == STOP_FAIL || !field_end(r, &st)) return failed(r, rec);
    } while (s == STOP_FIELD);
    if (st.bad) return CSV_BAD;
    hand_over(r, &st, rec);
    return CSV_RECORD;
}
