/*
 * bot.c - the classification rules (see bot.h)
 *
 * Each rule is a small predicate that fills the verdict's reason when it
 * matches; `rules[]` lists them in the documented order. Agent lists are
 * matched as case-insensitive substrings, so "GoogleImageProxy" catches
 * "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via
 * ggpht.com GoogleImageProxy)".
 */
#include "bot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "config.h"

#define AGENT_MAX 64 /* characters of one agent pattern */

struct agent_list {
    char (*pat)[AGENT_MAX];
    size_t n;
};

struct bot_rules {
    struct cidr_set *scanner_nets, *apple_nets;
    struct agent_list scanner_agents, proxy_agents;
    int64_t scanner_delay_ms;
    int scanner_burst;
};

static int
agents_parse(const char *list, struct agent_list *out)
{
    const char *pos = list ? list : "";
    char item[AGENT_MAX];
    while (config_list_next(&pos, item, sizeof item)) {
        if (!item[0]) continue;
        char(*grown)[AGENT_MAX] = realloc(out->pat, (out->n + 1) * sizeof *grown);
        if (!grown) return -1;
        out->pat = grown;
        memcpy(out->pat[out->n++], item, AGENT_MAX);
    }
    return 0;
}

/* The first pattern found in `ua`, or NULL. */
static const char *
agents_find(const struct agent_list *l, const char *ua)
{
    for (size_t i = 0; ua && i < l->n; i++)
        if (strcasestr(ua, l->pat[i])) return l->pat[i];
    return NULL;
}

static struct cidr_set *
nets_parse(const char *key, const char *list, char *err, size_t errlen)
{
    char why[256];
    struct cidr_set *s = cidr_set_new(list, why, sizeof why);
    if (!s) snprintf(err, errlen, "%s: %s", key, why);
    return s;
}

struct bot_rules *
bot_rules_new(const struct bot_spec *spec, char *err, size_t errlen)
{
    struct bot_rules *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->scanner_delay_ms = spec->scanner_delay_ms;
    r->scanner_burst = spec->scanner_burst;
    if (!(r->scanner_nets = nets_parse("scanner_networks", spec->scanner_networks, err, errlen)) ||
        !(r->apple_nets = nets_parse("apple_mpp_networks", spec->apple_mpp_networks, err, errlen)))
        goto fail;
    if (agents_parse(spec->scanner_agents, &r->scanner_agents) < 0 ||
        agents_parse(spec->image_proxy_agents, &r->proxy_agents) < 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return r;
fail:
    bot_rules_free(r);
    return NULL;
}

void
bot_rules_free(struct bot_rules *r)
{
    if (!r) return;
    cidr_set_free(r->scanner_nets);
    cidr_set_free(r->apple_nets);
    free(r->scanner_agents.pat);
    free(r->proxy_agents.pat);
    free(r);
}

/* ---------------------------------------------------------------------
 * the rules, in order: each returns the class when it matches, else NULL
 * --------------------------------------------------------------------- */

typedef const char *(*bot_rule)(const struct bot_rules *r, const struct bot_hit *h, char *why,
                                size_t n);

static const char *
honeypot(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (!h->click || !h->honeypot) return NULL;
    snprintf(why, n, "clicked the hidden honeypot link");
    return "honeypot";
}

static const char *
head_request(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (!h->head) return NULL;
    snprintf(why, n, "HEAD request");
    return "scanner";
}

static const char *
scanner_network(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (!cidr_set_has_text(r->scanner_nets, h->ip)) return NULL;
    snprintf(why, n, "address %s is in scanner_networks", h->ip);
    return "scanner";
}

static const char *
apple_mpp(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (h->click) return NULL; /* Private Relay clicks are people */
    if (cidr_set_has_text(r->apple_nets, h->ip)) {
        snprintf(why, n, "open from %s, in apple_mpp_networks", h->ip);
        return "apple-mpp";
    }
    if (h->user_agent && strcmp(h->user_agent, "Mozilla/5.0") == 0) {
        snprintf(why, n, "open with the bare agent \"Mozilla/5.0\" of Mail Privacy Protection");
        return "apple-mpp";
    }
    return NULL;
}

static const char *
image_proxy(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    const char *pat = h->click ? NULL : agents_find(&r->proxy_agents, h->user_agent);
    if (!pat) return NULL;
    snprintf(why, n, "user agent names the image proxy \"%s\"", pat);
    return "image-proxy";
}

static const char *
no_agent(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (h->user_agent && h->user_agent[0]) return NULL;
    snprintf(why, n, "no user agent");
    return "scanner";
}

static const char *
scanner_agent(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    const char *pat = agents_find(&r->scanner_agents, h->user_agent);
    if (!pat) return NULL;
    snprintf(why, n, "user agent contains \"%s\" (scanner_agents)", pat);
    return "scanner";
}

static const char *
too_soon(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (!h->click || h->delay_ms < 0 || h->delay_ms >= r->scanner_delay_ms) return NULL;
    snprintf(why, n, "clicked %" PRId64 " ms after the send (scanner_delay %" PRId64 " ms)",
             h->delay_ms, r->scanner_delay_ms);
    return "scanner";
}

static const char *
burst(const struct bot_rules *r, const struct bot_hit *h, char *why, size_t n)
{
    if (!h->click || r->scanner_burst <= 0 || h->burst_links < (unsigned)r->scanner_burst)
        return NULL;
    snprintf(why, n, "%u links of the message clicked within burst_window", h->burst_links);
    return "scanner";
}

static const bot_rule rules[] = {honeypot, head_request,  scanner_network, apple_mpp, image_proxy,
                                 no_agent, scanner_agent, too_soon,        burst};

void
bot_classify(const struct bot_rules *r, const struct bot_hit *h, struct bot_verdict *v)
{
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const char *cls = rules[i](r, h, v->reason, sizeof v->reason);
        if (cls) {
            v->cls = cls;
            return;
        }
    }
    v->cls = "human";
    snprintf(v->reason, sizeof v->reason, "no machine signal");
}
