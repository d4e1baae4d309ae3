/*
 * bot.h - tell people from machines at the moment a click or open arrives
 *
 * Owns: the classification rules of doc/track.md ("Bot classification"),
 * as an ordered table; the first rule that matches decides, and its reason
 * is stored with the event. Raw events are always kept whatever the
 * class: journeys act on `human` unless a script asks otherwise.
 *
 *     1 honeypot     a click on the hidden link the milter adds (track.honeypot)
 *     2 scanner      a HEAD request (link checkers and prefetchers)
 *     3 scanner      the client is in track.scanner_networks
 *     4 apple-mpp    an open from track.apple_mpp_networks, or with the bare
 *                    "Mozilla/5.0" agent of Apple Mail Privacy Protection
 *     5 image-proxy  an open whose agent names a mailbox provider's image
 *                    proxy (track.image_proxy_agents: GoogleImageProxy ...)
 *     6 scanner      no User-Agent at all
 *     7 scanner      the agent contains an entry of track.scanner_agents
 *     8 scanner      a click sooner than track.scanner_delay after the send
 *     9 scanner      track.scanner_burst or more links of one message clicked
 *                    within track.burst_window (see burst.h)
 *    10 human        none of the above
 *
 * Pure: no I/O, no clock; the caller supplies the delay and burst count.
 * Depends on: lib/cidr, lib/config (list iteration).
 *
 * DIAGNOSTICS
 *     bot_rules_new() fails naming the key: "scanner_networks: \"x\" is not
 *     an address or CIDR block", "out of memory".
 */
#ifndef TERN_TRACK_BOT_H
#define TERN_TRACK_BOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link index of the honeypot's click token; the milter issues it (milter/tracking.h). */
#define BOT_HONEYPOT_LINK 0xffffffffu

#define BOT_REASON_MAX 128

struct bot_spec {
    const char *scanner_networks;   /* CIDR list or NULL */
    const char *scanner_agents;     /* comma-separated substrings, case-insensitive */
    const char *image_proxy_agents; /* the same */
    const char *apple_mpp_networks; /* CIDR list or NULL */
    int64_t scanner_delay_ms;       /* 0: rule off */
    int scanner_burst;              /* 0: rule off */
};

struct bot_hit {
    bool click;             /* false: an open */
    bool head;              /* HEAD request */
    bool honeypot;          /* the click's link index is BOT_HONEYPOT_LINK */
    const char *user_agent; /* NULL: none sent */
    const char *ip;         /* text form */
    int64_t delay_ms;       /* since the send; -1 unknown */
    unsigned burst_links;   /* distinct links of this message clicked within the window */
};

struct bot_verdict {
    const char *cls; /* "human", "apple-mpp", "image-proxy", "scanner", "honeypot" */
    char reason[BOT_REASON_MAX];
};

struct bot_rules;

struct bot_rules *bot_rules_new(const struct bot_spec *spec, char *err, size_t errlen);
void bot_rules_free(struct bot_rules *r);

/* Classify one hit. Never fails. */
void bot_classify(const struct bot_rules *r, const struct bot_hit *h, struct bot_verdict *v);

#endif
