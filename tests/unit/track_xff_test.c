/*
 * track_xff_test.c - the client behind trusted proxies (track/xff.c)
 *
 * The proxies trusted here are loopback and 10.0.0.0/8; the peer the
 * tracker saw is 127.0.0.1 in every case.
 */
#include <string.h>

#include "tap.h"
#include "xff.h"

static struct cidr_set *proxies;

static const char *
client(const char *xff)
{
    static char ip[XFF_IP_MAX];
    strcpy(ip, "127.0.0.1");
    xff_client(xff, proxies, ip);
    return ip;
}

static void
one_entry_is_the_client(void)
{
    is_str(client("203.0.113.7"), "203.0.113.7", "one_entry_is_the_client");
}

static void
what_the_client_claimed_is_ignored(void)
{
    is_str(client("1.1.1.1, 203.0.113.7"), "203.0.113.7",
           "what_the_client_claimed_is_ignored (the rightmost untrusted entry wins)");
}

static void
trusted_hops_are_skipped(void)
{
    is_str(client("203.0.113.7, 10.1.2.3,127.0.0.1"), "203.0.113.7", "trusted_hops_are_skipped");
}

static void
ipv6_clients_are_kept(void)
{
    is_str(client(" 2001:db8::5 "), "2001:db8::5", "ipv6_clients_are_kept (blanks trimmed)");
}

static void
a_malformed_entry_stops_the_walk(void)
{
    is_str(client("203.0.113.7, not-an-address"), "127.0.0.1",
           "a_malformed_entry_stops_the_walk (the peer stays)");
    is_str(client("evil\", 203.0.113.7"), "203.0.113.7",
           "a_malformed_entry_left_of_the_client_is_never_read");
}

static void
no_header_keeps_the_peer(void)
{
    is_str(client(NULL), "127.0.0.1", "no_header_keeps_the_peer");
    is_str(client(""), "127.0.0.1", "an_empty_header_keeps_the_peer");
}

int
main(void)
{
    char err[128];
    if (!(proxies = cidr_set_new("127.0.0.0/8, ::1, 10.0.0.0/8", err, sizeof err))) return 1;
    one_entry_is_the_client();
    what_the_client_claimed_is_ignored();
    trusted_hops_are_skipped();
    ipv6_clients_are_kept();
    a_malformed_entry_stops_the_walk();
    no_header_keeps_the_peer();
    cidr_set_free(proxies);
    return tap_done();
}
