/*
 * tlscert.h - what the tracker tells about the certificate it serves
 *
 * Owns: reading the expiry (notAfter) of the first certificate of a PEM
 * chain, the leaf a certificate tool writes first in fullchain.pem, so
 * that the tracker can warn before it lapses and /metrics can show it.
 * The TLS itself is libmicrohttpd's (server.c); this only reads.
 *
 * Depends on: OpenSSL (libcrypto).
 */
#ifndef TERN_TRACK_TLSCERT_H
#define TERN_TRACK_TLSCERT_H

#include <stddef.h>
#include <stdint.h>

/* A certificate expiring within this many days is warned about at start and on reload. */
#define TR_CERT_WARN_DAYS 14

/* The notAfter of the first certificate in `pem`, in Unix seconds: 0, or -1 with err. */
int tr_cert_not_after(const char *pem, int64_t *unix_s, char *err, size_t errlen);

#endif
