/*
 * links_charref.c - character references in HTML attribute values
 *
 * SYNOPSIS
 *     links_charref_decode(value, len, &out, &unknown)
 *
 * DESCRIPTION
 *     Decodes as the HTML standard does inside an attribute value, so the
 *     URL offered is the one a mail client follows:
 *       &#38; &#038; &#x26;   numeric, ';' optional; 0, surrogates and
 *                             values past U+10FFFF become U+FFFD, and
 *                             0x80-0x9F are read as Windows-1252
 *       &amp; &quot; ...      the named references a URL plausibly holds:
 *                             the legacy Latin-1 set (which also decodes
 *                             without ';' unless '=' or an alphanumeric
 *                             follows, so "?a=1&copy=2" stays as it is)
 *                             plus the punctuation names of HTML5
 *     A named reference with ';' that is not in these tables sets
 *     *unknown: the module does not know what a browser makes of it, so
 *     the link is not rewritten rather than bound to a guess.
 *
 *     The tables are data: add a name there, not a branch here.
 */
#include "links_int.h"

#include <stdint.h>
#include <string.h>

/* Names of U+00A0 ... U+00FF, in code point order (HTML 4, legacy in HTML5). */
static const char *const latin1[96] = {
    "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",
    "copy",   "ordf",   "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn",
    "sup2",   "sup3",   "acute",  "micro",  "para",   "middot", "cedil",  "sup1",   "ordm",
    "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave", "Aacute", "Acirc",  "Atilde",
    "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",   "Igrave",
    "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde",
    "Ouml",   "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",
    "szlig",  "agrave", "aacute", "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil",
    "egrave", "eacute", "ecirc",  "euml",   "igrave", "iacute", "icirc",  "iuml",   "eth",
    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide", "oslash", "ugrave",
    "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml",
};

struct named {
    const char *name;
    uint32_t cp;
};

/* Legacy names outside Latin-1's upper half: they decode without ';' too. */
static const struct named legacy[] = {
    {"amp", '&'}, {"AMP", '&'},  {"lt", '<'},   {"LT", '<'},    {"gt", '>'},
    {"GT", '>'},  {"quot", '"'}, {"QUOT", '"'}, {"COPY", 0xa9}, {"REG", 0xae},
};

/* Names that need ';': the ASCII punctuation of HTML5, as seen in obfuscated URLs. */
static const struct named with_semicolon[] = {
    {"apos", '\''},  {"sol", '/'},    {"colon", ':'},    {"quest", '?'},     {"equals", '='},
    {"num", '#'},    {"percnt", '%'}, {"period", '.'},   {"commat", '@'},    {"plus", '+'},
    {"lowbar", '_'}, {"comma", ','},  {"semi", ';'},     {"excl", '!'},      {"dollar", '$'},
    {"lpar", '('},   {"rpar", ')'},   {"ast", '*'},      {"lsqb", '['},      {"rsqb", ']'},
    {"lbrack", '['}, {"rbrack", ']'}, {"lcub", '{'},     {"rcub", '}'},      {"lbrace", '{'},
    {"rbrace", '}'}, {"verbar", '|'}, {"vert", '|'},     {"bsol", '\\'},     {"Hat", '^'},
    {"grave", '`'},  {"Tab", '\t'},   {"NewLine", '\n'}, {"hyphen", 0x2010}, {"dash", 0x2010},
};

/* Windows-1252 for 0x80 ... 0x9F, as HTML reads numeric references there (0: unchanged). */
static const uint16_t cp1252[32] = {
    0x20ac, 0,      0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017d, 0,      0,      0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0,      0x017e, 0x0178,
};

static bool
put_utf8(struct buf *out, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    return buf_append(out, u, n);
}

static bool
is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* ---- numeric ---- */

static uint32_t
numeric_value(uint32_t cp)
{
    if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0xfffd;
    if (cp >= 0x80 && cp <= 0x9f && cp1252[cp - 0x80]) return cp1252[cp - 0x80];
    return cp;
}

static int
digit_value(char c, bool hex)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (!hex) return -1;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* v[i] is after "&#". Returns bytes consumed after "&#" (0: not a reference). */
static size_t
numeric(const char *v, size_t len, size_t i, struct buf *out, bool *good)
{
    size_t j = i;
    bool hex = j < len && (v[j] == 'x' || v[j] == 'X');
    if (hex) j++;
    uint32_t cp = 0;
    size_t digits = 0;
    for (int d; j < len && (d = digit_value(v[j], hex)) >= 0; j++, digits++)
        if (cp <= 0x10ffff) cp = cp * (hex ? 16 : 10) + (uint32_t)d; /* saturates past max */
    if (!digits) return 0;
    if (j < len && v[j] == ';') j++;
    *good = put_utf8(out, numeric_value(cp));
    return j - i;
}

/* ---- named ---- */

static bool
lookup(const struct named *t, size_t n, const char *s, size_t len, uint32_t *cp)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].name[0] == s[0] && strlen(t[i].name) == len && memcmp(t[i].name, s, len) == 0) {
            *cp = t[i].cp;
            return true;
        }
    return false;
}

/* A name that also decodes without ';'. */
static bool
lookup_legacy(const char *s, size_t len, uint32_t *cp)
{
    if (lookup(legacy, sizeof legacy / sizeof legacy[0], s, len, cp)) return true; /* &amp; */
    for (size_t i = 0; i < 96; i++)
        if (latin1[i][0] == s[0] && strlen(latin1[i]) == len && memcmp(latin1[i], s, len) == 0) {
            *cp = 0xa0 + (uint32_t)i;
            return true;
        }
    return false;
}

/* v[i] is after "&". Returns bytes consumed after "&" (0: literal '&'). */
static size_t
named(const char *v, size_t len, size_t i, struct buf *out, bool *good, bool *unknown)
{
    size_t j = i;
    while (j < len && is_alnum(v[j]))
        j++;
    size_t n = j - i;
    uint32_t cp;
    if (!n) return 0;
    if (j < len && v[j] == ';') {
        if (lookup_legacy(v + i, n, &cp) ||
            lookup(with_semicolon, sizeof with_semicolon / sizeof with_semicolon[0], v + i, n,
                   &cp)) {
            *good = put_utf8(out, cp);
            return n + 1;
        }
        *unknown = true;
        return 0;
    }
    /* no ';': only an exact legacy name decodes, and not before '=' (attribute rule) */
    if ((j < len && v[j] == '=') || !lookup_legacy(v + i, n, &cp)) return 0;
    *good = put_utf8(out, cp);
    return n;
}

bool
links_charref_decode(const char *v, size_t len, struct buf *out, bool *unknown)
{
    size_t i = 0;
    while (i < len) {
        const char *amp = memchr(v + i, '&', len - i);
        size_t stop = amp ? (size_t)(amp - v) : len;
        if (!buf_append(out, v + i, stop - i)) return false;
        if (!amp) break;
        i = stop + 1;
        bool good = true;
        size_t used = (i < len && v[i] == '#') ? numeric(v, len, i + 1, out, &good)
                                               : named(v, len, i, out, &good, unknown);
        if (!good) return false;
        if (used && v[i] == '#') used++; /* the '#' */
        if (!used && !buf_putc(out, '&')) return false;
        i += used;
    }
    return true;
}
