/*
 * cmd_token.c - `tern token`: issue a signed tracking URL, or inspect one
 *
 * For support and tests: the URL printed is exactly what the milter would
 * put into a message (same keyring, same base_url), and `inspect` shows
 * what a URL from a customer's complaint says and whether it verifies.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "token.h"

#define DAY 86400

struct token_args {
    const char *what, *url, *contact, *message, *link, *list, *ttl;
};

static int
parse_args(int argc, char **argv, struct token_args *a)
{
    static const struct option opts[] = {
        {"contact", required_argument, NULL, 'c'}, {"message", required_argument, NULL, 'm'},
        {"link", required_argument, NULL, 'l'},    {"list", required_argument, NULL, 'L'},
        {"ttl", required_argument, NULL, 't'},     {0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': a->contact = optarg; break;
        case 'm': a->message = optarg; break;
        case 'l': a->link = optarg; break;
        case 'L': a->list = optarg; break;
        case 't': a->ttl = optarg; break;
        default: return -1;
        }
    }
    if (optind < argc) a->what = argv[optind++];
    if (optind < argc) a->url = argv[optind++];
    return a->what && optind == argc ? 0 : -1;
}

/* Parse a non-negative integer option; -1 after printing why it is bad. */
static int
parse_count(const char *opt, const char *s, int64_t max, int64_t *out)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v < 0 || v > max) {
        cli_error("token", "%s: \"%s\" is not a number between 0 and %" PRId64, opt, s, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int
fill_message(struct tok_claims *c, const char *message)
{
    if (!message) {
        /* A support URL without a message: the nil UUID says so plainly. */
        memset(c->message, 0, sizeof c->message);
        return 0;
    }
    if (!tok_uuid_parse(message, strlen(message), c->message)) {
        cli_error("token", "--message: \"%s\" is not a UUID", message);
        return -1;
    }
    c->has_message = true;
    return 0;
}

/* An option given to a purpose that has no use for it: -1 after saying so (a --list on an
 * open URL is a mistake, not something to drop quietly). */
static int
only_where_it_applies(enum tok_purpose purpose, const struct token_args *a)
{
    const char *bad = a->link && purpose != TOK_CLICK                                  ? "--link"
                      : a->list && purpose != TOK_UNSUBSCRIBE                          ? "--list"
                      : a->ttl && purpose != TOK_CONFIRM && purpose != TOK_PREFERENCES ? "--ttl"
                                                                                       : NULL;
    if (!bad) return 0;
    cli_error("token", "%s does not apply to %s URLs", bad, tok_purpose_name(purpose));
    return -1;
}

/* Fill the claims of `purpose` from the options; -1 after printing why not. */
static int
fill_claims(enum tok_purpose purpose, const struct token_args *a, struct tok_claims *c)
{
    if (only_where_it_applies(purpose, a) < 0) return -1;
    memset(c, 0, sizeof *c);
    c->purpose = purpose;
    if (a->contact && parse_count("--contact", a->contact, INT64_MAX, &c->contact) < 0) return -1;
    if (fill_message(c, a->message) < 0) return -1;
    bool needs_contact = purpose != TOK_CLICK && purpose != TOK_OPEN;
    if (needs_contact && c->contact == 0) {
        cli_error("token", "%s tokens need --contact ID", tok_purpose_name(purpose));
        return -1;
    }
    if (purpose == TOK_CLICK) {
        int64_t link = 0;
        if (a->link && parse_count("--link", a->link, UINT32_MAX, &link) < 0) return -1;
        c->link = (uint32_t)link;
        if (!a->url || !tok_claims_set_url(c, a->url, strlen(a->url))) {
            cli_error("token", "click tokens need a destination URL of 1 to %d bytes", TOK_URL_MAX);
            return -1;
        }
    } else if (a->url) {
        cli_error("token", "only click tokens take a URL");
        return -1;
    }
    /* "all": the tracker's name for every list of the contact (doc/track.md) */
    if (purpose == TOK_UNSUBSCRIBE && !tok_claims_set_list(c, a->list ? a->list : "all")) {
        cli_error("token", "--list: 1 to %d of the characters A-Z a-z 0-9 . _ : -", TOK_LIST_MAX);
        return -1;
    }
    if (purpose == TOK_CONFIRM || purpose == TOK_PREFERENCES) {
        int64_t ttl_ms = 30LL * DAY * 1000;
        if (a->ttl && (!config_parse_duration_ms(a->ttl, &ttl_ms) || ttl_ms < 1000)) {
            cli_error("token", "--ttl: \"%s\" is not a duration like 7d", a->ttl);
            return -1;
        }
        c->issued = (int64_t)time(NULL);
        c->expires = c->issued + ttl_ms / 1000;
    }
    return 0;
}

static struct tok_keyring *
keyring_from(const struct config *cfg)
{
    char err[256];
    struct tok_keyring *ring = tok_keyring_new();
    if (!ring) {
        cli_error("token", "out of memory");
        return NULL;
    }
    if (tok_keyring_add(ring, cfg->keys.hmac, true, err, sizeof err) < 0 ||
        tok_keyring_add(ring, cfg->keys.hmac_old ? cfg->keys.hmac_old : "", false, err,
                        sizeof err) < 0) {
        cli_error("token", "%s", err);
        tok_keyring_free(ring);
        return NULL;
    }
    return ring;
}

static int
issue(const struct config *cfg, enum tok_purpose purpose, const struct token_args *a)
{
    struct tok_claims c;
    if (fill_claims(purpose, a, &c) < 0) return EXIT_USAGE;
    struct tok_keyring *ring = keyring_from(cfg);
    if (!ring) return EXIT_FAIL;
    struct buf url = BUF_INIT;
    char err[256];
    int rc = tok_url(ring, cfg->track.base_url, &c, &url, err, sizeof err);
    if (rc == 0)
        printf("%s\n", buf_str(&url));
    else
        cli_error("token", "%s", err);
    buf_free(&url);
    tok_keyring_free(ring);
    return rc == 0 ? EXIT_OK : EXIT_USAGE;
}

/* The token inside a URL or path: the last path segment, without ".gif". */
static void
token_of(const char *arg, const char **tok, size_t *len)
{
    size_t n = strcspn(arg, "?#");
    while (n > 0 && arg[n - 1] == '/')
        n--;
    const char *start = arg;
    for (size_t i = 0; i < n; i++)
        if (arg[i] == '/') start = arg + i + 1;
    *len = n - (size_t)(start - arg);
    if (*len > 4 && strncmp(start + *len - 4, ".gif", 4) == 0) *len -= 4;
    *tok = start;
}

static void
print_time(const char *label, int64_t t)
{
    char when[32];
    time_t tt = (time_t)t;
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
    printf("%-9s %s\n", label, when);
}

static void
print_claims(const struct tok_claims *c)
{
    char uuid[TOK_UUID_STRLEN + 1];
    printf("%-9s %s\n", "purpose", tok_purpose_name(c->purpose));
    printf("%-9s %s\n", "key", c->key_id);
    printf("%-9s %" PRId64 "%s\n", "contact", c->contact, c->contact ? "" : " (anonymous)");
    if (c->purpose == TOK_CLICK || c->purpose == TOK_OPEN || c->has_message) {
        tok_uuid_format(c->message, uuid);
        printf("%-9s %s\n", "message", uuid);
    }
    if (c->purpose == TOK_CLICK) {
        printf("%-9s %" PRIu32 "\n", "link", c->link);
        printf("%-9s %s\n", "url", c->url);
    }
    if (c->purpose == TOK_UNSUBSCRIBE) printf("%-9s %s\n", "list", *c->list ? c->list : "(all)");
    if (c->purpose == TOK_CONFIRM || c->purpose == TOK_PREFERENCES) {
        print_time("issued", c->issued);
        print_time("expires", c->expires);
    }
}

/* Print what the token says, then whether it verifies: 0 valid, 1 not. */
static int
inspect(const struct config *cfg, const char *arg)
{
    const char *tok;
    size_t len;
    token_of(arg, &tok, &len);
    struct tok_claims c;
    char err[256];
    if (tok_inspect(tok, len, &c, err, sizeof err) < 0) {
        printf("%-9s no: %s\n", "valid", err);
        return EXIT_FAIL;
    }
    print_claims(&c);
    struct tok_keyring *ring = keyring_from(cfg);
    if (!ring) return EXIT_FAIL;
    struct tok_claims v;
    int rc = tok_verify(ring, tok, len, c.purpose, (int64_t)time(NULL), &v, err, sizeof err);
    printf("%-9s %s%s\n", "valid", rc == 0 ? "yes" : "no: ", rc == 0 ? "" : err);
    tok_keyring_free(ring);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

int
cmd_token(struct cli *cli, int argc, char **argv)
{
    struct token_args a = {0};
    bool ok = parse_args(argc, argv, &a) == 0;
    enum tok_purpose purpose = ok ? tok_purpose_from_name(a.what) : 0;
    bool is_inspect = ok && strcmp(a.what, "inspect") == 0;
    if ((!purpose && !is_inspect) || (is_inspect && !a.url)) {
        cli_usage(cli_command("token"), true);
        return EXIT_USAGE;
    }
    struct config *cfg = cli_config(cli);
    if (!cfg) return EXIT_FAIL;
    int rc = is_inspect ? inspect(cfg, a.url) : issue(cfg, purpose, &a);
    config_unref(cfg);
    return rc;
}
