/*
 * record_copy.c - an event record as one row of COPY tern.events text (see record_int.h)
 *
 * The drain's fast path (record_apply.c). The tracker spools thousands of
 * event records a second; building a jansson tree of each one only to dump
 * it again for jsonb_to_recordset, and PostgreSQL parsing that array back,
 * cost more CPU than answering the clicks. This reads the flat object the
 * encoders write in one pass, straight into the columns of a COPY row.
 *
 * It accepts only what it fully understands: kind "event", the known keys
 * each at most once, strings where strings belong, integers where integers
 * belong, data an object. Anything else (another kind, a new key, a repeated
 * one, a \u0000, a lone surrogate) makes it give up, and the record takes the
 * general path, which knows every shape and every reason to skip one.
 * PostgreSQL still checks the values themselves (uuid, inet, the event type,
 * the data's JSON); a value it refuses sends the whole batch the general way.
 */
#include "db.h"
#include "record_int.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum col {
    C_ID,
    C_CONTACT,
    C_TYPE,
    C_OCCURRED,
    C_SOURCE,
    C_MESSAGE,
    C_JOURNEY,
    C_STEP,
    C_DATA,
    C_BOT_CLASS,
    C_BOT_REASON,
    C_USER_AGENT,
    C_IP,
    C_DELAY,
    C_COUNT,
    C_KIND = C_COUNT /* not a column: must say "event" */
};

enum vtype { V_STR, V_INT, V_OBJ };

/* The record's keys, by column; the order of the columns is REC_COPY_COLUMNS. */
static const struct {
    const char *key;
    enum vtype type;
} keys[C_COUNT + 1] = {
    [C_ID] = {"id", V_STR},
    [C_CONTACT] = {"contact_id", V_INT},
    [C_TYPE] = {"type", V_STR},
    [C_OCCURRED] = {"occurred_us", V_INT},
    [C_SOURCE] = {"source", V_STR},
    [C_MESSAGE] = {"message_id", V_STR},
    [C_JOURNEY] = {"journey", V_STR},
    [C_STEP] = {"step", V_STR},
    [C_DATA] = {"data", V_OBJ},
    [C_BOT_CLASS] = {"bot_class", V_STR},
    [C_BOT_REASON] = {"bot_reason", V_STR},
    [C_USER_AGENT] = {"user_agent", V_STR},
    [C_IP] = {"ip", V_STR},
    [C_DELAY] = {"delay_ms", V_INT},
    [C_KIND] = {"kind", V_STR},
};

/* A value found in the record: its text (strings without their quotes). NULL: absent or null. */
struct span {
    const char *p;
    size_t n;
    int64_t i; /* V_INT */
};

struct scan {
    const char *p, *end;
};

static void
skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
        s->p++;
}

static bool
eat(struct scan *s, char c)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != c) return false;
    s->p++;
    return true;
}

static int
hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A \u escape at p (pointing at the 'u'): its code point, -1 if it is not one we pass on
 * (NUL, which PostgreSQL text cannot hold, or a surrogate without its pair). *len: bytes used. */
static long
unicode_escape(const char *p, const char *end, size_t *len)
{
    if (end - p < 5) return -1;
    long hi = hex4(p + 1);
    *len = 5;
    if (hi <= 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) return -1;
    if (hi < 0xD800 || hi > 0xDBFF) return hi;
    if (end - p < 11 || p[5] != '\\' || p[6] != 'u') return -1;
    long lo = hex4(p + 7);
    if (lo < 0xDC00 || lo > 0xDFFF) return -1;
    *len = 11;
    return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* A string's body (the opening quote already eaten), checked; the scan ends past its quote. */
static bool
string_body(struct scan *s, struct span *v)
{
    v->p = s->p;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20) return false;
        if (c != '\\') {
            s->p++;
            continue;
        }
        if (s->end - s->p < 2) return false;
        size_t len = 2;
        if (s->p[1] == 'u') {
            if (unicode_escape(s->p + 1, s->end, &len) < 0) return false;
            len++;
        } else if (!strchr("\"\\/bfnrt", s->p[1]) || !s->p[1]) {
            return false;
        }
        s->p += len;
    }
    if (s->p >= s->end) return false;
    v->n = (size_t)(s->p - v->p);
    s->p++;
    return true;
}

/* An integer as jansson reads one (no fraction, no exponent, in range). */
static bool
integer(struct scan *s, struct span *v)
{
    bool neg = s->p < s->end && *s->p == '-';
    const char *d = s->p + neg;
    uint64_t u = 0;
    const char *q = d;
    for (; q < s->end && *q >= '0' && *q <= '9'; q++) {
        if (u > (UINT64_C(1) << 63) / 10) return false;
        u = u * 10 + (uint64_t)(*q - '0');
    }
    if (q == d || (q - d > 1 && *d == '0') || u > (UINT64_C(1) << 63) - !neg) return false;
    if (q < s->end && (*q == '.' || *q == 'e' || *q == 'E')) return false;
    v->i = neg ? (int64_t)(0 - u) : (int64_t)u;
    v->p = s->p;
    v->n = (size_t)(q - s->p);
    s->p = q;
    return true;
}

/* An object value, taken whole as its text; PostgreSQL parses it as jsonb. */
static bool
object_text(struct scan *s, struct span *v)
{
    v->p = s->p - 1; /* the '{' already eaten */
    int depth = 1;
    while (s->p < s->end && depth > 0) {
        char c = *s->p++;
        struct span ignored;
        if (c == '"' && !string_body(s, &ignored)) return false;
        if (c == '{' || c == '[') depth++;
        if (c == '}' || c == ']') depth--;
    }
    v->n = (size_t)(s->p - v->p);
    return depth == 0;
}

static bool
literal(struct scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0) return false;
    s->p += n;
    return true;
}

static int
key_of(const struct span *k)
{
    for (int c = 0; c <= C_KIND; c++)
        if (strlen(keys[c].key) == k->n && memcmp(keys[c].key, k->p, k->n) == 0) return c;
    return -1;
}

/* One value of the expected type into *v (p NULL for JSON null). */
static bool
value(struct scan *s, enum vtype type, struct span *v)
{
    skip_ws(s);
    if (literal(s, "null")) {
        v->p = NULL;
        return true;
    }
    if (type == V_STR) return eat(s, '"') && string_body(s, v);
    if (type == V_INT) return integer(s, v);
    return eat(s, '{') && object_text(s, v);
}

/* Every member of the record into vals[]; false on anything unexpected. */
static bool
scan_record(const char *json, size_t len, struct span vals[C_COUNT + 1])
{
    struct scan s = {json, json + len};
    unsigned seen = 0;
    if (!eat(&s, '{')) return false;
    if (eat(&s, '}')) return false; /* no kind */
    do {
        struct span k;
        if (!eat(&s, '"') || !string_body(&s, &k) || memchr(k.p, '\\', k.n)) return false;
        int c = key_of(&k);
        if (c < 0 || (seen & (1u << c)) || !eat(&s, ':') || !value(&s, keys[c].type, &vals[c]))
            return false;
        seen |= 1u << c;
    } while (eat(&s, ','));
    if (!eat(&s, '}')) return false;
    skip_ws(&s);
    return s.p == s.end;
}

/* ---- writing the row ---- */

static bool
utf8_of(long cp, struct buf *out)
{
    char u[4];
    size_t n;
    if (cp < 0x80)
        u[0] = (char)cp, n = 1;
    else if (cp < 0x800)
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3F)),
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3F)),
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    return buf_append(out, u, n);
}

/* One byte as COPY text carries it. */
static bool
copy_byte(char c, struct buf *out)
{
    return db_copy_text(out, &c, 1);
}

/* A checked JSON string body, unescaped, then escaped for COPY. */
static bool
copy_string(const char *p, size_t n, struct buf *out)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    bool ok = true;
    for (const char *end = p + n; ok && p < end;) {
        if (*p != '\\') { /* no raw control characters: string_body refused them */
            size_t run = 1;
            while (p + run < end && p[run] != '\\')
                run++;
            ok = buf_append(out, p, run);
            p += run;
        } else if (p[1] == 'u') {
            size_t len = 0;
            long cp = unicode_escape(p + 1, end, &len);
            ok = cp < 0x80 ? copy_byte((char)cp, out) : utf8_of(cp, out);
            p += len + 1;
        } else {
            ok = copy_byte(to[strchr(from, p[1]) - from], out);
            p += 2;
        }
    }
    return ok;
}

static bool
copy_column(int c, const struct span *v, struct buf *out)
{
    if (c == C_OCCURRED) {
        char iso[32];
        rec_iso_time(v->i, iso);
        return buf_puts(out, iso);
    }
    if (c == C_SOURCE && !v->p) return buf_puts(out, "api");
    if (c == C_DATA && !v->p) return buf_puts(out, "{}");
    if (!v->p || (c == C_CONTACT && v->i == 0)) return buf_append(out, "\\N", 2);
    if (keys[c].type == V_INT) return buf_append(out, v->p, v->n);
    if (keys[c].type == V_OBJ) return db_copy_text(out, v->p, v->n); /* as it is */
    return copy_string(v->p, v->n, out);
}

bool
rec_copy_event_row(const char *json, size_t len, struct buf *out)
{
    struct span vals[C_COUNT + 1] = {{0}};
    if (!scan_record(json, len, vals)) return false;
    const struct span *kind = &vals[C_KIND];
    if (!kind->p || kind->n != 5 || memcmp(kind->p, "event", 5) != 0) return false;
    if (!vals[C_ID].p || !vals[C_TYPE].p || !vals[C_OCCURRED].p) return false;
    size_t start = out->len;
    bool ok = true;
    for (int c = 0; ok && c < C_COUNT; c++)
        ok = (c == 0 || buf_putc(out, '\t')) && copy_column(c, &vals[c], out);
    ok = ok && buf_putc(out, '\n');
    if (!ok) buf_truncate(out, start);
    return ok;
}
