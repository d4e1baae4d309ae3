/*
 * b64_test.c - strict base64 (padded) and base64url (unpadded)
 *
 * RFC 4648 section 10 vectors, then the strictness that gives every byte
 * string exactly one accepted text: the other alphabet, padding where it
 * does not belong, impossible lengths and non-zero spare bits are refused.
 */
#include <stdlib.h>
#include <string.h>

#include "b64.h"
#include "buf.h"
#include "tap.h"

/* Decode the C string `text`; the result as a C string, or "(rejected)". */
static const char *
decoded(const char *text, enum b64_alphabet a)
{
    static char out[256];
    size_t n;
    if (!b64_decode(text, strlen(text), a, out, sizeof out - 1, &n)) return "(rejected)";
    out[n] = '\0';
    return out;
}

static const char *
encoded(const char *bytes, enum b64_alphabet a)
{
    static char out[B64_ENCODED_SIZE(256)];
    b64_encode(bytes, strlen(bytes), a, out);
    return out;
}

static void
std_encodes_rfc4648_vectors(void)
{
    is_str(encoded("", B64_STD), "", "\"\"");
    is_str(encoded("f", B64_STD), "Zg==", "f");
    is_str(encoded("fo", B64_STD), "Zm8=", "fo");
    is_str(encoded("foo", B64_STD), "Zm9v", "foo");
    is_str(encoded("foob", B64_STD), "Zm9vYg==", "foob");
    is_str(encoded("fooba", B64_STD), "Zm9vYmE=", "fooba");
    is_str(encoded("foobar", B64_STD), "Zm9vYmFy", "foobar");
}

static void
std_decodes_rfc4648_vectors(void)
{
    is_str(decoded("", B64_STD), "", "\"\"");
    is_str(decoded("Zg==", B64_STD), "f", "Zg==");
    is_str(decoded("Zm8=", B64_STD), "fo", "Zm8=");
    is_str(decoded("Zm9vYmE=", B64_STD), "fooba", "Zm9vYmE=");
    is_str(decoded("Zm9vYmFy", B64_STD), "foobar", "Zm9vYmFy");
}

static void
url_encodes_without_padding(void)
{
    is_str(encoded("f", B64_URL), "Zg", "f");
    is_str(encoded("fo", B64_URL), "Zm8", "fo");
    is_str(encoded("foobar", B64_URL), "Zm9vYmFy", "foobar");
    is_int(b64_encoded_len(1, B64_URL), 2, "1 byte is 2 characters");
    is_int(b64_encoded_len(2, B64_URL), 3, "2 bytes are 3 characters");
    is_int(b64_encoded_len(2, B64_STD), 4, "padded: 4 characters");
}

static void
url_uses_dash_and_underscore(void)
{
    is_str(encoded("\xfb\xff", B64_URL), "-_8", "0xfb 0xff");
    is_str(encoded("\xfb\xff", B64_STD), "+/8=", "same bytes, standard alphabet");
    is_str(decoded("-_8", B64_URL), "\xfb\xff", "decodes back");
}

static void
url_rejects_plus_and_slash(void)
{
    is_str(decoded("+_8", B64_URL), "(rejected)", "'+'");
    is_str(decoded("-/8", B64_URL), "(rejected)", "'/'");
}

static void
std_rejects_dash_and_underscore(void)
{
    is_str(decoded("-/8=", B64_STD), "(rejected)", "'-'");
    is_str(decoded("+_8=", B64_STD), "(rejected)", "'_'");
}

static void
url_rejects_padding(void)
{
    is_str(decoded("Zg==", B64_URL), "(rejected)", "Zg==");
    is_str(decoded("Zm8=", B64_URL), "(rejected)", "Zm8=");
    is_str(decoded("Zg=", B64_URL), "(rejected)", "Zg=");
}

static void
std_requires_exact_padding(void)
{
    is_str(decoded("Zg", B64_STD), "(rejected)", "missing");
    is_str(decoded("Zg=", B64_STD), "(rejected)", "short");
    is_str(decoded("Zm8==", B64_STD), "(rejected)", "extra");
    is_str(decoded("Z===", B64_STD), "(rejected)", "three");
    is_str(decoded("====", B64_STD), "(rejected)", "only padding");
    is_str(decoded("Zg==Zg==", B64_STD), "(rejected)", "padding inside");
}

static void
rejects_lengths_no_encoding_has(void)
{
    is_str(decoded("Z", B64_URL), "(rejected)", "1 character");
    is_str(decoded("Zm9vY", B64_URL), "(rejected)", "5 characters");
}

static void
rejects_nonzero_spare_bits(void)
{
    /* "Zg" is 'f'; "Zh".."Zv" carry the same byte with spare bits set. */
    is_str(decoded("Zh", B64_URL), "(rejected)", "Zh");
    is_str(decoded("Zm9", B64_URL), "(rejected)", "Zm9 (spare bits of 'o')");
    is_str(decoded("Zh==", B64_STD), "(rejected)", "Zh== standard");
}

static void
rejects_whitespace_and_nul(void)
{
    is_str(decoded("Zm9v\nYmFy", B64_URL), "(rejected)", "newline");
    is_str(decoded(" Zm9v", B64_URL), "(rejected)", "leading space");
    size_t n;
    char out[8];
    ok(!b64_decode("Zm\0v", 4, B64_URL, out, sizeof out, &n), "NUL");
}

static void
rejects_output_over_capacity(void)
{
    char out[5];
    size_t n = 99;
    ok(!b64_decode("Zm9vYmFy", 8, B64_URL, out, sizeof out, &n), "6 bytes do not fit in 5");
    ok(b64_decode("Zm9vYmE", 7, B64_URL, out, sizeof out, &n) && n == 5, "5 bytes fit");
}

static void
decodes_only_len_characters(void)
{
    char out[8];
    size_t n;
    const char text[] = {'Z', 'm', '9', 'v', '!'}; /* no NUL; '!' is outside */
    ok(b64_decode(text, 4, B64_URL, out, sizeof out, &n) && n == 3 && memcmp(out, "foo", 3) == 0,
       "stops at len");
}

static void
every_byte_string_round_trips(void)
{
    unsigned char in[64], back[64];
    char text[B64_ENCODED_SIZE(64)];
    int bad = 0;
    srand(7);
    for (int a = B64_STD; a <= B64_URL; a++) {
        for (size_t len = 0; len <= sizeof in; len++) {
            for (size_t i = 0; i < len; i++)
                in[i] = (unsigned char)rand();
            size_t tn = b64_encode(in, len, a, text), n = 0;
            if (tn != b64_encoded_len(len, a) || strlen(text) != tn ||
                !b64_decode(text, tn, a, back, sizeof back, &n) || n != len ||
                memcmp(in, back, len) != 0)
                bad++;
        }
    }
    is_int(bad, 0, "lengths 0..64, both alphabets");
}

static void
encode_buf_appends(void)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "/c/");
    ok(b64_encode_buf(&b, "foo", 3, B64_URL), "appends");
    is_str(buf_str(&b), "/c/Zm9v", "after the prefix");
    is_int(b.len, 7, "length kept");
    buf_free(&b);
}

int
main(void)
{
    std_encodes_rfc4648_vectors();
    std_decodes_rfc4648_vectors();
    url_encodes_without_padding();
    url_uses_dash_and_underscore();
    url_rejects_plus_and_slash();
    std_rejects_dash_and_underscore();
    url_rejects_padding();
    std_requires_exact_padding();
    rejects_lengths_no_encoding_has();
    rejects_nonzero_spare_bits();
    rejects_whitespace_and_nul();
    rejects_output_over_capacity();
    decodes_only_len_characters();
    every_byte_string_round_trips();
    encode_buf_appends();
    return tap_done();
}
