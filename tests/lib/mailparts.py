#!/usr/bin/python3
"""mailparts.py - read a message captured by smtp-sink with Python's email package

An MIME parser independent of Tern's (GMime), for the end-to-end tests:

    mailparts.py FILE subject          the decoded Subject
    mailparts.py FILE header NAME      every value of header NAME, one per line
    mailparts.py FILE text             every text part, decoded, one after the other
    mailparts.py FILE types            every part as "content-type<TAB>disposition"
    mailparts.py FILE links BASE       every tracking click URL under BASE in the text parts
    mailparts.py FILE payload N        the decoded bytes of the N-th part (walk order), raw

smtp-sink writes its own X-Client-Addr/X-Helo-Args/X-Mail-Args/X-Rcpt-Args lines and a
Received: header in front of the message; they are ordinary header lines to a parser and
are left in.
"""
import email
import re
import sys
from email import policy


def load(path):
    with open(path, 'rb') as f:
        return email.message_from_bytes(f.read(), policy=policy.default)


def texts(m):
    for part in m.walk():
        if part.get_content_maintype() == 'text' and not part.is_multipart():
            yield part


def main(argv):
    m = load(argv[1])
    what = argv[2]
    if what == 'subject':
        print(m['subject'] or '')
    elif what == 'header':
        for v in m.get_all(argv[3], []):
            print(v)
    elif what == 'text':
        for part in texts(m):
            print(part.get_content())
    elif what == 'types':
        for part in m.walk():
            print('%s\t%s' % (part.get_content_type(), part.get_content_disposition() or ''))
    elif what == 'links':
        pattern = re.escape(argv[3]) + r'/c/[A-Za-z0-9_-]+'
        for part in texts(m):
            for url in re.findall(pattern, part.get_content()):
                print(url)
    elif what == 'payload':
        part = list(m.walk())[int(argv[3])]
        sys.stdout.buffer.write(part.get_payload(decode=True) or b'')
    else:
        print('mailparts.py: unknown request %r' % what, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
