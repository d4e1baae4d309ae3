/*
 * milter_trust_test.c - trusted networks and managed senders
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "tap.h"
#include "trust.h"

static void
ipv4_cidr_matches_inside_only(void)
{
    char err[128];
    struct trust *t = trust_new("10.1.0.0/16, 192.0.2.7", err, sizeof err);
    ok(t != NULL, "parsed");
    ok(trust_text(t, "10.1.255.3"), "inside /16");
    ok(!trust_text(t, "10.2.0.1"), "outside /16");
    ok(trust_text(t, "192.0.2.7"), "single address");
    ok(!trust_text(t, "192.0.2.8"), "its neighbour is not");
    trust_free(t);
}

static void
ipv6_cidr_matches(void)
{
    char err[128];
    struct trust *t = trust_new("::1, 2001:db8:ab::/48", err, sizeof err);
    ok(trust_text(t, "::1"), "loopback");
    ok(trust_text(t, "IPv6:2001:db8:ab:1::5"), "Postfix's IPv6: prefix accepted");
    ok(!trust_text(t, "2001:db8:ac::5"), "outside /48");
    trust_free(t);
}

static void
ipv4_mapped_ipv6_matches_ipv4_blocks(void)
{
    char err[128];
    struct trust *t = trust_new("127.0.0.0/8", err, sizeof err);
    struct sockaddr_in6 s6;
    memset(&s6, 0, sizeof s6);
    s6.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr);
    ok(trust_sockaddr(t, (struct sockaddr *)&s6), "::ffff:127.0.0.1 is 127.0.0.1");
    ok(trust_text(t, "::ffff:127.1.2.3"), "as text too");
    ok(!trust_text(t, "::ffff:128.0.0.1"), "mapped outside address is not");
    trust_free(t);
}

static void
bad_cidr_is_refused(void)
{
    char err[128] = "";
    ok(trust_new("10.0.0.0/33", err, sizeof err) == NULL, "/33 refused");
    like(err, "10.0.0.0/33", "reason names it");
}

static void
non_ip_socket_is_not_trusted(void)
{
    char err[128];
    struct trust *t = trust_new("0.0.0.0/0", err, sizeof err);
    struct sockaddr sa = {.sa_family = AF_UNIX};
    ok(!trust_sockaddr(t, &sa), "AF_UNIX is not an address to trust");
    trust_free(t);
}

static void
managed_senders_match_address_or_domain(void)
{
    const char *list = "news@example.com, @shop.example";
    ok(trust_sender_managed(list, "<News@Example.com>"), "address, any case, with <>");
    ok(trust_sender_managed(list, "orders@shop.example"), "domain entry");
    ok(!trust_sender_managed(list, "orders@sub.shop.example"), "subdomain is another domain");
    ok(!trust_sender_managed(list, "other@example.com"), "other address");
    ok(!trust_sender_managed(list, ""), "null sender");
    ok(!trust_sender_managed(NULL, "news@example.com"), "no list: nothing");
}

int
main(void)
{
    ipv4_cidr_matches_inside_only();
    ipv6_cidr_matches();
    ipv4_mapped_ipv6_matches_ipv4_blocks();
    bad_cidr_is_refused();
    non_ip_socket_is_not_trusted();
    managed_senders_match_address_or_domain();
    return tap_done();
}
