/*
 * lh_pattern_test.c - the interruptible matcher agrees with stock Lua
 *
 * Registers lh_pattern's find/match/gmatch/gsub as a table `lh` in a plain
 * Lua state and compares them with the stock string functions on generated
 * patterns and subjects (a fixed seed, so a failure repeats), results and
 * error messages alike. Then checks what only ours does: caps, interrupt.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#include "lua/lh_pattern.h"
#include "tap.h"

static atomic_int fired;
static unsigned budget = 100;
static struct lh_patctx ctx = {0, 0, &fired, &budget};

/* The generator and comparator, in Lua: returns the number of cases and the first mismatch. */
static const char *compare_script =
    "local fn, cases = ...\n"
    "local seed = 12345\n"
    "local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % n + 1 "
    "end\n"
    "local pieces = { 'a', 'b', 'c', '.', '%a', '%d', '%s', '%W', '[ab]', '[^a]', '[a-c]', "
    "'[%a]',\n"
    "  '[]]', '(', ')', '()', '%b()', '%f[%w]', '%f[%W]', '*', '+', '-', '?', '^', '$', '%1', "
    "'%2',\n"
    "  '%', '[', ']', '%.', 'a*', 'b-', '.-', '(a)', '(%a+)', ' ' }\n"
    "local chars = { 'a', 'b', 'c', '(', ')', ' ', '1', '.', '\\0', ']' }\n"
    "local function gen(list, max) local t = {} for i = 1, rnd(max) - 1 do t[i] = list[rnd(#list)] "
    "end return table.concat(t) end\n"
    "local function show(ok, ...)\n"
    "  local t = { tostring(ok) }\n"
    "  for i = 1, select('#', ...) do\n"
    "    local v = select(i, ...)\n"
    "    if not ok then v = tostring(v):gsub('^[^:]*:%d+: ', '') end\n"
    "    t[#t + 1] = type(v) .. ':' .. tostring(v)\n"
    "  end\n"
    "  return table.concat(t, '|')\n"
    "end\n"
    "local function collect(f, s, p, i)\n"
    "  local out = {}\n"
    "  for a, b, c in f(s, p, i) do out[#out + 1] = tostring(a) .. ',' .. tostring(b) .. ',' .. "
    "tostring(c) if #out > 50 then break end end\n"
    "  return table.concat(out, ';')\n"
    "end\n"
    "local repls = { '%0-', '<%1>', '%%', '%2', '%', 'x', { a = 'A', b = false, ['('] = 1 },\n"
    "  function(...) return select('#', ...) .. (...) end, function() return nil end }\n"
    "local stock = { find = string.find, match = string.match, gmatch = string.gmatch, gsub = "
    "string.gsub }\n"
    "for n = 1, cases do\n"
    "  local s, p, init = gen(chars, 12), gen(pieces, 7), rnd(19) - 4\n"
    "  local a, b\n"
    "  if fn == 'gmatch' then\n"
    "    a = show(pcall(collect, stock.gmatch, s, p, init))\n"
    "    b = show(pcall(collect, lh.gmatch, s, p, init))\n"
    "  elseif fn == 'gsub' then\n"
    "    local r, max = repls[rnd(#repls)], rnd(4) - 1\n"
    "    if max == 0 then max = nil end\n"
    "    a = show(pcall(stock.gsub, s, p, r, max))\n"
    "    b = show(pcall(lh.gsub, s, p, r, max))\n"
    "  else\n"
    "    a = show(pcall(stock[fn], s, p, init))\n"
    "    b = show(pcall(lh[fn], s, p, init))\n"
    "  end\n"
    "  if a ~= b then return n, string.format('%q %q %d: stock %s, ours %s', s, p, init, a, b) "
    "end\n"
    "end\n"
    "return cases\n";

static lua_State *
new_state(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    lua_newtable(L);
    lh_pattern_register(L, &ctx);
    lua_setglobal(L, "lh");
    return L;
}

static void
agrees_with_stock(const char *fn, int cases)
{
    lua_State *L = new_state();
    if (luaL_loadstring(L, compare_script) != LUA_OK) {
        ok(0, "compare script compiles: %s", lua_tostring(L, -1));
        lua_close(L);
        return;
    }
    lua_pushstring(L, fn);
    lua_pushinteger(L, cases);
    if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
        ok(0, "%s: comparison ran: %s", fn, lua_tostring(L, -1));
    } else {
        int done = (int)lua_tointeger(L, -2);
        if (!ok(done == cases && lua_isnil(L, -1), "string.%s agrees with stock on %d cases", fn,
                cases))
            diag("case %d: %s", done, lua_tostring(L, -1));
    }
    lua_close(L);
}

static void
find_agrees_with_stock(void)
{
    agrees_with_stock("find", 20000);
}

static void
match_agrees_with_stock(void)
{
    agrees_with_stock("match", 20000);
}

static void
gmatch_agrees_with_stock(void)
{
    agrees_with_stock("gmatch", 20000);
}

static void
gsub_agrees_with_stock(void)
{
    agrees_with_stock("gsub", 20000);
}

/* Run a chunk; its first result as a string, or the error. */
static const char *
run(lua_State *L, const char *code)
{
    static char res[1024];
    if (luaL_dostring(L, code) != LUA_OK)
        snprintf(res, sizeof res, "ERROR: %s", lua_tostring(L, -1));
    else
        snprintf(res, sizeof res, "%s", luaL_tolstring(L, 1, NULL)); /* the first result */
    lua_settop(L, 0);
    return res;
}

static void
interrupt_flag_stops_matching(void)
{
    lua_State *L = new_state();
    const char *slow = "return lh.find(string.rep('a', 3000), '.-b')";
    atomic_store(&fired, 1);
    like(run(L, slow), "time limit exceeded (100 ms)", "a raised flag stops a long match");
    is_str(run(L, "return lh.find('abc', 'b')"), "2", "a short match finishes before polling");
    atomic_store(&fired, 0);
    is_str(run(L, slow), "nil", "with the flag down the same match runs to the end");
    lua_close(L);
}

static void
caps_refuse_large_inputs(void)
{
    lua_State *L = new_state();
    ctx.subject_max = 10;
    ctx.pattern_max = 4;
    like(run(L, "return lh.match(string.rep('a', 11), 'a+')"),
         "string.match: subject of 11 bytes is over the pattern limit of 10 bytes",
         "a subject over the cap is refused");
    like(run(L, "return lh.gsub('aaa', '(a)(a)', '')"),
         "string.gsub: pattern of 6 bytes is over the limit of 4 bytes",
         "a pattern over the cap is refused");
    is_str(run(L, "return lh.find(string.rep('a', 100) .. 'x.', 'x.', 1, true)"), "101",
           "a plain find is not capped");
    is_str(run(L, "return lh.find(string.rep('a', 100) .. 'xy', 'xy')"), "101",
           "nor is a find whose pattern has no magic characters");
    ctx.subject_max = ctx.pattern_max = 0;
    lua_close(L);
}

int
main(void)
{
    find_agrees_with_stock();
    match_agrees_with_stock();
    gmatch_agrees_with_stock();
    gsub_agrees_with_stock();
    interrupt_flag_stops_matching();
    caps_refuse_large_inputs();
    return tap_done();
}
