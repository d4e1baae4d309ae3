/*
 * lh_json_fuzz.c - libFuzzer target: JSON text -> Lua -> JSON round trip
 *
 * Any input jansson accepts must survive lh_json_push and come back from
 * lh_json_from equal to what went in, after the two documented changes
 * (an empty array comes back as an empty object; nothing is deeper than
 * LH_JSON_MAX_DEPTH, or it is refused). The same text pushed straight by
 * lh_json_push_text must give that value too. Anything else aborts. Inputs
 * jansson refuses are fine. One state serves every input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lua/lh.h"
#include "lua/lh_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct lh_pool *pool;

/* `v` with every empty array replaced by an empty object (new reference). */
static json_t *
normalized(const json_t *v)
{
    if (json_is_array(v) && json_array_size(v) == 0) return json_object();
    if (json_is_array(v)) {
        json_t *out = json_array();
        for (size_t i = 0; i < json_array_size(v); i++)
            json_array_append_new(out, normalized(json_array_get(v, i)));
        return out;
    }
    if (json_is_object(v)) {
        json_t *out = json_object(), *item;
        const char *key;
        size_t klen;
        json_object_keylen_foreach((json_t *)v, key, klen, item)
        {
            json_object_setn_new(out, key, klen, normalized(item));
        }
        return out;
    }
    return json_deep_copy(v);
}

/* lua_CFunction: push the value (argument 1), read it back, compare. */
static int
round_trip(lua_State *L)
{
    json_t *in = lua_touserdata(L, 1);
    char err[512];
    lh_json_push(L, in);
    json_t *out = lh_json_from(L, -1, "value", err, sizeof err);
    json_t *want = normalized(in);
    if (!out || !json_equal(out, want)) {
        fprintf(stderr, "round trip changed the value: %s\n", out ? "not equal" : err);
        abort();
    }
    json_decref(out);
    json_decref(want);
    return 0;
}

struct text {
    const uint8_t *data;
    size_t size;
    const json_t *want; /* what jansson parsed, normalized */
};

/* lua_CFunction: push the text straight (argument 1), read it back, compare. */
static int
text_push(lua_State *L)
{
    const struct text *t = lua_touserdata(L, 1);
    char err[512];
    lh_json_push_text(L, (const char *)t->data, t->size, 0);
    json_t *out = lh_json_from(L, -1, "value", err, sizeof err);
    if (!out || !json_equal(out, t->want)) {
        fprintf(stderr, "lh_json_push_text differs from jansson: %s\n", out ? "not equal" : err);
        abort();
    }
    json_decref(out);
    return 0;
}

/* Run fn(arg) in the pooled state; only the depth and memory limits may stop it. */
static void
run(lua_CFunction fn, void *arg)
{
    char err[1024];
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    if (!st) abort();
    lua_State *L = lh_lua(st);
    lua_pushcfunction(L, fn);
    lua_pushlightuserdata(L, arg);
    int rc = lh_pcall(st, 1, 0, err, sizeof err);
    if (rc != LUA_OK && !strstr(err, "nested deeper than") && !strstr(err, "memory limit")) {
        fprintf(stderr, "push failed: %s\n", err);
        abort();
    }
    lh_release(st);
}

static void
setup(void)
{
    char err[1024], dir[] = "/tmp/lh_json_fuzz.XXXXXX";
    pool = lh_pool_new(NULL, 1, err, sizeof err);
    if (!pool || !mkdtemp(dir) || lh_pool_reload(pool, dir, err, sizeof err) < 0) {
        fprintf(stderr, "cannot start the Lua host: %s\n", err);
        abort();
    }
    rmdir(dir); /* the generation keeps what it read: nothing */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pool) setup();
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!in) return 0;
    run(round_trip, in);
    json_decref(in);
    /* The text path refuses \u0000 as PostgreSQL does: compare where jansson does too.
     * It also refuses a raw NUL byte outside strings, which jansson lets pass before a
     * closing bracket ({"a":2<NUL>}); PostgreSQL's text never holds one: not compared. */
    if (memchr(data, 0, size)) return 0;
    if (!(in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr))) return 0;
    struct text t = {data, size, normalized(in)};
    run(text_push, &t);
    json_decref((json_t *)t.want);
    json_decref(in);
    return 0;
}
