/*
 * track_tlscreds_test.c - the certificate and key the tracker serves (track/tlscreds.c):
 * a pair installed is what a handshake gets, with its leaf's expiry; a bad pair changes
 * nothing and says why
 */
#include <string.h>

#include "tap.h"
#include "tlscreds.h"

/* Self-signed, notAfter Nov 28 15:57:37 2046 GMT, with its key. */
static const char cert_a[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBgTCCASegAwIBAgIUONsm/E5P4uczP3hC+AtPY+pUncowCgYIKoZIzj0EAwIw\n"
                             "FjEUMBIGA1UEAwwLYS50ZXJuLnRlc3QwHhcNMjYxMjAzMTU1NzM3WhcNNDYxMTI4\n"
                             "MTU1NzM3WjAWMRQwEgYDVQQDDAthLnRlcm4udGVzdDBZMBMGByqGSM49AgEGCCqG\n"
                             "SM49AwEHA0IABD2cQM/LtEWvmD4Jy6QfpBHJ+On1KrJu6lIyO7jZ66wv2qRouBUj\n"
                             "/557nBQ5DAlTjUWOvnKrbiLWkT7k/YF+JTSjUzBRMB0GA1UdDgQWBBRAgUCQokXp\n"
                             "O+CXPDKYA9YFk+LaVzAfBgNVHSMEGDAWgBRAgUCQokXpO+CXPDKYA9YFk+LaVzAP\n"
                             "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQDyax/YU31mAHOS3RC/\n"
                             "nF251tSKSLvP8lHS7MhNOUUZeAIgRyViPfM1DktQbq7fV+moOyjiiQeHguHEf9/N\n"
                             "6yhRMto=\n"
                             "-----END CERTIFICATE-----\n";
static const char key_a[] = "-----BEGIN PRIVATE KEY-----\n"
                            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgevsmoGbI62tiEJti\n"
                            "gfLyj6xg3fKMgsPr9qkuxYXp/omhRANCAAQ9nEDPy7RFr5g+CcukH6QRyfjp9Sqy\n"
                            "bupSMju42eusL9qkaLgVI/+ee5wUOQwJU41Fjr5yq24i1pE+5P2BfiU0\n"
                            "-----END PRIVATE KEY-----\n";

/* Self-signed, notAfter Jan 2 15:57:37 2027 GMT, with its key. */
static const char cert_b[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBgjCCASegAwIBAgIUZP0XiXLa7JyCB44Xz47ZaVntPqcwCgYIKoZIzj0EAwIw\n"
                             "FjEUMBIGA1UEAwwLYi50ZXJuLnRlc3QwHhcNMjYxMjAzMTU1NzM3WhcNMjcwMTAy\n"
                             "MTU1NzM3WjAWMRQwEgYDVQQDDAtiLnRlcm4udGVzdDBZMBMGByqGSM49AgEGCCqG\n"
                             "SM49AwEHA0IABCTdUPnXYRpgix2e7C0xpm1HigdJ0DJl8NQKX8k02xoGg8y+Kt2r\n"
                             "JWPc6aH/stG8uvPqnCxmhQQ5gd0d9O8Ub/WjUzBRMB0GA1UdDgQWBBREYwb2f2Gc\n"
                             "FPb148aS67nS4subCDAfBgNVHSMEGDAWgBREYwb2f2GcFPb148aS67nS4subCDAP\n"
                             "BgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCOR1+Dc46uU8/vKtUs\n"
                             "gIF1pNjplc1sPxc/So63n7cwqgIhAJ12Ww5yq6LlEk7eS75IbkRYSg872cP/jPNC\n"
                             "EQOrGCZh\n"
                             "-----END CERTIFICATE-----\n";
static const char key_b[] = "-----BEGIN PRIVATE KEY-----\n"
                            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8JSAHNjRJ9nTwSwA\n"
                            "7EiIcCtpQSnu6NWxho8Jcg87C/yhRANCAAQk3VD512EaYIsdnuwtMaZtR4oHSdAy\n"
                            "ZfDUCl/JNNsaBoPMvirdqyVj3Omh/7LRvLrz6pwsZoUEOYHdHfTvFG/1\n"
                            "-----END PRIVATE KEY-----\n";

/* What a handshake would be given now. */
static int
served(gnutls_pcert_st **pcert, unsigned *n)
{
    gnutls_privkey_t key;
    return tr_tls_retrieve(NULL, NULL, 0, NULL, 0, pcert, n, &key);
}

static void
nothing_is_served_before_a_pair_is_installed(void)
{
    gnutls_pcert_st *pcert;
    unsigned n;
    is_int(served(&pcert, &n), -1, "a handshake before any pair is refused");
}

static void
a_chain_is_served_with_its_first_certificates_expiry(void)
{
    char chain[sizeof cert_a + sizeof cert_b], err[256] = "";
    int64_t t = 0;
    snprintf(chain, sizeof chain, "%s%s", cert_a, cert_b); /* fullchain.pem: the leaf first */
    is_int(tr_tls_install(chain, key_a, "a.pem", "a.key", &t, err, sizeof err), 0,
           "a chain and its leaf's key are installed");
    ok(t == 2427033457, "the expiry is the leaf's notAfter in Unix seconds (2046-11-28 15:57:37)");
    gnutls_pcert_st *pcert;
    unsigned n = 0;
    is_int(served(&pcert, &n), 0, "a handshake gets the pair");
    is_int((int)n, 2, "with the whole chain");
}

static void
a_new_pair_replaces_the_served_one(void)
{
    char err[256] = "";
    int64_t t = 0;
    is_int(tr_tls_install(cert_b, key_b, "b.pem", "b.key", &t, err, sizeof err), 0,
           "a second pair is installed");
    ok(t == 1798905457, "with its own expiry (2027-01-02 15:57:37)");
    gnutls_pcert_st *pcert;
    unsigned n = 0;
    served(&pcert, &n);
    is_int((int)n, 1, "and handshakes get it from then on");
}

static void
a_key_of_another_certificate_changes_nothing(void)
{
    char err[256] = "";
    int64_t t = 7;
    is_int(tr_tls_install(cert_a, key_b, "a.pem", "b.key", &t, err, sizeof err), -1,
           "a certificate with another's key is refused");
    is_str(err,
           "track.tls_key b.key is not the private key of the certificate in track.tls_cert a.pem",
           "naming both files");
    ok(t == 7, "no expiry is given for it");
    gnutls_pcert_st *pcert;
    unsigned n = 0;
    served(&pcert, &n);
    is_int((int)n, 1, "the pair served before stays");
}

static void
text_without_a_certificate_is_an_error(void)
{
    char err[256] = "";
    int64_t t = 0;
    is_int(tr_tls_install(key_a, key_a, "k.pem", "a.key", &t, err, sizeof err), -1,
           "a key where the certificate should be is refused");
    like(err, "track.tls_cert k.pem: no certificate in PEM", "and says so");
    is_int(tr_tls_install(cert_a, "", "a.pem", "empty.key", &t, err, sizeof err), -1,
           "so is an empty key");
    like(err, "track.tls_key empty.key: not a private key in PEM", "with the key's file named");
}

int
main(void)
{
    nothing_is_served_before_a_pair_is_installed();
    a_chain_is_served_with_its_first_certificates_expiry();
    a_new_pair_replaces_the_served_one();
    a_key_of_another_certificate_changes_nothing();
    text_without_a_certificate_is_an_error();
    tr_tls_release();
    nothing_is_served_before_a_pair_is_installed();
    return tap_done();
}
