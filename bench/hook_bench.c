/*
 * hook_bench.c - Tern's side of bench/hook.sh: the cost of one message hook
 *
 * For N messages, runs the scripts tree's `hook "message"` functions the
 * way the milter does (lease a state, lh_message_run, release) and, as the
 * reference, calls an empty C function through a pointer with the same
 * message (100 N times, since one call is about a nanosecond). Both use one fake message shaped like a managed one (ten
 * headers, a contact, X-Tern-Data, two recipients).
 * Prints "lua_ns_per_message c_ns_per_message".
 * Usage: hook_bench SCRIPTS_DIR N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua/lh.h"
#include "lua/lh_msg.h"

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static const char *const rcpts[] = {"ann@example.com", "bob@example.com"};
static const struct lh_header hdrs[] = {
    {"Received", "from shop.example.com (shop.example.com [192.0.2.7])"},
    {"From", "Shop <shop@example.com>"},
    {"To", "Ann <ann@example.com>"},
    {"Subject", "Spring sale: 20% off everything"},
    {"Date", "Tue, 01 Dec 2026 10:00:00 +0000"},
    {"Message-ID", "<0b9f3c1e@shop.example.com>"},
    {"MIME-Version", "1.0"},
    {"Content-Type", "multipart/alternative; boundary=\"b1\""},
    {"List-Id", "Newsletter <news.shop.example.com>"},
    {"X-Mailer", "shop 1.0"},
};

static int
fake(struct lh_message *m)
{
    if (lh_message_init(m) < 0) return -1;
    m->envelope_from = "shop@example.com";
    m->recipients = rcpts;
    m->nrecipients = 2;
    m->headers = hdrs;
    m->nheaders = sizeof hdrs / sizeof *hdrs;
    m->contact = json_pack("{s:s, s:I, s:s, s:s}", "email", "ann@example.com", "id", (json_int_t)42,
                           "tenant", "default", "first_name", "Ann");
    m->data = json_pack("{s:i}", "order", 1042);
    m->message_id = "0b9f3c1e-2f4a-4c55-9a1e-7d3b2a1c0e9f";
    m->journey = "welcome";
    m->step = "start";
    return m->contact && m->data ? 0 : -1;
}

/* The reference: what a hook compiled into the milter would cost. */
__attribute__((noinline)) static int
empty_c_hook(struct lh_message *m, char *err, size_t errlen)
{
    (void)err, (void)errlen;
    __asm__ volatile("" : : "r"(m) : "memory"); /* not optimised away */
    return 0;
}

static int (*volatile c_hook)(struct lh_message *, char *, size_t) = empty_c_hook;

static int
lua_hook(struct lh_pool *pool, struct lh_message *m, char *err, size_t errlen)
{
    struct lh_state *st = lh_lease(pool, err, errlen);
    if (!st) return -1;
    int rc = lh_message_run(st, m, err, errlen);
    lh_release(st);
    return rc;
}

int
main(int argc, char **argv)
{
    char err[4096];
    if (argc != 3) {
        fprintf(stderr, "usage: hook_bench SCRIPTS_DIR N\n");
        return 2;
    }
    long n = atol(argv[2]);
    struct lh_pool *pool = lh_pool_new(NULL, 1, err, sizeof err);
    struct lh_message m;
    if (!pool || lh_pool_reload(pool, argv[1], err, sizeof err) < 0 || fake(&m) < 0) {
        fprintf(stderr, "hook_bench: %s\n", err);
        return 1;
    }
    for (long i = 0; i < n / 10; i++) /* warm up */
        if (lua_hook(pool, &m, err, sizeof err) < 0) {
            fprintf(stderr, "hook_bench: %s\n", err);
            return 1;
        }
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        lua_hook(pool, &m, err, sizeof err);
    double t1 = now_ns();
    long nc = n * 100; /* a C call is ~1 ns: more of them for a stable figure */
    for (long i = 0; i < nc; i++)
        c_hook(&m, err, sizeof err);
    double t2 = now_ns();
    printf("%.1f %.2f\n", (t1 - t0) / (double)n, (t2 - t1) / (double)nc);
    json_decref(m.contact);
    json_decref(m.data);
    lh_message_free(&m);
    lh_pool_free(pool);
    return 0;
}
