/*
 * metrics.h - counters for /metrics (Prometheus text format)
 *
 * Owns: the process's request, verification and classification counters
 * (lock-free atomics, bumped from any thread) and writing them, with the
 * spool's depth and the drain's progress, in the Prometheus text
 * exposition format:
 *
 *     tern_track_requests_total{endpoint="click",code="302"} 1234
 *     tern_track_token_failures_total{endpoint="click"} 5
 *     tern_track_bot_class_total{class="scanner"} 17
 *     tern_track_api_items_total{status="accepted"} 950
 *     tern_track_spool_bytes 4096       tern_track_spool_records 3
 *     tern_track_spool_full 0           tern_track_drain_applied_total 1229
 *     tern_track_drain_failures_total 0 tern_track_drain_lag_records 3
 *     tern_track_tls_cert_expiry_timestamp_seconds 1767225600   (built-in TLS only)
 *
 * Depends on: lib/buf, lib/spool, lib/spool_drain, track/route.
 */
#ifndef TERN_TRACK_METRICS_H
#define TERN_TRACK_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "route.h"

struct spool;
struct spool_drain;
struct tr_metrics;

struct tr_metrics *tr_metrics_new(void);
void tr_metrics_free(struct tr_metrics *m);

/* Count one answered request. NULL `m` is allowed (and counts nothing) everywhere. */
void tr_metrics_request(struct tr_metrics *m, enum tr_route route, unsigned status);
void tr_metrics_verify_failed(struct tr_metrics *m, enum tr_route route);
void tr_metrics_bot_class(struct tr_metrics *m, const char *cls);
/* One events API item answered `status` (accepted, duplicate, rejected). */
void tr_metrics_api_item(struct tr_metrics *m, const char *status);

/* The served certificate's expiry in Unix seconds; 0 or less: none shown (plain HTTP). */
void tr_metrics_cert_expiry(struct tr_metrics *m, int64_t unix_s);

/* Write every metric; `sp` and `d` may be NULL. False on out of memory. */
bool tr_metrics_write(struct tr_metrics *m, struct spool *sp, struct spool_drain *d,
                      struct buf *out);

#endif
