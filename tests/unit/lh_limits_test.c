/*
 * lh_limits_test.c - time and memory limits, and the capped C functions
 *
 * Time assertions are behavioural bounds, not benchmarks: a runaway script
 * must be stopped no later than 400 ms after its budget (SLACK_MS).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "lua/lh.h"
#include "tap.h"

/* The watchdog thread itself can be descheduled on two busy cores (a parallel, sanitized test
 * run): it arms the hook late. The slack still tells a stopped call from a runaway one. */
#define BUDGET_MS 100
#define SLACK_MS  400

static char err[4096];
static struct lh_pool *pool;
static struct lh_state *st;

static const char *
fixture(const char *name)
{
    static char path[PATH_MAX];
    const char *d = getenv("TERN_SRCDIR");
    snprintf(path, sizeof path, "%s/tests/lua/%s", d && *d ? d : ".", name);
    return path;
}

static double
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Call func; its result or "ERROR: ..."; *ms gets the elapsed time. */
static const char *
timed_call(const char *func, double *ms)
{
    static char res[8192];
    struct buf out = BUF_INIT;
    double t0 = now_ms();
    int rc = lh_call(st, func, &out, err, sizeof err, "");
    if (ms) *ms = now_ms() - t0;
    snprintf(res, sizeof res, "%s%s", rc < 0 ? "ERROR: " : "", rc < 0 ? err : buf_str(&out));
    buf_free(&out);
    return res;
}

/* The calling thread's CPU time, in ms. */
static double
cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *
call(const char *func)
{
    return timed_call(func, NULL);
}

/* A runaway function stops with the time-limit error within the bound. */
static void
stops_in_time(const char *func, const char *what)
{
    double ms;
    const char *r = timed_call(func, &ms);
    like(r, "time limit exceeded", what);
    if (!ok(ms < BUDGET_MS + SLACK_MS, "%s: stopped after %.0f ms", what, ms)) diag("%s", r);
    is_str(call("loops.lua:alive"), "alive", "the state answers the next call");
}

static void
infinite_loop_stops_within_budget(void)
{
    stops_in_time("loops.lua:spin", "while true do end");
    like(call("loops.lua:spin"), "loops.lua:4: time limit exceeded",
         "the error carries file:line of the loop");
}

static void
infinite_loop_in_pcall_stops(void)
{
    stops_in_time("loops.lua:spin_in_pcall", "a loop inside pcall, itself in a loop");
}

static void
xpcall_with_looping_handler_stops(void)
{
    stops_in_time("loops.lua:spin_in_xpcall", "xpcall with a looping message handler");
}

static void
loop_inside_coroutine_stops(void)
{
    stops_in_time("loops.lua:spin_in_coroutine", "a loop inside coroutine.resume");
}

static void
loop_inside_wrapped_coroutine_stops(void)
{
    stops_in_time("loops.lua:spin_in_wrap", "a loop inside coroutine.wrap under pcall");
}

static void
loop_in_close_handler_stops(void)
{
    stops_in_time("loops.lua:spin_in_close", "a loop in a __close handler while unwinding");
}

static void
stopped_coroutine_skips_close_handler(void)
{
    stops_in_time("loops.lua:spin_wrap_with_close", "a wrapped coroutine with a looping __close");
    stops_in_time("loops.lua:stop_coroutine", "a coroutine stopped, then the caller");
    is_str(call("loops.lua:close_stopped"), "coroutine was stopped by the time limit",
           "closing the stopped coroutine later runs no handler");
}

static void
xpcall_keeps_its_semantics(void)
{
    is_str(call("loops.lua:xpcall_handler_result"), "false handled inner",
           "the handler's result is xpcall's error value");
    is_str(call("loops.lua:xpcall_passes_results"), "4", "success returns true and every result");
}

static void
coroutine_survives_a_timeout(void)
{
    is_str(call("loops.lua:tick"), "1", "a kept coroutine yields 1");
    like(call("loops.lua:tick_then_spin"), "time limit exceeded", "the next call times out");
    is_str(call("loops.lua:tick"), "3", "the coroutine still runs in a later call");
}

static void
pattern_within_caps_stops_at_deadline(void)
{
    double ms;
    const char *r = timed_call("loops.lua:pattern_spin", &ms);
    like(r, "time limit exceeded", "a backtracking find on 60 KB is interrupted");
    ok(ms < BUDGET_MS + SLACK_MS, "inside the C matcher, after %.0f ms", ms);
}

static void
default_sort_of_long_strings_stops(void)
{
    stops_in_time("loops.lua:sort_long_equal_strings",
                  "table.sort without a comparator over long equal strings");
    is_str(call("loops.lua:sort_with_default_order"), "apple fig pear",
           "table.sort without a comparator still sorts by <");
}

static void
gsub_with_a_long_replacement_stops(void)
{
    stops_in_time("loops.lua:gsub_long_replacement", "gsub with millions of %0 in its replacement");
}

static void
memory_bomb_stops_at_budget(void)
{
    like(call("memory.lua:string_bomb"), "memory limit exceeded", "a string bomb hits the budget");
    like(call("memory.lua:table_bomb"), "memory limit exceeded", "a table bomb hits the budget");
}

static void
json_conversions_stay_within_the_memory_budget(void)
{
    like(call("memory.lua:json_encode_shared_string"), "out of memory",
         "json.encode of one long string a hundred times stops at the state's budget");
    like(call("memory.lua:json_decode_many_arrays"), "json.decode: out of memory",
         "json.decode of millions of values stops at it too");
    is_str(call("loops.lua:alive"), "alive", "the state answers the next call");
}

static void
state_usable_after_memory_bomb(void)
{
    call("memory.lua:string_bomb");
    is_str(call("memory.lua:allocate_some"), "1002893", "the same state allocates again");
}

static void
string_rep_huge_refused(void)
{
    like(call("memory.lua:rep_huge"), "memory.lua:21: string.rep: a result of 1073741824 bytes",
         "string.rep(\"x\", 1<<30) is refused with file:line");
    like(call("memory.lua:rep_overflow"), "string.rep: the result is over the limit",
         "a result size that overflows is refused too");
    is_str(call("memory.lua:rep_ok"), "2999", "a modest string.rep with a separator works");
    is_str(call("memory.lua:rep_after_garbage"), "4194304",
           "a string.rep that fits once the garbage is collected is not refused");
}

static void
pathological_find_refused_by_size_cap(void)
{
    double ms;
    like(timed_call("memory.lua:find_pathological", &ms), "over the pattern limit of 65536",
         "a pattern find on 100 KB is refused by the subject cap");
    ok(ms < 50, "refused at once (%.0f ms)", ms);
}

static void
plain_find_on_large_subject_allowed(void)
{
    is_str(call("memory.lua:plain_find_big"), "1048577", "a plain find on 1 MiB works");
}

static void
table_loops_are_capped(void)
{
    like(call("memory.lua:move_huge"), "table.move: 1099511627776 elements is over the limit",
         "table.move over 2^40 elements is refused");
    like(call("memory.lua:insert_lying_len"), "table.insert: 1099511627776 elements",
         "table.insert trusting a lying __len is refused");
    like(call("memory.lua:concat_huge_range"), "table.concat: 1099511627776 elements",
         "table.concat over a huge range is refused");
    like(call("memory.lua:sort_big"), "table.sort: 100000 elements is over the limit of 65536",
         "table.sort of 100000 elements is refused");
    is_str(call("memory.lua:sort_small"), "-1000", "table.sort of 1000 elements works");
}

static void
os_date_long_format_refused(void)
{
    like(call("memory.lua:date_long_format"), "os.date: format of 2000 bytes",
         "os.date with a 2000-byte format is refused");
}

static void
gc_metamethod_refused(void)
{
    like(call("memory.lua:gc_metamethod"), "__gc metamethods are not allowed",
         "a finalizer (which no hook could stop) is refused");
}

/* Threads that share one core with the caller, to take turns with it. */
#define COMPETITORS 3
static atomic_int compete_stop;

static void *
compete(void *arg)
{
    (void)arg;
    volatile unsigned long spin = 0;
    while (!atomic_load(&compete_stop))
        spin++;
    return NULL;
}

/* Lua rounds of loops.lua:count that take about `ms` of this thread's CPU time. */
static long long
rounds_for(double ms)
{
    long long n = 100000;
    for (int i = 0; i < 20; i++) {
        struct buf out = BUF_INIT;
        double c0 = cpu_ms();
        lh_call(st, "loops.lua:count", &out, err, sizeof err, "i", n);
        double used = cpu_ms() - c0;
        buf_free(&out);
        if (used >= ms / 4) return (long long)(n * (ms / used));
        n *= 4;
    }
    return n;
}

/* The budget counts the call's own time: a call that waits for a core -- four threads taking
 * turns on one -- runs past the budget in wall time and is not stopped, since its CPU time is
 * within it. */
static void
waiting_for_a_core_does_not_count(void)
{
    cpu_set_t one, saved;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
    pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    long long n = rounds_for(BUDGET_MS * 0.5); /* about 200 ms of wall time on a shared core */
    pthread_t t[COMPETITORS];
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setaffinity_np(&a, sizeof one, &one);
    atomic_store(&compete_stop, 0);
    for (int i = 0; i < COMPETITORS; i++)
        pthread_create(&t[i], &a, compete, NULL);
    struct buf out = BUF_INIT;
    double w0 = now_ms(), c0 = cpu_ms();
    int rc = lh_call(st, "loops.lua:count", &out, err, sizeof err, "i", n);
    double wall = now_ms() - w0, cpu = cpu_ms() - c0;
    atomic_store(&compete_stop, 1);
    for (int i = 0; i < COMPETITORS; i++)
        pthread_join(t[i], NULL);
    pthread_attr_destroy(&a);
    pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
    buf_free(&out);
    ok(wall > BUDGET_MS, "sharing a core, the call took %.0f ms of wall time for %.0f ms of CPU",
       wall, cpu);
    if (!ok(rc == 0, "and was not stopped: its own time stayed within the %d ms budget", BUDGET_MS))
        diag("%s", err);
}

/* A pool of one state over the limits fixture; NULL (and a failed test) on error. */
static struct lh_pool *
open_pool(unsigned call_ms)
{
    struct lh_limits lim;
    lh_limits_default(&lim);
    lim.call_ms = call_ms;
    lim.mem_bytes = 16u << 20; /* bombs fill it fast */
    lim.rep_bytes = 8u << 20;
    struct lh_pool *p = lh_pool_new(&lim, 1, err, sizeof err);
    if (!p || lh_pool_reload(p, fixture("limits"), err, sizeof err) < 0) {
        ok(0, "limits fixture loads: %s", err);
        lh_pool_free(p);
        return NULL;
    }
    return p;
}

int
main(void)
{
    if (!(pool = open_pool(BUDGET_MS))) return tap_done();
    st = lh_lease(pool, err, sizeof err);
    infinite_loop_stops_within_budget();
    infinite_loop_in_pcall_stops();
    xpcall_with_looping_handler_stops();
    loop_inside_coroutine_stops();
    loop_inside_wrapped_coroutine_stops();
    loop_in_close_handler_stops();
    stopped_coroutine_skips_close_handler();
    xpcall_keeps_its_semantics();
    coroutine_survives_a_timeout();
    pattern_within_caps_stops_at_deadline();
    default_sort_of_long_strings_stops();
    gsub_with_a_long_replacement_stops();
    waiting_for_a_core_does_not_count();
    lh_release(st);
    lh_pool_free(pool);

    /* Memory and size caps, with a time budget no sanitizer build can exhaust. */
    if (!(pool = open_pool(30000))) return tap_done();
    st = lh_lease(pool, err, sizeof err);
    memory_bomb_stops_at_budget();
    json_conversions_stay_within_the_memory_budget(); /* ASan's malloc is slow: 100 ms is not */
    state_usable_after_memory_bomb();
    string_rep_huge_refused();
    pathological_find_refused_by_size_cap();
    plain_find_on_large_subject_allowed();
    table_loops_are_capped();
    os_date_long_format_refused();
    gc_metamethod_refused();
    lh_release(st);
    lh_pool_free(pool);
    return tap_done();
}
