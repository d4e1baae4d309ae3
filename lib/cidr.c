/*
 * cidr.c - network sets (see cidr.h)
 *
 * Every network is stored as a 16-byte prefix and a bit length; IPv4 is
 * kept in its mapped form, so one prefix comparison serves both families.
 */
#include "cidr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

struct cidr_net {
    unsigned char prefix[16];
    unsigned bits; /* of the 128 */
};

struct cidr_set {
    struct cidr_net *nets;
    size_t n;
};

static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Text address into 16 bytes; `*family_bits` is 32 or 128. */
static bool
addr16(const char *text, unsigned char out[16], unsigned *family_bits)
{
    unsigned char v4[4];
    if (inet_pton(AF_INET, text, v4) == 1) {
        memcpy(out, v4_mapped, 12);
        memcpy(out + 12, v4, 4);
        *family_bits = 32;
        return true;
    }
    *family_bits = 128;
    return inet_pton(AF_INET6, text, out) == 1;
}

/* "a.b.c.d[/n]" or "v6[/n]". */
static bool
net_parse(const char *item, struct cidr_net *net)
{
    char host[INET6_ADDRSTRLEN + 1];
    size_t hlen = strcspn(item, "/");
    if (hlen == 0 || hlen >= sizeof host) return false;
    memcpy(host, item, hlen);
    host[hlen] = '\0';
    unsigned family_bits;
    if (!addr16(host, net->prefix, &family_bits)) return false;
    unsigned long bits = family_bits;
    if (item[hlen] == '/') {
        char *end;
        const char *digits = item + hlen + 1;
        bits = strtoul(digits, &end, 10);
        if (end == digits || *end || bits > family_bits) return false;
    }
    net->bits = (unsigned)bits + (128 - family_bits); /* an IPv4 /n is a mapped /(96+n) */
    return true;
}

static bool
net_has(const struct cidr_net *net, const unsigned char a[16])
{
    unsigned whole = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->prefix, a, whole) != 0) return false;
    if (rest == 0) return true;
    unsigned mask = (0xffu << (8 - rest)) & 0xffu;
    return ((net->prefix[whole] ^ a[whole]) & mask) == 0;
}

static bool
set_has16(const struct cidr_set *s, const unsigned char a[16])
{
    for (size_t i = 0; s && i < s->n; i++)
        if (net_has(&s->nets[i], a)) return true;
    return false;
}

static bool
set_push(struct cidr_set *s, const struct cidr_net *net)
{
    struct cidr_net *grown = realloc(s->nets, (s->n + 1) * sizeof *grown);
    if (!grown) return false;
    s->nets = grown;
    s->nets[s->n++] = *net;
    return true;
}

struct cidr_set *
cidr_set_new(const char *list, char *err, size_t errlen)
{
    struct cidr_set *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    const char *pos = list ? list : "";
    char item[128];
    while (config_list_next(&pos, item, sizeof item)) {
        struct cidr_net net;
        if (!item[0]) continue;
        if (!net_parse(item, &net)) {
            snprintf(err, errlen, "\"%s\" is not an address or CIDR block", item);
            cidr_set_free(s);
            return NULL;
        }
        if (!set_push(s, &net)) goto nomem;
    }
    return s;
nomem:
    snprintf(err, errlen, "out of memory");
    cidr_set_free(s);
    return NULL;
}

void
cidr_set_free(struct cidr_set *s)
{
    if (!s) return;
    free(s->nets);
    free(s);
}

bool
cidr_set_has_text(const struct cidr_set *s, const char *addr)
{
    unsigned char a[16];
    unsigned family_bits;
    return addr && addr16(addr, a, &family_bits) && set_has16(s, a);
}

bool
cidr_set_has_sockaddr(const struct cidr_set *s, const struct sockaddr *sa)
{
    unsigned char a[16];
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        memcpy(a, v4_mapped, 12);
        memcpy(a + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(a, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
    } else {
        return false;
    }
    return set_has16(s, a);
}

size_t
cidr_set_size(const struct cidr_set *s)
{
    return s ? s->n : 0;
}
