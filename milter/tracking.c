/*
 * tracking.c - click, open, honeypot and self-service URLs of one message
 */
#include "tracking.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "uuid.h"

bool
trk_new_message_id(unsigned char raw[16], char text[37], int64_t now_us)
{
    if (!uuid_v7(raw, now_us / 1000)) return false; /* the tracker reads the send time back */
    tok_uuid_format(raw, text);
    return true;
}

static void
claims_init(struct trk *t, struct tok_claims *c, enum tok_purpose p)
{
    memset(c, 0, offsetof(struct tok_claims, url)); /* not the 2 KB URL: set when used */
    c->url[0] = '\0';
    c->purpose = p;
    c->contact = t->contact;
    memcpy(c->message, t->message, 16);
    c->has_message = true;
}

int
trk_click(void *ctx, const struct link *l, struct buf *out, char *err, size_t errlen)
{
    struct trk *t = ctx;
    if (t->links >= TRK_MAX_LINKS) return 0; /* a bound on the work of one message */
    struct tok_claims c;
    claims_init(t, &c, TOK_CLICK);
    c.link = t->next_link;
    if (!tok_claims_set_url(&c, l->url, l->len)) return 0; /* too long to carry: leave it */
    char why[128];
    if (tok_url(t->ring, t->base_url, &c, out, why, sizeof why) < 0) return 0;
    t->next_link++;
    t->links++;
    (void)err, (void)errlen;
    return 1;
}

int
trk_pixel_html(struct trk *t, struct buf *out, char *err, size_t errlen)
{
    struct tok_claims c;
    claims_init(t, &c, TOK_OPEN);
    if (!buf_puts(out, "<img src=\"")) goto nomem;
    if (tok_url(t->ring, t->base_url, &c, out, err, errlen) < 0) return -1;
    if (!buf_puts(out, "\" width=\"1\" height=\"1\" alt=\"\" border=\"0\" "
                       "style=\"height:1px;width:1px;border:0;margin:0;padding:0\">"))
        goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int
trk_honeypot_html(struct trk *t, struct buf *out, char *err, size_t errlen)
{
    struct tok_claims c;
    claims_init(t, &c, TOK_CLICK);
    c.link = TRK_HONEYPOT_LINK;
    struct buf dest = BUF_INIT;
    int rc = -1;
    if (!buf_printf(&dest, "%s/", t->base_url) ||
        !tok_claims_set_url(&c, buf_str(&dest), dest.len)) {
        snprintf(err, errlen, "honeypot URL does not fit");
        goto out;
    }
    /* Invisible to people and screen readers; followed only by machines. */
    if (!buf_puts(out, "<a href=\"")) goto out;
    if (tok_url(t->ring, t->base_url, &c, out, err, errlen) < 0) goto out;
    if (!buf_puts(out, "\" style=\"display:none;font-size:0;line-height:0\" aria-hidden=\"true\" "
                       "tabindex=\"-1\"></a>"))
        goto out;
    rc = 0;
out:
    buf_free(&dest);
    return rc;
}

int
trk_contact_url(struct trk *t, enum tok_purpose purpose, struct buf *out, char *err, size_t errlen)
{
    struct tok_claims c;
    claims_init(t, &c, purpose);
    if (purpose == TOK_CONFIRM || purpose == TOK_PREFERENCES) {
        c.issued = t->now;
        c.expires = t->now + TRK_LINK_TTL;
    }
    if (purpose == TOK_UNSUBSCRIBE && !tok_claims_set_list(&c, t->list ? t->list : "marketing")) {
        snprintf(err, errlen, "list name too long");
        return -1;
    }
    return tok_url(t->ring, t->base_url, &c, out, err, errlen);
}

static int
set_url(struct trk *t, json_t *links, const char *key, enum tok_purpose p, char *err, size_t errlen)
{
    struct buf u = BUF_INIT;
    int rc = trk_contact_url(t, p, &u, err, errlen);
    if (rc == 0 && json_object_set_new(links, key, json_string(buf_str(&u))) < 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    buf_free(&u);
    return rc;
}

int
trk_view_links(struct trk *t, json_t *links, char *err, size_t errlen)
{
    if (t->contact <= 0) return 0;
    if (set_url(t, links, "unsubscribe", TOK_UNSUBSCRIBE, err, errlen) < 0 ||
        set_url(t, links, "preferences", TOK_PREFERENCES, err, errlen) < 0 ||
        set_url(t, links, "confirm", TOK_CONFIRM, err, errlen) < 0)
        return -1;
    return 0;
}

int
trk_list_unsubscribe(struct trk *t, const char *mailto, struct buf *out, char *err, size_t errlen)
{
    if (!buf_putc(out, '<')) goto nomem;
    if (trk_contact_url(t, TOK_UNSUBSCRIBE, out, err, errlen) < 0) return -1;
    if (!buf_putc(out, '>')) goto nomem;
    if (mailto && *mailto) {
        /* The token in the subject tells the mailbox reader who asked. */
        size_t tok = out->len;
        if (trk_contact_url(t, TOK_UNSUBSCRIBE, out, err, errlen) < 0) return -1;
        const char *slash = strrchr(buf_str(out) + tok, '/');
        struct buf m = BUF_INIT;
        bool good =
            slash && buf_printf(&m, ", <mailto:%s?subject=unsubscribe%%20%s>", mailto, slash + 1);
        buf_truncate(out, tok);
        if (!good || !buf_puts(out, buf_str(&m))) {
            buf_free(&m);
            goto nomem;
        }
        buf_free(&m);
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}
