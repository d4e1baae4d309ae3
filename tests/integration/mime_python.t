#!/bin/sh
# Every sample message rewritten by lib/mime (through mime_driver) is read
# back by Python's email package, a parser that shares nothing with GMime:
# the new text must be in exactly the parts Tern offers, and every other
# part must be unchanged (same headers, same payload bytes).
. "$TERN_SRCDIR/tests/lib/tap.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
driver=$TERN_BUILDDIR/tests/integration/mime_driver
dir=$(tap_tmpdir)
at_exit "rm -rf '$dir'"

# check.py ORIGINAL REWRITTEN WORD: prints what is wrong, exits 1 if anything.
cat >"$dir/check.py" <<'PY'
import email, email.policy, sys

def load(path):
    with open(path, 'rb') as f:
        return email.message_from_binary_file(f, policy=email.policy.default)

def offered(part, sealed):
    # lib/mime's rule, restated: text leaves that are not attachments, outside signatures
    if sealed or part.is_multipart() or part.get_content_type() not in ('text/plain', 'text/html'):
        return False
    disp = part.get_content_disposition()
    return disp in (None, 'inline') and part.get_filename() is None

def leaves(msg, sealed=False):
    ctype = msg.get_content_type()
    sealed = sealed or ctype in ('multipart/signed', 'multipart/encrypted',
                                 'application/pkcs7-mime', 'message/rfc822')
    if msg.is_multipart():
        for sub in msg.get_payload():
            yield from leaves(sub, sealed)
    else:
        yield msg, sealed

def lf(s):
    return s.replace('\r\n', '\n')

def compare(old, new, word):
    problems = []
    a, b = list(leaves(old)), list(leaves(new))
    if len(a) != len(b):
        return ['%d leaves became %d' % (len(a), len(b))]
    for i, ((po, so), (pn, _)) in enumerate(zip(a, b)):
        if po.get_content_type() != pn.get_content_type():
            problems.append('leaf %d changed type' % i)
            continue
        text = lf(po.get_content()) if offered(po, so) else None
        if text is not None and 'NAME' in text:
            if lf(pn.get_content()) != text.replace('NAME', word):
                problems.append('leaf %d: new text not found' % i)
            continue
        if lf(po.get_payload(decode=False)) != lf(pn.get_payload(decode=False)):
            problems.append('leaf %d (%s) payload changed' % (i, po.get_content_type()))
        if [(k, lf(v)) for k, v in po.items()] != [(k, lf(v)) for k, v in pn.items()]:
            problems.append('leaf %d (%s) headers changed' % (i, po.get_content_type()))
    return problems

def defects(msg):
    return sorted(type(d).__name__ for part in msg.walk() for d in part.defects)

old, new = load(sys.argv[1]), load(sys.argv[2])
problems = compare(old, new, sys.argv[3])
if defects(new) != defects(old):  # broken samples stay broken, nothing new breaks
    problems.append('defects %s became %s' % (defects(old), defects(new)))
print('\n'.join(problems))
sys.exit(1 if problems else 0)
PY

word='Zoë €'
for msg in "$TERN_SRCDIR"/tests/unit/mime/*.eml; do
    name=$(basename "$msg" .eml)
    if ! "$driver" "$word" <"$msg" >"$dir/$name.out" 2>"$dir/$name.err"; then
        tap_result 1 "$name: rewritten"
        diag "$(cat "$dir/$name.err")"
        continue
    fi
    why=$(python3 "$dir/check.py" "$msg" "$dir/$name.out" "$word")
    tap_result $? "$name: python's email parser finds the new text in the offered parts only"
    [ -z "$why" ] || diag "$why"
done

charset=$(python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(" ".join(p.get_content_charset() or "-" for p in m.walk() if not p.is_multipart()))' \
    "$dir/latin1.out")
is "$charset" "utf-8 utf-8" "latin-1 parts that cannot hold the euro sign are declared utf-8"

"$driver" 'René' <"$TERN_SRCDIR/tests/unit/mime/latin1.eml" >"$dir/fits.out"
charset=$(python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(" ".join(p.get_content_charset() for p in m.walk() if not p.is_multipart()))
print(all("René" in p.get_content() for p in m.walk() if not p.is_multipart()))' "$dir/fits.out")
is "$charset" "iso-8859-1 iso-8859-1
True" "latin-1 parts keep their charset when the new text fits"

done_testing
