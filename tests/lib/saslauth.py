#!/usr/bin/env python3
"""saslauth.py - a SASL authentication service for a private Postfix.

Speaks the server side of the Dovecot authentication protocol (version 1.2),
which Postfix's smtpd uses with `smtpd_sasl_type = dovecot`, so tests can
submit as SASL-authenticated clients without installing an IMAP server.
Mechanism PLAIN only; every login in USERS (login:password, comma-separated)
is accepted with its password, anything else fails.

Usage: saslauth.py PORT USERS     (listens on 127.0.0.1:PORT until killed)
"""
import base64
import os
import socketserver
import sys


class Auth(socketserver.StreamRequestHandler):
    def handle(self):
        cookie = os.urandom(16).hex()
        self.wfile.write(
            ("VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nSPID\t%d\nCUID\t1\nCOOKIE\t%s\nDONE\n"
             % (os.getpid(), cookie)).encode())
        for raw in self.rfile:
            fields = raw.decode("utf-8", "replace").rstrip("\n").split("\t")
            if fields[0] == "AUTH":
                self.auth(fields)
            elif fields[0] == "CONT":
                self.finish_auth(fields[1], fields[2] if len(fields) > 2 else "")

    def auth(self, fields):
        request = fields[1]
        resp = [f[5:] for f in fields[3:] if f.startswith("resp=")]
        if resp:
            self.finish_auth(request, resp[0])
        else:
            self.wfile.write(("CONT\t%s\t\n" % request).encode())

    def finish_auth(self, request, b64):
        try:
            _, login, password = base64.b64decode(b64).decode().split("\0")
        except ValueError:
            login, password = "", None
        if self.server.users.get(login) == password:
            self.wfile.write(("OK\t%s\tuser=%s\n" % (request, login)).encode())
        else:
            self.wfile.write(("FAIL\t%s\tuser=%s\n" % (request, login)).encode())
        self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    port, users = int(sys.argv[1]), sys.argv[2]
    server = Server(("127.0.0.1", port), Auth)
    server.users = dict(u.split(":", 1) for u in users.split(",") if u)
    server.serve_forever()


if __name__ == "__main__":
    main()
