/*
 * config_test.c - tern.conf loading and validation
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tenant.h"
#include "tap.h"

#define KEY_OK "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" /* 32 bytes */

#define MINIMAL                                                                                    \
    "[database]\nurl = postgresql:///tern\n"                                                       \
    "[keys]\nhmac = " KEY_OK "\n"                                                                  \
    "[track]\nbase_url = https://t.example.com\n"

static struct config *
load(const char *text, struct buf *err)
{
    buf_reset(err);
    return config_load_string("tern.conf", text, err);
}

static void
minimal_config_gets_defaults(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL, &err);
    ok(c != NULL, "minimal config loads");
    if (!c) diag("%s", buf_str(&err));
    is_int(c ? c->database.pool_size : -1, 4, "pool_size defaults to 4");
    is_int(c ? c->database.statement_timeout_ms : -1, 5000, "statement_timeout defaults to 5s");
    is_str(c ? c->milter.socket : NULL, "unix:/run/tern/milter.sock", "milter socket default");
    is_str(c ? c->track.base_url : NULL, "https://t.example.com", "base_url is stored");
    config_unref(c);
    buf_free(&err);
}

static void
unknown_key_names_file_line_and_suggestion(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[database]\npool_sise = 3\n", &err);
    ok(c == NULL, "unknown key is refused");
    like(buf_str(&err),
         "tern.conf:8: [database] unknown key \"pool_sise\" (did you mean \"pool_size\"?)",
         "unknown key error names file:line, key and the close match");
    buf_free(&err);
}

static void
unknown_section_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[databse]\nurl = x\nother = y\n", &err);
    ok(c == NULL, "unknown section is refused");
    like(buf_str(&err), "tern.conf:8: unknown section [databse]", "unknown section error");
    ok(strstr(buf_str(&err), "tern.conf:9") == NULL, "an unknown section is reported once");
    buf_free(&err);
}

static void
missing_database_url_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c =
        load("[keys]\nhmac = " KEY_OK "\n[track]\nbase_url = https://t.example.com\n", &err);
    ok(c == NULL, "config without [database] url is refused");
    like(buf_str(&err), "tern.conf: [database] url is required", "missing key error names it");
    buf_free(&err);
}

static void
malformed_hmac_keys_are_errors(void)
{
    static const struct {
        const char *value, *reason;
    } cases[] = {
        {"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "expected \"<key id>:<base64 secret>\""},
        {"k1:c2hvcnQ=", "secret is 5 bytes, at least 32 are required"},
        {"k1:not*base64!", "secret is not valid base64"},
        {"waytoolongid:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "key id must be 1 to 8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct buf text = BUF_INIT, err = BUF_INIT;
        buf_printf(&text,
                   "[database]\nurl = postgresql:///tern\n[keys]\nhmac = %s\n"
                   "[track]\nbase_url = https://t.example.com\n",
                   cases[i].value);
        struct config *c = load(buf_str(&text), &err);
        ok(c == NULL, "hmac \"%s\" is refused", cases[i].value);
        like(buf_str(&err), cases[i].reason, "hmac error explains the problem");
        like(buf_str(&err), "tern.conf:4: [keys] hmac:", "hmac error names file:line and key");
        buf_free(&text);
        buf_free(&err);
    }
}

static void
old_keys_are_validated_each(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[keys]\nhmac_old = " KEY_OK ", k0:c2hvcnQ=\n", &err);
    ok(c == NULL, "a bad key in hmac_old is refused");
    like(buf_str(&err), "[keys] hmac_old: secret is 5 bytes", "hmac_old error names the problem");
    buf_free(&err);
}

static void
unix_socket_paths_must_fit_the_kernel_limit(void)
{
    char long_path[160], text[512];
    memset(long_path, 'd', sizeof long_path);
    long_path[0] = '/';
    long_path[108] = '\0'; /* 108 bytes: one more than sun_path holds with its NUL */
    snprintf(text, sizeof text, MINIMAL "[milter]\nsocket = unix:%s\n[track]\nlisten = unix:%s\n",
             long_path, long_path);
    struct buf err = BUF_INIT;
    struct config *c = load(text, &err);
    ok(c == NULL, "a unix socket path of 108 bytes is refused");
    like(buf_str(&err), "[milter] socket: unix socket path is longer than 107 bytes",
         "the milter socket's error says the path is too long");
    like(buf_str(&err), "[track] listen: unix socket path is longer than 107 bytes",
         "the tracker's error says the path is too long");
    buf_reset(&err);
    long_path[107] = '\0';
    snprintf(text, sizeof text, MINIMAL "[milter]\nsocket = unix:%s\n[track]\nlisten = unix:%s\n",
             long_path, long_path);
    c = load(text, &err);
    ok(c != NULL, "a unix socket path of 107 bytes is accepted");
    config_unref(c);
    c = load(MINIMAL "[milter]\nsocket = local:run/m.sock\n", &err);
    ok(c == NULL, "a relative unix socket path is refused");
    like(buf_str(&err), "[milter] socket: unix socket path must be absolute",
         "the relative path's error says it must be absolute");
    buf_free(&err);
}

static void
unreadable_file_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = config_load("/nonexistent/tern.conf", &err);
    ok(c == NULL, "missing file is refused");
    like(buf_str(&err), "/nonexistent/tern.conf: cannot open: No such file or directory",
         "missing file error says why");
    buf_reset(&err);
    c = config_load("/", &err);
    ok(c == NULL, "a directory is refused");
    like(buf_str(&err), "/: cannot read: Is a directory", "directory error says why");
    buf_free(&err);
}

static void
every_problem_is_reported_at_once(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load("[database]\npool_size = lots\nstatement_timeout = soon\n"
                            "[keys]\nhmac = " KEY_OK "\n[track]\nbase_url = ftp://x\n",
                            &err);
    ok(c == NULL, "config with several problems is refused");
    like(buf_str(&err), "tern.conf:2: [database] pool_size: is not a whole number", "bad int");
    like(buf_str(&err), "tern.conf:3: [database] statement_timeout: expected a duration",
         "bad duration");
    like(buf_str(&err), "tern.conf:7: [track] base_url: must start with https://", "bad url");
    like(buf_str(&err), "[database] url is required", "missing url in the same report");
    buf_free(&err);
}

static void
key_set_twice_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[database]\nurl = postgresql:///other\n", &err);
    ok(c == NULL, "duplicate key is refused");
    like(buf_str(&err), "tern.conf:8: [database] url is set twice (first on line 2)",
         "duplicate key error names both lines");
    buf_free(&err);
}

static void
out_of_range_number_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[database]\npool_size = 0\n", &err);
    ok(c == NULL, "pool_size 0 is refused");
    like(buf_str(&err), "pool_size: must be between 1 and 256", "range error gives the bounds");
    buf_free(&err);
}

static void
bad_database_url_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load("[database]\nurl = host=x port\n[keys]\nhmac = " KEY_OK
                            "\n[track]\nbase_url = https://t.example.com\n",
                            &err);
    ok(c == NULL, "unparseable connection string is refused");
    like(buf_str(&err), "tern.conf:2: [database] url: not a PostgreSQL connection string",
         "connection string error");
    buf_free(&err);
}

static void
syntax_error_names_the_line(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[database\n", &err);
    ok(c == NULL, "a broken section header is refused");
    like(buf_str(&err), "tern.conf:7: syntax error", "syntax error names the line");
    buf_free(&err);
}

static void
comments_and_listen_forms_are_accepted(void)
{
    struct buf err = BUF_INIT;
    struct config *c =
        load("; a comment\n# another\n" MINIMAL "[track]\nlisten = [::1]:8080 ; inline comment\n"
             "[milter]\nsocket = inet:8891@127.0.0.1\n",
             &err);
    ok(c != NULL, "comments, IPv6 listen and inet milter socket are accepted");
    if (!c) diag("%s", buf_str(&err));
    is_str(c ? c->track.listen : NULL, "[::1]:8080", "inline comment is stripped");
    config_unref(c);
    buf_free(&err);
}

static void
durations_and_sizes_parse(void)
{
    int64_t v = 0;
    ok(config_parse_duration_ms("250ms", &v) && v == 250, "250ms");
    ok(config_parse_duration_ms("2h", &v) && v == 7200000, "2h");
    ok(!config_parse_duration_ms("-1s", &v), "negative duration refused");
    ok(!config_parse_duration_ms("5 parsecs", &v), "unknown unit refused");
    ok(config_parse_size("10MB", &v) && v == 10485760, "10MB");
    ok(!config_parse_size("10XB", &v), "unknown size unit refused");
}

static void
reference_counting_keeps_snapshot_alive(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL, &err);
    struct config *held = config_ref(c);
    config_unref(c);
    is_str(held->database.url, "postgresql:///tern", "snapshot survives the loader's unref");
    config_unref(held);
    buf_free(&err);
}

static void
milter_and_track_defaults_are_filled(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL, &err);
    is_str(c ? c->milter.trusted_networks : NULL, "127.0.0.0/8, ::1", "trusted networks");
    is_str(c ? c->milter.multi_recipient : NULL, "anonymous", "multi_recipient");
    is_int(c ? c->milter.max_size : -1, 10 << 20, "max_size is 10 MiB");
    is_int(c ? c->lua.call_timeout_ms : -1, 100, "lua call timeout");
    ok(c && !c->track.honeypot, "honeypot is off");
    config_unref(c);
    buf_free(&err);
}

static void
choice_outside_its_words_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[milter]\non_error = bounce\n", &err);
    ok(c == NULL, "on_error = bounce is refused");
    like(buf_str(&err), "tern.conf:8: [milter] on_error: expected one of: deliver, tempfail",
         "the error lists the accepted words");
    config_unref(c);
    buf_free(&err);
}

static void
bad_network_in_list_is_named(void)
{
    struct buf err = BUF_INIT;
    struct config *c =
        load(MINIMAL "[milter]\ntrusted_networks = 10.0.0.0/8, 192.0.2.300, ::1\n", &err);
    ok(c == NULL, "a bad address is refused");
    like(buf_str(&err), "\"192.0.2.300\" is not an IPv4 or IPv6 address", "the entry is named");
    c = load(MINIMAL "[milter]\ntrusted_networks = 10.0.0.0/33\n", &err);
    like(buf_str(&err), "\"10.0.0.0/33\" has a bad prefix length", "prefix over 32 for IPv4");
    c = load(MINIMAL "[milter]\ntrusted_networks = 10.0.0.0/8,2001:db8::/32 , 192.0.2.7\n", &err);
    ok(c != NULL, "v4 and v6 networks and hosts are accepted");
    config_unref(c);
    buf_free(&err);
}

static void
list_iteration_trims_and_skips_empty_entries(void)
{
    const char *pos = " a.example ,, b.example,c ";
    char item[16], seen[64] = "";
    while (config_list_next(&pos, item, sizeof item)) {
        strcat(seen, "[");
        strcat(seen, item);
        strcat(seen, "]");
    }
    is_str(seen, "[a.example][b.example][c]", "entries trimmed, empty ones skipped");
}

static void
bad_size_is_an_error(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[milter]\nmax_size = 10 furlongs\n", &err);
    ok(c == NULL, "a size with an unknown unit is refused");
    like(buf_str(&err), "max_size: expected a size like", "the error shows the accepted form");
    config_unref(c);
    buf_free(&err);
}

static void
scanner_burst_is_at_most_the_links_remembered(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[track]\nscanner_burst = 9\n", &err);
    ok(c == NULL, "scanner_burst above 8 is refused: the rule could never fire");
    like(buf_str(&err), "scanner_burst", "the error names the key");
    config_unref(c);
    buf_free(&err);
}

static void
lua_limits_are_bounded_where_they_are_read(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[lua]\nmemory = 512KB\n", &err);
    ok(c == NULL, "a Lua memory budget below 1 MB is refused");
    like(buf_str(&err), "tern.conf:8: [lua] memory: must be between 1048576 bytes and",
         "naming file:line, key and bounds");
    buf_reset(&err);
    c = load(MINIMAL "[lua]\ncall_timeout = 0ms\n", &err);
    ok(c == NULL, "a call time-out of 0 is refused");
    buf_reset(&err);
    c = load(MINIMAL "[lua]\ncall_timeout = 50d\n", &err);
    ok(c == NULL, "a call time-out beyond 10 minutes is refused, not truncated");
    like(buf_str(&err), "call_timeout: must be between 1ms and 600000ms", "with its bounds");
    buf_free(&err);
}

static void
sasl_tenants_entry_without_tenant_is_named(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[milter]\nsasl_tenants = shop-nl:nl, shop-de\n", &err);
    ok(c == NULL, "a login without its tenant is refused");
    like(buf_str(&err), "tern.conf:8: [milter] sasl_tenants: \"shop-de\" is not login:tenant",
         "the error names file:line, key and the entry");
    buf_free(&err);
}

static void
sasl_tenants_are_looked_up_by_exact_login(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[milter]\nsasl_tenants = shop-nl:nl, Shop-BE : be\n", &err);
    char t[TENANT_NAME_MAX + 1] = "";
    ok(c && tenant_map_find(c->milter.sasl_tenants, "shop-nl", t) && strcmp(t, "nl") == 0,
       "a mapped login gives its tenant");
    ok(c && tenant_map_find(c->milter.sasl_tenants, "Shop-BE", t) && strcmp(t, "be") == 0,
       "blanks around an entry are ignored");
    ok(c && !tenant_map_find(c->milter.sasl_tenants, "shop-be", t),
       "logins are compared exactly, as SASL does");
    config_unref(c);
    buf_free(&err);
}

static void
default_tenant_must_be_a_tenant_name(void)
{
    struct buf err = BUF_INIT;
    struct config *c = load(MINIMAL "[milter]\ntenant = NL\n", &err);
    ok(c == NULL, "a tenant name with capitals is refused");
    like(buf_str(&err), "tern.conf:8: [milter] tenant: expected a tenant name",
         "the error names file:line and key");
    buf_free(&err);
}

/* Whether `ini` (after MINIMAL) loads; when it does not, err holds why. */
static bool
loads(const char *ini, struct buf *err)
{
    char text[1024];
    snprintf(text, sizeof text, MINIMAL "%s", ini);
    struct config *c = load(text, err);
    config_unref(c);
    return c != NULL;
}

static void
from_must_be_an_address_or_a_named_one(void)
{
    struct buf err = BUF_INIT;
    ok(!loads("[engine]\nfrom = not an address\n", &err), "from_must_be_an_address: a phrase");
    like(buf_str(&err), "tern.conf:8: [engine] from: \"not an address\" is not a mail address",
         "from_must_be_an_address: names file:line, key and value");
    ok(!loads("[engine]\nfrom = Shop <shop@example\n", &err),
       "from_must_be_an_address: an unclosed <");
    ok(loads("[engine]\nfrom = Shop <shop@example.com>\n", &err),
       "from_must_be_an_address_or_a_named_one: Name <address>");
    ok(loads("[engine]\nfrom = shop@example.com\n", &err),
       "from_must_be_an_address_or_a_named_one: a bare address");
    buf_free(&err);
}

static void
unsubscribe_mailto_must_be_an_address(void)
{
    struct buf err = BUF_INIT;
    ok(!loads("[milter]\nunsubscribe_mailto = foo bar>\n", &err),
       "unsubscribe_mailto_must_be_an_address: refused");
    like(buf_str(&err), "[milter] unsubscribe_mailto: \"foo bar>\" is not a mail address",
         "unsubscribe_mailto_must_be_an_address: named");
    ok(loads("[milter]\nunsubscribe_mailto = unsub@example.com\n", &err),
       "unsubscribe_mailto_must_be_an_address: an address is taken");
    buf_free(&err);
}

static void
managed_senders_are_addresses_or_domains(void)
{
    struct buf err = BUF_INIT;
    ok(!loads("[milter]\nmanaged_senders = news@example.com, @\n", &err),
       "managed_senders_are_addresses_or_domains: a bare @");
    like(buf_str(&err), "[milter] managed_senders: \"@\" is not a domain",
         "managed_senders_are_addresses_or_domains: the entry is named");
    ok(!loads("[milter]\nmanaged_senders = news\n", &err),
       "managed_senders_are_addresses_or_domains: a word");
    ok(loads("[milter]\nmanaged_senders = @shop.example, news@example.com\n", &err),
       "managed_senders_are_addresses_or_domains: both forms are taken");
    buf_free(&err);
}

static void
notrack_domains_are_domain_names(void)
{
    struct buf err = BUF_INIT;
    ok(!loads("[milter]\nnotrack_domains = example.org, https://example.com\n", &err),
       "notrack_domains_are_domain_names: a URL is refused");
    like(buf_str(&err), "[milter] notrack_domains: \"https://example.com\" is not a domain name",
         "notrack_domains_are_domain_names: the entry is named");
    ok(loads("[milter]\nnotrack_domains = example.org, .b.example, *.c.example\n", &err),
       "notrack_domains_are_domain_names: plain, .dot and *.star forms are taken");
    buf_free(&err);
}

int
main(void)
{
    from_must_be_an_address_or_a_named_one();
    unsubscribe_mailto_must_be_an_address();
    managed_senders_are_addresses_or_domains();
    notrack_domains_are_domain_names();
    sasl_tenants_entry_without_tenant_is_named();
    sasl_tenants_are_looked_up_by_exact_login();
    default_tenant_must_be_a_tenant_name();
    milter_and_track_defaults_are_filled();
    choice_outside_its_words_is_an_error();
    bad_network_in_list_is_named();
    list_iteration_trims_and_skips_empty_entries();
    bad_size_is_an_error();
    scanner_burst_is_at_most_the_links_remembered();
    lua_limits_are_bounded_where_they_are_read();
    minimal_config_gets_defaults();
    unknown_key_names_file_line_and_suggestion();
    unknown_section_is_an_error();
    missing_database_url_is_an_error();
    malformed_hmac_keys_are_errors();
    old_keys_are_validated_each();
    unreadable_file_is_an_error();
    every_problem_is_reported_at_once();
    key_set_twice_is_an_error();
    out_of_range_number_is_an_error();
    bad_database_url_is_an_error();
    syntax_error_names_the_line();
    comments_and_listen_forms_are_accepted();
    unix_socket_paths_must_fit_the_kernel_limit();
    durations_and_sizes_parse();
    reference_counting_keeps_snapshot_alive();
    return tap_done();
}
