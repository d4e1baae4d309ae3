#!/usr/bin/env python3
"""md2man.py - a guide of doc/ as a man page (roff with tbl tables)

    doc/md2man.py doc/tern-lua.md tern-lua 7 "Tern Lua API" > doc/tern-lua.7

The Markdown the guides use, and nothing more: # headings (the first is the
page's title), paragraphs, - and 1. lists with indented continuation
lines, ``` code blocks, | tables |, `code`, **bold**, *italic* and
[text](target) links. The page is committed beside its guide, and
tests/integration/doc_man.t checks that it is what this script makes of the
guide now, so the two cannot drift apart.
"""
import re
import sys

INLINE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)]+)\)")


def escape(text):
    """Plain text as roff: backslashes, dashes and a leading dot or quote made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in text)


def inline(text):
    out, pos = [], 0
    for m in INLINE.finditer(text):
        out.append(escape(text[pos:m.start()]))
        code, bold, italic, label, _target = m.groups()
        if code is not None:
            out.append("\\fB" + escape(code) + "\\fR")
        elif bold is not None:
            out.append("\\fB" + inline(bold) + "\\fR")
        elif italic is not None:
            out.append("\\fI" + inline(italic) + "\\fR")
        else:
            out.append(inline(label))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def line_safe(roff):
    """A roff text line may not begin with a control character."""
    return "\\&" + roff if roff[:1] in (".", "'") else roff


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|"):
        row = row[:-1]
    return [c.strip() for c in re.split(r"(?<!\\)\|", row)]


def table(rows, out):
    head, body = cells(rows[0]), [cells(r) for r in rows[2:]]
    out.append(".TS")
    out.append("allbox tab(\t);")
    out.append(" ".join("lb" for _ in head))
    out.append(" ".join(["l"] * (len(head) - 1) + ["lx"]) + ".")
    out.append("\t".join(inline(c) for c in head))
    for r in body:
        r = (r + [""] * len(head))[: len(head)]
        out.append("\t".join("T{\n" + line_safe(inline(c)) + "\nT}" for c in r))
    out.append(".TE")


def convert(lines, name, section, title):
    out = ['.TH %s %s "" "Tern" "%s"' % (name.upper(), section, title)]
    i, first_heading = 0, True
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            out.append(".PP")
            out.append(".nf")
            out.append(".RS 4")
            while j < len(lines) and not lines[j].startswith("```"):
                out.append(line_safe(escape(lines[j])))
                j += 1
            out.append(".RE")
            out.append(".fi")
            i = j + 1
            continue
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            level, text = len(m.group(1)), m.group(2)
            if first_heading:
                out.append(".SH NAME")
                out.append("%s \\- %s" % (name, escape(text)))
                out.append(".SH DESCRIPTION")
                first_heading = False
            else:
                out.append((".SH " if level <= 2 else ".SS ") + '"' + inline(text).replace('"', "'") + '"')
            i += 1
            continue
        if line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            table(lines[i:j], out)
            i = j
            continue
        if not line.strip():
            i += 1
            continue
        item = re.match(r"^(\s*)(- |\d+\. )(.*)$", line)
        indent = len(item.group(1)) + len(item.group(2)) if item else 0
        text = [item.group(3) if item else line.strip()]
        j = i + 1
        while j < len(lines) and lines[j].strip() and not lines[j].startswith(("```", "#", "|")):
            nxt = lines[j]
            if re.match(r"^\s*(- |\d+\. )", nxt):
                break
            if item and len(nxt) - len(nxt.lstrip()) < indent and not nxt.startswith(" "):
                break
            text.append(nxt.strip())
            j += 1
        if item:
            mark = "\\(bu" if item.group(2).startswith("-") else item.group(2).strip()
            out.append('.IP "%s" 4' % mark)
        else:
            out.append(".PP")
        out.append(line_safe(inline(" ".join(text))))
        i = j
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: md2man.py GUIDE.md NAME SECTION TITLE")
    path, name, section, title = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    sys.stdout.write(convert(lines, name, section, title))


if __name__ == "__main__":
    main()
