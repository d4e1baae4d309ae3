/*
 * lh_watch.c - the per-pool watchdog that enforces the time limit
 *
 * The budget of a call is time the call itself uses: the CPU time of the
 * thread running it, plus the time its db.query calls wait for PostgreSQL.
 * Time the thread spends waiting for a core is not counted, so a trivial
 * step on a loaded machine is not stopped because the scheduler passed it
 * over (wall-clock budgets did that). Since the thread cannot use more CPU
 * than wall time, the budget cannot run out sooner than `budget` from the
 * start: a call registers that moment; one thread per pool sleeps until the
 * earliest such moment, reads the call's use, and either sets `fired` and
 * installs a count hook (every instruction) on the thread the state is
 * running right now, or looks again once the rest of the budget could have
 * run out.
 * Until then no hook exists, so calls pay nothing for the limit. Once fired
 * the hook raises "time limit exceeded" on every instruction until control
 * is back in C, so a script's pcall, xpcall handler or __close cannot
 * swallow it. lua_sethook is documented as safe to call asynchronously.
 *
 * Coroutines are separate Lua threads with their own hooks: the sandbox's
 * resume, wrap and close report the thread they switch to (enter/leave), so
 * the watchdog always arms the running one and a resumed coroutine picks up
 * the current state of the limit.
 */
#include "lh_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <lauxlib.h>

int64_t
lh_clock_ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t
now_ns(void)
{
    return lh_clock_ns(CLOCK_MONOTONIC);
}

int64_t
lh_watch_used(const struct lh_state *st)
{
    int64_t cpu = lh_clock_ns(st->cpu), since = atomic_load(&st->querying);
    if (cpu < 0) return INT64_MAX; /* cannot tell: the budget counts as used */
    int64_t used = cpu - st->cpu_start + atomic_load(&st->waited);
    return since && st->cpu != CLOCK_MONOTONIC ? used + (now_ns() - since) : used;
}

void
lh_watch_query_start(struct lh_state *st)
{
    st->query_cpu = lh_clock_ns(st->cpu);
    atomic_store(&st->querying, now_ns());
}

/* The query's wall time less the CPU time the thread used meanwhile: its time off the CPU. */
void
lh_watch_query_end(struct lh_state *st)
{
    int64_t since = atomic_load(&st->querying);
    if (!since) return; /* the query stopped before it waited for anything */
    int64_t cpu = lh_clock_ns(st->cpu), waited = now_ns() - since;
    if (st->cpu != CLOCK_MONOTONIC && cpu >= 0 && st->query_cpu >= 0) /* a wall clock counts it */
        waited -= cpu - st->query_cpu;
    else
        waited = 0;
    if (waited > 0) atomic_fetch_add(&st->waited, waited);
    atomic_store(&st->querying, 0);
}

/* The hook: only ever installed once the deadline has passed. */
static void
hook(lua_State *L, lua_Debug *ar)
{
    struct lh_state *st = lh_from(L);
    (void)ar;
    if (!atomic_load(&st->fired)) { /* stale: a leftover from an earlier call */
        pthread_mutex_lock(&st->pool->wd_mu);
        if (!atomic_load(&st->fired)) lua_sethook(L, NULL, 0, 0); /* may have fired since */
        pthread_mutex_unlock(&st->pool->wd_mu);
        return;
    }
    luaL_where(L, 0); /* level 0 inside a hook: the running function */
    lua_pushfstring(L, "time limit exceeded (%d ms)", (int)st->budget_ms);
    lua_concat(L, 2);
    lua_error(L);
}

static void
arm(lua_State *L)
{
    lua_sethook(L, hook, LUA_MASKCOUNT, 1);
}

/* With wd_mu held: arm every running state that used its budget; next wake-up. */
static int64_t
sweep(struct lh_pool *pool)
{
    int64_t now = now_ns(), next = INT64_MAX;
    for (struct lh_state *st = pool->wd_running; st; st = st->wd_next) {
        if (atomic_load(&st->fired)) continue;
        if (st->deadline <= now) {
            int64_t left = (int64_t)st->budget_ms * 1000000 - lh_watch_used(st);
            if (left <= 0) {
                atomic_store(&st->fired, 1); /* before the hook: the hook checks it */
                arm(st->cur);
                continue;
            }
            st->deadline = now + left; /* the soonest the rest can be used up */
        }
        if (st->deadline < next) next = st->deadline;
    }
    return next;
}

static void *
watch_main(void *arg)
{
    struct lh_pool *pool = arg;
    pthread_mutex_lock(&pool->wd_mu);
    while (!pool->wd_stop) {
        int64_t next = sweep(pool);
        pool->wd_wake = next;
        if (next == INT64_MAX) {
            pthread_cond_wait(&pool->wd_cv, &pool->wd_mu);
        } else {
            struct timespec ts = {.tv_sec = next / 1000000000, .tv_nsec = next % 1000000000};
            pthread_cond_timedwait(&pool->wd_cv, &pool->wd_mu, &ts);
        }
    }
    pthread_mutex_unlock(&pool->wd_mu);
    return NULL;
}

int
lh_watch_start(struct lh_pool *pool, char *err, size_t errlen)
{
    pthread_condattr_t ca;
    pool->wd_stop = false;
    pool->wd_wake = INT64_MAX;
    pool->wd_running = NULL;
    if (pthread_condattr_init(&ca) != 0) goto fail;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* deadlines are monotonic */
    int rc = pthread_cond_init(&pool->wd_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0) goto fail;
    if (pthread_mutex_init(&pool->wd_mu, NULL) != 0) {
        pthread_cond_destroy(&pool->wd_cv);
        goto fail;
    }
    if ((errno = pthread_create(&pool->wd_thread, NULL, watch_main, pool)) != 0) {
        pthread_mutex_destroy(&pool->wd_mu);
        pthread_cond_destroy(&pool->wd_cv);
        goto fail;
    }
    return 0;
fail:
    snprintf(err, errlen, "lua: cannot start the watchdog: %s", strerror(errno ? errno : ENOMEM));
    return -1;
}

void
lh_watch_stop(struct lh_pool *pool)
{
    pthread_mutex_lock(&pool->wd_mu);
    pool->wd_stop = true;
    pthread_cond_signal(&pool->wd_cv);
    pthread_mutex_unlock(&pool->wd_mu);
    pthread_join(pool->wd_thread, NULL);
    pthread_mutex_destroy(&pool->wd_mu);
    pthread_cond_destroy(&pool->wd_cv);
}

/* A call starts on st's main thread with `ms` to run. */
void
lh_watch_begin(struct lh_state *st, unsigned ms)
{
    struct lh_pool *pool = st->pool;
    if (pthread_getcpuclockid(pthread_self(), &st->cpu) != 0)
        st->cpu = CLOCK_MONOTONIC; /* no thread clock: wall-clock time */
    st->cpu_start = lh_clock_ns(st->cpu);
    atomic_store(&st->waited, 0);
    atomic_store(&st->querying, 0);
    pthread_mutex_lock(&pool->wd_mu);
    st->deadline = now_ns() + (int64_t)ms * 1000000;
    st->budget_ms = ms;
    atomic_store(&st->fired, 0);
    st->cur = st->L;
    st->wd_prev = NULL;
    st->wd_next = pool->wd_running;
    if (pool->wd_running) pool->wd_running->wd_prev = st;
    pool->wd_running = st;
    if (st->deadline < pool->wd_wake) pthread_cond_signal(&pool->wd_cv); /* sleeps too long */
    pthread_mutex_unlock(&pool->wd_mu);
}

/* The call is back in C: forget the deadline and take the hook away. */
void
lh_watch_end(struct lh_state *st)
{
    struct lh_pool *pool = st->pool;
    pthread_mutex_lock(&pool->wd_mu);
    if (st->wd_prev)
        st->wd_prev->wd_next = st->wd_next;
    else
        pool->wd_running = st->wd_next;
    if (st->wd_next) st->wd_next->wd_prev = st->wd_prev;
    st->wd_next = st->wd_prev = NULL;
    st->cur = NULL;
    pthread_mutex_unlock(&pool->wd_mu);
    lua_sethook(st->L, NULL, 0, 0); /* no one else sets it any more */
}

/*
 * Execution moves to coroutine `co`: it becomes the thread the watchdog
 * arms, and it gets the hook now if the limit already fired (or loses one
 * left over from an earlier call). Returns the thread to go back to.
 */
lua_State *
lh_watch_enter(struct lh_state *st, lua_State *co)
{
    pthread_mutex_lock(&st->pool->wd_mu);
    lua_State *prev = st->cur;
    st->cur = co;
    if (atomic_load(&st->fired))
        arm(co);
    else
        lua_sethook(co, NULL, 0, 0);
    pthread_mutex_unlock(&st->pool->wd_mu);
    return prev;
}

/* Execution is back on `prev`; if the limit fired meanwhile it is armed too. */
void
lh_watch_leave(struct lh_state *st, lua_State *prev)
{
    pthread_mutex_lock(&st->pool->wd_mu);
    st->cur = prev;
    if (atomic_load(&st->fired)) arm(prev);
    pthread_mutex_unlock(&st->pool->wd_mu);
}
