/*
 * milter_rewrite_test.c - the managed-message pipeline, end to end in-process
 *
 * The harness plays the MTA; the contact lookup and the record spool are
 * replaced by in-memory fakes. Every rewritten link is decoded and checked
 * against its original URL.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime.h"
#include "milter_harness.h"
#include "rewrite.h"
#include "tap.h"

#define KEY   "k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams="
#define BASE  "https://t.example.com"
#define MSGID "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"

static int lookup_mode; /* 1 found, 0 none, -1 error */
static int lookups;
static struct rec_message last_rec;
static char last_subject[256], last_tmpl[64], last_qid[64], last_tenant[64];
static int records;

static int
fake_contact(void *ctx, const char *tenant, const char *email, json_t **out, char *err,
             size_t errlen)
{
    lookups++;
    snprintf(last_tenant, sizeof last_tenant, "%s", tenant);
    if (lookup_mode < 0) {
        snprintf(err, errlen, "database is down");
        return -1;
    }
    if (lookup_mode == 0) return 0;
    *out = json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)42, "email", email, "tenant", tenant,
                     "first_name", "Zo\xc3\xab");
    return 1;
}

static int
fake_record(void *ctx, const struct rec_message *m, char *err, size_t errlen)
{
    records++;
    last_rec = *m;
    snprintf(last_subject, sizeof last_subject, "%s", m->subject ? m->subject : "");
    snprintf(last_tmpl, sizeof last_tmpl, "%s", m->template_name ? m->template_name : "");
    snprintf(last_qid, sizeof last_qid, "%s", m->queue_id ? m->queue_id : "");
    return 0;
}

static const struct milter_deps deps = {
    .contact = fake_contact, .record = fake_record, .process = rw_process};

static struct tok_keyring *ring;

static void
start(HX *h, const char *extra)
{
    struct buf text = BUF_INIT, errors = BUF_INIT;
    buf_printf(&text,
               "[database]\nurl = postgresql:///tern\n[keys]\nhmac = " KEY "\n"
               "[track]\nbase_url = " BASE "\n%s\n",
               extra ? extra : "");
    struct config *cfg = config_load_string("test.conf", buf_str(&text), &errors);
    if (!cfg) diag("config: %s", buf_str(&errors));
    char err[256];
    hx_init(h);
    milter_shell_set_gen(milter_gen_new(cfg, &deps, err, sizeof err));
    config_unref(cfg);
    buf_free(&text);
    buf_free(&errors);
    lookup_mode = 1;
    lookups = records = 0;
}

static void
finish(HX *h)
{
    hx_close(h);
    hx_free(h);
}

static sfsistat
send1(HX *h, const char *msg)
{
    static const char *rcpt[] = {"<zoe@example.org>", NULL};
    return hx_transaction(h, "127.0.0.1", "<news@example.com>", rcpt, msg, strlen(msg));
}

/* The claims of the first tracking URL under `path` in `s` after `from`. */
static const char *
find_token(const char *s, const char *path, enum tok_purpose p, struct tok_claims *c)
{
    char prefix[128], err[128];
    snprintf(prefix, sizeof prefix, "%s%s", BASE, path);
    const char *at = s ? strstr(s, prefix) : NULL;
    if (!at) return NULL;
    const char *tok = at + strlen(prefix);
    size_t n = strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    if (tok_verify(ring, tok, n, p, time(NULL), c, err, sizeof err) < 0) return NULL;
    return tok + n;
}

static const char html_msg[] =
    "From: news@example.com\nTo: zoe@example.org\nSubject: Hello {{contact.first_name}}\n"
    "X-Tern-Message: " MSGID "\nX-Tern-Template: spring\nMIME-Version: 1.0\n"
    "Content-Type: text/html; charset=utf-8\n\n"
    "<html><body><p>Hi {{contact.first_name}}</p>\n"
    "<a href=\"https://shop.example/spring?c=1\">Shop</a>\n"
    "<a href=\"mailto:help@example.com\">help</a>\n</body></html>\n";

static void
html_is_personalized_and_tracked(void)
{
    HX h;
    start(&h, NULL);
    is_int(send1(&h, html_msg), SMFIS_CONTINUE, "accepted");
    const char *body = hx_delivered_text(&h);
    like(body, "Hi Zo\xc3\xab", "merge field rendered");
    struct tok_claims c;
    const char *after = find_token(body, "/c/", TOK_CLICK, &c);
    ok(after != NULL, "link rewritten to a verifying click URL");
    is_str(c.url, "https://shop.example/spring?c=1", "which decodes to the original URL");
    is_int(c.contact, 42, "for the recipient's contact");
    like(body, "mailto:help@example.com", "mailto left alone");
    const char *pix = find_token(body, "/o/", TOK_OPEN, &c);
    ok(pix && strstr(pix, "</body>"), "open pixel before </body>");
    is_int(h.violations, 0, "protocol rules kept");
    finish(&h);
}

static void
subject_is_rendered_and_encoded(void)
{
    HX h;
    start(&h, NULL);
    send1(&h, html_msg);
    is_str(hx_delivered_header(&h, "Subject"),
           "=?UTF-8?B?SGVsbG8gWm/Dqw==?=", "Subject rendered, RFC 2047 encoded");
    finish(&h);
}

static void
marketing_mail_gets_one_click_unsubscribe(void)
{
    HX h;
    start(&h, "[milter]\nunsubscribe_mailto = unsub@example.com");
    send1(&h, html_msg);
    struct tok_claims c;
    const char *lu = hx_delivered_header(&h, "List-Unsubscribe");
    ok(lu && lu[0] == '<' && find_token(lu, "/u/", TOK_UNSUBSCRIBE, &c) && c.contact == 42,
       "List-Unsubscribe: https URL for the contact");
    like(lu, "<mailto:unsub@example.com?subject=", "and the mailto");
    is_str(hx_delivered_header(&h, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click",
           "List-Unsubscribe-Post");
    ok(!hx_delivered_header(&h, "X-Tern-Message"), "control headers removed");
    finish(&h);
}

static void
transactional_mail_gets_no_unsubscribe_header(void)
{
    HX h;
    start(&h, NULL);
    struct buf m = BUF_INIT;
    buf_printf(&m, "X-Tern-Category: transactional\n%s", html_msg);
    send1(&h, m.data);
    ok(!hx_delivered_header(&h, "List-Unsubscribe"), "no List-Unsubscribe");
    buf_free(&m);
    finish(&h);
}

static void
message_is_recorded(void)
{
    HX h;
    start(&h, NULL);
    hx_macro(&h, "i", "4XkQ1");
    send1(&h, html_msg);
    is_int(records, 1, "one record");
    is_str(last_rec.id, MSGID, "message id from X-Tern-Message");
    is_int(last_rec.contact_id, 42, "contact");
    is_str(last_qid, "4XkQ1", "queue id");
    is_int(last_rec.link_count, 1, "one tracked link");
    is_str(last_subject, "Hello Zo\xc3\xab", "rendered subject");
    is_str(last_tmpl, "spring", "template name");
    finish(&h);
}

static void
several_recipients_get_anonymous_tracking(void)
{
    HX h;
    start(&h, NULL);
    static const char *rcpts[] = {"<a@example.org>", "<b@example.org>", NULL};
    hx_transaction(&h, "127.0.0.1", "<n@example.com>", rcpts, html_msg, strlen(html_msg));
    struct tok_claims c;
    ok(find_token(hx_delivered_text(&h), "/c/", TOK_CLICK, &c) && c.contact == 0,
       "message-level click token (contact 0)");
    like(hx_delivered_text(&h), "<p>Hi </p>", "no contact fields");
    ok(!hx_delivered_header(&h, "List-Unsubscribe"), "no per-contact unsubscribe");
    is_int(lookups, 0, "no contact lookup");
    finish(&h);
}

static void
failed_lookup_delivers_with_anonymous_tracking(void)
{
    HX h;
    start(&h, NULL);
    lookup_mode = -1;
    is_int(send1(&h, html_msg), SMFIS_CONTINUE, "delivered");
    struct tok_claims c;
    ok(find_token(hx_delivered_text(&h), "/c/", TOK_CLICK, &c) && c.contact == 0,
       "anonymous tokens");
    finish(&h);
}

static void
track_none_changes_no_link(void)
{
    HX h;
    start(&h, NULL);
    struct buf m = BUF_INIT;
    buf_printf(&m, "X-Tern-Track: none\n%s", html_msg);
    send1(&h, m.data);
    like(hx_delivered_text(&h), "href=\"https://shop.example/spring?c=1\"", "link untouched");
    ok(!strstr(hx_delivered_text(&h), BASE "/o/"), "no pixel");
    like(hx_delivered_text(&h), "Hi Zo\xc3\xab", "still personalized");
    buf_free(&m);
    finish(&h);
}

static void
template_error_delivers_the_original(void)
{
    HX h;
    start(&h, NULL);
    static const char bad[] =
        "X-Tern-Journey: j\nContent-Type: text/plain\n\n{{#open}} never closed\n";
    is_int(send1(&h, bad), SMFIS_CONTINUE, "delivered");
    ok(!h.body_replaced, "body as submitted");
    ok(!hx_delivered_header(&h, "X-Tern-Journey"), "control header removed");
    is_int(records, 0, "not recorded as personalized");
    finish(&h);
}

static void
a_part_that_cannot_be_rendered_delivers_the_original(void)
{
    HX h;
    start(&h, NULL);
    static const char msg[] = "X-Tern-Journey: j\nMIME-Version: 1.0\n"
                              "Content-Type: multipart/alternative; boundary=b\n\n"
                              "--b\nContent-Type: text/plain; charset=unknown-8bit\n\n"
                              "Hi {{contact.first_name}}\n"
                              "--b\nContent-Type: text/html; charset=utf-8\n\n"
                              "<p>Hi {{contact.first_name}}</p>\n--b--\n";
    is_int(send1(&h, msg), SMFIS_CONTINUE, "delivered");
    ok(!h.body_replaced, "as submitted: not half of it personalized");
    is_int(records, 0, "not recorded as personalized");
    finish(&h);
}

static void
a_render_past_render_timeout_delivers_the_original(void)
{
    HX h;
    start(&h, "[milter]\nrender_timeout = 10ms");
    struct buf msg = BUF_INIT;
    buf_puts(&msg, "X-Tern-Journey: j\nX-Tern-Data: {\"a\": [");
    for (int i = 1; i <= 50; i++)
        buf_printf(&msg, "%d%s", i, i < 50 ? "," : "]}\n");
    buf_puts(&msg, "Content-Type: text/plain\n\n"
                   "{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}{{#data.a}}"
                   "{{/data.a}}{{/data.a}}{{/data.a}}{{/data.a}}{{/data.a}}\n");
    is_int(send1(&h, buf_str(&msg)), SMFIS_CONTINUE,
           "a template slower than render_timeout: delivered");
    ok(!h.body_replaced, "as submitted (on_error = deliver)");
    is_int(records, 0, "and not recorded as personalized");
    buf_free(&msg);
    finish(&h);
}

static void
a_message_the_mta_did_not_take_is_not_recorded(void)
{
    HX h;
    start(&h, NULL);
    h.fail_body = true;
    static const char msg[] =
        "X-Tern-Journey: j\nContent-Type: text/plain\n\nHi {{contact.first_name}}\n";
    is_int(send1(&h, msg), SMFIS_TEMPFAIL, "a body replacement that fails tempfails the message");
    is_int(records, 0, "and it is not recorded as sent");
    finish(&h);
}

static void
unchanged_text_needs_no_body_replacement(void)
{
    HX h;
    start(&h, NULL);
    static const char plain[] = "X-Tern-Journey: j\nContent-Type: text/plain\n\nNothing to do.\n";
    send1(&h, plain);
    ok(!h.body_replaced, "no replacebody");
    is_int(records, 1, "still recorded");
    finish(&h);
}

static void
header_encoding_keeps_ascii_and_whole_characters(void)
{
    struct buf b = BUF_INIT;
    rw_encode_header("Plain subject", &b);
    is_str(buf_str(&b), "Plain subject", "ASCII unchanged");
    buf_reset(&b);
    char s[200] = "";
    for (int i = 0; i < 30; i++)
        strcat(s, "\xc3\xab"); /* 60 bytes of 2-byte characters */
    rw_encode_header(s, &b);
    ok(strstr(buf_str(&b), "?=\n =?UTF-8?B?") != NULL, "split into several words, one a line");
    buf_free(&b);
}

/* html_msg from a SASL client logged in as `login`, with `x_tenant` as X-Tern-Tenant (or none). */
static void
send_as(HX *h, const char *login, const char *x_tenant)
{
    static const char *rcpt[] = {"<zoe@example.org>", NULL};
    char msg[2048];
    snprintf(msg, sizeof msg, "%s%s%s%s", x_tenant ? "X-Tern-Tenant: " : "",
             x_tenant ? x_tenant : "", x_tenant ? "\n" : "", html_msg);
    hx_macro(h, "{auth_authen}", login);
    hx_transaction(h, "198.51.100.7", "<news@example.com>", rcpt, msg, strlen(msg));
}

static void
mapped_login_looks_up_its_tenant(void)
{
    HX h;
    start(&h, "[milter]\nsasl_tenants = shop-nl:nl, shop-de:de");
    send_as(&h, "shop-nl", NULL);
    is_str(last_tenant, "nl", "the contact is looked up in the login's tenant");
    finish(&h);
}

static void
mapped_login_cannot_name_another_tenant(void)
{
    HX h;
    start(&h, "[milter]\nsasl_tenants = shop-nl:nl, shop-de:de");
    send_as(&h, "shop-nl", "de");
    is_str(last_tenant, "nl", "X-Tern-Tenant of another tenant is ignored for a mapped login");
    finish(&h);
}

static void
unmapped_login_uses_x_tern_tenant(void)
{
    HX h;
    start(&h, "[milter]\nsasl_tenants = shop-nl:nl");
    send_as(&h, "central", "de");
    is_str(last_tenant, "de", "a login not in sasl_tenants sends for the tenant it names");
    finish(&h);
}

/* html_msg with `header` in front; the delivered text. */
static const char *
send_with(HX *h, const char *header)
{
    struct buf m = BUF_INIT;
    buf_printf(&m, "%s\n%s", header, html_msg);
    send1(h, m.data);
    buf_free(&m);
    return hx_delivered_text(h);
}

static void
preheader_is_the_hidden_first_element_of_the_body(void)
{
    HX h;
    start(&h, NULL);
    const char *body = send_with(&h, "X-Tern-Preheader: Hi {{contact.first_name}} & <friends>");
    like(body, "<html><body><div style=\"display:none;", "a hidden element just past <body>");
    like(body, "mso-hide:all\">Hi Zo\xc3\xab &amp; &lt;friends&gt;</div><p>Hi",
         "holding the preheader rendered as text, then escaped");
    ok(!hx_delivered_header(&h, "X-Tern-Preheader"), "X-Tern-Preheader removed");
    finish(&h);
}

/* An empty body: both go where it starts and ends, the preheader first. */
static void
preheader_comes_before_the_pixel_in_an_empty_body(void)
{
    HX h;
    start(&h, NULL);
    send1(&h, "From: news@example.com\nTo: zoe@example.org\nX-Tern-Message: " MSGID "\n"
              "X-Tern-Preheader: Soon\nContent-Type: text/html; charset=utf-8\n\n"
              "<html><body></body></html>\n");
    const char *body = hx_delivered_text(&h);
    const char *pre = body ? strstr(body, ">Soon</div>") : NULL;
    const char *pixel = body ? strstr(body, "<img src=\"" BASE "/o/") : NULL;
    ok(pre && pixel && pre < pixel && strstr(body, "<html><body><div") == body &&
           strstr(pixel, "></body></html>"),
       "<body>, the preheader, the pixel, </body>");
    finish(&h);
}

static void
preheader_in_encoded_words_is_decoded(void)
{
    HX h;
    start(&h, NULL);
    /* "Für dich" */
    const char *body = send_with(&h, "X-Tern-Preheader: =?UTF-8?B?RsO8ciBkaWNo?=");
    like(body, "mso-hide:all\">F\xc3\xbcr dich</div>", "RFC 2047 words are decoded first");
    finish(&h);
}

int
main(void)
{
    char err[256];
    mime_init();
    ring = tok_keyring_new();
    if (tok_keyring_add(ring, KEY, true, err, sizeof err) < 0) diag("%s", err);
    html_is_personalized_and_tracked();
    subject_is_rendered_and_encoded();
    marketing_mail_gets_one_click_unsubscribe();
    transactional_mail_gets_no_unsubscribe_header();
    message_is_recorded();
    several_recipients_get_anonymous_tracking();
    failed_lookup_delivers_with_anonymous_tracking();
    track_none_changes_no_link();
    template_error_delivers_the_original();
    a_part_that_cannot_be_rendered_delivers_the_original();
    a_message_the_mta_did_not_take_is_not_recorded();
    a_render_past_render_timeout_delivers_the_original();
    unchanged_text_needs_no_body_replacement();
    header_encoding_keeps_ascii_and_whole_characters();
    mapped_login_looks_up_its_tenant();
    mapped_login_cannot_name_another_tenant();
    unmapped_login_uses_x_tern_tenant();
    preheader_is_the_hidden_first_element_of_the_body();
    preheader_in_encoded_words_is_decoded();
    preheader_comes_before_the_pixel_in_an_empty_body();
    milter_shell_set_gen(NULL);
    tok_keyring_free(ring);
    return tap_done();
}
