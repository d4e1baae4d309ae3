/*
 * tpl_parse.c - Mustache source -> compiled template (see tpl.h, tpl_int.h)
 *
 * One pass over the source finds tags with the current delimiters, decides
 * which tags stand alone on their line (such lines vanish from the output)
 * and appends nodes. Blocks that stand alone have their body's common
 * indentation removed here, once, so the renderer only ever adds
 * indentation. A last pass merges sibling text into single runs and copies
 * all the renderer needs into one string pool.
 */
#include "tpl_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DELIM 16 /* bytes in a delimiter, NUL included */
#define MAX_SEGS  32 /* parts of a dotted name */
#define MAX_FILTS 16 /* filters on one interpolation */
#define NONE      ((size_t)-1)

struct open { /* a section, block or parent waiting for its close tag */
    uint32_t node;
    size_t name, namelen; /* as written, in the source */
    size_t body;          /* where the body starts in the source */
    uint32_t line, col;
};

struct parser {
    const char *src;
    size_t len, pos;
    char otag[MAX_DELIM], ctag[MAX_DELIM];
    size_t olen, clen;
    struct tpl_node *nodes;
    size_t n, cap;
    struct tpl_seg *segs;
    size_t nsegs, segcap;
    struct tpl_filt *filts;
    size_t nfilts, filtcap;
    struct buf pool;
    struct open stack[TPL_MAX_NESTING];
    int depth;
    size_t lc_pos, lc_line, lc_col; /* position cursor: line and column at lc_pos */
    bool trail;                     /* the next tag closes a standalone pair */
    struct tpl_error *err;
};

struct rawtag {
    size_t start, end; /* the whole tag, delimiters included */
    char type;         /* one of "#^/!=><${&", or 0 for a plain variable */
    size_t c, clen;    /* content between type and closing delimiter, trimmed */
};

struct place { /* what standing alone means for one tag */
    bool alone;
    size_t ind, indlen; /* the blanks before a standalone tag */
    size_t cut;         /* literal text before the tag ends here */
    size_t resume;      /* parsing goes on here */
};

/* ------------------------------------------------------------------ errors */

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static size_t
cp_count(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80; /* continuation bytes don't count */
    return k;
}

/* Line and column of `at`; the cursor only moves forward in normal use. */
static void
where(struct parser *p, size_t at, uint32_t *line, uint32_t *col)
{
    if (at < p->lc_pos) p->lc_pos = 0, p->lc_line = 1, p->lc_col = 1;
    while (p->lc_pos < at) {
        const char *s = p->src + p->lc_pos;
        const char *nl = memchr(s, '\n', at - p->lc_pos);
        if (!nl) {
            p->lc_col += cp_count(s, at - p->lc_pos);
            p->lc_pos = at;
            break;
        }
        p->lc_line++;
        p->lc_col = 1;
        p->lc_pos = (size_t)(nl - p->src) + 1;
    }
    *line = (uint32_t)p->lc_line;
    *col = (uint32_t)p->lc_col;
}

__attribute__((format(printf, 4, 5))) static int
fail_at(struct parser *p, uint32_t line, uint32_t col, const char *fmt, ...)
{
    struct tpl_error *e = p->err;
    int n = snprintf(e->msg, sizeof e->msg, "line %u, column %u: ", line, col);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof e->msg)
        vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
    va_end(ap);
    e->line = (int)line;
    e->column = (int)col;
    return -1;
}

#define fail(p, at, ...)                                                                           \
    do {                                                                                           \
        uint32_t l_, c_;                                                                           \
        where(p, at, &l_, &c_);                                                                    \
        return fail_at(p, l_, c_, __VA_ARGS__);                                                    \
    } while (0)

static int
nomem(struct parser *p)
{
    snprintf(p->err->msg, sizeof p->err->msg, "out of memory");
    p->err->line = p->err->column = 0;
    return -1;
}

/* Quote at most 40 bytes of source in a message. */
#define SHOW(p, off, n) (int)((n) > 40 ? 40 : (n)), (p)->src + (off)

/* ------------------------------------------------------------------ arrays */

static bool
grow(void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return true;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *a = realloc(*arr, c * size);
    if (!a) return false;
    *arr = a;
    *cap = c;
    return true;
}

static struct tpl_node *
add_node(struct parser *p, int kind)
{
    if (!grow((void **)&p->nodes, &p->cap, p->n + 1, sizeof *p->nodes)) return NULL;
    struct tpl_node *n = &p->nodes[p->n];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    n->end = (uint32_t)++p->n;
    return n;
}

/* Copy bytes into the pool, NUL-terminated; the offset via *off. */
static bool
pool_add(struct buf *pool, const char *s, size_t n, uint32_t *off)
{
    *off = (uint32_t)pool->len;
    return buf_append(pool, s, n) && buf_putc(pool, '\0');
}

/* ------------------------------------------------------------------ text */

static int
add_text(struct parser *p, size_t from, size_t to)
{
    if (from >= to) return 0;
    struct tpl_node *n = add_node(p, TK_TEXT);
    if (!n) return nomem(p);
    n->off = (uint32_t)from; /* a source offset until finish() */
    n->len = (uint32_t)(to - from);
    if (from == 0 || p->src[from - 1] == '\n') n->flags |= TF_BOL;
    return 0;
}

/* ------------------------------------------------------------------ names */

static bool
has_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (is_space(s[i])) return true;
    return false;
}

/* A dotted lookup name ("." or a.b.c) into n->off/len and segments. */
static int
dotted_name(struct parser *p, size_t at, size_t off, size_t len, struct tpl_node *n)
{
    const char *s = p->src + off;
    if (len == 0) fail(p, at, "empty tag");
    if (len > TPL_MAX_NAME) fail(p, at, "name \"%.*s...\" is too long", SHOW(p, off, len));
    if (has_space(s, len))
        fail(p, at, "bad name \"%.*s\": spaces are not allowed", SHOW(p, off, len));
    if (!pool_add(&p->pool, s, len, &n->off)) return nomem(p);
    n->len = (uint32_t)len;
    if (len == 1 && s[0] == '.') return 0; /* the implicit iterator */
    size_t i = 0;
    n->seg = (uint32_t)p->nsegs;
    while (i <= len) {
        const char *dot = memchr(s + i, '.', len - i);
        size_t e = dot ? (size_t)(dot - s) : len;
        if (e == i) fail(p, at, "bad name \"%.*s\": empty part", SHOW(p, off, len));
        if (n->nseg == MAX_SEGS) fail(p, at, "name \"%.*s\" has too many parts", SHOW(p, off, len));
        if (!grow((void **)&p->segs, &p->segcap, p->nsegs + 1, sizeof *p->segs)) return nomem(p);
        struct tpl_seg *g = &p->segs[p->nsegs++];
        g->off = n->off + (uint32_t)i;
        g->len = (uint32_t)(e - i);
        g->index = -1;
        if (e - i <= 9 && strspn(s + i, "0123456789") >= e - i) g->index = atoi(s + i);
        n->nseg++;
        i = e + 1;
    }
    return 0;
}

/* A partial, parent or block name: any bytes but spaces. */
static int
plain_name(struct parser *p, size_t at, size_t off, size_t len, struct tpl_node *n)
{
    if (len == 0) fail(p, at, "empty tag");
    if (len > TPL_MAX_NAME) fail(p, at, "name \"%.*s...\" is too long", SHOW(p, off, len));
    if (has_space(p->src + off, len))
        fail(p, at, "bad name \"%.*s\": spaces are not allowed", SHOW(p, off, len));
    if (!pool_add(&p->pool, p->src + off, len, &n->off)) return nomem(p);
    n->len = (uint32_t)len;
    return 0;
}

/* {{>name}} or {{>*dotted.name}}: the star takes the name from the view. */
static int
partial_name(struct parser *p, const struct rawtag *t, struct tpl_node *n)
{
    size_t off = t->c, len = t->clen;
    if (len && p->src[off] == '*') {
        n->flags |= TF_DYNAMIC;
        off++, len--;
        while (len && is_space(p->src[off]))
            off++, len--;
        return dotted_name(p, t->start, off, len, n);
    }
    return plain_name(p, t->start, off, len, n);
}

/* ------------------------------------------------------------------ filters */

/* End of one filter spec: the next '|' outside quotes. */
static size_t
filter_end(const char *s, size_t i, size_t n)
{
    char q = 0;
    for (; i < n; i++) {
        if (q) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            else if (s[i] == q)
                q = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            q = s[i];
        } else if (s[i] == '|') {
            break;
        }
    }
    return i;
}

static int
add_filters(struct parser *p, size_t from, size_t to, struct tpl_node *n)
{
    n->filt = (uint32_t)p->nfilts;
    for (size_t i = from; i < to;) {
        size_t e = filter_end(p->src, i + 1, to); /* src[i] is the '|' */
        size_t a = i + 1;
        while (a < e && is_space(p->src[a]))
            a++;
        if (n->nfilt == MAX_FILTS) fail(p, a, "more than %d filters", MAX_FILTS);
        if (!grow((void **)&p->filts, &p->filtcap, p->nfilts + 1, sizeof *p->filts))
            return nomem(p);
        char msg[200];
        if (tpl_filter_compile(p->src + a, p->src + e, &p->pool, &p->filts[p->nfilts], msg,
                               sizeof msg) < 0) {
            if (!msg[0]) return nomem(p);
            fail(p, a, "%s", msg);
        }
        p->nfilts++;
        n->nfilt++;
        i = e;
    }
    return 0;
}

/*
 * The first `d` (dl bytes) in s[0, n), or NULL. memchr for its first byte,
 * then a compare: templates are mostly text, and memchr skips text many
 * times faster than memmem, which was half the cost of compiling an HTML mail.
 */
static const char *
find_delim(const char *s, size_t n, const char *d, size_t dl)
{
    const char *end = s + n;
    if (dl == 0) return s;
    while ((size_t)(end - s) >= dl && (s = memchr(s, d[0], (size_t)(end - s) - dl + 1))) {
        if (memcmp(s, d, dl) == 0) return s;
        s++;
    }
    return NULL;
}

/* ------------------------------------------------------------------ tags */

static int
scan_tag(const struct parser *p, size_t at, struct rawtag *t)
{
    const char *s = p->src;
    size_t i = at + p->olen;
    t->start = at;
    t->type = 0;
    if (i < p->len && s[i] && strchr("#^/!=><${&", s[i])) t->type = s[i++];
    char want[MAX_DELIM + 1];
    size_t wl = p->clen;
    memcpy(want, p->ctag, wl);
    if (t->type == '{') { /* {{{x}}} ends with "}" plus the closing delimiter */
        want[0] = '}';
        memcpy(want + 1, p->ctag, wl++);
    }
    const char *e = find_delim(s + i, p->len - i, want, wl);
    if (!e) return -1;
    size_t ce = (size_t)(e - s);
    t->end = ce + wl;
    while (i < ce && is_space(s[i]))
        i++;
    while (ce > i && is_space(s[ce - 1]))
        ce--;
    t->c = i;
    t->clen = ce - i;
    return 0;
}

static bool
can_stand(char type)
{
    return type && type != '{' && type != '&'; /* interpolations never stand alone */
}

/* Start of the tag's line when only blanks precede the tag on it, else NONE. */
static size_t
blank_before(const struct parser *p, size_t at)
{
    size_t i = at;
    while (i > p->pos && is_blank(p->src[i - 1]))
        i--;
    if (i > p->pos) return p->src[i - 1] == '\n' ? i : NONE;
    return (i == 0 || p->src[i - 1] == '\n') ? i : NONE;
}

/* Just past the tag's line end when only blanks follow the tag on it, else NONE. */
static size_t
blank_after(const struct parser *p, size_t at)
{
    size_t i = at;
    while (i < p->len && is_blank(p->src[i]))
        i++;
    if (i == p->len) return i;
    if (p->src[i] == '\n') return i + 1;
    if (p->src[i] == '\r' && i + 1 < p->len && p->src[i + 1] == '\n') return i + 2;
    return NONE;
}

static bool
same_name(const struct parser *p, size_t a, size_t alen, size_t b, size_t blen)
{
    return alen == blen && memcmp(p->src + a, p->src + b, alen) == 0;
}

enum { PAIR_NONE, PAIR_EAT, PAIR_KEEP };

/*
 * Inheritance tags may stand alone in pairs on one line: {{<p}}{{/p}},
 * {{<p}}{{$b}}, {{/b}}{{/p}} (the line vanishes) and {{$b}}{{/b}} (the
 * blanks before become the block's indentation; the newline stays).
 */
static int
pair_kind(const struct parser *p, const struct rawtag *t1)
{
    if (t1->type != '<' && t1->type != '$' && t1->type != '/') return PAIR_NONE;
    if (p->len - t1->end < p->olen || memcmp(p->src + t1->end, p->otag, p->olen) != 0)
        return PAIR_NONE;
    struct rawtag t2;
    if (scan_tag(p, t1->end, &t2) < 0 || blank_after(p, t2.end) == NONE) return PAIR_NONE;
    bool closes = t2.type == '/' && same_name(p, t1->c, t1->clen, t2.c, t2.clen);
    if (t1->type == '<') return (t2.type == '$' || closes) ? PAIR_EAT : PAIR_NONE;
    if (t1->type == '$') return closes ? PAIR_KEEP : PAIR_NONE;
    if (t2.type != '/' || p->depth < 2) return PAIR_NONE;
    const struct open *blk = &p->stack[p->depth - 1], *par = &p->stack[p->depth - 2];
    if (p->nodes[blk->node].kind != TK_BLOCK || p->nodes[par->node].kind != TK_PARENT)
        return PAIR_NONE;
    if (!same_name(p, t1->c, t1->clen, blk->name, blk->namelen)) return PAIR_NONE;
    return same_name(p, t2.c, t2.clen, par->name, par->namelen) ? PAIR_EAT : PAIR_NONE;
}

static void
place_tag(struct parser *p, const struct rawtag *t, struct place *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->cut = t->start;
    pl->resume = t->end;
    if (!can_stand(t->type)) return;
    if (p->trail) { /* second tag of a pair: eat the rest of the line */
        p->trail = false;
        pl->alone = true;
        pl->resume = blank_after(p, t->end);
        return;
    }
    size_t b = blank_before(p, t->start);
    if (b == NONE) return;
    size_t a = blank_after(p, t->end);
    int pair = a == NONE ? pair_kind(p, t) : PAIR_NONE;
    if (a == NONE && pair == PAIR_NONE) return;
    pl->alone = true;
    pl->ind = b;
    pl->indlen = t->start - b;
    pl->cut = b;
    if (a != NONE) pl->resume = a;
    p->trail = pair == PAIR_EAT;
}

static int
set_delims(struct parser *p, const struct rawtag *t)
{
    const char *s = p->src + t->c;
    size_t n = t->clen;
    if (n == 0 || s[n - 1] != '=') goto bad;
    n--;
    while (n && is_space(s[n - 1]))
        n--;
    size_t a = 0;
    while (a < n && !is_space(s[a]))
        a++;
    size_t b = a;
    while (b < n && is_space(s[b]))
        b++;
    if (a == 0 || b == a || b == n || has_space(s + b, n - b)) goto bad;
    if (a >= MAX_DELIM || n - b >= MAX_DELIM) fail(p, t->start, "delimiters are too long");
    if (memchr(s, '=', a) || memchr(s + b, '=', n - b))
        fail(p, t->start, "bad delimiter change: delimiters may not contain '='");
    memcpy(p->otag, s, a);
    p->olen = a;
    memcpy(p->ctag, s + b, n - b);
    p->clen = n - b;
    return 0;
bad:
    fail(p, t->start, "bad delimiter change \"%.*s\": expected two delimiters, like {{=<%% %%>=}}",
         SHOW(p, t->start, t->end - t->start));
}

static int
open_tag(struct parser *p, const struct rawtag *t, const struct place *pl)
{
    if (p->depth == TPL_MAX_NESTING)
        fail(p, t->start, "sections nested more than %d deep", TPL_MAX_NESTING);
    static const int kinds[] = {
        ['#'] = TK_SECTION, ['^'] = TK_INVERTED, ['<'] = TK_PARENT, ['$'] = TK_BLOCK};
    struct tpl_node *n = add_node(p, kinds[(unsigned char)t->type]);
    if (!n) return nomem(p);
    uint32_t idx = (uint32_t)(p->n - 1);
    where(p, t->start, &n->line, &n->col);
    int rc;
    if (t->type == '#' || t->type == '^') {
        if (memchr(p->src + t->c, '|', t->clen))
            fail(p, t->start, "filters are allowed in interpolation tags only");
        rc = dotted_name(p, t->start, t->c, t->clen, n);
    } else if (t->type == '<') {
        rc = partial_name(p, t, n);
    } else {
        rc = plain_name(p, t->start, t->c, t->clen, n);
    }
    if (rc < 0) return rc;
    n = &p->nodes[idx];
    if (pl->alone && (t->type == '<' || t->type == '$')) {
        n->flags |= TF_STANDALONE;
        n->ind = (uint32_t)pl->ind; /* source offsets until finish() */
        n->indlen = (uint32_t)pl->indlen;
        if (t->type == '$') n->bef = n->ind, n->beflen = n->indlen, n->indlen = 0;
    }
    struct open *o = &p->stack[p->depth++];
    o->node = idx;
    o->name = t->c;
    o->namelen = t->clen;
    o->body = pl->resume;
    o->line = n->line;
    o->col = n->col;
    return 0;
}

static void
shrink(uint32_t *off, uint32_t *len, uint32_t k)
{
    uint32_t d = *len < k ? *len : k;
    *off += d;
    *len -= d;
}

/*
 * A standalone block's body loses its common indentation (the spec's "block
 * indentation is removed at the site of definition"); where it is expanded,
 * the renderer adds the site's indentation instead. Nested standalone blocks
 * did their own body already; only their indentation shrinks.
 */
static void
dedent(struct parser *p, uint32_t blk, size_t from, size_t to)
{
    const char *s = p->src;
    size_t ref = NONE, k = 0;
    for (size_t i = from; i < to;) {
        size_t w = 0;
        while (i + w < to && is_blank(s[i + w]))
            w++;
        const char *nl = memchr(s + i, '\n', to - i);
        size_t e = nl ? (size_t)(nl - s) + 1 : to;
        bool blank = i + w == to || s[i + w] == '\n' || (s[i + w] == '\r' && i + w + 1 == e - 1);
        if (!blank) {
            if (ref == NONE) {
                ref = i, k = w;
            } else {
                size_t j = 0;
                while (j < k && j < w && s[ref + j] == s[i + j])
                    j++;
                k = j;
            }
        }
        i = e;
    }
    if (k == 0) return;
    struct tpl_node *b = &p->nodes[blk];
    b->ind = (uint32_t)ref;
    b->indlen = (uint32_t)k;
    for (size_t i = blk + 1; i < p->n;) {
        struct tpl_node *n = &p->nodes[i];
        if (n->kind == TK_BLOCK && (n->flags & TF_STANDALONE)) {
            shrink(&n->ind, &n->indlen, (uint32_t)k);
            shrink(&n->bef, &n->beflen, (uint32_t)k);
            i = n->end;
            continue;
        }
        if (n->kind == TK_TEXT)
            n->filt = (uint32_t)k; /* lines lose k blanks in finish() */
        else if (n->flags & TF_STANDALONE)
            shrink(&n->ind, &n->indlen, (uint32_t)k);
        i++;
    }
}

static int
close_tag(struct parser *p, const struct rawtag *t, const struct place *pl)
{
    if (p->depth == 0)
        fail(p, t->start, "closing tag \"%.*s\" has no open section", SHOW(p, t->c, t->clen));
    struct open *o = &p->stack[p->depth - 1];
    if (!same_name(p, o->name, o->namelen, t->c, t->clen))
        fail(p, t->start,
             "closing tag \"%.*s\" does not match \"%.*s\" opened at line %u, column %u",
             SHOW(p, t->c, t->clen), SHOW(p, o->name, o->namelen), o->line, o->col);
    p->depth--;
    struct tpl_node *n = &p->nodes[o->node];
    n->end = (uint32_t)p->n;
    if (n->kind == TK_BLOCK && (n->flags & TF_STANDALONE)) dedent(p, o->node, o->body, pl->cut);
    return 0;
}

static int
partial_tag(struct parser *p, const struct rawtag *t, const struct place *pl)
{
    struct tpl_node *n = add_node(p, TK_PARTIAL);
    if (!n) return nomem(p);
    size_t idx = p->n - 1;
    where(p, t->start, &n->line, &n->col);
    if (partial_name(p, t, n) < 0) return -1;
    n = &p->nodes[idx];
    if (pl->alone) {
        n->flags |= TF_STANDALONE;
        n->ind = (uint32_t)pl->ind;
        n->indlen = (uint32_t)pl->indlen;
    }
    return 0;
}

static int
var_tag(struct parser *p, const struct rawtag *t)
{
    struct tpl_node *n = add_node(p, TK_VAR);
    if (!n) return nomem(p);
    size_t idx = p->n - 1;
    where(p, t->start, &n->line, &n->col);
    if (t->type) n->flags |= TF_RAW;
    const char *bar = memchr(p->src + t->c, '|', t->clen);
    size_t nlen = bar ? (size_t)(bar - (p->src + t->c)) : t->clen;
    size_t to = t->c + t->clen;
    while (nlen && is_space(p->src[t->c + nlen - 1]))
        nlen--;
    if (dotted_name(p, t->start, t->c, nlen, n) < 0) return -1;
    return bar ? add_filters(p, (size_t)(bar - p->src), to, &p->nodes[idx]) : 0;
}

static int
tag(struct parser *p, const struct rawtag *t)
{
    struct place pl;
    place_tag(p, t, &pl);
    if (add_text(p, p->pos, pl.cut) < 0) return -1;
    p->pos = pl.resume;
    switch (t->type) {
    case '!': return 0;
    case '=': return set_delims(p, t);
    case '#':
    case '^':
    case '<':
    case '$': return open_tag(p, t, &pl);
    case '/': return close_tag(p, t, &pl);
    case '>': return partial_tag(p, t, &pl);
    default: return var_tag(p, t);
    }
}

static int
parse(struct parser *p)
{
    while (p->pos < p->len) {
        const char *hit = find_delim(p->src + p->pos, p->len - p->pos, p->otag, p->olen);
        if (!hit) {
            if (add_text(p, p->pos, p->len) < 0) return -1;
            break;
        }
        struct rawtag t;
        size_t at = (size_t)(hit - p->src);
        if (scan_tag(p, at, &t) < 0)
            fail(p, at, "tag is never closed (no \"%s%s\" follows)", t.type == '{' ? "}" : "",
                 p->ctag);
        if (tag(p, &t) < 0) return -1;
    }
    if (p->depth) {
        const struct open *o = &p->stack[p->depth - 1];
        const char *what = p->nodes[o->node].kind == TK_BLOCK    ? "block"
                           : p->nodes[o->node].kind == TK_PARENT ? "parent"
                                                                 : "section";
        return fail_at(p, o->line, o->col, "%s \"%.*s\" is never closed", what,
                       SHOW(p, o->name, o->namelen));
    }
    return 0;
}

/* ------------------------------------------------------------------ finish */

struct fin {
    struct parser *p;
    struct tpl_node *out;
    uint32_t n;
};

/* Append source text to the pool, dropping up to `strip` blanks at each line start. */
static bool
copy_text(struct buf *pool, const char *s, size_t n, uint32_t strip, bool bol)
{
    size_t i = 0;
    while (i < n) {
        if (bol)
            for (uint32_t k = 0; k < strip && i < n && is_blank(s[i]); k++)
                i++;
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) + 1 : n;
        if (!buf_append(pool, s + i, e - i)) return false;
        i = e;
        bol = true;
    }
    return true;
}

static bool
copy_ind(struct buf *pool, const char *src, uint32_t *off, uint32_t len)
{
    return pool_add(pool, src + *off, len, off);
}

static int
copy_range(struct fin *f, uint32_t from, uint32_t to)
{
    struct parser *p = f->p;
    for (uint32_t i = from; i < to;) {
        const struct tpl_node *o = &p->nodes[i];
        if (o->kind == TK_TEXT) { /* merge sibling text into one run */
            size_t start = p->pool.len;
            for (; i < to && p->nodes[i].kind == TK_TEXT; i++) {
                const struct tpl_node *x = &p->nodes[i];
                if (!copy_text(&p->pool, p->src + x->off, x->len, x->filt, x->flags & TF_BOL))
                    return nomem(p);
            }
            if (p->pool.len == start) continue;
            struct tpl_node *n = &f->out[f->n++];
            memset(n, 0, sizeof *n);
            n->kind = TK_TEXT;
            n->off = (uint32_t)start;
            n->len = (uint32_t)(p->pool.len - start);
            n->end = f->n;
            continue;
        }
        uint32_t me = f->n++;
        struct tpl_node *n = &f->out[me];
        *n = *o;
        if (n->indlen && !copy_ind(&p->pool, p->src, &n->ind, n->indlen)) return nomem(p);
        if (n->beflen && !copy_ind(&p->pool, p->src, &n->bef, n->beflen)) return nomem(p);
        if (o->end > i + 1 && copy_range(f, i + 1, o->end) < 0) return -1;
        f->out[me].end = f->n;
        i = o->end;
    }
    return 0;
}

static struct tpl *
finish(struct parser *p, const struct tpl_opts *opts)
{
    struct tpl *t = calloc(1, sizeof *t);
    struct fin f = {p, NULL, 0};
    if (!t || !(f.out = malloc((p->n ? p->n : 1) * sizeof *f.out))) goto oom;
    if (copy_range(&f, 0, (uint32_t)p->n) < 0) goto fail;
    for (uint32_t i = 0; i < f.n; i++)
        if (f.out[i].kind == TK_TEXT) t->text_bytes += f.out[i].len;
    const char *name = opts && opts->name ? opts->name : "";
    if (!(t->name = strdup(name))) goto oom;
    t->nodes = f.out;
    t->nnodes = f.n;
    t->segs = p->segs;
    t->filts = p->filts;
    t->pool = p->pool.data;
    p->segs = NULL, p->filts = NULL, p->pool = (struct buf)BUF_INIT;
    return t;
oom:
    nomem(p);
fail:
    free(f.out);
    if (t) free(t->name);
    free(t);
    return NULL;
}

struct tpl *
tpl_compile(const char *src, size_t len, const struct tpl_opts *opts, struct tpl_error *err)
{
    struct tpl_error dummy;
    if (!err) err = &dummy;
    memset(err, 0, sizeof *err);
    size_t max = opts && opts->max_source ? opts->max_source : TPL_DEFAULT_MAX_SOURCE;
    if (max > TPL_HARD_MAX_SOURCE) max = TPL_HARD_MAX_SOURCE;
    if (len > max) {
        snprintf(err->msg, sizeof err->msg, "template is %zu bytes, more than the limit of %zu",
                 len, max);
        return NULL;
    }
    struct parser p = {.src = src ? src : "",
                       .len = len,
                       .otag = "{{",
                       .ctag = "}}",
                       .olen = 2,
                       .clen = 2,
                       .pool = BUF_INIT,
                       .lc_line = 1,
                       .lc_col = 1,
                       .err = err};
    struct tpl *t = NULL;
    if (!buf_putc(&p.pool, '\0')) { /* offset 0 is "" */
        nomem(&p);
    } else if (parse(&p) == 0) {
        t = finish(&p, opts);
    }
    free(p.nodes);
    free(p.segs);
    free(p.filts);
    buf_free(&p.pool);
    return t;
}

void
tpl_free(struct tpl *t)
{
    if (!t) return;
    free(t->nodes);
    free(t->segs);
    free(t->filts);
    free(t->pool);
    free(t->name);
    free(t);
}

const char *
tpl_name(const struct tpl *t)
{
    return t && t->name ? t->name : "";
}
