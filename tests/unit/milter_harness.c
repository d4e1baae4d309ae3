/*
 * milter_harness.c - a fake MTA for the milter's callbacks (see milter_harness.h)
 */
#include "milter_harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OFFER_ACTIONS                                                                              \
    (SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS |               \
     SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST)
#define OFFER_PROTO 0x001fffffUL /* every step flag up to SMFIP_HDR_LEADSPC */

/* ---- the operations the milter calls ---- */

static char *
op_getsymval(SMFICTX *h, const char *name)
{
    for (int i = 0; i < HX_MAX_MACROS && h->macro_name[i]; i++)
        if (strcmp(h->macro_name[i], name) == 0) return h->macro_value[i];
    return NULL;
}

static void *
op_getpriv(SMFICTX *h)
{
    return h->priv;
}

static int
op_setpriv(SMFICTX *h, void *priv)
{
    h->priv = priv;
    return MI_SUCCESS;
}

static int
op_setsymlist(SMFICTX *h, int stage, const char *macros)
{
    buf_printf(&h->symlists, "%d:%s\n", stage, macros);
    return MI_SUCCESS;
}

static int
op_setreply(SMFICTX *h, const char *rcode, const char *xcode, const char *text)
{
    snprintf(h->reply, sizeof h->reply, "%s %s %s", rcode, xcode ? xcode : "", text ? text : "");
    buf_printf(&h->log, "setreply %s\n", h->reply);
    return MI_SUCCESS;
}

/* Header values arrive with their leading space under HDR_LEADSPC; store them without. */
static char *
strip_space(SMFICTX *h, const char *v)
{
    if ((h->pf1 & SMFIP_HDR_LEADSPC) && v[0] == ' ') v++;
    return strdup(v);
}

static int
op_addheader(SMFICTX *h, const char *name, const char *value)
{
    if (h->body_replaced) h->violations++;
    buf_printf(&h->log, "addheader %s:%s\n", name, value);
    if (h->nhdrs == HX_MAX_HEADERS) return MI_FAILURE;
    h->hdrs[h->nhdrs].name = strdup(name);
    h->hdrs[h->nhdrs++].value = strip_space(h, value);
    return MI_SUCCESS;
}

static int
op_chgheader(SMFICTX *h, const char *name, int index, const char *value)
{
    if (h->body_replaced) h->violations++;
    buf_printf(&h->log, "chgheader %s %d %s%s\n", name, index, value ? ":" : "(delete)",
               value ? value : "");
    int seen = 0;
    for (size_t i = 0; i < h->nhdrs; i++) {
        if (strcasecmp(h->hdrs[i].name, name) != 0 || ++seen != index) continue;
        free(h->hdrs[i].value);
        if (value) {
            h->hdrs[i].value = strip_space(h, value);
            return MI_SUCCESS;
        }
        free(h->hdrs[i].name);
        memmove(&h->hdrs[i], &h->hdrs[i + 1], (h->nhdrs - i - 1) * sizeof h->hdrs[0]);
        h->nhdrs--;
        return MI_SUCCESS;
    }
    return value ? op_addheader(h, name, value) : MI_SUCCESS; /* as Postfix does */
}

static int
op_replacebody(SMFICTX *h, const unsigned char *data, size_t len)
{
    if (h->fail_body) return MI_FAILURE;
    if (!h->body_replaced) buf_reset(&h->body);
    h->body_replaced = true;
    h->body_calls++;
    buf_append(&h->body, data, len);
    buf_printf(&h->log, "replacebody %zu\n", len);
    return MI_SUCCESS;
}

static int
op_progress(SMFICTX *h)
{
    (void)h;
    return MI_SUCCESS;
}

const struct smfi_ops hx_ops = {
    .getsymval = op_getsymval,
    .getpriv = op_getpriv,
    .setpriv = op_setpriv,
    .setsymlist = op_setsymlist,
    .setreply = op_setreply,
    .addheader = op_addheader,
    .chgheader = op_chgheader,
    .replacebody = op_replacebody,
    .progress = op_progress,
};

/* ---- set-up ---- */

void
hx_init(HX *h)
{
    memset(h, 0, sizeof *h);
    milter_shell_init(&hx_ops);
}

void
hx_free(HX *h)
{
    for (int i = 0; i < HX_MAX_MACROS; i++) {
        free(h->macro_name[i]);
        free(h->macro_value[i]);
    }
    for (size_t i = 0; i < h->nhdrs; i++) {
        free(h->hdrs[i].name);
        free(h->hdrs[i].value);
    }
    buf_free(&h->log);
    buf_free(&h->symlists);
    buf_free(&h->body);
    buf_free(&h->text);
    memset(h, 0, sizeof *h);
}

void
hx_macro(HX *h, const char *name, const char *value)
{
    int i = 0;
    while (i < HX_MAX_MACROS && h->macro_name[i] && strcmp(h->macro_name[i], name) != 0)
        i++;
    if (i == HX_MAX_MACROS) return;
    if (!h->macro_name[i]) h->macro_name[i] = strdup(name);
    free(h->macro_value[i]);
    h->macro_value[i] = value ? strdup(value) : NULL;
}

/* ---- protocol steps ---- */

/* A negotiated no-reply step must answer NOREPLY; any other step must not. */
static sfsistat
check(HX *h, sfsistat r, unsigned long nr_flag)
{
    bool nr = nr_flag && (h->pf1 & nr_flag);
    if (nr != (r == SMFIS_NOREPLY)) h->violations++;
    return r;
}

sfsistat
hx_negotiate(HX *h)
{
    unsigned long f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    sfsistat r = milter_negotiate(h, OFFER_ACTIONS, OFFER_PROTO, 0, 0, &f0, &f1, &f2, &f3);
    h->pf0 = f0;
    h->pf1 = f1;
    return r;
}

/* A connection from `ip` (NULL: a local socket) and client `port`. */
static sfsistat
connect_from(HX *h, const char *host, const char *ip, unsigned short port)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    struct sockaddr *sa = NULL;
    if (ip && strchr(ip, ':')) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        inet_pton(AF_INET6, ip, &s6->sin6_addr);
        sa = (struct sockaddr *)s6;
    } else if (ip) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        inet_pton(AF_INET, ip, &s4->sin_addr);
        sa = (struct sockaddr *)s4;
    }
    return check(h, milter_connect(h, (char *)host, sa), SMFIP_NR_CONN);
}

sfsistat
hx_connect(HX *h, const char *ip)
{
    return connect_from(h, "client.example", ip, 40025); /* an SMTP client's port */
}

sfsistat
hx_connect_local_submission(HX *h)
{
    return connect_from(h, "localhost", "127.0.0.1", 0); /* how Postfix presents sendmail(1) */
}

sfsistat
hx_from(HX *h, const char *sender)
{
    char *argv[] = {(char *)sender, NULL};
    return check(h, milter_envfrom(h, argv), SMFIP_NR_MAIL);
}

sfsistat
hx_rcpt(HX *h, const char *rcpt)
{
    char *argv[] = {(char *)rcpt, NULL};
    sfsistat r = milter_envrcpt(h, argv);
    return r == SMFIS_TEMPFAIL || r == SMFIS_REJECT ? r : check(h, r, SMFIP_NR_RCPT);
}

sfsistat
hx_header(HX *h, const char *name, const char *value)
{
    struct buf v = BUF_INIT;
    if (h->pf1 & SMFIP_HDR_LEADSPC) buf_putc(&v, ' ');
    buf_puts(&v, value);
    if (h->nhdrs < HX_MAX_HEADERS) {
        h->hdrs[h->nhdrs].name = strdup(name);
        h->hdrs[h->nhdrs++].value = strdup(value);
    }
    sfsistat r = milter_header(h, (char *)name, v.data);
    buf_free(&v);
    return check(h, r, SMFIP_NR_HDR);
}

sfsistat
hx_eoh(HX *h)
{
    return check(h, milter_eoh(h), SMFIP_NR_EOH);
}

sfsistat
hx_body(HX *h, const char *data, size_t len)
{
    buf_append(&h->body, data, len);
    sfsistat r = SMFIS_CONTINUE;
    for (size_t off = 0; off < len; off += 65535) {
        size_t n = len - off < 65535 ? len - off : 65535;
        r = check(h, milter_body(h, (unsigned char *)data + off, n), SMFIP_NR_BODY);
    }
    return r;
}

sfsistat
hx_eom(HX *h)
{
    return check(h, milter_eom(h), 0);
}

sfsistat
hx_abort(HX *h)
{
    return milter_abort(h);
}

sfsistat
hx_close(HX *h)
{
    return milter_close(h);
}

/* ---- whole messages ---- */

/* One header (with continuation lines, joined by "\n") starting at raw[*pos]. */
static bool
next_header(const char *raw, size_t len, size_t *pos, struct buf *name, struct buf *value)
{
    size_t p = *pos;
    if (p >= len || raw[p] == '\n' || (raw[p] == '\r' && p + 1 < len && raw[p + 1] == '\n'))
        return false;
    size_t colon = p;
    while (colon < len && raw[colon] != ':' && raw[colon] != '\n')
        colon++;
    if (colon >= len || raw[colon] != ':') return false;
    buf_reset(name);
    buf_reset(value);
    buf_append(name, raw + p, colon - p);
    p = colon + 1;
    if (p < len && raw[p] == ' ') p++;
    for (;;) {
        size_t eol = p;
        while (eol < len && raw[eol] != '\n')
            eol++;
        size_t end = eol > p && raw[eol - 1] == '\r' ? eol - 1 : eol;
        buf_append(value, raw + p, end - p);
        p = eol < len ? eol + 1 : eol;
        if (p < len && (raw[p] == ' ' || raw[p] == '\t'))
            buf_putc(value, '\n');
        else
            break;
    }
    *pos = p;
    return true;
}

sfsistat
hx_content(HX *h, const char *raw, size_t len)
{
    struct buf name = BUF_INIT, value = BUF_INIT, body = BUF_INIT;
    size_t pos = 0;
    while (next_header(raw, len, &pos, &name, &value))
        hx_header(h, buf_str(&name), buf_str(&value));
    if (pos < len && raw[pos] == '\r') pos++;
    if (pos < len && raw[pos] == '\n') pos++;
    for (size_t i = pos; i < len; i++) { /* the MTA sends the body with CRLF */
        if (raw[i] == '\n' && (i == pos || raw[i - 1] != '\r')) buf_putc(&body, '\r');
        buf_putc(&body, raw[i]);
    }
    sfsistat r = hx_eoh(h);
    if (r == SMFIS_NOREPLY || r == SMFIS_CONTINUE) {
        if (body.len) hx_body(h, body.data, body.len);
        r = hx_eom(h);
    }
    buf_free(&name);
    buf_free(&value);
    buf_free(&body);
    return r;
}

sfsistat
hx_transaction(HX *h, const char *ip, const char *sender, const char *const *rcpts, const char *raw,
               size_t len)
{
    if (!h->pf1) hx_negotiate(h);
    hx_connect(h, ip);
    hx_from(h, sender);
    for (size_t i = 0; rcpts && rcpts[i]; i++)
        hx_rcpt(h, rcpts[i]);
    return hx_content(h, raw, len);
}

void
hx_delivered(const HX *h, struct buf *out)
{
    for (size_t i = 0; i < h->nhdrs; i++) {
        buf_printf(out, "%s: ", h->hdrs[i].name);
        for (const char *v = h->hdrs[i].value; *v; v++)
            *v == '\n' ? buf_puts(out, "\r\n") : buf_putc(out, *v);
        buf_puts(out, "\r\n");
    }
    buf_puts(out, "\r\n");
    buf_append(out, h->body.data ? h->body.data : "", h->body.len);
}

const char *
hx_delivered_header(const HX *h, const char *name)
{
    for (size_t i = 0; i < h->nhdrs; i++)
        if (strcasecmp(h->hdrs[i].name, name) == 0) return h->hdrs[i].value;
    return NULL;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* RFC 2045 6.7: "=XX" is a byte, "=" at the end of a line a soft break. */
static void
qp_decode(const char *s, size_t len, struct buf *out)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '=') {
            buf_append(out, s + i, 1);
        } else if (i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else if (i + 1 < len && s[i + 1] == '\n') {
            i += 1;
        } else if (i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            char c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            buf_append(out, &c, 1);
            i += 2;
        } else {
            buf_append(out, s + i, 1);
        }
    }
}

const char *
hx_delivered_text(HX *h)
{
    const char *cte = hx_delivered_header(h, "Content-Transfer-Encoding");
    while (cte && *cte == ' ')
        cte++;
    if (!cte || strncasecmp(cte, "quoted-printable", 16) != 0) return buf_str(&h->body);
    buf_reset(&h->text);
    qp_decode(h->body.data ? h->body.data : "", h->body.len, &h->text);
    return buf_str(&h->text);
}

bool
hx_read_file(const char *relpath, struct buf *out)
{
    const char *root = getenv("TERN_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", relpath[0] == '/' ? "" : root ? root : ".", relpath);
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        buf_append(out, tmp, n);
    fclose(f);
    return true;
}

int
hx_contact_zoe(void *ctx, const char *tenant, const char *email, json_t **out, char *err,
               size_t errlen)
{
    (void)ctx, (void)err, (void)errlen;
    *out = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)42, "email", email, "tenant", tenant,
                     "first_name", "Zo\xc3\xab");
    return 1;
}

int
hx_no_record(void *ctx, const struct rec_message *m, char *err, size_t errlen)
{
    (void)ctx, (void)m, (void)err, (void)errlen;
    return 0;
}
