/*
 * track_tlscert_test.c - the expiry of the certificate the tracker serves
 * (track/tlscert.c), read from a fixed self-signed one
 */
#include <string.h>

#include "tap.h"
#include "tlscert.h"

/* A self-signed certificate whose notAfter is Nov 28 13:22:31 2046 GMT. */
static const char leaf[] = "-----BEGIN CERTIFICATE-----\n"
                           "MIIBfjCCASOgAwIBAgIUN2wL9vRHeXtJSLY2YeBgdTNRD48wCgYIKoZIzj0EAwIw\n"
                           "FDESMBAGA1UEAwwJdGVybi50ZXN0MB4XDTI2MTIwMzEzMjIzMVoXDTQ2MTEyODEz\n"
                           "MjIzMVowFDESMBAGA1UEAwwJdGVybi50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
                           "AQcDQgAEAyLLCIxst6qx4qBR0UkuhghdjCtIAXMh0LbPFvKbd7ah2aRqpO3oXR0G\n"
                           "XMh3aKTkdTnsAFqOAL0rGsv4LdaVzKNTMFEwHQYDVR0OBBYEFEty7zHQCEK8Agul\n"
                           "9UVU17oa2mROMB8GA1UdIwQYMBaAFEty7zHQCEK8Agul9UVU17oa2mROMA8GA1Ud\n"
                           "EwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAPvXacX1i+TZsq+JMzU1LDRr\n"
                           "lKF8Z83S1mpoytIeZmX2AiEAztUFDyIoL8DgGuOROh9oYmnXKKDhsmT5c6RG0x6U\n"
                           "+Yk=\n"
                           "-----END CERTIFICATE-----\n";

/* Another, whose notAfter is Jan 2 13:22:55 2027 GMT. */
static const char other[] = "-----BEGIN CERTIFICATE-----\n"
                            "MIIBgzCCASmgAwIBAgIURZnmt+XVdLV9c8zaZYYRgsb/MZUwCgYIKoZIzj0EAwIw\n"
                            "FzEVMBMGA1UEAwwMY2EudGVybi50ZXN0MB4XDTI2MTIwMzEzMjI1NVoXDTI3MDEw\n"
                            "MjEzMjI1NVowFzEVMBMGA1UEAwwMY2EudGVybi50ZXN0MFkwEwYHKoZIzj0CAQYI\n"
                            "KoZIzj0DAQcDQgAEQfI3VqZ71LAPusaQ/ysgYJsDXGpu2v/ojZKHaiMUDr3WnV5C\n"
                            "eNNf9gnKiyrmQ1hFGiylXp9TGmyqx7yOCrbeFqNTMFEwHQYDVR0OBBYEFP5iuQJs\n"
                            "FPLemqn7TtJOIW/aMF+XMB8GA1UdIwQYMBaAFP5iuQJsFPLemqn7TtJOIW/aMF+X\n"
                            "MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhANIBa1VHfEBF53LF\n"
                            "bMLuTMfUsYb1HAoznWGTQwIWZKp8AiB3g+x6D3spIeXQWyYuJHUG5wn/WtHqFjrt\n"
                            "V4dysVoIkA==\n"
                            "-----END CERTIFICATE-----\n";

static void
the_first_certificate_of_a_chain_gives_the_date(void)
{
    char chain[sizeof leaf + sizeof other], err[128];
    int64_t t = 0;
    snprintf(chain, sizeof chain, "%s%s", leaf, other); /* fullchain.pem: the leaf first */
    is_int(tr_cert_not_after(chain, &t, err, sizeof err), 0, "a chain's expiry is read");
    ok(t == 2427024151,
       "as its first certificate's notAfter in Unix seconds (2046-11-28 13:22:31)");
    snprintf(chain, sizeof chain, "%s%s", other, leaf);
    tr_cert_not_after(chain, &t, err, sizeof err);
    ok(t == 1798896175, "whichever certificate comes first (2027-01-02 13:22:55)");
}

static void
text_without_a_certificate_is_an_error(void)
{
    char err[128] = "";
    int64_t t = 0;
    is_int(tr_cert_not_after("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", &t,
                             err, sizeof err),
           -1, "a key file has no expiry");
    is_str(err, "no certificate in PEM", "and says so");
    is_int(tr_cert_not_after("", &t, err, sizeof err), -1, "nor has empty text");
}

int
main(void)
{
    the_first_certificate_of_a_chain_gives_the_date();
    text_without_a_certificate_is_an_error();
    return tap_done();
}
