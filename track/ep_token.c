/*
 * ep_token.c - token verification as every token endpoint does it
 *
 * One place decides how a refused token is answered: the same plain 404
 * for every reason, the reason only in the debug log (it never holds token
 * bytes, see lib/token.h) and in the failure counter.
 */
#define LOG_MODULE "track"

#include "endpoints.h"
#include "gen.h"
#include "log.h"
#include "metrics.h"

bool
tr_ep_verified(const struct tr_gen *g, const struct tr_request *rq, enum tok_purpose p,
               struct tok_claims *c, struct tr_reply *rp)
{
    char why[256];
    if (tok_verify(g->ring, rq->token, rq->token_len, p, rq->now_us / 1000000, c, why,
                   sizeof why) == 0)
        return true;
    log_debug(rq->ip, "%s token refused: %s", tok_purpose_name(p), why);
    tr_metrics_verify_failed(g->shared->metrics, rq->route);
    tr_reply_not_found(rp);
    return false;
}
