/*
 * lh_json_fuzz.c - libFuzzer target: JSON text -> Lua -> JSON round trip
 *
 * Any input jansson accepts must survive lh_json_push and come back from
 * lh_json_from equal to what went in, after the two documented changes
 * (an empty array comes back as an empty object; nothing is deeper than
 * LH_JSON_MAX_DEPTH, or it is refused). Anything else aborts. Inputs
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
    char err[1024];
    if (!pool) setup();
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!in) return 0;
    struct lh_state *st = lh_lease(pool, err, sizeof err);
    if (!st) abort();
    lua_State *L = lh_lua(st);
    lua_pushcfunction(L, round_trip);
    lua_pushlightuserdata(L, in);
    int rc = lh_pcall(st, 1, 0, err, sizeof err);
    if (rc != LUA_OK && !strstr(err, "nested deeper than") && !strstr(err, "memory limit")) {
        fprintf(stderr, "push failed: %s\n", err);
        abort();
    }
    lh_release(st);
    json_decref(in);
    return 0;
}
