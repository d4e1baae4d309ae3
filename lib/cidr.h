/*
 * cidr.h - sets of IPv4/IPv6 networks, and whether an address is in one
 *
 * Owns: parsing a comma-separated list of addresses and CIDR blocks
 * ("127.0.0.0/8, ::1, 2001:db8::/32", the syntax of every T_CIDRLIST key)
 * and matching addresses against it. Addresses are compared as 16-byte
 * IPv6; an IPv4 block also matches its IPv4-mapped form ::ffff:a.b.c.d,
 * which is how a dual-stack socket reports IPv4 peers.
 *
 * Depends on: lib/config (list iteration), libc sockets.
 *
 * DIAGNOSTICS
 *     cidr_set_new() fails with "\"10.0.0.0/33\" is not an address or CIDR
 *     block" or "out of memory".
 */
#ifndef TERN_CIDR_H
#define TERN_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

struct cidr_set;

/* Parse `list` (NULL or "" is the empty set). NULL with a reason on error. */
struct cidr_set *cidr_set_new(const char *list, char *err, size_t errlen);
void cidr_set_free(struct cidr_set *s);

/* Whether the text address `addr` ("192.0.2.1", "2001:db8::1") is in the set. */
bool cidr_set_has_text(const struct cidr_set *s, const char *addr);

/* Whether the socket address (AF_INET or AF_INET6; others: false) is in the set. */
bool cidr_set_has_sockaddr(const struct cidr_set *s, const struct sockaddr *sa);

/* Number of networks in the set. */
size_t cidr_set_size(const struct cidr_set *s);

#endif
