/*
 * milter_bench.c - one managed message's CPU in tern milter, in-process
 *
 * Sends one message file N times (after N/10 warm-up copies) through the
 * milter's callbacks as Postfix would (the in-process MTA of
 * tests/unit/milter_harness.c: negotiate, connect, MAIL, one RCPT,
 * headers, end of headers, the body in 64 KiB chunks, end of message) on
 * one connection, with the real rewrite pipeline (rw_process) and a fixed
 * contact, and prints the CPU microseconds per message. No libmilter, no
 * sockets, no PostgreSQL, no spool: what is left is the personalization
 * and tracking work itself plus the harness applying the edits, so a
 * profile of this program (perf record) shows where tern's own time goes.
 * bench/milter.sh measures the real thing and runs this too.
 * Usage: milter_bench FILE N   (FILE an absolute path; prints "us_per_message")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heap.h"
#include "mime.h"
#include "milter_harness.h"
#include "rewrite.h"

#define KEY "k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams="

static const struct milter_deps deps = {
    .contact = hx_contact_zoe, .record = hx_no_record, .process = rw_process};

/* CPU time, not wall time: the machine is shared, and CPU is what the message costs. */
static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static bool
start(void)
{
    struct buf errors = BUF_INIT;
    char err[256];
    struct config *cfg =
        config_load_string("bench.conf",
                           "[database]\nurl = postgresql:///tern\n[keys]\nhmac = " KEY "\n"
                           "[track]\nbase_url = https://t.example.com\n",
                           &errors);
    struct milter_gen *g = cfg ? milter_gen_new(cfg, &deps, err, sizeof err) : NULL;
    if (!g) fprintf(stderr, "milter_bench: %s%s\n", buf_str(&errors), cfg ? err : "");
    config_unref(cfg);
    buf_free(&errors);
    milter_shell_set_gen(g);
    return g != NULL;
}

/* The message split as the MTA sends it: headers, then the body with CRLF. */
struct message {
    struct buf names[64], values[64];
    size_t nhdrs;
    struct buf body;
};

static bool
split(const struct buf *raw, struct message *m)
{
    const char *p = buf_str(raw), *end = p + raw->len;
    while (p < end && *p != '\n' && m->nhdrs < 64) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)),
                   *colon = memchr(p, ':', (size_t)(end - p));
        if (!eol || !colon || colon > eol) return false; /* folded headers: not needed here */
        buf_append(&m->names[m->nhdrs], p, (size_t)(colon - p));
        colon += colon[1] == ' ' ? 2 : 1;
        buf_append(&m->values[m->nhdrs++], colon, (size_t)(eol - colon));
        p = eol + 1;
    }
    for (p += p < end; p < end; p++) {
        if (*p == '\n') buf_putc(&m->body, '\r');
        buf_putc(&m->body, *p);
    }
    return true;
}

static void
deliver(HX *h, const struct message *m)
{
    hx_from(h, "<news@example.com>");
    hx_rcpt(h, "<zoe@example.org>");
    for (size_t i = 0; i < m->nhdrs; i++)
        hx_header(h, buf_str(&m->names[i]), buf_str(&m->values[i]));
    hx_eoh(h);
    hx_body(h, m->body.data, m->body.len);
    hx_eom(h);
}

/* Forget the delivered copy, keep the connection. */
static void
next(HX *h)
{
    void *priv = h->priv;
    unsigned long pf0 = h->pf0, pf1 = h->pf1;
    hx_free(h);
    hx_init(h);
    h->priv = priv, h->pf0 = pf0, h->pf1 = pf1;
}

int
main(int argc, char **argv)
{
    struct buf raw = BUF_INIT;
    struct message m;
    memset(&m, 0, sizeof m);
    long n = argc == 3 ? atol(argv[2]) : 0;
    if (n <= 0 || !hx_read_file(argv[1], &raw) || !split(&raw, &m)) {
        fprintf(stderr, "usage: milter_bench FILE N\n");
        return 2;
    }
    milter_heap_tune(); /* as the daemon does */
    mime_init();
    if (!start()) return 1;
    HX h;
    hx_init(&h);
    hx_negotiate(&h);
    hx_connect(&h, "127.0.0.1");
    double t0 = 0;
    for (long i = -(n / 10); i < n; i++) {
        if (i == 0) t0 = now_us();
        deliver(&h, &m);
        if (h.violations || !h.body_replaced) {
            fprintf(stderr, "milter_bench: the message was not rewritten\n");
            return 1;
        }
        next(&h);
    }
    printf("%.1f\n", (now_us() - t0) / (double)n);
    hx_close(&h);
    hx_free(&h);
    milter_shell_set_gen(NULL);
    return 0;
}
