/*
 * gen.c - build and release generations (see gen.h)
 */
#include "gen.h"
#include "route.h"

#include <stdio.h>
#include <stdlib.h>

static struct tok_keyring *
ring_of(const struct config *cfg, char *err, size_t errlen)
{
    char why[256];
    struct tok_keyring *ring = tok_keyring_new();
    if (!ring) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const char *old = cfg->keys.hmac_old ? cfg->keys.hmac_old : "";
    if (tok_keyring_add(ring, cfg->keys.hmac, true, why, sizeof why) ||
        tok_keyring_add(ring, old, false, why, sizeof why)) {
        snprintf(err, errlen, "[keys] %s", why);
        tok_keyring_free(ring);
        return NULL;
    }
    return ring;
}

static struct bot_rules *
bot_of(const struct config *cfg, char *err, size_t errlen)
{
    char why[256];
    struct bot_spec spec = {
        .scanner_networks = cfg->track.scanner_networks,
        .scanner_agents = cfg->track.scanner_agents,
        .image_proxy_agents = cfg->track.image_proxy_agents,
        .apple_mpp_networks = cfg->track.apple_mpp_networks,
        .scanner_delay_ms = cfg->track.scanner_delay_ms,
        .scanner_burst = cfg->track.scanner_burst,
    };
    struct bot_rules *r = bot_rules_new(&spec, why, sizeof why);
    if (!r) snprintf(err, errlen, "[track] %s", why);
    return r;
}

struct tr_gen *
tr_gen_new(struct config *cfg, struct tr_shared *shared, char *err, size_t errlen)
{
    char why[256];
    struct tr_gen *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&g->refs, 1);
    g->cfg = config_ref(cfg);
    g->shared = shared;
    g->base_path = tr_route_base(cfg->track.base_url);
    if (!(g->ring = ring_of(cfg, err, errlen)) || !(g->bot = bot_of(cfg, err, errlen))) goto fail;
    if (!(g->proxies = cidr_set_new(cfg->track.trusted_proxies, why, sizeof why))) {
        snprintf(err, errlen, "[track] trusted_proxies: %s", why);
        goto fail;
    }
    if (!(g->pages = tr_pages_new(cfg->track.pages, err, errlen))) goto fail;
    return g;
fail:
    tr_gen_unref(g);
    return NULL;
}

struct tr_gen *
tr_gen_ref(struct tr_gen *g)
{
    atomic_fetch_add(&g->refs, 1);
    return g;
}

void
tr_gen_unref(struct tr_gen *g)
{
    if (!g || atomic_fetch_sub(&g->refs, 1) != 1) return;
    tok_keyring_free(g->ring);
    bot_rules_free(g->bot);
    cidr_set_free(g->proxies);
    tr_pages_free(g->pages);
    config_unref(g->cfg);
    free(g);
}
