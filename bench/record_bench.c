/*
 * record_bench.c - encoding one click record, two ways, side by side
 *
 * The tracker encodes a record for every click before it can answer. This
 * encodes the same click N times (default 200000) with the spool's encoder
 * (lib/jsonw: written straight into a buffer) and with the jansson tree the
 * tracker used before (json_pack the data, dump it, parse it back, build the
 * record as an object, dump it), and prints records/s of both and the ratio.
 * Usage: record_bench [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "jsonw.h"
#include "record.h"

#define URL "https://shop.example/sale/winter?utm_source=mail&utm_campaign=xmas-2026&p=42"
#define UA                                                                                         \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "            \
    "Chrome/120.0"

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct rec_event
click(const char *data)
{
    struct rec_event ev = {.contact_id = 424242,
                           .type = "email.click",
                           .occurred_us = 1764000000000000LL,
                           .source = "track",
                           .message_id = "0f1e2d3c-4b5a-7978-8796-a5b4c3d2e1f0",
                           .data = data,
                           .bot_class = "human",
                           .bot_reason = "no rule matched",
                           .user_agent = UA,
                           .ip = "198.51.100.23",
                           .delay_ms = 93000};
    snprintf(ev.id, sizeof ev.id, "%s", "01a2334f-92cd-7a76-987e-0d898f96d4ac");
    return ev;
}

/* The spool's encoder, as ep_hit.c calls it. */
static size_t
with_jsonw(void)
{
    struct buf data = BUF_INIT, out = BUF_INIT;
    char err[256];
    struct jw w = JW_INIT(&data);
    jw_int(&w, "link", 7);
    jw_str(&w, "url", URL);
    jw_end(&w);
    struct rec_event ev = click(buf_str(&data));
    size_t n = rec_encode_event(&ev, &out, err, sizeof err) == 0 ? out.len : 0;
    buf_free(&data);
    buf_free(&out);
    return n;
}

static void
put(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v);
}

/* The jansson tree the tracker built before, step for step. */
static size_t
with_jansson(void)
{
    json_t *d = json_pack("{s:I, s:s}", "link", (json_int_t)7, "url", URL);
    char *data = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct rec_event ev = click(data);
    json_t *o = json_object();
    put(o, "kind", json_string("event"));
    put(o, "id", json_string(ev.id));
    put(o, "contact_id", json_integer(ev.contact_id));
    put(o, "type", json_string(ev.type));
    put(o, "occurred_us", json_integer(ev.occurred_us));
    put(o, "source", json_string(ev.source));
    put(o, "message_id", json_string(ev.message_id));
    put(o, "data", json_loads(ev.data, JSON_REJECT_DUPLICATES, NULL));
    put(o, "bot_class", json_string(ev.bot_class));
    put(o, "bot_reason", json_string(ev.bot_reason));
    put(o, "user_agent", json_string(ev.user_agent));
    put(o, "ip", json_string(ev.ip));
    put(o, "delay_ms", json_integer(ev.delay_ms));
    char *text = json_dumps(o, JSON_COMPACT);
    struct buf out = BUF_INIT;
    buf_puts(&out, text);
    size_t n = out.len;
    buf_free(&out);
    free(text);
    json_decref(o);
    free(data);
    return n;
}

static double
rate(size_t (*encode)(void), long n, size_t *bytes)
{
    double t = now();
    for (long i = 0; i < n; i++)
        *bytes = encode();
    return (double)n / (now() - t);
}

int
main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    size_t b1 = 0, b2 = 0;
    rate(with_jsonw, n / 10, &b1); /* warm-up */
    double jw = rate(with_jsonw, n, &b1), tree = rate(with_jansson, n, &b2);
    printf("click record, %ld encodings each\n", n);
    printf("jansson tree (before): %10.0f records/s   %zu bytes\n", tree, b2);
    printf("jsonw (spool encoder): %10.0f records/s   %zu bytes\n", jw, b1);
    printf("ratio jsonw / jansson: %.2f\n", jw / tree);
    return b1 && b2 ? 0 : 1;
}
