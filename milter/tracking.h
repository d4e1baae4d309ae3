/*
 * tracking.h - the signed URLs and markup a managed message carries
 *
 * Owns: what the milter puts into a message so it can be tracked, all
 * signed with the generation's current key (lib/token, doc/tokens.md):
 *
 *   click links   every offered link of the message becomes
 *                 <base_url>/c/<token> binding message, contact (0 when the
 *                 message is anonymous: several recipients, unknown
 *                 contact), the link's index in the message (0, 1, ... over
 *                 all parts) and the destination URL
 *   open pixel    <img> of <base_url>/o/<token>, 1x1, before </body>
 *   honeypot      with track.honeypot = on, one link no human sees: a click
 *                 token with link index TRK_HONEYPOT_LINK to <base_url>/
 *                 inside an invisible <a>; the tracker classifies every hit
 *                 on it as a machine
 *   view links    links.unsubscribe, links.preferences, links.confirm
 *   List-Unsubscribe  <https unsubscribe URL> (plus <mailto:...> when
 *                 milter.unsubscribe_mailto is set), with
 *                 List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)
 *
 * Unsubscribe, preferences and confirm need a known contact; anonymous
 * messages get none of them. Confirm and preferences links expire after
 * TRK_LINK_TTL seconds.
 *
 * Depends on: lib/token, lib/buf, jansson, OpenSSL (random message ids).
 */
#ifndef TERN_MILTER_TRACKING_H
#define TERN_MILTER_TRACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "links.h"
#include "token.h"

#define TRK_HONEYPOT_LINK 0xffffffffu    /* link index of the honeypot's click token */
#define TRK_LINK_TTL      (30 * 86400LL) /* confirm and preferences links: 30 days */
#define TRK_MAX_LINKS     10000u         /* click links per message; later ones stay as they are */

/* Who and what the tokens of one message are for. */
struct trk {
    const struct tok_keyring *ring;
    const char *base_url;
    unsigned char message[16];
    int64_t contact;    /* 0: anonymous */
    int64_t now;        /* Unix seconds, for expiring links */
    const char *list;   /* what unsubscribe leaves: the category ("marketing") */
    unsigned next_link; /* index of the next click link */
    unsigned links;     /* click links issued */
};

/*
 * A new time-ordered (version 7) message id for a message made at
 * `now_us`, raw and as text, so the tracker knows from a click's token
 * alone how long after the send it came. False when no randomness.
 */
bool trk_new_message_id(unsigned char raw[16], char text[37], int64_t now_us);

/* links_fn: replace an offered link with its click URL (leaves it alone if it cannot). */
int trk_click(void *trk, const struct link *l, struct buf *out, char *err, size_t errlen);

/* Append the open pixel / honeypot markup. 0 or -1 with a reason. */
int trk_pixel_html(struct trk *t, struct buf *out, char *err, size_t errlen);
int trk_honeypot_html(struct trk *t, struct buf *out, char *err, size_t errlen);

/* Append the URL of purpose (TOK_UNSUBSCRIBE, TOK_PREFERENCES, TOK_CONFIRM). */
int trk_contact_url(struct trk *t, enum tok_purpose purpose, struct buf *out, char *err,
                    size_t errlen);

/* Set links.unsubscribe, links.preferences, links.confirm in `links` (nothing when anonymous). */
int trk_view_links(struct trk *t, json_t *links, char *err, size_t errlen);

/* The List-Unsubscribe value ("<https://...>" [", <mailto:...>"]); `mailto` may be NULL. */
int trk_list_unsubscribe(struct trk *t, const char *mailto, struct buf *out, char *err,
                         size_t errlen);

#endif
