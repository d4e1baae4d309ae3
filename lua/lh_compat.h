/*
 * lh_compat.h - the few Lua C API differences between 5.4 and 5.5
 *
 * Owns: nothing but macros. The host is written against Lua 5.4; this keeps
 * it building against 5.5, where lua_newstate takes a hash seed and
 * lua_resetthread gave way to lua_closethread. Keep it this small.
 * Depends on: lua.h only.
 */
#ifndef TERN_LH_COMPAT_H
#define TERN_LH_COMPAT_H

#include <lua.h>

#if LUA_VERSION_NUM < 504
#error "the Lua host needs Lua 5.4 or later"
#endif

#if LUA_VERSION_NUM >= 505
#define lh_newstate(f, ud, seed) lua_newstate((f), (ud), (seed))
#else
#define lh_newstate(f, ud, seed) ((void)(seed), lua_newstate((f), (ud)))
#endif

/* Close a dead coroutine's pending to-be-closed variables. */
#if LUA_VERSION_NUM >= 505 || LUA_VERSION_RELEASE_NUM >= 50406
#define lh_closethread(co, from) lua_closethread((co), (from))
#else
#define lh_closethread(co, from) ((void)(from), lua_resetthread(co))
#endif

#endif
