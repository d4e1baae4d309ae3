/*
 * endpoints.h - the tracker's endpoints, one function each (exchange.h)
 *
 * Owns: nothing but the list; each endpoint lives in its own ep_*.c.
 *
 *     tr_ep_click     /c/<token>   302 to the signed destination, click recorded
 *     tr_ep_open      /o/<token>   1x1 GIF, open recorded
 *     tr_ep_unsubscribe   /u/<token>        page; POST unsubscribes
 *     tr_ep_confirm       /confirm/<token>  page; POST confirms the opt-in
 *     tr_ep_preferences   /p/<token>        form; POST saves the preferences
 *     tr_ep_events        /v1/events        the events API (JSON, Bearer key)
 *     tr_ep_healthz   /healthz     200 "ok"
 *
 * A token that does not verify is a plain 404, whatever the reason (the
 * reason is logged at debug level and counted in /metrics).
 */
#ifndef TERN_TRACK_ENDPOINTS_H
#define TERN_TRACK_ENDPOINTS_H

#include <stdbool.h>

#include "exchange.h"
#include "token.h"

int tr_ep_click(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                struct tr_record *rec);
int tr_ep_open(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
               struct tr_record *rec);
int tr_ep_healthz(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                  struct tr_record *rec);

int tr_ep_events(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                 struct tr_record *rec);
int tr_ep_unsubscribe(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                      struct tr_record *rec);
int tr_ep_confirm(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                  struct tr_record *rec);
int tr_ep_preferences(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
                      struct tr_record *rec);

/*
 * Verify the request's token for purpose `p` into `c`. False, with a 404
 * reply, a debug log line and a metrics count, when it does not verify.
 */
bool tr_ep_verified(const struct tr_gen *g, const struct tr_request *rq, enum tok_purpose p,
                    struct tok_claims *c, struct tr_reply *rp);

/* The endpoint of a route; NULL for TR_NOT_FOUND. */
tr_endpoint tr_endpoint_of(enum tr_route route);

#endif
