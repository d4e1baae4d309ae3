/*
 * engine_send_test.c - what the outbox sender accepts before it opens anything
 */
#include <string.h>

#include "engine/en_send.h"
#include "tap.h"

static struct en_sender *
sender(long timeout_s, char *err, size_t errlen)
{
    struct en_send_cfg cfg = {.smtp_url = "smtp://127.0.0.1:25",
                              .templates = ".",
                              .timeout_s = timeout_s,
                              .connections = 1};
    return en_sender_new(&cfg, err, errlen);
}

static void
sender_takes_the_default_timeout(void)
{
    char err[256] = "";
    struct en_sender *s = sender(0, err, sizeof err);
    ok(s != NULL, "the default time-out is accepted");
    en_sender_free(s);
}

static void
sender_refuses_a_timeout_past_its_pass_budget(void)
{
    char err[256] = "";
    struct en_sender *s = sender(181, err, sizeof err);
    ok(s == NULL, "a time-out that could outlive a row's claim is refused");
    is_str(err, "a submission time-out of 181 s is outside 0-180 s", "naming the limit");
    en_sender_free(s);
}

int
main(void)
{
    sender_takes_the_default_timeout();
    sender_refuses_a_timeout_past_its_pass_budget();
    return tap_done();
}
