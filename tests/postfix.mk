# tests/postfix.mk: the private Postfix fixture (tests/lib/postfix.sh) and
# its own test. The fixture needs root, postfix, smtp-sink and swaks; the
# test skips without them.

TESTS += tests/integration/postfix_fixture.t
EXTRA_DIST += tests/integration/postfix_fixture.t tests/lib/postfix.sh

# The OpenDKIM signer fixture (tests/lib/dkim.sh) and its own test; the
# milter DKIM test puts tern in front of it.
TESTS += tests/integration/dkim_fixture.t
EXTRA_DIST += tests/integration/dkim_fixture.t tests/lib/dkim.sh

# The daemons' fixtures (tests/lib/milter.sh, tests/integration/track_fixture.sh)
# recovering from a port another process took.
TESTS += tests/integration/fixture_ports.t tests/integration/milter_socket.t
EXTRA_DIST += tests/integration/fixture_ports.t tests/integration/milter_socket.t
