/*
 * ep_ops.c - /healthz and /metrics, and the table of endpoints
 *
 * /healthz says the process answers HTTP; it is "ok" even while
 * PostgreSQL is down, because clicks are still served and spooled then
 * (the spool gauges in /metrics show the backlog). It says "spool full"
 * with 503 when hits are being refused, so a load balancer can route
 * around this instance.
 */
#include <stdio.h>

#include "endpoints.h"
#include "gen.h"
#include "metrics.h"
#include "spool.h"

int
tr_ep_healthz(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
              struct tr_record *rec)
{
    struct spool *sp = g->shared->spool;
    if (sp && spool_full(sp))
        tr_reply_status_text(rp, 503, "spool full");
    else
        tr_reply_status_text(rp, 200, "ok");
    return 0;
}

static int
tr_ep_metrics(const struct tr_gen *g, const struct tr_request *rq, struct tr_reply *rp,
              struct tr_record *rec)
{
    const struct tr_shared *sh = g->shared;
    if (!tr_metrics_write(sh->metrics, sh->spool, sh->drain, &rp->body)) return -1;
    rp->status = 200;
    rp->kind = TR_BODY_METRICS;
    return 0;
}

tr_endpoint
tr_endpoint_of(enum tr_route route)
{
    switch (route) {
    case TR_CLICK: return tr_ep_click;
    case TR_OPEN: return tr_ep_open;
    case TR_UNSUBSCRIBE: return tr_ep_unsubscribe;
    case TR_CONFIRM: return tr_ep_confirm;
    case TR_PREFERENCES: return tr_ep_preferences;
    case TR_EVENTS: return tr_ep_events;
    case TR_HEALTHZ: return tr_ep_healthz;
    case TR_METRICS: return tr_ep_metrics;
    default: return NULL;
    }
}
