/*
 * trust.c - CIDR matching for trusted networks, and managed senders
 *
 * Addresses are kept as 16-byte IPv6; IPv4 blocks become ::ffff:a.b.c.d/96+n
 * so one comparison serves both families and mapped addresses match.
 */
#include "trust.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

struct net {
    unsigned char addr[16];
    unsigned bits;
};

struct trust {
    struct net *nets;
    size_t n;
};

static void
mapv4(const struct in_addr *a4, unsigned char out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 12, a4, 4);
}

/* "a.b.c.d" or an IPv6 literal (optionally "IPv6:"-prefixed) into 16 bytes. */
static bool
parse_addr(const char *s, unsigned char out[16], bool *v4)
{
    struct in_addr a4;
    if (strncasecmp(s, "IPv6:", 5) == 0) s += 5;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        mapv4(&a4, out);
        *v4 = true;
        return true;
    }
    *v4 = false;
    return inet_pton(AF_INET6, s, out) == 1;
}

static bool
parse_net(const char *item, struct net *n)
{
    char host[64];
    const char *slash = strchr(item, '/');
    size_t hl = slash ? (size_t)(slash - item) : strlen(item);
    if (hl == 0 || hl >= sizeof host) return false;
    memcpy(host, item, hl);
    host[hl] = '\0';
    bool v4;
    if (!parse_addr(host, n->addr, &v4)) return false;
    unsigned max = v4 ? 32 : 128, bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || b < 0 || b > (long)max) return false;
        bits = (unsigned)b;
    }
    n->bits = v4 ? bits + 96 : bits;
    return true;
}

struct trust *
trust_new(const char *list, char *err, size_t errlen)
{
    struct trust *t = calloc(1, sizeof *t);
    if (!t) goto nomem;
    const char *pos = list ? list : "";
    char item[128];
    while (config_list_next(&pos, item, sizeof item)) {
        if (!item[0]) continue;
        struct net *nn = realloc(t->nets, (t->n + 1) * sizeof *nn);
        if (!nn) goto nomem;
        t->nets = nn;
        if (!parse_net(item, &t->nets[t->n])) {
            snprintf(err, errlen, "trusted_networks: \"%s\" is not an address or CIDR block", item);
            trust_free(t);
            return NULL;
        }
        t->n++;
    }
    return t;
nomem:
    snprintf(err, errlen, "out of memory");
    trust_free(t);
    return NULL;
}

void
trust_free(struct trust *t)
{
    if (!t) return;
    free(t->nets);
    free(t);
}

static bool
in_net(const struct net *n, const unsigned char a[16])
{
    unsigned full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(n->addr, a, full) != 0) return false;
    if (!rest) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (n->addr[full] & mask) == (a[full] & mask);
}

static bool
match16(const struct trust *t, const unsigned char a[16])
{
    for (size_t i = 0; t && i < t->n; i++)
        if (in_net(&t->nets[i], a)) return true;
    return false;
}

bool
trust_sockaddr(const struct trust *t, const struct sockaddr *sa)
{
    unsigned char a[16];
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        mapv4(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, a);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    } else {
        return false;
    }
    return match16(t, a);
}

bool
trust_text(const struct trust *t, const char *addr)
{
    unsigned char a[16];
    bool v4;
    if (!addr || !parse_addr(addr, a, &v4)) return false;
    return match16(t, a);
}

/* The address without angle brackets, into `out`; false when it does not fit. */
static bool
bare(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') s++, n -= 2;
    if (n >= outlen) return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

bool
trust_sender_managed(const char *list, const char *sender)
{
    char addr[512], item[512];
    if (!list || !sender || !bare(sender, addr, sizeof addr) || !addr[0]) return false;
    const char *at = strrchr(addr, '@');
    const char *pos = list;
    while (config_list_next(&pos, item, sizeof item)) {
        if (!item[0]) continue;
        if (item[0] == '@') {
            if (at && strcasecmp(at + 1, item + 1) == 0) return true;
        } else if (strcasecmp(addr, item) == 0) {
            return true;
        }
    }
    return false;
}
