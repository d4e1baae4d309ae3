/*
 * milter_shell_test.c - the protocol shell driven through the in-process harness
 *
 * The rewrite pipeline is replaced by a stub that adds one header, so
 * these tests are about negotiation, trust, the managed decision, control
 * headers, limits and the failure policy.
 */
#include <stdlib.h>
#include <string.h>

#include "milter_harness.h"
#include "tap.h"

static int processed;
static int process_result;

static int
stub_process(struct milter_job *job, struct plan *plan, char *err, size_t errlen)
{
    processed++;
    plan_add_header(plan, "X-Processed", job->msg->ctl.journey ? job->msg->ctl.journey : "yes");
    if (process_result < 0) {
        snprintf(err, errlen, "stub failure");
        return -1;
    }
    return milter_msg_plan_strip(job->msg, plan) ? 0 : -1;
}

static const struct milter_deps deps = {.process = stub_process};

static struct milter_gen *
gen(const char *extra)
{
    struct buf text = BUF_INIT, errors = BUF_INIT;
    buf_printf(&text,
               "[database]\nurl = postgresql:///tern\n[keys]\n"
               "hmac = k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams=\n"
               "[track]\nbase_url = https://t.example.com\n[milter]\n%s\n",
               extra ? extra : "");
    struct config *cfg = config_load_string("test.conf", buf_str(&text), &errors);
    if (!cfg) diag("config: %s", buf_str(&errors));
    char err[256] = "";
    struct milter_gen *g = cfg ? milter_gen_new(cfg, &deps, err, sizeof err) : NULL;
    if (cfg && !g) diag("gen: %s", err);
    if (cfg) config_unref(cfg);
    buf_free(&text);
    buf_free(&errors);
    return g;
}

static void
start(HX *h, const char *extra)
{
    hx_init(h);
    milter_shell_set_gen(gen(extra));
    processed = 0;
    process_result = 0;
}

static void
finish(HX *h)
{
    hx_close(h);
    hx_free(h);
}

static const char *one_rcpt[] = {"<ann@example.org>", NULL};
static const char plain_msg[] = "From: news@example.com\nTo: ann@example.org\n"
                                "Subject: hello\n\nHello there.\n";
static const char control_msg[] = "From: news@example.com\nTo: ann@example.org\n"
                                  "X-Tern-Journey: welcome\nSubject: hello\n"
                                  "X-Tern-Data: {\"a\": 1}\n\nHello {{data.a}}.\n";

static void
negotiates_only_the_actions_it_uses(void)
{
    HX h;
    start(&h, NULL);
    hx_negotiate(&h);
    is_int(h.pf0, SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY | SMFIF_SETSYMLIST,
           "actions: add/change headers, change body, macro list");
    finish(&h);
}

static void
negotiates_no_reply_for_every_step_but_eom(void)
{
    HX h;
    start(&h, NULL);
    hx_negotiate(&h);
    unsigned long nr =
        SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
    ok((h.pf1 & nr) == nr, "no reply for connect, mail, rcpt, header, eoh, body");
    unsigned long no = SMFIP_NOHELO | SMFIP_NODATA | SMFIP_NOUNKNOWN;
    ok((h.pf1 & no) == no, "helo, data and unknown are not sent");
    ok(h.pf1 & SMFIP_HDR_LEADSPC, "header values keep their leading space");
    ok(!(h.pf1 & (SMFIP_NOHDRS | SMFIP_NOBODY | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOCONNECT)),
       "steps the milter needs are still sent");
    finish(&h);
}

static void
split_mode_keeps_the_rcpt_reply(void)
{
    HX h;
    start(&h, "multi_recipient = split");
    hx_negotiate(&h);
    ok(!(h.pf1 & SMFIP_NR_RCPT), "RCPT is answered, so a 452 can be given");
    finish(&h);
}

static void
requests_the_macros_it_reads(void)
{
    HX h;
    start(&h, NULL);
    hx_negotiate(&h);
    const char *s = buf_str(&h.symlists);
    like(s, "{auth_authen}", "asks for {auth_authen}");
    like(s, "{client_addr}", "asks for {client_addr}");
    like(s, "{daemon_name}", "asks for {daemon_name}");
    like(s, "{mail_addr}", "asks for {mail_addr}");
    like(s, "{rcpt_addr}", "asks for {rcpt_addr}");
    like(s, "5:i", "asks for the queue id at end of message");
    finish(&h);
}

static void
unmanaged_mail_gets_no_operation(void)
{
    HX h;
    start(&h, NULL);
    sfsistat r = hx_transaction(&h, "127.0.0.1", "<other@example.com>", one_rcpt, plain_msg,
                                sizeof plain_msg - 1);
    is_int(r, SMFIS_CONTINUE, "accepted");
    is_str(buf_str(&h.log), "", "no operation at all");
    is_int(processed, 0, "pipeline not run");
    is_int(h.violations, 0, "protocol rules kept");
    finish(&h);
}

static void
trusted_control_header_makes_mail_managed(void)
{
    HX h;
    start(&h, NULL);
    hx_transaction(&h, "127.0.0.1", "<other@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    is_int(processed, 1, "pipeline run");
    is_str(hx_delivered_header(&h, "X-Processed"), "welcome", "X-Tern-Journey was read");
    ok(!hx_delivered_header(&h, "X-Tern-Journey") && !hx_delivered_header(&h, "X-Tern-Data"),
       "control headers removed");
    is_int(h.violations, 0, "protocol rules kept");
    finish(&h);
}

static void
untrusted_control_headers_are_removed_and_ignored(void)
{
    HX h;
    start(&h, NULL);
    hx_transaction(&h, "203.0.113.9", "<news@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    is_int(processed, 0, "pipeline not run");
    like(buf_str(&h.log), "chgheader X-Tern-Data 1 (delete)", "X-Tern-Data deleted");
    like(buf_str(&h.log), "chgheader X-Tern-Journey 1 (delete)", "X-Tern-Journey deleted");
    ok(!strstr(buf_str(&h.log), "replacebody"), "body untouched");
    ok(!hx_delivered_header(&h, "X-Tern-Data"), "not delivered");
    finish(&h);
}

static void
managed_senders_make_mail_managed(void)
{
    HX h;
    start(&h, "managed_senders = @example.com");
    hx_transaction(&h, "127.0.0.1", "<news@example.com>", one_rcpt, plain_msg,
                   sizeof plain_msg - 1);
    is_int(processed, 1, "envelope sender in managed_senders: pipeline run");
    finish(&h);
}

static void
sasl_authenticated_client_is_trusted(void)
{
    HX h;
    start(&h, NULL);
    hx_macro(&h, "{auth_authen}", "shop");
    hx_transaction(&h, "198.51.100.7", "<other@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    is_int(processed, 1, "SASL login from an outside address: managed");
    finish(&h);
}

static void
client_address_macro_used_without_socket_address(void)
{
    HX h;
    start(&h, NULL);
    hx_macro(&h, "{client_addr}", "127.0.0.1");
    hx_transaction(&h, NULL, "<other@example.com>", one_rcpt, control_msg, sizeof control_msg - 1);
    is_int(processed, 1, "trusted through {client_addr}");
    finish(&h);
}

static void
control_headers_always_removed_from_managed_mail(void)
{
    static const char msg[] = "X-Tern-Data: {\"a\":1}\nSubject: x\nX-Tern-Data: {\"b\":2}\n"
                              "X-Tern-Unknown: z\n\nbody\n";
    HX h;
    start(&h, NULL);
    hx_transaction(&h, "::1", "<n@example.com>", one_rcpt, msg, sizeof msg - 1);
    const char *log = buf_str(&h.log);
    const char *second = strstr(log, "chgheader X-Tern-Data 2 (delete)");
    const char *first = strstr(log, "chgheader X-Tern-Data 1 (delete)");
    ok(second && first && second < first, "repeated headers deleted last first");
    like(log, "chgheader X-Tern-Unknown 1 (delete)", "unknown X-Tern-* removed too");
    finish(&h);
}

static void
open_connections_are_counted_until_closed(void)
{
    HX h;
    int before = milter_conns_live();
    start(&h, NULL);
    hx_negotiate(&h);
    hx_connect(&h, "127.0.0.1");
    is_int(milter_conns_live(), before + 1, "a connection is live from connect");
    finish(&h);
    is_int(milter_conns_live(), before, "until it is closed (shutdown waits for that)");
}

static void
close_without_private_data_is_safe(void)
{
    HX h;
    hx_init(&h);
    is_int(hx_close(&h), SMFIS_CONTINUE, "close before any callback");
    hx_free(&h);
}

static void
abort_frees_the_message(void)
{
    HX h;
    start(&h, NULL);
    hx_negotiate(&h);
    hx_connect(&h, "127.0.0.1");
    hx_from(&h, "<news@example.com>");
    hx_rcpt(&h, "<ann@example.org>");
    hx_header(&h, "X-Tern-Journey", "j");
    struct milter_conn *c = h.priv;
    ok(c && c->msg, "a message is in progress");
    hx_abort(&h);
    ok(c->msg == NULL, "abort freed it");
    hx_from(&h, "<news@example.com>");
    hx_rcpt(&h, "<ann@example.org>");
    is_int(hx_content(&h, control_msg, sizeof control_msg - 1), SMFIS_CONTINUE,
           "the next transaction on the connection works");
    is_int(processed, 1, "and is processed");
    finish(&h);
}

/* Start `h` and send one managed message; the body buffer it left on the connection. */
static const char *
one_message(HX *h)
{
    start(h, NULL);
    hx_transaction(h, "127.0.0.1", "<news@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    struct milter_conn *c = h->priv;
    return c && c->spare_body.len == 0 ? c->spare_body.data : NULL;
}

static void
next_message_reuses_the_body_buffer(void)
{
    HX h;
    const char *kept = one_message(&h);
    struct milter_conn *c = h.priv;
    ok(kept, "the finished message left its emptied body buffer");
    hx_from(&h, "<news@example.com>");
    ok(c->msg && c->msg->body.data == kept && !c->spare_body.data,
       "the next message starts with it");
    hx_rcpt(&h, "<ann@example.org>");
    is_int(hx_content(&h, control_msg, sizeof control_msg - 1), SMFIS_CONTINUE,
           "and is processed as usual");
    is_int(processed, 2, "both were processed");
    finish(&h);
}

static void
new_connection_takes_a_closed_ones_body_buffer(void)
{
    HX h;
    const char *kept = one_message(&h);
    finish(&h); /* closes the connection */
    start(&h, NULL);
    hx_connect(&h, "127.0.0.1");
    struct milter_conn *c = h.priv;
    ok(kept && c && c->spare_body.data == kept,
       "a new connection starts with the body buffer a closed one left");
    finish(&h);
}

static void
oversize_message_passes_untouched(void)
{
    HX h;
    start(&h, "max_size = 1KB");
    struct buf msg = BUF_INIT;
    buf_puts(&msg, "X-Tern-Journey: big\nSubject: big\n\n");
    for (int i = 0; i < 100; i++)
        buf_puts(&msg, "0123456789012345678901234567890123456789\n");
    hx_transaction(&h, "127.0.0.1", "<n@example.com>", one_rcpt, msg.data, msg.len);
    is_int(processed, 0, "pipeline not run");
    ok(!strstr(buf_str(&h.log), "replacebody"), "body untouched");
    like(buf_str(&h.log), "chgheader X-Tern-Journey 1 (delete)", "control header still removed");
    buf_free(&msg);
    finish(&h);
}

/* An untrusted message of `filler` plain headers, then X-Tern-Data. */
static sfsistat
many_headers_then_control(HX *h, int filler)
{
    struct buf msg = BUF_INIT;
    for (int i = 0; i < filler; i++)
        buf_printf(&msg, "X-Filler: %d\n", i);
    buf_puts(&msg, "X-Tern-Data: {\"a\": 1}\nSubject: many\n\nHello.\n");
    sfsistat r =
        hx_transaction(h, "203.0.113.9", "<news@example.com>", one_rcpt, msg.data, msg.len);
    buf_free(&msg);
    return r;
}

static void
control_headers_past_the_header_cap_are_still_removed(void)
{
    HX h;
    start(&h, NULL);
    is_int(many_headers_then_control(&h, MILTER_MAX_HEADERS + 5), SMFIS_CONTINUE,
           "a message past the header cap is delivered");
    like(buf_str(&h.log), "chgheader X-Tern-Data 1 (delete)", "its control header is removed");
    ok(!hx_delivered_header(&h, "X-Tern-Data"), "and not delivered");
    finish(&h);
}

static void
more_control_headers_than_can_be_removed_are_refused(void)
{
    HX h;
    start(&h, NULL);
    struct buf msg = BUF_INIT;
    for (int i = 0; i < MILTER_MAX_HEADERS + MILTER_MAX_CONTROL + 1; i++)
        buf_printf(&msg, "X-Tern-Data: %d\n", i);
    buf_puts(&msg, "Subject: many\n\nHello.\n");
    is_int(hx_transaction(&h, "203.0.113.9", "<news@example.com>", one_rcpt, msg.data, msg.len),
           SMFIS_REJECT, "a message whose control headers cannot all be kept is rejected");
    like(buf_str(&h.log), "setreply 550 5.7.1", "with a permanent reply");
    buf_free(&msg);
    finish(&h);
}

static void
split_defers_second_recipient_of_managed_sender(void)
{
    HX h;
    start(&h, "multi_recipient = split\nmanaged_senders = news@example.com");
    hx_negotiate(&h);
    hx_connect(&h, "127.0.0.1");
    hx_from(&h, "<news@example.com>");
    is_int(hx_rcpt(&h, "<a@example.org>"), SMFIS_CONTINUE, "first recipient accepted");
    is_int(hx_rcpt(&h, "<b@example.org>"), SMFIS_TEMPFAIL, "second recipient deferred");
    like(h.reply, "452 4.5.3", "with 452 4.5.3");
    hx_from(&h, "<other@example.com>");
    hx_rcpt(&h, "<a@example.org>");
    is_int(hx_rcpt(&h, "<b@example.org>"), SMFIS_CONTINUE, "unmanaged sender: not deferred");
    finish(&h);
}

static void
split_never_defers_a_local_submission(void)
{
    HX h;
    start(&h, "multi_recipient = split\nmanaged_senders = news@example.com");
    hx_negotiate(&h);
    hx_connect_local_submission(&h);
    hx_from(&h, "<news@example.com>");
    is_int(hx_rcpt(&h, "<a@example.org>"), SMFIS_CONTINUE, "sendmail(1): first recipient accepted");
    is_int(hx_rcpt(&h, "<b@example.org>"), SMFIS_CONTINUE,
           "and the second too: Postfix would keep the mail queued as a configuration error");
    finish(&h);
}

static void
pipeline_failure_delivers_the_original(void)
{
    HX h;
    start(&h, NULL);
    process_result = -1;
    sfsistat r = hx_transaction(&h, "127.0.0.1", "<n@example.com>", one_rcpt, control_msg,
                                sizeof control_msg - 1);
    is_int(r, SMFIS_CONTINUE, "delivered");
    ok(!hx_delivered_header(&h, "X-Processed"), "nothing of the failed plan applied");
    ok(!hx_delivered_header(&h, "X-Tern-Data"), "control headers removed");
    ok(!strstr(buf_str(&h.log), "replacebody"), "body as submitted");
    finish(&h);
}

static void
pipeline_failure_tempfails_when_configured(void)
{
    HX h;
    start(&h, "on_error = tempfail");
    process_result = -1;
    sfsistat r = hx_transaction(&h, "127.0.0.1", "<n@example.com>", one_rcpt, control_msg,
                                sizeof control_msg - 1);
    is_int(r, SMFIS_TEMPFAIL, "tempfailed");
    like(h.reply, "451 4.3.0", "with 451 4.3.0");
    ok(!strstr(buf_str(&h.log), "addheader"), "no header operation");
    finish(&h);
}

static void
reload_keeps_the_generation_of_a_connection(void)
{
    HX h;
    start(&h, NULL);
    hx_negotiate(&h);
    struct milter_conn *c = h.priv;
    struct milter_gen *before = c->gen;
    milter_shell_set_gen(gen("trusted_networks = 192.0.2.0/24"));
    ok(c->gen == before, "the connection still holds its generation");
    hx_transaction(&h, "127.0.0.1", "<n@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    is_int(processed, 1, "and its rules: 127.0.0.1 still trusted");
    finish(&h);
    HX h2;
    hx_init(&h2);
    processed = 0;
    hx_transaction(&h2, "127.0.0.1", "<n@example.com>", one_rcpt, control_msg,
                   sizeof control_msg - 1);
    is_int(processed, 0, "a new connection gets the new rules");
    finish(&h2);
}

int
main(void)
{
    negotiates_only_the_actions_it_uses();
    negotiates_no_reply_for_every_step_but_eom();
    split_mode_keeps_the_rcpt_reply();
    requests_the_macros_it_reads();
    unmanaged_mail_gets_no_operation();
    trusted_control_header_makes_mail_managed();
    untrusted_control_headers_are_removed_and_ignored();
    managed_senders_make_mail_managed();
    sasl_authenticated_client_is_trusted();
    client_address_macro_used_without_socket_address();
    control_headers_always_removed_from_managed_mail();
    close_without_private_data_is_safe();
    open_connections_are_counted_until_closed();
    abort_frees_the_message();
    next_message_reuses_the_body_buffer();
    new_connection_takes_a_closed_ones_body_buffer();
    oversize_message_passes_untouched();
    control_headers_past_the_header_cap_are_still_removed();
    more_control_headers_than_can_be_removed_are_refused();
    split_defers_second_recipient_of_managed_sender();
    split_never_defers_a_local_submission();
    pipeline_failure_delivers_the_original();
    pipeline_failure_tempfails_when_configured();
    reload_keeps_the_generation_of_a_connection();
    milter_shell_set_gen(NULL);
    return tap_done();
}
