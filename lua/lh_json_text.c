/*
 * lh_json_text.c - JSON text straight to Lua values, without a jansson tree
 *
 * SYNOPSIS
 *     lh_json_push_text(L, text, len, 6);    inside a protected call
 *
 * DESCRIPTION
 *     The hot path of segment refresh (engine/en_pg_seglua.c) pushes one
 *     contact's attributes per where call, a million per refresh: decoding
 *     them through jansson first cost more than everything else per
 *     contact (a hashtable and two allocations per member, freed again at
 *     once). This reads the text once and pushes as it goes, by the rules
 *     of lh_json.h: object -> table, array -> sequence, null -> json.null,
 *     numbers through lua_stringtonumber (an integer stays an integer; one
 *     too large for 64 bits becomes a float), strings with every escape
 *     decoded (\uXXXX surrogate pairs to UTF-8; other bytes are taken as
 *     they are: PostgreSQL's jsonb text is valid UTF-8). Nesting is bounded
 *     by LH_JSON_MAX_DEPTH. jansson stays the parser everywhere else.
 *
 * DIAGNOSTICS
 *     Text that is not one JSON value raises "JSON: REASON at byte N".
 *
 * Uses the public Lua API only.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "lh_json.h"

#define NUMBER_MAX 128 /* characters of a number token */

struct rd {
    lua_State *L;
    const char *s;
    size_t len, i;
    int room; /* fields the caller adds to a top-level object */
};

static void value(struct rd *r, int depth);

__attribute__((noreturn)) static void
bad(struct rd *r, const char *why)
{
    luaL_error(r->L, "JSON: %s at byte %d", why, (int)r->i + 1);
    for (;;) /* luaL_error does not return */
        ;
}

static void
blank(struct rd *r)
{
    while (r->i < r->len &&
           (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

static char
peek(struct rd *r)
{
    blank(r);
    return r->i < r->len ? r->s[r->i] : '\0';
}

static void
expect(struct rd *r, char c)
{
    if (peek(r) != c) bad(r, "unexpected character");
    r->i++;
}

static unsigned
hex4(struct rd *r)
{
    unsigned v = 0;
    if (r->len - r->i < 4) bad(r, "short \\u escape");
    for (int k = 0; k < 4; k++) {
        char c = r->s[r->i++];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0) bad(r, "bad \\u escape");
        v = v << 4 | (unsigned)d;
    }
    return v;
}

static void
add_utf8(luaL_Buffer *b, unsigned cp)
{
    char u[4];
    int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (int k = n - 1; k > 0; k--, cp >>= 6)
        u[k] = (char)(0x80 | (cp & 0x3f));
    u[0] = (char)(n == 1 ? cp : (lead[n] | cp));
    luaL_addlstring(b, u, (size_t)n);
}

static unsigned
code_point(struct rd *r)
{
    unsigned cp = hex4(r);
    if (cp >= 0xdc00 && cp <= 0xdfff) bad(r, "lone low surrogate");
    if (cp < 0xd800 || cp > 0xdbff) return cp;
    if (r->len - r->i < 6 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u')
        bad(r, "lone high surrogate");
    r->i += 2;
    unsigned lo = hex4(r);
    if (lo < 0xdc00 || lo > 0xdfff) bad(r, "bad surrogate pair");
    return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
}

static void
escape(struct rd *r, luaL_Buffer *b)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    char c = r->i < r->len ? r->s[r->i++] : '\0';
    const char *at = c ? strchr(from, c) : NULL;
    if (at) {
        luaL_addchar(b, to[at - from]);
        return;
    }
    if (c != 'u') bad(r, "bad escape");
    unsigned cp = code_point(r);
    if (cp == 0) bad(r, "\\u0000 in a string");
    add_utf8(b, cp);
}

/* The string at r->i (its opening quote), pushed. */
static void
string(struct rd *r)
{
    size_t start = ++r->i, end = start;
    while (end < r->len && r->s[end] != '"' && r->s[end] != '\\' &&
           (unsigned char)r->s[end] >= 0x20)
        end++;
    if (end < r->len && r->s[end] == '"') { /* no escapes: the common case */
        lua_pushlstring(r->L, r->s + start, end - start);
        r->i = end + 1;
        return;
    }
    luaL_Buffer b;
    luaL_buffinit(r->L, &b);
    luaL_addlstring(&b, r->s + start, end - start);
    for (r->i = end;;) {
        if (r->i >= r->len) bad(r, "unterminated string");
        char c = r->s[r->i++];
        if (c == '"') break;
        if ((unsigned char)c < 0x20) bad(r, "control character in a string");
        if (c == '\\')
            escape(r, &b);
        else
            luaL_addchar(&b, c);
    }
    luaL_pushresult(&b);
}

static size_t
digits(const struct rd *r, size_t i)
{
    while (i < r->len && r->s[i] >= '0' && r->s[i] <= '9')
        i++;
    return i;
}

/* The length of the JSON number at r->i (RFC 8259 grammar), 0 when there is none. */
static size_t
number_len(const struct rd *r)
{
    size_t i = r->i, d;
    if (i < r->len && r->s[i] == '-') i++;
    if (i < r->len && r->s[i] == '0')
        i++;
    else if ((d = digits(r, i)) > i)
        i = d;
    else
        return 0;
    if (i < r->len && r->s[i] == '.') {
        if ((d = digits(r, i + 1)) == i + 1) return 0;
        i = d;
    }
    if (i < r->len && (r->s[i] == 'e' || r->s[i] == 'E')) {
        i++;
        if (i < r->len && (r->s[i] == '+' || r->s[i] == '-')) i++;
        if ((d = digits(r, i)) == i) return 0;
        i = d;
    }
    return i - r->i;
}

static void
number(struct rd *r)
{
    char tok[NUMBER_MAX + 1];
    size_t n = number_len(r);
    if (n == 0) bad(r, "unexpected character");
    const char *text = tok;
    if (n > NUMBER_MAX) /* PostgreSQL writes large numerics in full: a Lua string for those */
        text = lua_pushlstring(r->L, r->s + r->i, n);
    else
        memcpy(tok, r->s + r->i, n), tok[n] = '\0';
    if (lua_stringtonumber(r->L, text) != n + 1) bad(r, "bad number");
    if (text != tok) lua_remove(r->L, -2);
    r->i += n;
}

static void
word(struct rd *r, const char *w, size_t n)
{
    if (r->len - r->i < n || memcmp(r->s + r->i, w, n) != 0) bad(r, "unexpected character");
    r->i += n;
}

/* Members of the object at r->i, counted at its own level (outside strings and nested values). */
static int
members(const struct rd *r)
{
    int n = 0, level = 0;
    bool in_string = false;
    for (size_t i = r->i; i < r->len; i++) {
        char c = r->s[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            level++;
        } else if (c == '}' || c == ']') {
            if (--level == 0) break;
        } else if (c == ':' && level == 1) {
            n++;
        }
    }
    return n;
}

static void
object(struct rd *r, int depth)
{
    /* The top level is sized for its members and the caller's own fields: no rehash as it fills. */
    int size = depth == 0 ? members(r) + r->room : 0;
    r->i++;
    lua_createtable(r->L, 0, size);
    if (peek(r) == '}') {
        r->i++;
        return;
    }
    for (;;) {
        if (peek(r) != '"') bad(r, "expected a member name");
        string(r);
        expect(r, ':');
        value(r, depth + 1);
        lua_rawset(r->L, -3);
        if (peek(r) == '}') break;
        expect(r, ',');
    }
    r->i++;
}

static void
array(struct rd *r, int depth)
{
    r->i++;
    lua_newtable(r->L);
    if (peek(r) == ']') {
        r->i++;
        return;
    }
    for (lua_Integer k = 1;; k++) {
        value(r, depth + 1);
        lua_rawseti(r->L, -2, k);
        if (peek(r) == ']') break;
        expect(r, ',');
    }
    r->i++;
}

static void
value(struct rd *r, int depth)
{
    char c = peek(r);
    if ((c == '{' || c == '[') && depth >= LH_JSON_MAX_DEPTH)
        luaL_error(r->L, "JSON nested deeper than %d levels", LH_JSON_MAX_DEPTH);
    luaL_checkstack(r->L, 4, "JSON nesting");
    switch (c) {
    case '{': object(r, depth); break;
    case '[': array(r, depth); break;
    case '"': string(r); break;
    case 't': word(r, "true", 4), lua_pushboolean(r->L, 1); break;
    case 'f': word(r, "false", 5), lua_pushboolean(r->L, 0); break;
    case 'n': word(r, "null", 4), lh_json_push_null(r->L); break;
    default: number(r); break;
    }
}

void
lh_json_push_text(lua_State *L, const char *text, size_t len, int room)
{
    struct rd r = {L, text, len, 0, room > 0 ? room : 0};
    value(&r, 0);
    if (peek(&r) != '\0' || r.i != len) bad(&r, "text after the value");
}
