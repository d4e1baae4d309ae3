/*
 * lh_pattern.c - Lua patterns with size caps and an interrupt poll (see lh_pattern.h)
 *
 * A recursive backtracking matcher over the pattern language of the Lua 5.4
 * manual, giving the same results and messages as the stock library (the
 * unit test compares the two on generated cases). The only additions: every
 * step of the matcher counts, and every POLL_MASK+1 steps it looks at the
 * interrupt flag the watchdog sets when the caller's deadline has passed.
 *
 * Sections follow the data: pattern classes, the matcher, captures back to
 * Lua, then the four library functions.
 */
#include "lh_pattern.h"

#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#define MAXCAPTURES 32  /* the stock library's limit */
#define MAXDEPTH    200 /* recursion; "pattern too complex" beyond */
#define POLL_MASK   0xfff
#define CAP_OPEN    (-1) /* capture opened, not yet closed */
#define CAP_POS     (-2) /* position capture "()" */
#define SPECIALS    "^$*+?.([%-"

struct mstate {
    const char *src;     /* whole subject: positions count from here */
    const char *src_end; /* its end; *src_end is the NUL Lua keeps there */
    const char *p_end;   /* end of the pattern, likewise NUL-terminated */
    lua_State *L;
    const struct lh_patctx *ctx;
    unsigned long steps;
    int level; /* captures opened */
    int depth; /* recursion left */
    struct {
        const char *init;
        ptrdiff_t len;
    } cap[MAXCAPTURES];
};

/*
 * ---------------------------------------------------------------
 * steps and the interrupt
 * ---------------------------------------------------------------
 */

static void
poll(struct mstate *ms)
{
    if ((++ms->steps & POLL_MASK) != 0 || !ms->ctx->fired) return;
    if (!atomic_load_explicit(ms->ctx->fired, memory_order_relaxed)) return;
    unsigned ms_budget = ms->ctx->budget_ms ? *ms->ctx->budget_ms : 0;
    luaL_error(ms->L, "time limit exceeded (%d ms)", (int)ms_budget);
}

static void
ms_init(struct mstate *ms, lua_State *L, const struct lh_patctx *ctx, const char *s, size_t ls,
        const char *p, size_t lp)
{
    ms->src = s;
    ms->src_end = s + ls;
    ms->p_end = p + lp;
    ms->L = L;
    ms->ctx = ctx;
    ms->steps = 0;
}

static void
ms_reset(struct mstate *ms)
{
    ms->level = 0;
    ms->depth = MAXDEPTH;
}

/*
 * ---------------------------------------------------------------
 * pattern classes: one character against %a, [set], '.', a literal
 * ---------------------------------------------------------------
 */

static int
class_match(int c, int cl)
{
    int res;
    switch (tolower(cl)) {
    case 'a': res = isalpha(c); break;
    case 'c': res = iscntrl(c); break;
    case 'd': res = isdigit(c); break;
    case 'g': res = isgraph(c); break;
    case 'l': res = islower(c); break;
    case 'p': res = ispunct(c); break;
    case 's': res = isspace(c); break;
    case 'u': res = isupper(c); break;
    case 'w': res = isalnum(c); break;
    case 'x': res = isxdigit(c); break;
    default: return cl == c; /* %. %% %[ ...: the character itself */
    }
    return isupper(cl) ? !res : res != 0; /* %A is the complement of %a */
}

/* `p` at '[', `ec` at the closing ']'. */
static int
set_match(int c, const char *p, const char *ec)
{
    int hit = 1;
    if (p[1] == '^') {
        hit = 0;
        p++;
    }
    while (++p < ec) {
        if (*p == '%') {
            p++;
            if (class_match(c, (unsigned char)*p)) return hit;
        } else if (p[1] == '-' && p + 2 < ec) {
            p += 2;
            if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p) return hit;
        } else if ((unsigned char)*p == c) {
            return hit;
        }
    }
    return !hit;
}

/* End of the single-character class starting at p. */
static const char *
class_end(struct mstate *ms, const char *p)
{
    switch (*p++) {
    case '%':
        if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (ends with '%%')");
        return p + 1;
    case '[':
        if (*p == '^') p++;
        do { /* a ']' right after '[' or '[^' is a member, not the end */
            if (p == ms->p_end) luaL_error(ms->L, "malformed pattern (missing ']')");
            if (*p++ == '%' && p < ms->p_end) p++;
        } while (*p != ']');
        return p + 1;
    default: return p;
    }
}

static int
single(struct mstate *ms, const char *s, const char *p, const char *ep)
{
    if (s >= ms->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_match(c, (unsigned char)p[1]);
    case '[': return set_match(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

/*
 * ---------------------------------------------------------------
 * the matcher: returns the end of the match at s, or NULL
 * ---------------------------------------------------------------
 */

static const char *match(struct mstate *ms, const char *s, const char *p);

static const char *
max_expand(struct mstate *ms, const char *s, const char *p, const char *ep)
{
    ptrdiff_t i = 0;
    while (single(ms, s + i, p, ep)) {
        i++;
        poll(ms);
    }
    for (; i >= 0; i--) { /* longest first, then give back one at a time */
        const char *r = match(ms, s + i, ep + 1);
        if (r) return r;
    }
    return NULL;
}

static const char *
min_expand(struct mstate *ms, const char *s, const char *p, const char *ep)
{
    for (;;) {
        const char *r = match(ms, s, ep + 1);
        if (r) return r;
        if (!single(ms, s, p, ep)) return NULL;
        s++;
    }
}

static const char *
open_cap(struct mstate *ms, const char *s, const char *p, ptrdiff_t what)
{
    if (ms->level >= MAXCAPTURES) luaL_error(ms->L, "too many captures");
    ms->cap[ms->level].init = s;
    ms->cap[ms->level].len = what;
    ms->level++;
    const char *r = match(ms, s, p);
    if (!r) ms->level--; /* undo */
    return r;
}

static int
last_open(struct mstate *ms)
{
    for (int l = ms->level - 1; l >= 0; l--)
        if (ms->cap[l].len == CAP_OPEN) return l;
    return luaL_error(ms->L, "invalid pattern capture");
}

static const char *
close_cap(struct mstate *ms, const char *s, const char *p)
{
    int l = last_open(ms);
    ms->cap[l].len = s - ms->cap[l].init;
    const char *r = match(ms, s, p);
    if (!r) ms->cap[l].len = CAP_OPEN; /* undo */
    return r;
}

/* %bxy at s; p points at x. */
static const char *
balance(struct mstate *ms, const char *s, const char *p)
{
    if (p >= ms->p_end - 1) luaL_error(ms->L, "malformed pattern (missing arguments to '%%b')");
    if (*s != *p) return NULL; /* at src_end *s is the NUL terminator */
    int depth = 1;
    while (++s < ms->src_end) {
        poll(ms);
        if (*s == p[1]) {
            if (--depth == 0) return s + 1;
        } else if (*s == *p) {
            depth++;
        }
    }
    return NULL;
}

/* %f[set] at s; p points at '['. Returns the pattern after the set, or NULL. */
static const char *
frontier(struct mstate *ms, const char *s, const char *p)
{
    if (*p != '[') luaL_error(ms->L, "missing '[' after '%%f' in pattern");
    const char *ep = class_end(ms, p);
    int prev = s == ms->src ? '\0' : (unsigned char)s[-1];
    int cur = (unsigned char)*s; /* NUL at the end of the subject */
    if (!set_match(prev, p, ep - 1) && set_match(cur, p, ep - 1)) return ep;
    return NULL;
}

/* %1-%9 at s. */
static const char *
backref(struct mstate *ms, const char *s, int digit)
{
    int l = digit - '1';
    if (l < 0 || l >= ms->level || ms->cap[l].len == CAP_OPEN)
        luaL_error(ms->L, "invalid capture index %%%d", l + 1);
    ptrdiff_t len = ms->cap[l].len;
    if (len < 0 || ms->src_end - s < len) return NULL; /* a position never matches */
    if (memcmp(ms->cap[l].init, s, (size_t)len) != 0) return NULL;
    return s + len;
}

/* One pattern item with its optional quantifier; sets *pp to continue or returns the end. */
static const char *
item(struct mstate *ms, const char *s, const char **pp, int *more)
{
    const char *p = *pp;
    const char *ep = class_end(ms, p);
    int m = single(ms, s, p, ep);
    *more = 0;
    switch (*ep) {
    case '?':
        if (m) {
            const char *r = match(ms, s + 1, ep + 1);
            if (r) return r;
        }
        *pp = ep + 1;
        *more = 1;
        return s;
    case '+': return m ? max_expand(ms, s + 1, p, ep) : NULL;
    case '*': return max_expand(ms, s, p, ep);
    case '-': return min_expand(ms, s, p, ep);
    default:
        if (!m) return NULL;
        *pp = ep;
        *more = 1;
        return s + 1;
    }
}

static const char *
match(struct mstate *ms, const char *s, const char *p)
{
    if (ms->depth-- == 0) luaL_error(ms->L, "pattern too complex");
    poll(ms);
    int more = 1;
    while (more && s && p != ms->p_end) {
        more = 0;
        if (*p == '(') {
            if (p + 1 < ms->p_end && p[1] == ')')
                s = open_cap(ms, s, p + 2, CAP_POS);
            else
                s = open_cap(ms, s, p + 1, CAP_OPEN);
        } else if (*p == ')') {
            s = close_cap(ms, s, p + 1);
        } else if (*p == '$' && p + 1 == ms->p_end) {
            s = s == ms->src_end ? s : NULL; /* '$' anchors only at the very end */
        } else if (*p == '%' && p[1] == 'b') {
            s = balance(ms, s, p + 2);
            p += 4;
            more = 1;
        } else if (*p == '%' && p[1] == 'f') {
            p = frontier(ms, s, p + 2);
            s = p ? s : NULL;
            more = 1;
        } else if (*p == '%' && isdigit((unsigned char)p[1])) {
            s = backref(ms, s, (unsigned char)p[1]);
            p += 2;
            more = 1;
        } else {
            s = item(ms, s, &p, &more);
        }
    }
    ms->depth++;
    return s;
}

/*
 * ---------------------------------------------------------------
 * captures: matcher -> Lua stack
 * ---------------------------------------------------------------
 */

static void
push_one(struct mstate *ms, int i, const char *s, const char *e)
{
    if (i >= ms->level) {
        if (i != 0) luaL_error(ms->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(ms->L, s, (size_t)(e - s)); /* no captures: the whole match */
        return;
    }
    ptrdiff_t len = ms->cap[i].len;
    if (len == CAP_OPEN) luaL_error(ms->L, "unfinished capture");
    if (len == CAP_POS)
        lua_pushinteger(ms->L, (ms->cap[i].init - ms->src) + 1);
    else
        lua_pushlstring(ms->L, ms->cap[i].init, (size_t)len);
}

/* Push every capture (or the whole match when there are none and s is set). */
static int
push_all(struct mstate *ms, const char *s, const char *e)
{
    int n = (ms->level == 0 && s) ? 1 : ms->level;
    luaL_checkstack(ms->L, n, "too many captures");
    for (int i = 0; i < n; i++)
        push_one(ms, i, s, e);
    return n;
}

/*
 * ---------------------------------------------------------------
 * the library functions
 * ---------------------------------------------------------------
 */

/* 1-based start position as string.find reads it (negative counts from the end). */
static size_t
start_index(lua_Integer pos, size_t len)
{
    if (pos > 0) return (size_t)pos;
    if (pos == 0 || pos < -(lua_Integer)len) return 1;
    return len + (size_t)pos + 1;
}

static int
is_plain(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (p[i] && strchr(SPECIALS, p[i])) return 0;
    return 1;
}

static const struct lh_patctx *
ctx_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static void
check_caps(lua_State *L, const struct lh_patctx *ctx, const char *fn, size_t ls, size_t lp)
{
    if (ctx->subject_max && ls > ctx->subject_max)
        luaL_error(L, "string.%s: subject of %I bytes is over the pattern limit of %I bytes", fn,
                   (lua_Integer)ls, (lua_Integer)ctx->subject_max);
    if (ctx->pattern_max && lp > ctx->pattern_max)
        luaL_error(L, "string.%s: pattern of %I bytes is over the limit of %I bytes", fn,
                   (lua_Integer)lp, (lua_Integer)ctx->pattern_max);
}

static int
plain_find(lua_State *L, const char *s, size_t ls, size_t init, const char *p, size_t lp)
{
    const char *hit = memmem(s + init, ls - init, p, lp); /* two-way: linear time */
    if (!hit) {
        luaL_pushfail(L);
        return 1;
    }
    lua_pushinteger(L, (hit - s) + 1);
    lua_pushinteger(L, (lua_Integer)(hit - s) + (lua_Integer)lp);
    return 2;
}

static int
find_aux(lua_State *L, int find)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    if (init > ls) {
        luaL_pushfail(L);
        return 1;
    }
    if (find && (lua_toboolean(L, 4) || is_plain(p, lp))) return plain_find(L, s, ls, init, p, lp);
    check_caps(L, ctx_of(L), find ? "find" : "match", ls, lp);
    int anchor = *p == '^';
    if (anchor) p++, lp--;
    struct mstate ms;
    ms_init(&ms, L, ctx_of(L), s, ls, p, lp);
    const char *s1 = s + init;
    do {
        ms_reset(&ms);
        const char *e = match(&ms, s1, p);
        if (e && find) {
            lua_pushinteger(L, (s1 - s) + 1);
            lua_pushinteger(L, e - s);
            return push_all(&ms, NULL, NULL) + 2;
        }
        if (e) return push_all(&ms, s1, e);
    } while (s1++ < ms.src_end && !anchor);
    luaL_pushfail(L);
    return 1;
}

static int
lfind(lua_State *L)
{
    return find_aux(L, 1);
}

static int
lmatch(lua_State *L)
{
    return find_aux(L, 0);
}

struct gmatch {
    const char *next;      /* where the next search starts */
    const char *p;         /* the pattern */
    const char *lastmatch; /* end of the last match, to skip an empty match there */
    struct mstate ms;
};

static int
gmatch_next(lua_State *L)
{
    struct gmatch *gm = lua_touserdata(L, lua_upvalueindex(3));
    gm->ms.L = L; /* the iterator may run on another coroutine than its maker */
    for (const char *src = gm->next; src <= gm->ms.src_end; src++) {
        ms_reset(&gm->ms);
        const char *e = match(&gm->ms, src, gm->p);
        if (e && e != gm->lastmatch) {
            gm->next = gm->lastmatch = e;
            return push_all(&gm->ms, src, e);
        }
    }
    return 0;
}

static int
lgmatch(lua_State *L)
{
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_index(luaL_optinteger(L, 3, 1), ls) - 1;
    const struct lh_patctx *ctx = ctx_of(L);
    check_caps(L, ctx, "gmatch", ls, lp);
    if (init > ls) init = ls + 1; /* past the end: no match at all */
    lua_settop(L, 2);             /* subject and pattern stay alive as upvalues */
    struct gmatch *gm = lua_newuserdatauv(L, sizeof *gm, 0);
    ms_init(&gm->ms, L, ctx, s, ls, p, lp);
    gm->next = s + init;
    gm->p = p;
    gm->lastmatch = NULL;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* Replacement string with %0-%9 and %%. */
static void
add_s(struct mstate *ms, luaL_Buffer *b, const char *s, const char *e)
{
    lua_State *L = ms->L;
    size_t l;
    const char *r = lua_tolstring(L, 3, &l);
    const char *end = r + l;
    const char *p;
    while ((p = memchr(r, '%', (size_t)(end - r))) != NULL) {
        poll(ms); /* a replacement of millions of %0 is a long C loop too */
        luaL_addlstring(b, r, (size_t)(p - r));
        p++; /* at end, *p is the NUL terminator: an error below */
        if (*p == '%') {
            luaL_addchar(b, '%');
        } else if (*p == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*p)) {
            push_one(ms, *p - '1', s, e);
            luaL_tolstring(L, -1, NULL); /* a position capture is a number */
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        r = p + 1;
    }
    luaL_addlstring(b, r, (size_t)(end - r));
}

/* Add the replacement for s..e; 0 when the match was kept as it was. */
static int
add_value(struct mstate *ms, luaL_Buffer *b, const char *s, const char *e, int tr)
{
    lua_State *L = ms->L;
    if (tr == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        lua_call(L, push_all(ms, s, e), 1);
    } else if (tr == LUA_TTABLE) {
        push_one(ms, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_s(ms, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) { /* nil or false: keep the original text */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1))
        return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int
lgsub(lua_State *L)
{
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int tr = lua_type(L, 3);
    lua_Integer max_n = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(
        L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
        "string/function/table");
    check_caps(L, ctx_of(L), "gsub", ls, lp);
    int anchor = *p == '^';
    if (anchor) p++, lp--;
    struct mstate ms;
    ms_init(&ms, L, ctx_of(L), src, ls, p, lp);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *lastmatch = NULL;
    lua_Integer n = 0;
    int changed = 0;
    while (n < max_n) {
        ms_reset(&ms);
        const char *e = match(&ms, src, p);
        if (e && e != lastmatch) {
            n++;
            changed |= add_value(&ms, &b, src, e, tr);
            src = lastmatch = e;
        } else if (src < ms.src_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        if (anchor) break;
    }
    if (!changed) {
        lua_pushvalue(L, 1); /* nothing replaced: the subject itself */
    } else {
        luaL_addlstring(&b, src, (size_t)(ms.src_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

void
lh_pattern_register(lua_State *L, struct lh_patctx *ctx)
{
    static const luaL_Reg fns[] = {
        {"find", lfind}, {"match", lmatch}, {"gmatch", lgmatch}, {"gsub", lgsub}, {NULL, NULL},
    };
    lua_pushlightuserdata(L, ctx);
    luaL_setfuncs(L, fns, 1);
}
