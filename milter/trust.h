/*
 * trust.h - who may submit managed mail: trusted networks, SASL, managed senders
 *
 * Owns: matching a client address against milter.trusted_networks (CIDR
 * blocks, IPv4 and IPv6, through lib/cidr: an IPv4-mapped IPv6 address
 * ::ffff:a.b.c.d matches the IPv4 blocks) and an envelope sender against
 * milter.managed_senders ("news@example.com" matches that address,
 * "@shop.example" every address of that domain; case-insensitive).
 * A submitter is trusted when its address matches or it authenticated
 * with SASL (the shell checks {auth_authen}).
 *
 * Depends on: lib/cidr, lib/config (list iteration).
 */
#ifndef TERN_MILTER_TRUST_H
#define TERN_MILTER_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include <sys/socket.h>

struct trust;

/* Parse a comma-separated CIDR list ("127.0.0.0/8, ::1"). NULL with a reason on error. */
struct trust *trust_new(const char *list, char *err, size_t errlen);
void trust_free(struct trust *t);

/* Whether a socket address (AF_INET or AF_INET6; anything else: false) is trusted. */
bool trust_sockaddr(const struct trust *t, const struct sockaddr *sa);

/* The same for a textual address: "192.0.2.1", "2001:db8::1", "IPv6:2001:db8::1". */
bool trust_text(const struct trust *t, const char *addr);

/* Whether `sender` (with or without <>) matches the managed_senders list `list` (NULL: none). */
bool trust_sender_managed(const char *list, const char *sender);

#endif
