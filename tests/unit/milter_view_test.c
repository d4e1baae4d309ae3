/*
 * milter_view_test.c - the template view and the tracking URLs of a message
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "uuid.h"
#include "tracking.h"
#include "view.h"

#define KEY  "k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams="
#define BASE "https://t.example.com"

static struct tok_keyring *ring;

static void
trk_for(struct trk *t, int64_t contact)
{
    memset(t, 0, sizeof *t);
    t->ring = ring;
    t->base_url = BASE;
    t->contact = contact;
    t->now = time(NULL);
    tok_uuid_parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", 36, t->message);
}

/* Verify the token at the end of `url` under `path` and fill `c`. */
static int
verify(const char *url, const char *path, enum tok_purpose p, struct tok_claims *c)
{
    char err[128];
    size_t pre = strlen(BASE) + strlen(path);
    if (strncmp(url, BASE, strlen(BASE)) != 0 || strncmp(url + strlen(BASE), path, strlen(path)))
        return -1;
    return tok_verify(ring, url + pre, strcspn(url + pre, "\">"), p, time(NULL), c, err,
                      sizeof err);
}

static void
click_link_binds_url_contact_and_index(void)
{
    struct trk t;
    trk_for(&t, 42);
    t.next_link = 3;
    struct link l = {"https://shop.example/a?b=1&c=2", 30, 0, true};
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_click(&t, &l, &out, err, sizeof err), 1, "link replaced");
    struct tok_claims c;
    is_int(verify(buf_str(&out), "/c/", TOK_CLICK, &c), 0, "click token verifies");
    is_str(c.url, "https://shop.example/a?b=1&c=2", "destination kept byte-exact");
    is_int(c.contact, 42, "contact bound");
    is_int(c.link, 3, "link index bound");
    is_int(t.next_link, 4, "next index");
    buf_free(&out);
}

static void
per_recipient_links_differ(void)
{
    struct trk a, b;
    trk_for(&a, 1);
    trk_for(&b, 2);
    struct link l = {"https://x.example/", 18, 0, true};
    struct buf ua = BUF_INIT, ub = BUF_INIT;
    char err[128];
    trk_click(&a, &l, &ua, err, sizeof err);
    trk_click(&b, &l, &ub, err, sizeof err);
    ok(strcmp(buf_str(&ua), buf_str(&ub)) != 0, "same link, two recipients, two URLs");
    buf_free(&ua);
    buf_free(&ub);
}

static void
over_long_link_is_left_alone(void)
{
    struct trk t;
    trk_for(&t, 1);
    char *u = malloc(TOK_URL_MAX + 100);
    memcpy(u, "https://x.example/", 18);
    memset(u + 18, 'a', TOK_URL_MAX + 50);
    u[TOK_URL_MAX + 68] = '\0';
    struct link l = {u, strlen(u), 0, true};
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_click(&t, &l, &out, err, sizeof err), 0, "not replaced");
    is_int(t.links, 0, "not counted");
    buf_free(&out);
    free(u);
}

/* A message of many parts holds up to 10,000 links in each: the message as a whole is bounded
 * too, so one message cannot cost seconds of signing. */
static void
links_past_the_message_limit_are_left_alone(void)
{
    struct trk t;
    trk_for(&t, 1);
    t.links = TRK_MAX_LINKS - 1;
    struct link l = {"https://x.example/", 18, 0, true};
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_click(&t, &l, &out, err, sizeof err), 1, "the last link under the limit is tracked");
    buf_reset(&out);
    is_int(trk_click(&t, &l, &out, err, sizeof err), 0, "the next one is left alone");
    is_int(t.links, TRK_MAX_LINKS, "and not counted");
    buf_free(&out);
}

static void
pixel_is_an_open_token_image(void)
{
    struct trk t;
    trk_for(&t, 7);
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_pixel_html(&t, &out, err, sizeof err), 0, "made");
    const char *src = strstr(buf_str(&out), "src=\"");
    struct tok_claims c;
    ok(src && verify(src + 5, "/o/", TOK_OPEN, &c) == 0 && c.contact == 7, "open token for 7");
    like(buf_str(&out), "width=\"1\" height=\"1\"", "1x1");
    buf_free(&out);
}

static void
honeypot_is_a_hidden_click_link(void)
{
    struct trk t;
    trk_for(&t, 7);
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_honeypot_html(&t, &out, err, sizeof err), 0, "made");
    const char *href = strstr(buf_str(&out), "href=\"");
    struct tok_claims c;
    ok(href && verify(href + 6, "/c/", TOK_CLICK, &c) == 0, "click token");
    ok(c.link == TRK_HONEYPOT_LINK, "honeypot link index");
    like(buf_str(&out), "display:none", "hidden");
    is_int(t.links, 0, "not counted as a link of the message");
    buf_free(&out);
}

static void
list_unsubscribe_has_https_and_mailto(void)
{
    struct trk t;
    trk_for(&t, 9);
    struct buf out = BUF_INIT;
    char err[128];
    is_int(trk_list_unsubscribe(&t, "unsub@example.com", &out, err, sizeof err), 0, "made");
    const char *v = buf_str(&out);
    struct tok_claims c;
    ok(v[0] == '<' && verify(v + 1, "/u/", TOK_UNSUBSCRIBE, &c) == 0 && c.contact == 9,
       "https unsubscribe URL for the contact first");
    like(v, ">, <mailto:unsub@example.com?subject=unsubscribe%20", "then the mailto");
    buf_reset(&out);
    trk_list_unsubscribe(&t, NULL, &out, err, sizeof err);
    ok(!strstr(buf_str(&out), "mailto"), "no mailto unless configured");
    buf_free(&out);
}

static void
view_has_contact_data_message_and_links(void)
{
    struct trk t;
    trk_for(&t, 5);
    struct ctl ctl;
    char err[256];
    ctl_init(&ctl);
    ctl_apply(&ctl, "X-Tern-Data", "{\"order\":{\"id\":\"A7\"}}", err, sizeof err);
    ctl_apply(&ctl, "X-Tern-Journey", "welcome", err, sizeof err);
    json_t *contact = json_pack("{s:I,s:s,s:s}", "id", (json_int_t)5, "email", "ann@example.org",
                                "first_name", "Ann");
    json_t *hook = json_pack("{s:s}", "greeting", "Hi Ann");
    struct view_in in = {contact,     &ctl, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
                         "marketing", hook, &t};
    json_t *v = view_build(&in, err, sizeof err);
    ok(v != NULL, "built");
    is_str(json_string_value(json_object_get(json_object_get(v, "contact"), "first_name")), "Ann",
           "contact.first_name");
    is_str(json_string_value(
               json_object_get(json_object_get(v, "data"), "order")
                   ? json_object_get(json_object_get(json_object_get(v, "data"), "order"), "id")
                   : NULL),
           "A7", "data.order.id");
    is_str(json_string_value(json_object_get(json_object_get(v, "message"), "journey")), "welcome",
           "message.journey");
    is_str(json_string_value(json_object_get(json_object_get(v, "message"), "id")),
           "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "message.id");
    const char *unsub =
        json_string_value(json_object_get(json_object_get(v, "links"), "unsubscribe"));
    struct tok_claims c;
    ok(unsub && verify(unsub, "/u/", TOK_UNSUBSCRIBE, &c) == 0 && c.contact == 5,
       "links.unsubscribe signed for the contact");
    const char *prefs =
        json_string_value(json_object_get(json_object_get(v, "links"), "preferences"));
    ok(prefs && verify(prefs, "/p/", TOK_PREFERENCES, &c) == 0, "links.preferences verifies");
    is_str(json_string_value(json_object_get(v, "greeting")), "Hi Ann", "hook view merged");
    json_decref(v);
    json_decref(contact);
    json_decref(hook);
    ctl_free(&ctl);
}

static void
anonymous_view_has_no_contact_links(void)
{
    struct trk t;
    trk_for(&t, 0);
    struct ctl ctl;
    char err[256];
    ctl_init(&ctl);
    struct view_in in = {NULL, &ctl, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "marketing", NULL, &t};
    json_t *v = view_build(&in, err, sizeof err);
    ok(v && !json_object_get(v, "contact"), "no contact");
    ok(v && json_object_size(json_object_get(v, "links")) == 0, "no self-service links");
    ok(v && json_is_object(json_object_get(v, "data")), "data is {}");
    json_decref(v);
    ctl_free(&ctl);
}

static void
message_ids_are_time_ordered_uuids(void)
{
    unsigned char a[16], b[16];
    char ta[37], tb[37];
    const int64_t sent_us = 1764612345678000;
    ok(trk_new_message_id(a, ta, sent_us) && trk_new_message_id(b, tb, sent_us), "made two");
    ok(strcmp(ta, tb) != 0, "two ids of the same millisecond differ");
    ok(ta[14] == '7', "version 7");
    is_int(uuid_v7_ms(a), sent_us / 1000, "the id carries the send time for the tracker");
}

int
main(void)
{
    char err[256];
    ring = tok_keyring_new();
    if (tok_keyring_add(ring, KEY, true, err, sizeof err) < 0) diag("%s", err);
    click_link_binds_url_contact_and_index();
    per_recipient_links_differ();
    over_long_link_is_left_alone();
    links_past_the_message_limit_are_left_alone();
    pixel_is_an_open_token_image();
    honeypot_is_a_hidden_click_link();
    list_unsubscribe_has_https_and_mailto();
    view_has_contact_data_message_and_links();
    anonymous_view_has_no_contact_links();
    message_ids_are_time_ordered_uuids();
    tok_keyring_free(ring);
    return tap_done();
}
