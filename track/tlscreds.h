/*
 * tlscreds.h - the certificate and key HTTPS handshakes are answered with, swapped on reload
 *
 * Owns: reading a PEM certificate chain and its private key with GnuTLS
 * (checking that the key is the first certificate's, and reading when that
 * certificate expires, so that the tracker can warn before it lapses and
 * /metrics can show it), and handing the
 * current pair to every TLS handshake through libmicrohttpd's certificate
 * callback. A reload installs a new pair: handshakes from then on get it,
 * sessions already open keep theirs, and no second daemon (nor quiescing
 * the one there is) is ever needed. A replaced pair stays allocated until
 * tr_tls_release, after the daemon stopped: GnuTLS never frees what the
 * callback hands it, and an open session may still use it.
 *
 * One pair per process (the callback has no context pointer): a process
 * runs one tracker.
 *
 * Depends on: GnuTLS.
 */
#ifndef TERN_TRACK_TLSCREDS_H
#define TERN_TRACK_TLSCREDS_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>

/* A certificate expiring within this many days is warned about at start and on reload. */
#define TR_CERT_WARN_DAYS 14

/*
 * Read `cert_pem` and `key_pem` (the text of the files `cert_path` and `key_path`, named in
 * errors) and serve them to every handshake from now on; `*not_after` is then the first
 * certificate's expiry (the leaf, which certificate tools write first in fullchain.pem) in
 * Unix seconds, or -1 when its date cannot be read. 0, or -1 with err and nothing changed: "track.tls_cert PATH: no certificate in PEM (GnuTLS: ...)", "track.tls_key PATH:
 * not a private key in PEM (...)", "track.tls_key PATH is not the private key of the
 * certificate in track.tls_cert PATH".
 */
int tr_tls_install(const char *cert_pem, const char *key_pem, const char *cert_path,
                   const char *key_path, int64_t *not_after, char *err, size_t errlen);

/* The gnutls_certificate_retrieve_function2 for MHD_OPTION_HTTPS_CERT_CALLBACK. */
int tr_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                    gnutls_pcert_st **pcert, unsigned int *pcert_length, gnutls_privkey_t *privkey);

/* Free every pair installed; only once no daemon can call tr_tls_retrieve any more. */
void tr_tls_release(void);

#endif
