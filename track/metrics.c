/*
 * metrics.c - counters and their Prometheus text (see metrics.h)
 *
 * Statuses are counted in a fixed table of the codes the tracker answers
 * with; anything else lands in "other", so the table never grows.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spool.h"
#include "spool_drain.h"

static const unsigned codes[] = {200, 202, 302, 400, 401, 404, 405, 413, 415, 429, 500, 503};
#define NCODES (sizeof codes / sizeof codes[0])

static const char *const classes[] = {"human", "apple-mpp", "image-proxy", "scanner", "honeypot"};
#define NCLASSES (sizeof classes / sizeof classes[0])

static const char *const api_statuses[] = {"accepted", "duplicate", "rejected"};
#define NAPI (sizeof api_statuses / sizeof api_statuses[0])

struct tr_metrics {
    atomic_uint_fast64_t requests[TR_ROUTES][NCODES + 1]; /* last column: other codes */
    atomic_uint_fast64_t verify_failed[TR_ROUTES];
    atomic_uint_fast64_t bot[NCLASSES];
    atomic_uint_fast64_t api[NAPI];
    _Atomic int64_t cert_expiry; /* Unix s; 0: no certificate served */
};

struct tr_metrics *
tr_metrics_new(void)
{
    return calloc(1, sizeof(struct tr_metrics)); /* all-zero atomics are valid zeros */
}

void
tr_metrics_free(struct tr_metrics *m)
{
    free(m);
}

static size_t
code_index(unsigned status)
{
    for (size_t i = 0; i < NCODES; i++)
        if (codes[i] == status) return i;
    return NCODES;
}

void
tr_metrics_request(struct tr_metrics *m, enum tr_route route, unsigned status)
{
    if (m && route < TR_ROUTES)
        atomic_fetch_add_explicit(&m->requests[route][code_index(status)], 1, memory_order_relaxed);
}

void
tr_metrics_verify_failed(struct tr_metrics *m, enum tr_route route)
{
    if (m && route < TR_ROUTES)
        atomic_fetch_add_explicit(&m->verify_failed[route], 1, memory_order_relaxed);
}

void
tr_metrics_bot_class(struct tr_metrics *m, const char *cls)
{
    for (size_t i = 0; m && i < NCLASSES; i++)
        if (strcmp(classes[i], cls) == 0)
            atomic_fetch_add_explicit(&m->bot[i], 1, memory_order_relaxed);
}

void
tr_metrics_api_item(struct tr_metrics *m, const char *status)
{
    for (size_t i = 0; m && status && i < NAPI; i++)
        if (strcmp(api_statuses[i], status) == 0)
            atomic_fetch_add_explicit(&m->api[i], 1, memory_order_relaxed);
}

static uint64_t
get(atomic_uint_fast64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

static bool
write_requests(struct tr_metrics *m, struct buf *out)
{
    bool ok = buf_puts(out, "# HELP tern_track_requests_total Requests answered, by endpoint and "
                            "status.\n# TYPE tern_track_requests_total counter\n");
    for (int r = 0; r < TR_ROUTES; r++)
        for (size_t i = 0; i <= NCODES; i++) {
            uint64_t n = get(&m->requests[r][i]);
            if (!n) continue;
            const char *name = tr_route_name((enum tr_route)r);
            ok = ok && (i < NCODES ? buf_printf(out,
                                                "tern_track_requests_total{endpoint=\"%s\",code="
                                                "\"%u\"} %" PRIu64 "\n",
                                                name, codes[i], n)
                                   : buf_printf(out,
                                                "tern_track_requests_total{endpoint=\"%s\",code="
                                                "\"other\"} %" PRIu64 "\n",
                                                name, n));
        }
    return ok;
}

static bool
write_failures_and_classes(struct tr_metrics *m, struct buf *out)
{
    bool ok = buf_puts(out, "# HELP tern_track_token_failures_total Tokens that did not verify "
                            "(answered 404).\n# TYPE tern_track_token_failures_total counter\n");
    for (int r = 0; r < TR_ROUTES; r++)
        if (get(&m->verify_failed[r]))
            ok = ok &&
                 buf_printf(out, "tern_track_token_failures_total{endpoint=\"%s\"} %" PRIu64 "\n",
                            tr_route_name((enum tr_route)r), get(&m->verify_failed[r]));
    ok = ok && buf_puts(out, "# HELP tern_track_bot_class_total Opens and clicks by "
                             "classification.\n# TYPE tern_track_bot_class_total counter\n");
    for (size_t i = 0; i < NCLASSES; i++)
        ok = ok && buf_printf(out, "tern_track_bot_class_total{class=\"%s\"} %" PRIu64 "\n",
                              classes[i], get(&m->bot[i]));
    ok = ok && buf_puts(out, "# HELP tern_track_api_items_total Events API items by outcome.\n"
                             "# TYPE tern_track_api_items_total counter\n");
    for (size_t i = 0; i < NAPI; i++)
        ok = ok && buf_printf(out, "tern_track_api_items_total{status=\"%s\"} %" PRIu64 "\n",
                              api_statuses[i], get(&m->api[i]));
    return ok;
}

static bool
write_gauge(struct buf *out, const char *name, const char *type, const char *help, uint64_t v)
{
    return buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type,
                      name, v);
}

static bool
write_spool(struct spool *sp, struct spool_drain *d, struct buf *out)
{
    struct spool_stats st = {0};
    struct spool_drain_stats ds = {0};
    if (sp) spool_stats(sp, &st);
    if (d) spool_drain_stats(d, &ds);
    return write_gauge(out, "tern_track_spool_bytes", "gauge", "Unapplied bytes in the spool.",
                       st.bytes) &&
           write_gauge(out, "tern_track_spool_records", "gauge",
                       "Durable records not yet applied to PostgreSQL.", st.durable - st.acked) &&
           write_gauge(out, "tern_track_spool_full", "gauge",
                       "1 while the spool is full and hits are refused.",
                       sp && spool_full(sp) ? 1 : 0) &&
           write_gauge(out, "tern_track_drain_lag_records", "gauge",
                       "Records appended but not yet in PostgreSQL.", st.appended - st.acked) &&
           write_gauge(out, "tern_track_drain_applied_total", "counter",
                       "Records applied to PostgreSQL since start.", ds.applied) &&
           write_gauge(out, "tern_track_drain_failures_total", "counter",
                       "Failed attempts to apply a batch (PostgreSQL unreachable ...).",
                       ds.failures) &&
           write_gauge(out, "tern_track_drain_rejected_total", "counter",
                       "Records PostgreSQL refused or could not read, kept in tern.record_rejects.",
                       ds.skipped);
}

void
tr_metrics_cert_expiry(struct tr_metrics *m, int64_t unix_s)
{
    if (m) atomic_store(&m->cert_expiry, unix_s > 0 ? unix_s : 0);
}

static bool
write_cert(struct tr_metrics *m, struct buf *out)
{
    int64_t t = m ? atomic_load(&m->cert_expiry) : 0;
    return t <= 0 ||
           write_gauge(out, "tern_track_tls_cert_expiry_timestamp_seconds", "gauge",
                       "When the certificate served to new connections expires.", (uint64_t)t);
}

bool
tr_metrics_write(struct tr_metrics *m, struct spool *sp, struct spool_drain *d, struct buf *out)
{
    return write_requests(m, out) && write_failures_and_classes(m, out) &&
           write_spool(sp, d, out) && write_cert(m, out);
}
