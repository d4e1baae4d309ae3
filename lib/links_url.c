/*
 * links_url.c - which URLs are offered to the caller
 *
 * SYNOPSIS
 *     links_url_offerable(url, len, notrack_domains)
 *
 * DESCRIPTION
 *     A URL is offered only when rewriting it cannot break it or leak
 *     something it should not: an absolute http:// or https:// URL (scheme
 *     in any case) whose host is not empty and holds no blank, control or
 *     delimiter character, with no blank or control character anywhere (a
 *     browser would repair those, a redirect cannot), no template
 *     placeholder of another system (they are expanded later, per
 *     recipient, and must stay visible to it), and a host that is not one
 *     of the notrack domains or below one. Everything else is left alone:
 *     mailto:, tel:, #fragments, relative URLs and garbage are simply not
 *     http(s) URLs with a host.
 *
 *     Host comparison is ASCII case-insensitive and ignores one trailing
 *     dot; "example.com" matches "example.com" and "a.b.example.com" but
 *     not "notexample.com". A notrack entry may be written ".example.com"
 *     or "*.example.com"; it means the same.
 *
 *     Reads only its arguments; no allocation.
 */
#include "links_int.h"

#include <string.h>
#include <strings.h>

/* ---- placeholders ---- */

/* Opening and closing marks of merge tags of other mail systems. */
static const struct {
    const char *open, *close;
} placeholders[] = {
    {"{{", "}}"},         /* Mustache, Handlebars, Liquid */
    {"*|", "|*"},         /* Mailchimp */
    {"%%", "%%"},         /* Salesforce Marketing Cloud, Acoustic */
    {"%7b%7b", "%7d%7d"}, /* a Mustache tag some editors percent-encoded */
    {"*%7c", "%7c*"},     /* the same for Mailchimp */
};

/* Case-insensitive memmem for a short needle that starts with a non-letter. */
static const char *
find_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (const char *p = s; (p = memchr(p, needle[0], n - (size_t)(p - s))) != NULL; p++) {
        if ((size_t)(s + n - p) < k) return NULL;
        if (strncasecmp(p, needle, k) == 0) return p;
    }
    return NULL;
}

/* Every opening mark starts with one of these: the common URL pays one strpbrk. */
#define PLACEHOLDER_STARTS "{*%"

static bool
has_placeholder(const char *url, size_t len)
{
    if (!strpbrk(url, PLACEHOLDER_STARTS)) return false; /* url is NUL-terminated */
    for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
        const char *o = find_ci(url, len, placeholders[i].open);
        if (!o) continue;
        size_t after = (size_t)(o - url) + strlen(placeholders[i].open);
        if (find_ci(url + after, len - after, placeholders[i].close)) return true;
    }
    return false;
}

/* ---- the authority ---- */

struct host {
    const char *p;
    size_t n;
};

/* Characters a host may not hold (besides blanks and controls, refused everywhere). */
static bool
forbidden_in_host(unsigned char c)
{
    switch (c) { /* a switch, not strchr: this runs for every byte of every link's host */
    case '#':
    case '/':
    case '<':
    case '>':
    case '?':
    case '@':
    case '[':
    case '\\':
    case ']':
    case '^':
    case '|':
    case '"':
    case '{':
    case '}':
    case '`': return true;
    default: return false;
    }
}

static bool
port_ok(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    return true;
}

/* Split "[user@]host[:port]" and check it; false when there is no usable host. */
static bool
parse_authority(const char *a, size_t n, struct host *h)
{
    const char *at = memrchr(a, '@', n);
    if (at) {
        n -= (size_t)(at + 1 - a);
        a = at + 1;
    }
    if (n && a[0] == '[') { /* IPv6 literal */
        const char *close = memchr(a, ']', n);
        if (!close) return false;
        size_t hn = (size_t)(close + 1 - a), rest = n - hn;
        if (rest && (close[1] != ':' || !port_ok(close + 2, rest - 1))) return false;
        *h = (struct host){a, hn};
        return hn > 2;
    }
    const char *colon = memrchr(a, ':', n);
    size_t hn = colon ? (size_t)(colon - a) : n;
    if (colon && !port_ok(colon + 1, n - hn - 1)) return false;
    for (size_t i = 0; i < hn; i++)
        if (forbidden_in_host((unsigned char)a[i])) return false;
    *h = (struct host){a, hn};
    return hn > 0;
}

/* ---- notrack domains ---- */

/* Is `h` the domain d[0, dn) or below it? */
static bool
host_within(struct host h, const char *d, size_t dn)
{
    if (h.n && h.p[h.n - 1] == '.') h.n--;
    if (dn && d[dn - 1] == '.') dn--;
    if (!dn || h.n < dn || strncasecmp(h.p + h.n - dn, d, dn) != 0) return false;
    return h.n == dn || h.p[h.n - dn - 1] == '.';
}

static bool
notracked(struct host h, const char *list)
{
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        const char *d = p;
        size_t dn = n;
        while (dn && links_is_space((unsigned char)*d))
            d++, dn--;
        while (dn && links_is_space((unsigned char)d[dn - 1]))
            dn--;
        if (dn >= 2 && d[0] == '*' && d[1] == '.') d += 2, dn -= 2;
        if (dn && d[0] == '.') d++, dn--;
        if (host_within(h, d, dn)) return true;
        p += n + (p[n] == ',');
    }
    return false;
}

/* ---- the policy ---- */

static size_t
scheme_len(const char *url, size_t len)
{
    if (len >= 7 && strncasecmp(url, "http://", 7) == 0) return 7;
    if (len >= 8 && strncasecmp(url, "https://", 8) == 0) return 8;
    return 0;
}

static bool
has_blank_or_control(const char *url, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) return true;
    }
    return false;
}

bool
links_url_offerable(const char *url, size_t len, const char *notrack_domains)
{
    size_t s = scheme_len(url, len);
    if (!s || has_blank_or_control(url, len) || has_placeholder(url, len)) return false;
    const char *a = url + s;
    size_t an = strcspn(a, "/?#\\"); /* url is NUL-terminated and holds no NUL */
    if (an > len - s) an = len - s;
    struct host h;
    if (!parse_authority(a, an, &h)) return false;
    return !notracked(h, notrack_domains);
}
