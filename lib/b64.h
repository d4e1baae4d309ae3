/*
 * b64.h - strict base64 and base64url (RFC 4648)
 *
 * Owns: encoding bytes to, and decoding bytes from, the two RFC 4648
 * alphabets in the one form each is used in Tern:
 *
 *     B64_STD  "A-Za-z0-9+/", padded with '=' to a multiple of 4 characters
 *              (key secrets in tern.conf, as `openssl rand -base64 32` prints them)
 *     B64_URL  "A-Za-z0-9-_", never padded (tracking tokens in URL paths)
 *
 * Decoding is strict so that every byte string has exactly one accepted
 * encoding: characters of the other alphabet, whitespace, missing or extra
 * padding, a length that cannot be produced (4n+1 characters) and non-zero
 * unused bits in the last character are all rejected. A token therefore
 * cannot be altered in its text without altering its bytes. OpenSSL's
 * EVP_EncodeBlock/EVP_DecodeBlock know neither the url-safe alphabet nor
 * unpadded input, hence this small codec.
 * Depends on: lib/buf and libc only.
 *
 * SYNOPSIS
 *     char text[B64_ENCODED_SIZE(16)];
 *     b64_encode(bytes, 16, B64_URL, text);               (NUL-terminated)
 *     unsigned char raw[64]; size_t n;
 *     if (!b64_decode(text, strlen(text), B64_URL, raw, sizeof raw, &n)) reject();
 */
#ifndef TERN_B64_H
#define TERN_B64_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum b64_alphabet {
    B64_STD, /* '+' '/', padded */
    B64_URL, /* '-' '_', unpadded */
};

/* Characters (with padding) plus a NUL that encoding `n` bytes can take, for either alphabet. */
#define B64_ENCODED_SIZE(n) (((n) + 2) / 3 * 4 + 1)

/* Exact characters (no NUL) that encoding `n` bytes produces in alphabet `a`. */
size_t b64_encoded_len(size_t n, enum b64_alphabet a);

/*
 * Encode `n` bytes at `src` into `dst`, which must hold b64_encoded_len()
 * + 1 bytes (B64_ENCODED_SIZE(n) always suffices); `dst` is NUL-terminated.
 * Returns the number of characters written, without the NUL.
 * Example: "hi?" gives "aGk/" (B64_STD) and "aGk_" (B64_URL).
 */
size_t b64_encode(const void *src, size_t n, enum b64_alphabet a, char *dst);

/* Append the encoding of `n` bytes to `out`. False on out of memory (`out` unchanged). */
bool b64_encode_buf(struct buf *out, const void *src, size_t n, enum b64_alphabet a);

/*
 * Decode `len` characters at `src` (no NUL needed) into `dst`, which holds
 * `cap` bytes. True with the byte count in `*outlen` when the text is a
 * valid encoding under the rules above and fits; false otherwise, with
 * `dst` contents unspecified. Example: "aGk" decodes to "hi" with B64_URL,
 * and is rejected with B64_STD (no padding).
 */
bool b64_decode(const char *src, size_t len, enum b64_alphabet a, void *dst, size_t cap,
                size_t *outlen);

#endif
