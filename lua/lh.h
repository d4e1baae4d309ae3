/*
 * lh.h - the Lua host: sandboxed, limited Lua 5.4 states in a reloadable pool
 *
 * Owns: every lua_State in the process that runs marketers' scripts. A pool
 * holds pre-warmed states of one *generation* (one complete, validated load
 * of the scripts tree); threads lease a state for one unit of work and give
 * it back. Reload builds and validates a whole new generation before it
 * replaces the old one, so a broken script never stops a running daemon;
 * states of the old generation close when their last lease ends.
 *
 * Every call into Lua runs under the limits of `struct lh_limits`: a memory
 * budget per state, a time budget per call (its CPU time and query waits,
 * enforced by a per-pool watchdog that arms a count hook only once the
 * budget is used up), and
 * size caps on the few library functions that can run long in C.
 *
 *     struct lh_pool *p = lh_pool_new(NULL, 4, err, sizeof err);
 *     if (lh_pool_reload(p, "/etc/tern/scripts", err, sizeof err) < 0) ...
 *     struct lh_state *s = lh_lease(p, err, sizeof err);
 *     if (lh_call(s, "hooks/message.lua:on_message", &out, err, sizeof err, "s", id) < 0) ...
 *     lh_release(s);
 *
 * Errors are returned as -1 (or NULL) plus a message in the caller's buffer:
 * "file:line: message" and, for errors raised while running, a traceback.
 *
 * Depends on: Lua 5.4 (5.5 through lh_compat.h), lib/ (buf, log), pthreads.
 * Never on milter, HTTP or engine code. Thread-safe: a pool may be used from
 * any number of threads; a leased state by one thread at a time (it may move
 * between threads between calls, as libmilter connections do).
 */
#ifndef TERN_LH_H
#define TERN_LH_H

#include <stddef.h>

#include <lua.h>

#include "buf.h"

/* Limits; lh_limits_default() fills in the documented defaults. */
struct lh_limits {
    size_t mem_bytes;       /* memory budget per state (64 MiB) */
    unsigned call_ms;       /* time budget per call from C (100 ms): CPU and query waits */
    unsigned load_ms;       /* budget for one file's top-level run at reload (1000 ms) */
    size_t pattern_subject; /* subject cap of string.find/match/gmatch/gsub (64 KiB) */
    size_t pattern_len;     /* pattern cap of the same functions (256 B) */
    size_t rep_bytes;       /* largest string.rep result (16 MiB) */
    size_t table_span;      /* most elements one table.* call may walk (256 Ki) */
    size_t sort_len;        /* most elements table.sort may sort (64 Ki) */
    size_t script_bytes;    /* largest script file (1 MiB) */
    unsigned lease_wait_ms; /* how long lh_lease waits for a free state (1000 ms) */
};

/* Generation bookkeeping, for logs, metrics and tests. */
struct lh_pool_stats {
    unsigned long generation; /* id of the serving generation, 0 before the first load */
    unsigned live_states;     /* open states over all generations */
    unsigned idle_states;     /* states of the serving generation waiting for a lease */
    unsigned live_generations;
};

struct lh_pool;
struct lh_state;
struct db_pool;

/*
 * What the bindings may reach outside the sandbox. Without a database,
 * db.query returns nil, "no database in this context"; without a templates
 * directory, template.render only renders Mustache source strings.
 */
struct lh_services {
    struct db_pool *db;        /* db.query's connections (borrowed); NULL: none */
    const char *templates_dir; /* template.render's files (copied); NULL: none */
    unsigned db_timeout_ms;    /* db.query statement timeout; 0: 2000 ms */
};

void lh_limits_default(struct lh_limits *lim);

/*
 * Create a pool of `nstates` states per generation (1..256) with `lim` (NULL:
 * defaults). The pool serves nothing until the first lh_pool_reload().
 * Starts the pool's watchdog thread. NULL plus a message on failure.
 */
struct lh_pool *lh_pool_new(const struct lh_limits *lim, unsigned nstates, char *err,
                            size_t errlen);

/*
 * Load every *.lua file under `scripts_root` (not *_test.lua, not dot
 * files), in path order, into `nstates` fresh sandboxed states, running each
 * file's chunk once per state. When every file in every state loaded and ran
 * cleanly the new generation replaces the serving one atomically; otherwise
 * the serving generation stays and `err` says which file and line failed.
 * Reloads are serialised; leases keep working meanwhile. 0 or -1.
 */
int lh_pool_reload(struct lh_pool *pool, const char *scripts_root, char *err, size_t errlen);

/*
 * Set the services the bindings use (NULL: none). They apply to the
 * generations built by later reloads: call it before lh_pool_reload. The
 * database pool must outlive the pool. 0, or -1 when out of memory.
 */
int lh_pool_set_services(struct lh_pool *pool, const struct lh_services *svc);

/* Stop the watchdog and close every state. All leases must be released. */
void lh_pool_free(struct lh_pool *pool);

void lh_pool_stats(struct lh_pool *pool, struct lh_pool_stats *st);

/*
 * Lease a state of the serving generation, waiting up to lease_wait_ms for
 * one to become free. The lease pins its generation: a reload meanwhile does
 * not disturb it. NULL plus a message when nothing is loaded or none is free.
 */
struct lh_state *lh_lease(struct lh_pool *pool, char *err, size_t errlen);

/* Give a state back; a state of a replaced generation is closed here. */
void lh_release(struct lh_state *st);

/* Generation id the leased state belongs to. */
unsigned long lh_generation(const struct lh_state *st);

/* Session tag for lines the scripts print (queue id, request id ...); NULL: "-". */
void lh_set_tag(struct lh_state *st, const char *tag);

/*
 * Call a function under the limits. `func` is "PATH:NAME": PATH the script's
 * path relative to the scripts root ("journeys/welcome.lua"), NAME a global
 * of that script, dots walking into tables ("M.start"). `argfmt` describes
 * the arguments that follow, one letter each:
 *
 *     s  const char *      (NULL pushes nil)
 *     i  long long         (a Lua integer)
 *     n  double
 *     b  int               (a boolean)
 *     -  nothing           (a nil)
 *
 * When `out` is not NULL the first result is appended to it: strings and
 * numbers as text, booleans as "true"/"false", nil as nothing, anything else
 * as "<type>". 0, or -1 with "file:line: message" and a traceback in err.
 */
int lh_call(struct lh_state *st, const char *func, struct buf *out, char *err, size_t errlen,
            const char *argfmt, ...);

/* The same for a function stored in the registry (luaL_ref) of this state. */
int lh_call_ref(struct lh_state *st, int ref, struct buf *out, char *err, size_t errlen,
                const char *argfmt, ...);

/*
 * Stack-level form: call the function below `nargs` arguments on the stack
 * of lh_lua(st) like lua_pcall, under the limits and the message handler.
 * Returns a lua_pcall status; on error the message is in err and nothing is
 * left on the stack. For C code outside Lua only (a binding already running
 * inside the state calls lua_pcall). Pushing values from C can raise a
 * memory error outside protection: push little (a C function and light
 * userdata, as lh_call does) and do the allocating work inside the call.
 */
int lh_pcall(struct lh_state *st, int nargs, int nresults, char *err, size_t errlen);

/* The leased state's lua_State, for bindings that push and read values. */
lua_State *lh_lua(struct lh_state *st);

#endif
