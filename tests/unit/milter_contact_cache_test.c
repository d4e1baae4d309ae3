/*
 * milter_contact_cache_test.c - the contact cache in front of a fake loader
 */
#include <string.h>
#include <unistd.h>

#include "contact_cache.h"
#include "tap.h"

static int loads;
static int mode; /* 1 found, 0 none, -1 fail */

static int
loader(void *ctx, const char *tenant, const char *email, json_t **out, char *err, size_t errlen)
{
    loads++;
    if (mode < 0) {
        snprintf(err, errlen, "down");
        return -1;
    }
    if (mode == 0) return 0;
    *out = json_pack("{s:i,s:s}", "id", 7, "email", email);
    return 1;
}

static int
get(struct ccache *c, const char *tenant, const char *email)
{
    json_t *j = NULL;
    char err[64];
    int rc = ccache_get(c, tenant, email, &j, err, sizeof err);
    json_decref(j);
    return rc;
}

static void
found_contact_is_served_from_cache(void)
{
    struct ccache *c = ccache_new(10, 60000, loader, NULL);
    loads = 0;
    mode = 1;
    is_int(get(c, "t", "Ann@Example.org"), 1, "found");
    is_int(get(c, "t", "ann@example.org"), 1, "found again, any case");
    is_int(loads, 1, "loaded once");
    is_int(get(c, "other", "ann@example.org"), 1, "another tenant");
    is_int(loads, 2, "is another key");
    ccache_free(c);
}

static void
missing_contact_is_cached_too(void)
{
    struct ccache *c = ccache_new(10, 60000, loader, NULL);
    loads = 0;
    mode = 0;
    is_int(get(c, "t", "x@example.org"), 0, "none");
    is_int(get(c, "t", "x@example.org"), 0, "none again");
    is_int(loads, 1, "negative answer cached");
    ccache_free(c);
}

static void
failures_are_not_cached(void)
{
    struct ccache *c = ccache_new(10, 60000, loader, NULL);
    loads = 0;
    mode = -1;
    is_int(get(c, "t", "x@example.org"), -1, "failed");
    mode = 1;
    is_int(get(c, "t", "x@example.org"), 1, "next call asks again and succeeds");
    is_int(loads, 2, "two loads");
    ccache_free(c);
}

static void
entries_expire_after_ttl(void)
{
    struct ccache *c = ccache_new(10, 5, loader, NULL);
    loads = 0;
    mode = 1;
    get(c, "t", "a@example.org");
    usleep(20000);
    get(c, "t", "a@example.org");
    is_int(loads, 2, "reloaded after the TTL");
    ccache_free(c);
}

static void
cache_is_bounded_oldest_first(void)
{
    struct ccache *c = ccache_new(2, 60000, loader, NULL);
    loads = 0;
    mode = 1;
    get(c, "t", "a@x");
    get(c, "t", "b@x");
    get(c, "t", "c@x");
    struct ccache_stats st;
    ccache_stats(c, &st);
    is_int(st.entries, 2, "two entries kept");
    get(c, "t", "c@x");
    is_int(loads, 3, "newest still cached");
    get(c, "t", "a@x");
    is_int(loads, 4, "oldest was evicted");
    ccache_free(c);
}

int
main(void)
{
    found_contact_is_served_from_cache();
    missing_contact_is_cached_too();
    failures_are_not_cached();
    entries_expire_after_ttl();
    cache_is_bounded_oldest_first();
    return tap_done();
}
