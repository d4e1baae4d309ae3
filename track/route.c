/*
 * route.c - the URL table (see route.h)
 *
 * One table row per endpoint: the path prefix, whether a token follows,
 * and the methods it takes. Matching is exact and allocation-free.
 */
#include "route.h"

#include <string.h>

#define M_GET  (1u << TR_GET)
#define M_HEAD (1u << TR_HEAD)
#define M_POST (1u << TR_POST)

struct route_row {
    enum tr_route route;
    const char *path; /* token routes end in '/' */
    bool token;
    unsigned methods;
    const char *name, *allow;
};

static const struct route_row routes[] = {
    {TR_CLICK, "/c/", true, M_GET | M_HEAD, "click", "GET, HEAD"},
    {TR_OPEN, "/o/", true, M_GET | M_HEAD, "open", "GET, HEAD"},
    {TR_UNSUBSCRIBE, "/u/", true, M_GET | M_HEAD | M_POST, "unsubscribe", "GET, HEAD, POST"},
    {TR_CONFIRM, "/confirm/", true, M_GET | M_HEAD | M_POST, "confirm", "GET, HEAD, POST"},
    {TR_PREFERENCES, "/p/", true, M_GET | M_HEAD | M_POST, "preferences", "GET, HEAD, POST"},
    {TR_EVENTS, "/v1/events", false, M_POST, "events", "POST"},
    {TR_HEALTHZ, "/healthz", false, M_GET | M_HEAD, "healthz", "GET, HEAD"},
    {TR_METRICS, "/metrics", false, M_GET | M_HEAD, "metrics", "GET, HEAD"},
};

#define NROUTES (sizeof routes / sizeof routes[0])

static const struct route_row *
row_of(enum tr_route r)
{
    for (size_t i = 0; i < NROUTES; i++)
        if (routes[i].route == r) return &routes[i];
    return NULL;
}

/* The token segment after `prefix`: non-empty, no further '/'. */
static bool
token_segment(const char *rest, struct tr_match *m, enum tr_route r)
{
    size_t len = strlen(rest);
    if (len == 0 || memchr(rest, '/', len)) return false;
    if (r == TR_OPEN && len > 4 && memcmp(rest + len - 4, ".gif", 4) == 0)
        len -= 4; /* the pixel may look like an image to picky clients */
    m->token = rest;
    m->token_len = len;
    return true;
}

/* `path` after `base` when it begins with it and a '/' follows; else `path`. */
static const char *
without_base(const char *path, const char *base)
{
    size_t blen = strlen(base);
    if (blen == 0 || strncmp(path, base, blen) != 0 || path[blen] != '/') return path;
    return path + blen;
}

void
tr_route_match(const char *path, const char *base, struct tr_match *m)
{
    *m = (struct tr_match){TR_NOT_FOUND, NULL, 0};
    path = without_base(path, base);
    for (size_t i = 0; i < NROUTES; i++) {
        const struct route_row *row = &routes[i];
        size_t plen = strlen(row->path);
        if (strncmp(path, row->path, plen) != 0) continue;
        if (row->token ? !token_segment(path + plen, m, row->route) : path[plen] != '\0') return;
        m->route = row->route;
        return;
    }
}

const char *
tr_route_base(const char *base_url)
{
    const char *host = strstr(base_url, "://");
    if (!host) return "";
    const char *slash = strchr(host + 3, '/');
    return slash ? slash : "";
}

enum tr_method
tr_method_parse(const char *method)
{
    if (strcmp(method, "GET") == 0) return TR_GET;
    if (strcmp(method, "HEAD") == 0) return TR_HEAD;
    if (strcmp(method, "POST") == 0) return TR_POST;
    return TR_OTHER_METHOD;
}

bool
tr_route_allows(enum tr_route route, enum tr_method method)
{
    const struct route_row *row = row_of(route);
    return row && method != TR_OTHER_METHOD && (row->methods & (1u << method));
}

const char *
tr_route_allow_header(enum tr_route route)
{
    const struct route_row *row = row_of(route);
    return row ? row->allow : "";
}

const char *
tr_route_name(enum tr_route route)
{
    const struct route_row *row = row_of(route);
    return row ? row->name : "other";
}
