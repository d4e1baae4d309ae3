/*
 * track_bot_test.c - click and open classification (track/bot.c)
 *
 * The rules under test are the shipped defaults, loaded from a minimal
 * tern.conf exactly as the daemon would, plus one scanner network.
 */
#include <stdlib.h>
#include <string.h>

#include "bot.h"
#include "config.h"
#include "tap.h"

#define CHROME                                                                                     \
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "            \
    "Chrome/120.0 Safari/537.36"
#define GMAIL_PROXY                                                                                \
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"

static const char conf[] = "[database]\nurl = postgresql:///tern\n"
                           "[keys]\nhmac = k1:dGVybi10ZXN0LWtleS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams=\n"
                           "[track]\nbase_url = https://t.example.com\n"
                           "scanner_networks = 198.51.100.0/24\n";

static struct bot_rules *rules;

static struct bot_rules *
default_rules(void)
{
    struct buf errors = BUF_INIT;
    char err[256];
    struct config *cfg = config_load_string("tern.conf", conf, &errors);
    if (!cfg) {
        diag("config: %s", buf_str(&errors));
        exit(1);
    }
    struct bot_spec spec = {cfg->track.scanner_networks,   cfg->track.scanner_agents,
                            cfg->track.image_proxy_agents, cfg->track.apple_mpp_networks,
                            cfg->track.scanner_delay_ms,   cfg->track.scanner_burst};
    struct bot_rules *r = bot_rules_new(&spec, err, sizeof err);
    if (!r) diag("rules: %s", err);
    config_unref(cfg);
    buf_free(&errors);
    return r;
}

/* A click by a person: a browser, a minute after the send, one link. */
static struct bot_hit
person_click(void)
{
    return (struct bot_hit){.click = true,
                            .user_agent = CHROME,
                            .ip = "203.0.113.5",
                            .delay_ms = 60000,
                            .burst_links = 1};
}

static const char *
class_of(struct bot_hit h, char *reason)
{
    static struct bot_verdict v;
    bot_classify(rules, &h, &v);
    if (reason) strcpy(reason, v.reason);
    return v.cls;
}

static void
browser_click_a_minute_later_is_human(void)
{
    is_str(class_of(person_click(), NULL), "human", "browser_click_a_minute_later_is_human");
}

static void
honeypot_link_is_honeypot(void)
{
    struct bot_hit h = person_click();
    h.honeypot = true;
    is_str(class_of(h, NULL), "honeypot", "honeypot_link_is_honeypot");
}

static void
head_request_is_scanner(void)
{
    struct bot_hit h = person_click();
    char why[BOT_REASON_MAX];
    h.head = true;
    is_str(class_of(h, why), "scanner", "head_request_is_scanner");
    is_str(why, "HEAD request", "head_request_is_scanner: reason");
}

static void
scanner_network_is_scanner(void)
{
    struct bot_hit h = person_click();
    char why[BOT_REASON_MAX];
    h.ip = "198.51.100.77";
    is_str(class_of(h, why), "scanner", "scanner_network_is_scanner");
    like(why, "scanner_networks", "scanner_network_is_scanner: reason names the key");
}

static void
open_from_apple_range_is_apple_mpp(void)
{
    struct bot_hit h = person_click();
    h.click = false;
    h.ip = "17.58.1.2";
    is_str(class_of(h, NULL), "apple-mpp", "open_from_apple_range_is_apple_mpp");
}

static void
open_with_bare_mozilla_agent_is_apple_mpp(void)
{
    struct bot_hit h = person_click();
    h.click = false;
    h.user_agent = "Mozilla/5.0";
    is_str(class_of(h, NULL), "apple-mpp", "open_with_bare_mozilla_agent_is_apple_mpp");
}

static void
click_from_apple_range_stays_human(void)
{
    struct bot_hit h = person_click();
    h.ip = "17.58.1.2"; /* iCloud Private Relay: a person behind it */
    is_str(class_of(h, NULL), "human", "click_from_apple_range_stays_human");
}

static void
gmail_image_proxy_open_is_image_proxy(void)
{
    struct bot_hit h = person_click();
    char why[BOT_REASON_MAX];
    h.click = false;
    h.user_agent = GMAIL_PROXY;
    is_str(class_of(h, why), "image-proxy", "gmail_image_proxy_open_is_image_proxy");
    like(why, "GoogleImageProxy", "gmail_image_proxy_open_is_image_proxy: reason");
}

static void
missing_agent_is_scanner(void)
{
    struct bot_hit h = person_click();
    h.user_agent = NULL;
    is_str(class_of(h, NULL), "scanner", "missing_agent_is_scanner");
}

static void
scanner_agent_matches_case_insensitively(void)
{
    struct bot_hit h = person_click();
    h.user_agent = "Python-Requests/2.31";
    is_str(class_of(h, NULL), "scanner", "scanner_agent_matches_case_insensitively");
}

static void
click_seconds_after_send_is_scanner(void)
{
    struct bot_hit h = person_click();
    char why[BOT_REASON_MAX];
    h.delay_ms = 1500;
    is_str(class_of(h, why), "scanner", "click_seconds_after_send_is_scanner");
    like(why, "1500 ms after the send", "click_seconds_after_send_is_scanner: reason");
}

static void
unknown_delay_is_not_held_against_a_click(void)
{
    struct bot_hit h = person_click();
    h.delay_ms = -1;
    is_str(class_of(h, NULL), "human", "unknown_delay_is_not_held_against_a_click");
}

static void
several_links_at_once_is_scanner(void)
{
    struct bot_hit h = person_click();
    h.burst_links = 3;
    is_str(class_of(h, NULL), "scanner", "several_links_at_once_is_scanner");
}

static void
two_links_at_once_is_still_human(void)
{
    struct bot_hit h = person_click();
    h.burst_links = 2;
    is_str(class_of(h, NULL), "human", "two_links_at_once_is_still_human");
}

static void
bad_network_list_names_the_key(void)
{
    char err[256];
    struct bot_spec spec = {.scanner_networks = "10.0.0.0/33"};
    ok(!bot_rules_new(&spec, err, sizeof err), "bad_network_list_names_the_key: refused");
    like(err, "scanner_networks: \"10.0.0.0/33\"", "bad_network_list_names_the_key: reason");
}

int
main(void)
{
    if (!(rules = default_rules())) return 1;
    browser_click_a_minute_later_is_human();
    honeypot_link_is_honeypot();
    head_request_is_scanner();
    scanner_network_is_scanner();
    open_from_apple_range_is_apple_mpp();
    open_with_bare_mozilla_agent_is_apple_mpp();
    click_from_apple_range_stays_human();
    gmail_image_proxy_open_is_image_proxy();
    missing_agent_is_scanner();
    scanner_agent_matches_case_insensitively();
    click_seconds_after_send_is_scanner();
    unknown_delay_is_not_held_against_a_click();
    several_links_at_once_is_scanner();
    two_links_at_once_is_still_human();
    bad_network_list_names_the_key();
    bot_rules_free(rules);
    return tap_done();
}
