/*
 * en_send_msg.c - the message the milter renders, from a template file (see en_send.h)
 *
 * lib/tplfile parses the file first, so a template the milter could not
 * render never leaves; the sources it keeps of each header value and part
 * go into the message unrendered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "b64.h"
#include "en_send.h"
#include "tplfile.h"
#include "tplpath.h"

struct src {
    const char *p;
    size_t len;
};

/* The unrendered source of piece `k`, or {NULL, 0} when the file has none. */
static struct src
source_of(const struct tplfile *f, enum tplfile_part k)
{
    return (struct src){f->source[k], f->source_len[k]};
}

static bool
header_line(struct buf *out, const char *name, const char *value)
{
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n') return false; /* never a header injection */
    return buf_printf(out, "%s: %s\r\n", name, value);
}

/* base64 in lines of 76 (or folded header lines when `indent`). */
static bool
base64_lines(struct buf *out, const char *p, size_t n, bool indent)
{
    struct buf b = BUF_INIT;
    bool ok = b64_encode_buf(&b, p, n, B64_STD);
    for (size_t i = 0; ok && i < b.len; i += 76) {
        size_t take = b.len - i < 76 ? b.len - i : 76;
        ok = (!indent || i == 0 || buf_putc(out, ' ')) && buf_append(out, buf_str(&b) + i, take) &&
             buf_puts(out, "\r\n");
    }
    buf_free(&b);
    return ok;
}

static bool
body_part(struct buf *out, const char *type, struct src s)
{
    return buf_printf(out,
                      "Content-Type: %s; charset=utf-8\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                      type) &&
           base64_lines(out, s.p, s.len, false);
}

static bool
body(struct buf *out, const struct en_mail *m, const struct tplfile *f)
{
    struct src html = source_of(f, TPLFILE_HTML), text = source_of(f, TPLFILE_TEXT);
    if (!html.p || !text.p)
        return body_part(out, html.p ? "text/html" : "text/plain", html.p ? html : text);
    return buf_printf(out,
                      "Content-Type: multipart/alternative; boundary=\"tern-%s\"\r\n\r\n"
                      "--tern-%s\r\n",
                      m->id, m->id) &&
           body_part(out, "text/plain", text) && buf_printf(out, "--tern-%s\r\n", m->id) &&
           body_part(out, "text/html", html) && buf_printf(out, "--tern-%s--\r\n", m->id);
}

/* The bare address of a From value: inside <...>, else all of it. */
static int
envelope(const char *from, char *out, size_t outlen, char *err, size_t errlen)
{
    const char *lt = strrchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    const char *a = lt && gt ? lt + 1 : from;
    size_t n = lt && gt ? (size_t)(gt - a) : strlen(from);
    if (n == 0 || n >= outlen || !memchr(a, '@', n) || memchr(a, ' ', n)) {
        snprintf(err, errlen, "From \"%s\" has no usable address", from);
        return -1;
    }
    memcpy(out, a, n);
    out[n] = '\0';
    return 0;
}

static bool
control_headers(struct buf *out, const struct en_mail *m)
{
    char date[64];
    time_t t = time(NULL);
    struct tm tm;
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", gmtime_r(&t, &tm));
    return header_line(out, "To", m->to) && header_line(out, "Date", date) &&
           buf_puts(out, "MIME-Version: 1.0\r\n") && header_line(out, "X-Tern-Message", m->id) &&
           (!m->journey || header_line(out, "X-Tern-Journey", m->journey)) &&
           (!m->step || header_line(out, "X-Tern-Step", m->step)) &&
           header_line(out, "X-Tern-Category", m->category) &&
           header_line(out, "X-Tern-Template", m->template_name) &&
           header_line(out, "X-Tern-Tenant", m->tenant) && buf_puts(out, "X-Tern-Data: ") &&
           base64_lines(out, m->data, strlen(m->data), true);
}

/*
 * From and Subject (and Reply-To) from the template's header block, and
 * its preheader as X-Tern-Preheader for the milter to render into the top
 * of the HTML part (a text-only mail has nowhere to show one).
 */
static int
template_headers(const struct en_send_cfg *cfg, const struct tplfile *f, struct buf *out,
                 char *from, size_t fromlen, char *err, size_t errlen)
{
    struct buf v[TPLFILE_PREHEADER + 1] = {BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT};
    bool ok = true;
    for (int k = TPLFILE_SUBJECT; ok && k <= TPLFILE_PREHEADER; k++)
        if (f->source[k]) ok = buf_append(&v[k], f->source[k], f->source_len[k]);
    const char *fr = v[TPLFILE_FROM].len && !strstr(buf_str(&v[TPLFILE_FROM]), "{{")
                         ? buf_str(&v[TPLFILE_FROM])
                         : cfg->from; /* the milter renders no From: a templated one cannot go */
    int rc = ok ? 0 : -1;
    if (!ok)
        snprintf(err, errlen, "out of memory");
    else if (!fr)
        snprintf(err, errlen, "no From: the template has none and engine.from is unset"), rc = -1;
    else
        rc = envelope(fr, from, fromlen, err, errlen);
    if (rc == 0 &&
        !(header_line(out, "From", fr) &&
          (!v[TPLFILE_SUBJECT].len || header_line(out, "Subject", buf_str(&v[TPLFILE_SUBJECT]))) &&
          (!v[TPLFILE_REPLY_TO].len ||
           header_line(out, "Reply-To", buf_str(&v[TPLFILE_REPLY_TO]))) &&
          (!v[TPLFILE_PREHEADER].len || !f->source[TPLFILE_HTML] ||
           header_line(out, "X-Tern-Preheader", buf_str(&v[TPLFILE_PREHEADER]))))) {
        snprintf(err, errlen, "a header of the template holds a line break, or out of memory");
        rc = -1;
    }
    for (int k = 0; k <= TPLFILE_PREHEADER; k++)
        buf_free(&v[k]);
    return rc;
}

int
en_send_build(const struct en_send_cfg *cfg, const struct en_mail *m, struct buf *out, char *from,
              size_t fromlen, char *err, size_t errlen)
{
    char path[4096];
    int found = tplpath_find(cfg->templates, m->tenant, m->template_name, TPLPATH_TEMPLATE, path,
                             sizeof path);
    if (found != 1) {
        snprintf(err, errlen, "template \"%s\" not found in %s", m->template_name, cfg->templates);
        return -1;
    }
    struct tplfile *f = tplfile_load(path, err, errlen);
    int rc = f ? template_headers(cfg, f, out, from, fromlen, err, errlen) : -1;
    if (rc == 0 && !(control_headers(out, m) && body(out, m, f))) {
        snprintf(err, errlen,
                 "building the message failed (a line break in a value, or out of memory)");
        rc = -1;
    }
    tplfile_free(f);
    return rc;
}
