/*
 * tenant_test.c - tenant names and the scripts folders no tenant owns
 */
#include <string.h>

#include "tap.h"
#include "tenant.h"

static bool
valid(const char *s)
{
    return tenant_name_valid(s, strlen(s));
}

static bool
shared(const char *s)
{
    return tenant_folder_shared(s, strlen(s));
}

static void
tenant_names_follow_the_schema_check(void)
{
    ok(valid("nl") && valid("shop-be") && valid("0x_1"), "lower-case, digits, _ and - pass");
    ok(!valid("NL"), "capitals are refused");
    ok(!valid("-nl") && !valid("_nl"), "a name starts with a letter or digit");
    ok(!valid(""), "the empty name is refused");
    char longest[TENANT_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    ok(tenant_name_valid(longest, TENANT_NAME_MAX), "63 characters pass");
    ok(!tenant_name_valid(longest, TENANT_NAME_MAX + 1), "64 characters are refused");
}

static void
shared_folders_are_no_tenants(void)
{
    ok(shared("journeys") && shared("segments") && shared("hooks") && shared("lib"),
       "journeys, segments, hooks and lib are shared");
    ok(!shared("nl") && !shared("libs") && !shared("hook"), "any other name is a tenant's");
    ok(tenant_folder_shared("lib/x", 3), "only the `n` bytes given count");
}

int
main(void)
{
    tenant_names_follow_the_schema_check();
    shared_folders_are_no_tenants();
    return tap_done();
}
