/*
 * tlscreds.c - the served certificate and key, swapped on reload (see tlscreds.h)
 */
#include "tlscreds.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#define CHAIN_MAX 16 /* certificates in one chain file */

struct pair {
    gnutls_pcert_st pcerts[CHAIN_MAX];
    unsigned n;
    gnutls_privkey_t key;
    struct pair *older; /* every pair installed before, newest first */
};

static _Atomic(struct pair *) current; /* what handshakes get; written by the reloader only */

static void
pair_free(struct pair *p)
{
    for (unsigned i = 0; i < p->n; i++)
        gnutls_pcert_deinit(&p->pcerts[i]);
    if (p->key) gnutls_privkey_deinit(p->key);
    free(p);
}

/* Whether `key` is the private key of the certificate whose public key is `pub`. */
static bool
key_fits(gnutls_privkey_t key, gnutls_pubkey_t pub)
{
    gnutls_pubkey_t mine = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    bool same = gnutls_pubkey_init(&mine) == 0 &&
                gnutls_pubkey_import_privkey(mine, key, 0, 0) == 0 &&
                gnutls_pubkey_export2(mine, GNUTLS_X509_FMT_DER, &a) == 0 &&
                gnutls_pubkey_export2(pub, GNUTLS_X509_FMT_DER, &b) == 0 && a.size == b.size &&
                memcmp(a.data, b.data, a.size) == 0;
    gnutls_free(a.data);
    gnutls_free(b.data);
    if (mine) gnutls_pubkey_deinit(mine);
    return same;
}

static struct pair *
pair_read(const char *cert_pem, const char *key_pem, const char *cert_path, const char *key_path,
          char *err, size_t errlen)
{
    struct pair *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    gnutls_datum_t c = {(unsigned char *)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)key_pem, (unsigned)strlen(key_pem)};
    unsigned n = CHAIN_MAX;
    int rc = gnutls_pcert_list_import_x509_raw(p->pcerts, &n, &c, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        snprintf(err, errlen, "track.tls_cert %s: %s (GnuTLS: %s)", cert_path,
                 rc == GNUTLS_E_SHORT_MEMORY_BUFFER ? "more than 16 certificates in the chain"
                                                    : "no certificate in PEM",
                 gnutls_strerror(rc));
        free(p);
        return NULL;
    }
    p->n = n;
    if ((rc = gnutls_privkey_init(&p->key)) == 0)
        rc = gnutls_privkey_import_x509_raw(p->key, &k, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0) {
        snprintf(err, errlen, "track.tls_key %s: not a private key in PEM (GnuTLS: %s)", key_path,
                 gnutls_strerror(rc));
    } else if (!key_fits(p->key, p->pcerts[0].pubkey)) {
        snprintf(err, errlen,
                 "track.tls_key %s is not the private key of the certificate in track.tls_cert %s",
                 key_path, cert_path);
        rc = -1;
    }
    if (rc == 0) return p;
    pair_free(p);
    return NULL;
}

/* The notAfter of `leaf` in Unix seconds, or -1. */
static int64_t
expiry(const gnutls_pcert_st *leaf)
{
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0) return -1;
    time_t t = gnutls_x509_crt_import(crt, &leaf->cert, GNUTLS_X509_FMT_DER) == 0
                   ? gnutls_x509_crt_get_expiration_time(crt)
                   : (time_t)-1;
    gnutls_x509_crt_deinit(crt);
    return (int64_t)t;
}

int
tr_tls_install(const char *cert_pem, const char *key_pem, const char *cert_path,
               const char *key_path, int64_t *not_after, char *err, size_t errlen)
{
    struct pair *p = pair_read(cert_pem, key_pem, cert_path, key_path, err, errlen);
    if (!p) return -1;
    *not_after = expiry(&p->pcerts[0]);
    p->older = atomic_load(&current);
    atomic_store(&current, p);
    return 0;
}

int
tr_tls_retrieve(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length, gnutls_pcert_st **pcert,
                unsigned int *pcert_length, gnutls_privkey_t *privkey)
{
    (void)session, (void)req_ca_dn, (void)nreqs, (void)pk_algos, (void)pk_algos_length;
    struct pair *p = atomic_load(&current);
    if (!p) return -1; /* ends the handshake */
    *pcert = p->pcerts;
    *pcert_length = p->n;
    *privkey = p->key;
    return 0;
}

void
tr_tls_release(void)
{
    struct pair *p = atomic_exchange(&current, NULL);
    while (p) {
        struct pair *older = p->older;
        pair_free(p);
        p = older;
    }
}
