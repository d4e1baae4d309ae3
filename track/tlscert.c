/*
 * tlscert.c - the served certificate's expiry (see tlscert.h)
 */
#include "tlscert.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

int
tr_cert_not_after(const char *pem, int64_t *unix_s, char *err, size_t errlen)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)strlen(pem));
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    struct tm tm;
    const ASN1_TIME *t = x ? X509_get0_notAfter(x) : NULL;
    int ok = t && ASN1_TIME_to_tm(t, &tm) == 1;
    const char *why = x ? "its expiry cannot be read" : "no certificate in PEM";
    X509_free(x);
    if (!ok) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    *unix_s = (int64_t)timegm(&tm);
    return 0;
}
