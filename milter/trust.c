/*
 * trust.c - trusted networks (lib/cidr) and managed senders
 */
#include "trust.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cidr.h"
#include "config.h"

struct trust {
    struct cidr_set *nets;
};

struct trust *
trust_new(const char *list, char *err, size_t errlen)
{
    struct trust *t = calloc(1, sizeof *t);
    char why[256];
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!(t->nets = cidr_set_new(list, why, sizeof why))) {
        snprintf(err, errlen, "trusted_networks: %s", why);
        free(t);
        return NULL;
    }
    return t;
}

void
trust_free(struct trust *t)
{
    if (!t) return;
    cidr_set_free(t->nets);
    free(t);
}

bool
trust_sockaddr(const struct trust *t, const struct sockaddr *sa)
{
    return t && sa && cidr_set_has_sockaddr(t->nets, sa);
}

bool
trust_text(const struct trust *t, const char *addr)
{
    if (!t || !addr) return false;
    if (strncasecmp(addr, "IPv6:", 5) == 0) addr += 5; /* Postfix's {client_addr} form */
    return cidr_set_has_text(t->nets, addr);
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
