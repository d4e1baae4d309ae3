/*
 * milter_control_test.c - reading X-Tern-* control headers
 */
#include <string.h>

#include "control.h"
#include "tap.h"

static void
recognises_control_headers_case_insensitively(void)
{
    ok(ctl_is_control("X-Tern-Data"), "X-Tern-Data");
    ok(ctl_is_control("x-tern-whatever"), "any x-tern-*");
    ok(!ctl_is_control("X-Ternary"), "not a prefix match without the dash");
}

static void
data_accepts_json_object(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    is_int(ctl_apply(&c, "X-Tern-Data", " {\"order\": {\"id\": 7}}", err, sizeof err), 0,
           "accepted");
    ok(c.data && json_integer_value(json_object_get(json_object_get(c.data, "order"), "id")) == 7,
       "order.id = 7");
    ctl_free(&c);
}

static void
data_accepts_folded_base64(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    /* {"name":"Zoë"} */
    is_int(ctl_apply(&c, "X-Tern-Data", " eyJuYW1lIjoi\n\tWm/DqyJ9", err, sizeof err), 0,
           "accepted");
    is_str(json_string_value(json_object_get(c.data, "name")), "Zo\xc3\xab", "decoded UTF-8");
    ctl_free(&c);
}

static void
data_refuses_non_objects(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    is_int(ctl_apply(&c, "X-Tern-Data", "[1,2]", err, sizeof err), -1, "array refused");
    is_int(ctl_apply(&c, "X-Tern-Data", "{\"a\":", err, sizeof err), -1, "broken JSON refused");
    like(err, "invalid JSON", "says why");
    ok(c.data == NULL, "no data kept");
    ctl_free(&c);
}

static void
message_id_must_be_a_uuid(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    is_int(ctl_apply(&c, "X-Tern-Message", "nope", err, sizeof err), -1, "refused");
    ok(!c.has_message, "none kept");
    is_int(
        ctl_apply(&c, "X-Tern-Message", " 0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", err, sizeof err),
        0, "accepted");
    is_str(c.message, "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "stored canonical");
    ctl_free(&c);
}

static void
track_modes(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    ok(c.track_clicks && c.track_opens, "default all");
    ctl_apply(&c, "X-Tern-Track", "clicks", err, sizeof err);
    ok(c.track_clicks && !c.track_opens, "clicks only");
    ctl_apply(&c, "X-Tern-Track", "none", err, sizeof err);
    ok(!c.track_clicks && !c.track_opens, "none");
    is_int(ctl_apply(&c, "X-Tern-Track", "some", err, sizeof err), -1, "unknown mode refused");
    ctl_free(&c);
}

static void
category_and_names(void)
{
    struct ctl c;
    char err[256];
    ctl_init(&c);
    is_int(c.category, CTL_MARKETING, "marketing by default");
    ctl_apply(&c, "X-Tern-Category", "Transactional", err, sizeof err);
    is_int(c.category, CTL_TRANSACTIONAL, "transactional");
    ctl_apply(&c, "X-Tern-Journey", " welcome", err, sizeof err);
    ctl_apply(&c, "X-Tern-Step", "start", err, sizeof err);
    ctl_apply(&c, "X-Tern-Template", "welcome-1", err, sizeof err);
    ctl_apply(&c, "X-Tern-Tenant", "nl", err, sizeof err);
    is_str(c.journey, "welcome", "journey");
    is_str(c.step, "start", "step");
    is_str(c.template_name, "welcome-1", "template");
    is_str(c.tenant, "nl", "tenant");
    is_int(ctl_apply(&c, "X-Tern-Journey", "two words", err, sizeof err), -1, "blank refused");
    is_str(c.journey, "welcome", "previous value kept");
    ctl_free(&c);
}

int
main(void)
{
    recognises_control_headers_case_insensitively();
    data_accepts_json_object();
    data_accepts_folded_base64();
    data_refuses_non_objects();
    message_id_must_be_a_uuid();
    track_modes();
    category_and_names();
    return tap_done();
}
