#!/bin/sh
# milter_mime.t - what the milter changes in real-world message shapes, and
# what it must leave byte-identical, through a real Postfix.
. "$TERN_SRCDIR/tests/lib/milter.sh"
milter_require
milter_setup
milter_start
milter_postfix

sent=0
# deliver FILE: submit a managed message from news@example.com, wait for it, set $got.
deliver() {
    pf_send --from news@example.com --to zoe@example.org --data @"$1" >/dev/null ||
        bail_out "cannot submit $1"
    sent=$((sent + 1))
    pf_wait_delivered $sent || bail_out "$1 not delivered"
    got=$(last_delivered)
}

# section FILE START END: the lines from the first matching START to the next END.
section() { sed -n "/$2/,/$3/p" "$1"; }

# longest FILE: the longest line of the body.
longest() { sed '1,/^$/d' "$1" | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }'; }

# 1. multipart/mixed with a PDF attachment and a text attachment.
base64 -w 76 /dev/urandom 2>/dev/null | head -c 20000 >"$dir/blob.b64"
{
    printf 'From: news@example.com\nTo: zoe@example.org\nSubject: invoice\nMIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="mix"\n\n'
    printf -- '--mix\nContent-Type: text/plain; charset=utf-8\n\nDear {{contact.first_name}}, https://shop.example/i\n'
    printf -- '--mix\nContent-Type: application/pdf; name="invoice.pdf"\n'
    printf 'Content-Disposition: attachment; filename="invoice.pdf"\nContent-Transfer-Encoding: base64\n\n'
    cat "$dir/blob.b64"
    printf -- '\n--mix\nContent-Type: text/plain; name="notes.txt"\nContent-Disposition: attachment; filename="notes.txt"\n\n'
    printf 'Keep {{contact.first_name}} https://shop.example/notes as it is.\n'
    printf -- '--mix--\n'
} >"$dir/mixed.eml"
deliver "$dir/mixed.eml"
like "$(parts "$got" text)" "Dear Zoë" "the body part of a multipart/mixed message is personalized"
is "$(section "$got" 'name="invoice.pdf"' '^--mix$' | sed '1,/^$/d;$d')" \
    "$(cat "$dir/blob.b64")" "a base64 attachment is byte-identical"
like "$(section "$got" 'name="notes.txt"' '^--mix--')" \
    "Keep {{contact.first_name}} https://shop.example/notes as it is." \
    "a text/plain attachment is neither rendered nor tracked"

# 2. multipart/signed: nothing inside may change, or the signature breaks.
cat >"$dir/signed.eml" <<'EOF'
From: news@example.com
To: zoe@example.org
Subject: signed
MIME-Version: 1.0
Content-Type: multipart/signed; protocol="application/pgp-signature"; micalg=pgp-sha256; boundary="sig"

--sig
Content-Type: text/plain; charset=utf-8

Hello {{contact.first_name}}, https://shop.example/signed
--sig
Content-Type: application/pgp-signature; name="signature.asc"

-----BEGIN PGP SIGNATURE-----
iQEzBAEBCAAdFiEEAAAAAAAAAAAAAAAAAAAAAAAAAAAFAmAAAAAACgkQAAAAAAAAAAA=
-----END PGP SIGNATURE-----
--sig--
EOF
deliver "$dir/signed.eml"
is "$(sed '1,/^$/d' "$got" | sed '$d')" "$(sed '1,/^$/d' "$dir/signed.eml")" \
    "a multipart/signed body is byte-identical"

# 3. single-part HTML, 8-bit UTF-8 on the wire: re-encoded, the headers follow.
printf 'From: news@example.com\nTo: zoe@example.org\nSubject: html\nMIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<html><body><p>Grüße {{contact.first_name}} <a href="https://shop.example/ü?q=ä">Laden</a></p></body></html>\n' >"$dir/html.eml"
deliver "$dir/html.eml"
like "$(parts "$got" text)" "Grüße Zoë" "a single-part 8-bit HTML message is personalized"
is "$(parts "$got" header Content-Transfer-Encoding)" "quoted-printable" \
    "its Content-Transfer-Encoding header follows the re-encoded body"
link=$(parts "$got" links https://t.example.com | head -n 1)
run_tern token inspect "$link"
like "$out" "url +https://shop.example/ü\?q=ä" "a non-ASCII link decodes to its exact original bytes"

# 4. single-part plain text in ISO-8859-1 that stays representable.
printf 'From: news@example.com\nTo: zoe@example.org\nSubject: latin\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nCh\350re {{contact.first_name}}, voil\340 https://shop.example/fr\n' >"$dir/latin.eml"
deliver "$dir/latin.eml"
like "$(parts "$got" text)" "Chère Zoë, voilà" "an ISO-8859-1 message is decoded and personalized"
like "$(parts "$got" header Content-Type)" "iso-8859-1" "its charset is kept when the result fits it"

# 5. bodies over 64 KiB and over 1 MB keep lines short and every link tracked.
for size in 70000 1100000; do
    {
        printf 'From: news@example.com\nTo: zoe@example.org\nSubject: big %s\nMIME-Version: 1.0\n' "$size"
        printf 'Content-Type: text/html; charset=utf-8\n\n<html><body>\n'
        i=0
        while [ $((i * 120)) -lt "$size" ]; do
            printf '<p>Row %d for {{contact.first_name}} <a href="https://shop.example/p/%d">item</a></p>\n' $i $i
            i=$((i + 1))
        done
        printf '</body></html>\n'
    } >"$dir/big.eml"
    rows=$(grep -c '<p>Row' "$dir/big.eml")
    deliver "$dir/big.eml"
    is "$(parts "$got" text | grep -c 'for Zoë')" "$rows" "a body of about $size bytes is personalized throughout"
    is "$(parts "$got" links https://t.example.com | wc -l)" "$rows" \
        "every link of a body of about $size bytes is tracked"
    ok "a body of about $size bytes goes out in lines of at most 76 bytes" \
        test "$(longest "$got")" -le 76
done

done_testing
