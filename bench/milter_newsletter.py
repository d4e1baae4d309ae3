#!/usr/bin/env python3
"""Write a realistic ~60 KB managed HTML+text newsletter with 40 links (bench/milter.sh)."""
import sys

LINKS = 40
out = sys.argv[1]
html = ['<!DOCTYPE html><html><head><meta charset="utf-8"><title>Spring news</title>',
        '<style>td{font-family:Arial,sans-serif;font-size:14px;color:#333}</style></head><body>',
        '<table width="600" align="center" cellpadding="0" cellspacing="0">',
        '<tr><td><p>Hello {{contact.first_name | default: "there"}},</p></td></tr>']
text = ['Hello {{contact.first_name | default: "there"}},', '']
filler = ('Our spring collection is here: light jackets, linen shirts and sandals for '
          'every walk. Free returns for 30 days, and members get early access. ')
for i in range(LINKS):
    url = 'https://shop.example.com/spring/item-%d?utm_source=news&amp;utm_medium=email&amp;c=%d' % (i, i)
    html.append('<tr><td style="padding:12px 24px"><h3>Item %d</h3><p>%s%s</p>'
                '<a href="%s" style="color:#06c">See item %d</a></td></tr>'
                % (i, filler, filler * 6, url, i))
    text.append('Item %d: %s\n%s\n' % (i, filler, url.replace('&amp;', '&')))
html.append('<tr><td><a href="{{links.unsubscribe}}">Unsubscribe</a></td></tr></table></body></html>')
text.append('Unsubscribe: {{links.unsubscribe}}')
body_html = '\n'.join(html)
body_text = '\n'.join(text)
msg = ('From: Shop News <news@example.com>\nTo: zoe@example.org\n'
       'Subject: Spring news for {{contact.first_name | default: "you"}}\n'
       'X-Tern-Journey: newsletter\nX-Tern-Template: spring\nMIME-Version: 1.0\n'
       'Content-Type: multipart/alternative; boundary="b1"\n\n'
       '--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
       + body_text + '\n--b1\nContent-Type: text/html; charset=utf-8\n'
       'Content-Transfer-Encoding: 8bit\n\n' + body_html + '\n--b1--\n')
# smtp-source -F sends lines as they are; keep them under 998 bytes.
lines = []
for line in msg.split('\n'):
    while len(line) > 900:
        cut = line.rfind(' ', 0, 900)
        cut = cut if cut > 0 else 900
        lines.append(line[:cut])
        line = line[cut:]
    lines.append(line)
with open(out, 'w') as f:
    f.write('\n'.join(lines))
