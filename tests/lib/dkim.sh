# dkim.sh - a private OpenDKIM signer and an independent verifier, for tests
#
# Source it (after tap.sh and postfix.sh), then:
#   dkim_require            skip_all unless opendkim, opendkim-genkey and
#                           Debian's python3-dkim are there
#   dkim_start DIR PORT     make a 2048-bit key for example.com (selector
#                           "tern") in DIR and run opendkim as a signing
#                           milter on inet:PORT@127.0.0.1 (stopped at exit)
#   dkim_verify FILE        exit 0 when the DKIM-Signature of the captured
#                           message FILE verifies against that key; prints
#                           the verifier's reason otherwise
#
# The verifier is dkimpy (python3-dkim), not OpenDKIM itself, so signer and
# verifier are independent implementations; it gets the public key from
# DIR instead of DNS. A smtp-sink capture (LF line ends, its own X- lines
# and Received: header in front) is verified as it is: the lines in front
# are not signed, and line ends are turned back into CRLF first.
#
# Variables carry a _dk_ prefix: a sourced fixture must not clobber the
# test's own (POSIX sh has no locals).

# Debian's python3, where python3-dkim is installed, whatever PATH prefers.
DKIM_PYTHON=${DKIM_PYTHON:-/usr/bin/python3}
PATH=$PATH:/usr/sbin:/sbin

dkim_require() {
    for _dk_cmd in opendkim opendkim-genkey; do
        command -v "$_dk_cmd" >/dev/null 2>&1 || skip_all "$_dk_cmd is not installed"
    done
    "$DKIM_PYTHON" -c 'import dkim' 2>/dev/null || skip_all "python3-dkim is not installed"
}

dkim_write_conf() { # DIR PORT
    printf '%s\n' 'Syslog no' 'LogWhy yes' 'Mode s' 'Domain example.com' 'Selector tern' \
        "KeyFile $1/tern.private" "Socket inet:$2@127.0.0.1" \
        'Canonicalization relaxed/relaxed' 'InternalHosts 127.0.0.1' \
        "UserID $(id -un)" 'RequireSafeKeys false' >"$1/opendkim.conf"
}

dkim_start() { # DIR PORT
    DKIM_DIR=$1
    mkdir -p "$DKIM_DIR" || return 1
    opendkim-genkey -b 2048 -d example.com -s tern -D "$DKIM_DIR" || return 1
    dkim_write_conf "$DKIM_DIR" "$2"
    opendkim -f -x "$DKIM_DIR/opendkim.conf" >"$DKIM_DIR/opendkim.log" 2>&1 &
    _dk_pid=$!
    at_exit "kill $_dk_pid 2>/dev/null; wait $_dk_pid 2>/dev/null"
    _dk_n=0
    while ! pf_listening "$2"; do
        if [ $_dk_n -ge 50 ]; then
            cat "$DKIM_DIR/opendkim.log" >&2
            return 1
        fi
        sleep 0.1
        _dk_n=$((_dk_n + 1))
    done
}

dkim_verify() { # FILE
    "$DKIM_PYTHON" - "$1" "$DKIM_DIR/tern.txt" <<'PY'
import re, sys
import dkim

raw = open(sys.argv[1], 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
record = ''.join(re.findall(r'"([^"]*)"', open(sys.argv[2]).read())).encode()

def txt(name, timeout=5):
    return record if name.rstrip(b'.') == b'tern._domainkey.example.com' else None

try:
    ok = dkim.DKIM(raw).verify(dnsfunc=txt)
except dkim.DKIMException as e:
    print(e)
    sys.exit(1)
if not ok:
    print('signature does not verify')
sys.exit(0 if ok else 1)
PY
}
