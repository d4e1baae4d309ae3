/*
 * xff.h - the client behind trusted proxies, from X-Forwarded-For
 *
 * Owns: reading "X-Forwarded-For: client, proxy1, proxy2" the only safe
 * way: from the right. Each proxy appends the address it saw, so the
 * rightmost entry came from the last proxy (which the caller trusts);
 * entries are taken leftwards while they are themselves trusted proxies,
 * and the first one that is not is the client. Anything left of it is
 * whatever the client claimed and is ignored. A malformed entry stops the
 * walk: the last good address wins.
 *
 * Depends on: lib/cidr, libc.
 */
#ifndef TERN_TRACK_XFF_H
#define TERN_TRACK_XFF_H

#include <stdbool.h>

#include "cidr.h"

#define XFF_IP_MAX 46 /* INET6_ADDRSTRLEN */

/* Replace `ip` with the client named by `xff` (NULL: no header); true when it did. */
bool xff_client(const char *xff, const struct cidr_set *proxies, char ip[XFF_IP_MAX]);

#endif
