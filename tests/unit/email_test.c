/*
 * email_test.c - e-mail address normalization
 */
#include <string.h>

#include "buf.h"
#include "email.h"
#include "tap.h"

/* The normalized address, or "ERR: reason". */
static const char *
norm(const char *in)
{
    static struct buf out = BUF_INIT;
    static char result[512];
    char err[256];
    enum email_status st = email_normalize(in, strlen(in), &out, err, sizeof err);
    if (st == EMAIL_OK)
        snprintf(result, sizeof result, "%s", buf_str(&out));
    else
        snprintf(result, sizeof result, "ERR: %s", err);
    return result;
}

/* `n` copies of `c`. */
static const char *
rep(char c, size_t n)
{
    static char s[4][400];
    static int which;
    char *p = s[which++ % 4];
    memset(p, c, n);
    p[n] = '\0';
    return p;
}

static void
lowercases_and_trims(void)
{
    is_str(norm("  Ann.Lee@Example.COM \t\r\n"), "ann.lee@example.com", "trim and lower-case");
    is_str(norm("o'brien+news@x-y.example"), "o'brien+news@x-y.example", "atext specials kept");
    is_str(norm("!#$%&'*+-/=?^_`{|}~@example.org"), "!#$%&'*+-/=?^_`{|}~@example.org",
           "every atext special");
}

static void
empty_address_is_refused(void)
{
    is_str(norm(""), "ERR: address is empty", "no bytes");
    is_str(norm(" \t "), "ERR: address is empty", "only whitespace");
}

static void
missing_or_extra_at_is_refused(void)
{
    is_str(norm("ann.example.com"), "ERR: missing @", "no @");
    is_str(norm("ann@lee@example.com"), "ERR: more than one @", "two @");
}

static void
local_part_length_is_limited(void)
{
    char a[200];
    snprintf(a, sizeof a, "%s@example.com", rep('a', 64));
    ok(strcmp(norm(a), a) == 0, "64-byte local part is fine");
    snprintf(a, sizeof a, "%s@example.com", rep('a', 65));
    is_str(norm(a), "ERR: local part longer than 64 bytes", "65-byte local part");
    is_str(norm("@example.com"), "ERR: local part is empty", "empty local part");
}

static void
local_part_dots_only_separate(void)
{
    is_str(norm(".ann@example.com"), "ERR: local part starts with a dot", "leading dot");
    is_str(norm("ann.@example.com"), "ERR: local part ends with a dot", "trailing dot");
    is_str(norm("ann..lee@example.com"), "ERR: local part has two dots in a row", "double dot");
}

static void
quoted_local_part_is_refused(void)
{
    is_str(norm("\"ann lee\"@example.com"), "ERR: quoted local parts are not supported",
           "quoted local part");
    is_str(norm("\"a@b\"@example.com"), "ERR: quoted local parts are not supported",
           "quoted local part holding an @");
}

static void
local_part_characters_are_atext(void)
{
    is_str(norm("ann lee@example.com"), "ERR: local part contains a space", "space");
    is_str(norm("ann,lee@example.com"), "ERR: local part contains \",\"", "comma");
    is_str(norm("ann(x)@example.com"), "ERR: local part contains \"(\"", "comment");
    is_str(norm("ann\x01@example.com"), "ERR: local part contains byte 0x01", "control byte");
}

static void
domain_needs_a_dot(void)
{
    is_str(norm("ann@x"), "ERR: domain \"x\" has no dot", "single label");
    is_str(norm("ann@"), "ERR: domain is empty", "empty domain");
}

static void
domain_labels_are_ldh(void)
{
    is_str(norm("ann@ex_ample.com"), "ERR: domain \"ex_ample.com\" contains \"_\"", "underscore");
    is_str(norm("ann@-x.com"), "ERR: domain label \"-x\" starts or ends with a hyphen",
           "leading hyphen");
    is_str(norm("ann@x-.com"), "ERR: domain label \"x-\" starts or ends with a hyphen",
           "trailing hyphen");
    is_str(norm("ann@x..com"), "ERR: domain has two dots in a row", "empty label");
    is_str(norm("ann@example.com."), "ERR: domain ends with a dot", "trailing root dot");
    is_str(norm("ann@.example.com"), "ERR: domain starts with a dot", "leading dot");
    is_str(norm("ann@[192.0.2.1]"), "ERR: address literals are not supported", "literal");
}

static void
domain_lengths_are_limited(void)
{
    char a[400];
    snprintf(a, sizeof a, "a@%s.com", rep('b', 63));
    ok(strcmp(norm(a), a) == 0, "63-byte label is fine");
    snprintf(a, sizeof a, "a@%s.com", rep('b', 64));
    like(norm(a), "longer than 63 bytes", "64-byte label");
    /* 4 labels of 63 + 3 dots = 255 bytes */
    snprintf(a, sizeof a, "a@%s.%s.%s.%s", rep('b', 63), rep('c', 63), rep('d', 63), rep('e', 63));
    is_str(norm(a), "ERR: domain longer than 253 bytes", "255-byte domain");
}

static void
total_length_is_limited(void)
{
    char a[400];
    /* 1 + 1 + 63.63.63.61 (253) = 255 bytes */
    snprintf(a, sizeof a, "a@%s.%s.%s.%s", rep('b', 63), rep('c', 63), rep('d', 63), rep('e', 61));
    is_str(norm(a), "ERR: address longer than 254 bytes", "255-byte address");
    snprintf(a, sizeof a, "a@%s.%s.%s.%s", rep('b', 63), rep('c', 63), rep('d', 63), rep('e', 60));
    ok(strcmp(norm(a), a) == 0, "254-byte address is fine");
}

static void
internationalized_addresses_keep_non_ascii(void)
{
    is_str(norm("J\xC3\xB6rg@B\xC3\xBC"
                "cher.Example"),
           "j\xC3\xB6rg@b\xC3\xBC"
           "cher.example",
           "UTF-8 kept, ASCII lower-cased");
    is_str(norm("J\xC3\x96RG@x.de"), "j\xC3\x96rg@x.de", "non-ASCII capitals stay as they are");
    is_str(norm("ann@b\xC3\xBC\xC3"), "ERR: address is not valid UTF-8 (byte 8)",
           "truncated UTF-8");
    is_str(norm("\xC0\xAF@x.de"), "ERR: address is not valid UTF-8 (byte 1)", "overlong UTF-8");
}

static void
failure_leaves_output_empty(void)
{
    struct buf out = BUF_INIT;
    char err[64];
    email_normalize("a@b.c", 5, &out, err, sizeof err);
    enum email_status st = email_normalize("nope", 4, &out, err, sizeof err);
    is_int(st, EMAIL_INVALID, "invalid status");
    is_str(buf_str(&out), "", "output reset");
    is_str(err, "missing @", "reason given");
    buf_free(&out);
}

int
main(void)
{
    lowercases_and_trims();
    empty_address_is_refused();
    missing_or_extra_at_is_refused();
    local_part_length_is_limited();
    local_part_dots_only_separate();
    quoted_local_part_is_refused();
    local_part_characters_are_atext();
    domain_needs_a_dot();
    domain_labels_are_ldh();
    domain_lengths_are_limited();
    total_length_is_limited();
    internationalized_addresses_keep_non_ascii();
    failure_leaves_output_empty();
    return tap_done();
}
