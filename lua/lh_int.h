/*
 * lh_int.h - the Lua host's internals, shared by the lua/lh_*.c files only
 *
 * Owns: the layout of a state (its memory budget, its watchdog slot), of a
 * generation (its sources and idle states) and of the pool. Nothing outside
 * lua/ includes this; the public API is lh.h.
 *
 * Locking: pool->mu guards generations, idle lists and counters;
 * pool->wd_mu guards the watchdog's running list and, for a running state,
 * `deadline`, `cur` and the setting of hooks. `fired` is atomic because the
 * pattern matcher polls it without a lock. Everything else in a state is
 * touched only by the thread holding its lease.
 */
#ifndef TERN_LH_INT_H
#define TERN_LH_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <lua.h>

#include "lh.h"
#include "lh_pattern.h"

/* One script file of a generation, read once at reload. */
struct lh_src {
    char *path; /* relative to the root, "journeys/welcome.lua" */
    char *text;
    size_t len;
};

struct lh_gen {
    unsigned long id;
    char *root;         /* realpath of the scripts root */
    struct lh_src *src; /* sorted by path */
    size_t nsrc;
    struct lh_services svc; /* as set when this generation was built; owns templates_dir */
    unsigned refs;          /* one while serving, plus one per lease */
    unsigned nstates;       /* open states of this generation */
    struct lh_state *idle;
};

struct lh_state {
    lua_State *L;
    struct lh_pool *pool;
    struct lh_gen *gen;
    struct lh_state *next_idle;
    /* memory: the allocator's budget */
    size_t mem_used;
    size_t mem_limit;
    bool mem_hit;
    /* time: see the locking note above */
    atomic_int fired;         /* the call used its budget, hook armed */
    int64_t deadline;         /* CLOCK_MONOTONIC nanoseconds: the watchdog's next look */
    unsigned budget_ms;       /* of the running call */
    clockid_t cpu;            /* the calling thread's CPU clock */
    int64_t cpu_start;        /* its reading when the call began */
    _Atomic int64_t waited;   /* ns the call spent waiting for PostgreSQL (db.query) */
    _Atomic int64_t querying; /* CLOCK_MONOTONIC start of the db.query running, or 0 */
    int64_t query_cpu;        /* the thread's CPU clock at that start */
    lua_State *cur;           /* thread running now: the main one or a coroutine */
    struct lh_state *wd_next, *wd_prev;
    int depth;            /* 1 while a call from C runs */
    struct lh_patctx pat; /* limits and interrupt flag for the matcher */
    char tag[64];
};

struct lh_pool {
    struct lh_limits lim;
    unsigned nstates;
    pthread_mutex_t mu; /* generations, idle lists, counters */
    pthread_cond_t cv;  /* a state became idle or a generation appeared */
    struct lh_gen *serving;
    struct lh_services svc; /* for the next generation (mu); owns templates_dir */
    unsigned long last_id;
    unsigned live_states;
    unsigned live_gens;
    pthread_mutex_t reload_mu; /* one reload at a time */
    /* watchdog */
    pthread_mutex_t wd_mu;
    pthread_cond_t wd_cv;
    pthread_t wd_thread;
    bool wd_stop;
    int64_t wd_wake; /* when the watchdog wakes next; INT64_MAX: idle */
    struct lh_state *wd_running;
};

/* The state a lua_State (or any of its coroutines) belongs to. */
static inline struct lh_state *
lh_from(lua_State *L)
{
    return *(struct lh_state **)lua_getextraspace(L);
}

/* lh_watch.c: the per-pool watchdog and the time-limit hook. */
int lh_watch_start(struct lh_pool *pool, char *err, size_t errlen);
void lh_watch_stop(struct lh_pool *pool);
void lh_watch_begin(struct lh_state *st, unsigned ms);
/* What the running call has used of its budget, in ns: the calling thread's CPU time plus the
 * time its db.query calls waited. From any thread. */
int64_t lh_watch_used(const struct lh_state *st);
/* A db.query of the running call starts waiting (from its own thread): until it ends, its wall
 * time counts as used. At the end its time off the CPU is charged to the call; an end with no
 * start does nothing. */
void lh_watch_query_start(struct lh_state *st);
void lh_watch_query_end(struct lh_state *st);
/* Nanoseconds on `clock`, or -1. */
int64_t lh_clock_ns(clockid_t clock);
void lh_watch_end(struct lh_state *st);
lua_State *lh_watch_enter(struct lh_state *st, lua_State *co);
void lh_watch_leave(struct lh_state *st, lua_State *prev);

/* lh_state.c: one sandboxed state. */
struct lh_state *lh_state_new(struct lh_pool *pool, struct lh_gen *gen, char *err, size_t errlen);
void lh_state_close(struct lh_state *st);
int lh_state_run_file(struct lh_state *st, const char *path, char *err, size_t errlen);
void lh_error_copy(char *err, size_t errlen, const char *msg);
/* Bytes the state running on L may still allocate. Its memory in use counts
 * garbage not collected yet, so when fewer than `need` are left it runs a
 * full collection first. For C functions of the state, never its allocator. */
size_t lh_mem_left(lua_State *L, size_t need);

/* lh_sandbox.c: the environment scripts see. */
int lh_sandbox_open(lua_State *L);
void lh_sandbox_env(lua_State *L);
int lh_sandbox_load(lua_State *L, const char *path);
int lh_sandbox_getenv(lua_State *L, const char *path);

/* lh_api.c: install every `tern` API binding into the prototype at `proto`. */
void lh_api_register(lua_State *L, int proto);

/* lh_tablib.c: the table functions with bounded loops. */
void lh_tablib_register(lua_State *L);

/* lh_tree.c: read a scripts tree. */
int lh_tree_read(const char *root, size_t max_bytes, char **realroot, struct lh_src **src,
                 size_t *nsrc, char *err, size_t errlen);
void lh_tree_free(struct lh_src *src, size_t nsrc);
const struct lh_src *lh_tree_find(const struct lh_src *src, size_t nsrc, const char *path);

/* lh_guard.c: free a C resource also when a Lua error unwinds its binding. */
struct lh_guard {
    void (*fn)(void *);
    void *p; /* the resource; NULL: nothing to free */
};
/* Push a to-be-closed guard that runs fn(p) once (p starts NULL). */
struct lh_guard *lh_guard_push(lua_State *L, void (*fn)(void *));
/* Run fn(p) now, if not done yet. */
void lh_guard_done(struct lh_guard *g);

/* lh_json.c: the json.* library; a depth check for values about to be pushed. */
struct json_t;
void lh_json_register(lua_State *L, int proto);
int lh_json_check_depth(const struct json_t *v, const char *what, char *err, size_t errlen);

/* lh_db.c: db.query. */
void lh_db_register(lua_State *L, int proto);

/* lh_tplbind.c: template.render. */
void lh_tplbind_register(lua_State *L, int proto);

/* lh_log.c: log.debug/info/warn/error. */
void lh_log_register(lua_State *L, int proto);

#endif
