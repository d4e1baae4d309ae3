/*
 * xff.c - X-Forwarded-For, read from the right (see xff.h)
 */
#include "xff.h"

#include <arpa/inet.h>
#include <string.h>

static bool
blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The entry ending at `end` (exclusive), trimmed, into `out`; its start in *start. */
static bool
entry_before(const char *xff, size_t end, size_t *start, char out[XFF_IP_MAX])
{
    size_t s = end;
    while (s > 0 && xff[s - 1] != ',')
        s--;
    *start = s;
    size_t a = s, b = end;
    while (a < b && blank(xff[a]))
        a++;
    while (b > a && blank(xff[b - 1]))
        b--;
    unsigned char raw[16];
    if (b - a == 0 || b - a >= XFF_IP_MAX) return false;
    memcpy(out, xff + a, b - a);
    out[b - a] = '\0';
    return inet_pton(AF_INET, out, raw) == 1 || inet_pton(AF_INET6, out, raw) == 1;
}

bool
xff_client(const char *xff, const struct cidr_set *proxies, char ip[XFF_IP_MAX])
{
    char item[XFF_IP_MAX];
    bool found = false;
    for (size_t end = xff ? strlen(xff) : 0, start; end > 0; end = start ? start - 1 : 0) {
        if (!entry_before(xff, end, &start, item)) break;
        memcpy(ip, item, strlen(item) + 1);
        found = true;
        if (!cidr_set_has_text(proxies, item)) break; /* the first untrusted hop: the client */
    }
    return found;
}
