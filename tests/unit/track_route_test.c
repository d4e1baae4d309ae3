/*
 * track_route_test.c - the tracker's URL table (track/route.c)
 */
#include <string.h>

#include "route.h"
#include "tap.h"

static struct tr_match
match(const char *path)
{
    struct tr_match m;
    tr_route_match(path, "", &m);
    return m;
}

static void
click_path_carries_its_token(void)
{
    struct tr_match m = match("/c/AbC-_9");
    is_int(m.route, TR_CLICK, "click_path_carries_its_token: route");
    ok(m.token_len == 6 && memcmp(m.token, "AbC-_9", 6) == 0,
       "click_path_carries_its_token: token");
}

static void
open_path_drops_the_gif_suffix(void)
{
    struct tr_match m = match("/o/tok.gif");
    ok(m.route == TR_OPEN && m.token_len == 3 && memcmp(m.token, "tok", 3) == 0,
       "open_path_drops_the_gif_suffix");
}

static void
gif_suffix_only_on_open(void)
{
    struct tr_match m = match("/c/tok.gif");
    ok(m.route == TR_CLICK && m.token_len == 7, "gif_suffix_only_on_open (a click keeps it)");
}

static void
every_page_route_is_found(void)
{
    ok(match("/u/t").route == TR_UNSUBSCRIBE, "every_page_route_is_found: /u/");
    ok(match("/confirm/t").route == TR_CONFIRM, "every_page_route_is_found: /confirm/");
    ok(match("/p/t").route == TR_PREFERENCES, "every_page_route_is_found: /p/");
    ok(match("/v1/events").route == TR_EVENTS, "every_page_route_is_found: /v1/events");
    ok(match("/healthz").route == TR_HEALTHZ, "every_page_route_is_found: /healthz");
    ok(match("/metrics").route == TR_METRICS, "every_page_route_is_found: /metrics");
}

static void
empty_token_is_not_found(void)
{
    ok(match("/c/").route == TR_NOT_FOUND, "empty_token_is_not_found");
}

static void
extra_segment_is_not_found(void)
{
    ok(match("/c/tok/more").route == TR_NOT_FOUND, "extra_segment_is_not_found");
    ok(match("/c/tok/").route == TR_NOT_FOUND, "extra_segment_is_not_found: trailing slash");
}

static void
near_misses_are_not_found(void)
{
    ok(match("/").route == TR_NOT_FOUND, "near_misses_are_not_found: /");
    ok(match("/healthz/").route == TR_NOT_FOUND, "near_misses_are_not_found: /healthz/");
    ok(match("/v1/eventsx").route == TR_NOT_FOUND, "near_misses_are_not_found: /v1/eventsx");
    ok(match("/c").route == TR_NOT_FOUND, "near_misses_are_not_found: /c");
    ok(match("c/tok").route == TR_NOT_FOUND, "near_misses_are_not_found: relative");
    ok(match("//c/tok").route == TR_NOT_FOUND, "near_misses_are_not_found: //c/");
}

static void
routes_are_found_under_the_base_path(void)
{
    struct tr_match m;
    tr_route_match("/t/c/tok", "/t", &m);
    ok(m.route == TR_CLICK && m.token_len == 3 && memcmp(m.token, "tok", 3) == 0,
       "routes_are_found_under_the_base_path: /t/c/tok");
    tr_route_match("/t/healthz", "/t", &m);
    ok(m.route == TR_HEALTHZ, "routes_are_found_under_the_base_path: /t/healthz");
    tr_route_match("/c/tok", "/t", &m);
    ok(m.route == TR_CLICK, "routes_are_found_under_the_base_path: and without it");
}

static void
base_path_is_a_whole_segment(void)
{
    struct tr_match m;
    tr_route_match("/tc/tok", "/t", &m);
    ok(m.route == TR_NOT_FOUND, "base_path_is_a_whole_segment: /tc/tok under /t");
    tr_route_match("/t/t/c/tok", "/t", &m);
    ok(m.route == TR_NOT_FOUND, "base_path_is_a_whole_segment: stripped once");
}

static void
base_path_of_the_url(void)
{
    is_str(tr_route_base("https://t.example.com"), "", "base_path_of_the_url: none");
    is_str(tr_route_base("https://example.com/t"), "/t", "base_path_of_the_url: /t");
    is_str(tr_route_base("http://example.com:8080/a/b"), "/a/b", "base_path_of_the_url: /a/b");
}

static void
methods_follow_the_table(void)
{
    ok(tr_route_allows(TR_CLICK, TR_GET) && tr_route_allows(TR_CLICK, TR_HEAD),
       "methods_follow_the_table: click takes GET and HEAD");
    ok(!tr_route_allows(TR_CLICK, TR_POST), "methods_follow_the_table: click refuses POST");
    ok(tr_route_allows(TR_UNSUBSCRIBE, TR_POST),
       "methods_follow_the_table: unsubscribe takes POST");
    ok(!tr_route_allows(TR_EVENTS, TR_GET), "methods_follow_the_table: events refuses GET");
    ok(!tr_route_allows(TR_HEALTHZ, TR_OTHER_METHOD),
       "methods_follow_the_table: unknown methods are refused");
    is_str(tr_route_allow_header(TR_UNSUBSCRIBE), "GET, HEAD, POST",
           "methods_follow_the_table: Allow header");
}

static void
method_names_are_case_sensitive(void)
{
    ok(tr_method_parse("GET") == TR_GET && tr_method_parse("get") == TR_OTHER_METHOD,
       "method_names_are_case_sensitive (RFC 9110)");
}

int
main(void)
{
    click_path_carries_its_token();
    open_path_drops_the_gif_suffix();
    gif_suffix_only_on_open();
    every_page_route_is_found();
    empty_token_is_not_found();
    extra_segment_is_not_found();
    near_misses_are_not_found();
    routes_are_found_under_the_base_path();
    base_path_is_a_whole_segment();
    base_path_of_the_url();
    methods_follow_the_table();
    method_names_are_case_sensitive();
    return tap_done();
}
