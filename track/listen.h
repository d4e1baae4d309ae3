/*
 * listen.h - the tracker's listening socket (track.listen)
 *
 * Owns: turning "host:port", "[v6]:port" or "unix:/path" into a bound,
 * listening, non-blocking socket that libmicrohttpd accepts on. A unix
 * socket replaces a stale socket file (never another kind of file) and is
 * made world-writable: it serves exactly what the public port would, to
 * a front proxy on the same host.
 *
 * Depends on: libc sockets.
 *
 * DIAGNOSTICS
 *     -1 with "listen 127.0.0.1:8080: Address already in use", "listen
 *     unix:/run/tern/track.sock: /run/tern/track.sock exists and is not a
 *     socket", "listen x: expected HOST:PORT, [IPv6]:PORT or unix:/path".
 */
#ifndef TERN_TRACK_LISTEN_H
#define TERN_TRACK_LISTEN_H

#include <stddef.h>

/* A listening socket for `spec`, or -1. `bound` gets the address actually bound (port 0 resolved). */
int tr_listen_open(const char *spec, char *bound, size_t boundlen, char *err, size_t errlen);

#endif
