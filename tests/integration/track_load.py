#!/usr/bin/env python3
"""track_load.py - steady click or events API load against tern track, for the crash and outage tests.

Signs click tokens itself (the layout of doc/tokens.md, an independent
implementation), one per link index, and sends them over keep-alive
connections from several threads. Every click answered 302 is written to
--out as its link index, one per line, after the whole answer was read: the
file is the list of acknowledged clicks. With --api-key it posts one events
API item per index instead, {"email": "load@example.com", "type":
"load.tick", "data": {"link": N}}, acknowledged by a 202 that says
"accepted". A thread that loses its connection
after sending a click gives that click up (it may or may not have been
recorded, but it was never acknowledged); a click that could not be sent at
all (the tracker is down) is retried until --deadline.

usage: track_load.py --port P (--key ID:BASE64 | --api-key KEY) --links N
                     [--threads T] [--rate R] [--deadline S] --out FILE
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid

MESSAGE = uuid.UUID("0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0").bytes


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def click_token(key_id, secret, contact, link, url):
    kid = key_id.encode()
    u = url.encode()
    payload = (bytes([1, 1, len(kid)]) + kid + MESSAGE + varint(contact) + varint(link)
               + varint(len(u)) + u)
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(payload + mac).decode().rstrip("=")


def click_request(args, key_id, secret, link):
    path = "/c/" + click_token(key_id, secret, 1, link, "https://shop.example/p/%d" % link)
    return "GET", path, None, {"User-Agent": "Mozilla/5.0 (load) Firefox/120"}, 302


def api_request(args, link):
    body = json.dumps({"email": "load@example.com", "type": "load.tick", "data": {"link": link}})
    headers = {"Authorization": "Bearer " + args.api_key, "Content-Type": "application/json"}
    return "POST", "/v1/events", body, headers, 202


def acknowledged(resp, body, want):
    return resp.status == want and (want != 202 or b'"status":"accepted"' in body)


def worker(args, key_id, secret, links, out, lock):
    """Send each click once. Only a click that never left (no connection) is
    retried: one sent on a connection that then died may have been recorded,
    and sending it again would be a second click."""
    conn = None
    for link in links:
        method, path, body, headers, want = (api_request(args, link) if args.api_key
                                             else click_request(args, key_id, secret, link))
        give_up = time.time() + args.deadline
        while time.time() < give_up:
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
                    conn.connect()
            except OSError:
                conn = None
                time.sleep(0.05)  # tracker down: this click was not sent yet
                continue
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                answer = resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = None
                break  # sent, fate unknown: never acknowledged
            if acknowledged(resp, answer, want):
                with lock:
                    out.write("%d\n" % link)
                    out.flush()
                break
            time.sleep(0.05)  # 503 (spool full): refused, so sending again is safe
        if args.rate:
            time.sleep(args.threads / args.rate)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", help="the click token key, ID:BASE64")
    p.add_argument("--api-key", help="post events API items with this key instead of clicks")
    p.add_argument("--links", type=int, required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--rate", type=float, default=0, help="requests/s over all threads (0: as fast as possible)")
    p.add_argument("--deadline", type=float, default=20, help="seconds to keep retrying one click")
    p.add_argument("--out", required=True)
    args = p.parse_args()
    key_id, secret = None, None
    if not args.api_key:
        key_id, b64 = args.key.split(":", 1)
        secret = base64.b64decode(b64)
    lock = threading.Lock()
    with open(args.out, "w") as out:
        threads = [threading.Thread(target=worker,
                                    args=(args, key_id, secret, range(t, args.links, args.threads), out, lock))
                   for t in range(args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


if __name__ == "__main__":
    main()
