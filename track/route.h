/*
 * route.h - which endpoint a request path names, and which methods it takes
 *
 * Owns: the URL table of DESIGN.md 4.5, as data. Pure: no I/O, no
 * allocation, so the fuzzer can hammer it and the server calls it once per
 * request. A path either names an endpoint exactly (plus, for token
 * routes, one non-empty path segment holding the token) or it is not
 * found; there is no prefix matching, trailing slash or "..". When
 * track.base_url has a path (https://example.com/t), the paths below are
 * also found under it (/t/c/<token>), since the links carry it; a proxy
 * that strips it is served as well.
 *
 *     /c/<token>            click         GET HEAD
 *     /o/<token>[.gif]      open          GET HEAD
 *     /u/<token>            unsubscribe   GET HEAD POST
 *     /confirm/<token>      confirm       GET HEAD POST
 *     /p/<token>            preferences   GET HEAD POST
 *     /v1/events            events API    POST
 *     /healthz, /metrics    operations    GET HEAD
 *
 * Depends on: libc only.
 */
#ifndef TERN_TRACK_ROUTE_H
#define TERN_TRACK_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum tr_route {
    TR_NOT_FOUND,
    TR_CLICK,
    TR_OPEN,
    TR_UNSUBSCRIBE,
    TR_CONFIRM,
    TR_PREFERENCES,
    TR_EVENTS,
    TR_HEALTHZ,
    TR_METRICS,
    TR_ROUTES /* count */
};

enum tr_method { TR_GET, TR_HEAD, TR_POST, TR_OTHER_METHOD };

struct tr_match {
    enum tr_route route;
    const char *token; /* token routes: points into the path, not NUL-terminated */
    size_t token_len;
};

/*
 * Match `path` (the request target without the query string). `base` is
 * the path of track.base_url ("" or "/t", see tr_route_base); the routes
 * are found with and without it in front.
 */
void tr_route_match(const char *path, const char *base, struct tr_match *m);

/* The path part of an http(s) URL: "/t" of "https://example.com/t", "" without one. */
const char *tr_route_base(const char *base_url);

/* The method of a request line ("GET", ...). */
enum tr_method tr_method_parse(const char *method);

/* Whether `route` answers `method`; the server answers 405 otherwise. */
bool tr_route_allows(enum tr_route route, enum tr_method method);

/* The Allow header value of `route` ("GET, HEAD, POST"). */
const char *tr_route_allow_header(enum tr_route route);

/* Short stable name of a route for metrics and logs: "click", "open", ... */
const char *tr_route_name(enum tr_route route);

#endif
