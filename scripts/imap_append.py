#!/usr/bin/env python3
"""Put messages into a test IMAP server, or recreate a folder (Python stdlib only).

  imap_append.py [connection] append FOLDER FILE... [--batch N]
      APPEND each file (a message; LF or CRLF line endings) to FOLDER.
      INTERNALDATE = the file's mtime; flags from a Maildir name (":2,RS" ->
      \\Answered \\Seen) unless --flags is given. FOLDER is created if missing.
      --batch N: up to N messages per APPEND command (RFC 3502 MULTIAPPEND,
      where the server offers it): one commit per batch instead of one per
      message, e.g. thousands of messages into Cyrus in seconds, not minutes.
  imap_append.py [connection] recreate FOLDER [FILE...] [--keep]
      DELETE FOLDER, CREATE it again and APPEND the FILEs (read before the
      DELETE, so they may live inside FOLDER's own Maildir) and, with --keep,
      the folder's own messages (fetched before the DELETE). The folder gets a
      new UIDVALIDITY; the server's UIDs start again at 1. INBOX cannot be
      deleted over IMAP: use `dovecot_testbed.sh uidvalidity DIR PORT INBOX`.
  imap_append.py [connection] rename FOLDER NEWNAME
      RENAME FOLDER to NEWNAME (RFC 3501 §6.3.5), e.g. a server-side rename of Sent.
  imap_append.py [connection] status FOLDER
      Print {"folder","messages","uidnext","uidvalidity","highestmodseq"}.

connection: [--host 127.0.0.1] --port PORT [--user rep@acme-sales.com]
            [--password secret] [--tls | --starttls] [--cafile FILE]
            (defaults match scripts/dovecot_testbed.sh)

Every command prints one JSON line; append and recreate report the APPENDUIDs,
recreate also uidvalidity_before / uidvalidity_after. Exit 0 on success, 1 on
an IMAP error (message on stderr).
"""
import argparse
import imaplib
import json
import os
import re
import ssl
import sys
import time

MAILDIR_FLAGS = {"S": "\\Seen", "R": "\\Answered", "F": "\\Flagged", "T": "\\Deleted", "D": "\\Draft"}


def connect(a):
    if a.tls or a.starttls:
        ctx = ssl.create_default_context(cafile=a.cafile) if a.cafile else ssl._create_unverified_context()
    if a.tls:
        c = imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx)
    else:
        c = imaplib.IMAP4(a.host, a.port)
        if a.starttls:
            c.starttls(ssl_context=ctx)
    c.login(a.user, a.password)
    return c


def check(typ, data, what):
    if typ != "OK":
        raise imaplib.IMAP4.error("%s: %s %s" % (what, typ, b" ".join(x for x in data if isinstance(x, bytes))
                                                   .decode(errors="replace")))
    return data


def quote(name):
    return '"%s"' % name.replace("\\", "\\\\").replace('"', '\\"')


def status(c, folder):
    typ, data = c.status(quote(folder), "(MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)")
    check(typ, data, "STATUS " + folder)
    text = data[0].decode()
    out = {"folder": folder}
    for k in ("MESSAGES", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ"):
        m = re.search(r"\b%s (\d+)" % k, text)
        out[k.lower()] = int(m.group(1)) if m else None
    return out


def flags_of(path, override):
    if override is not None:
        return override or None
    base = os.path.basename(path)
    if ":2," in base:
        fl = [MAILDIR_FLAGS[ch] for ch in base.split(":2,", 1)[1] if ch in MAILDIR_FLAGS]
        return "(%s)" % " ".join(fl) if fl else None
    return None


def read_files(paths, override):
    items = []
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        items.append((data, flags_of(p, override), os.stat(p).st_mtime))
    return items


def append_all(c, folder, items):
    uids = []
    for data, flags, mtime in items:
        typ, resp = c.append(quote(folder), flags, imaplib.Time2Internaldate(mtime), data)
        check(typ, resp, "APPEND to " + folder)
        m = re.search(rb"APPENDUID (\d+) (\d+)", resp[0] or b"")
        uids.append(int(m.group(2)) if m else None)
    return uids


def literal(c, data, plus):
    """An APPEND literal: non-synchronizing where LITERAL+ is offered (RFC 7888), otherwise
    synchronizing: announce it and wait for the server's "+" (RFC 3501 §7.5)."""
    if plus:
        c.send(b"{%d+}\r\n" % len(data) + data)
        return
    c.send(b"{%d}\r\n" % len(data))
    while True:
        line = c.readline()
        if not line:
            raise imaplib.IMAP4.abort("connection closed during APPEND")
        if line.startswith(b"+"):
            break
        if not line.startswith(b"* "):
            raise imaplib.IMAP4.error("APPEND refused: %s" % line.decode(errors="replace").strip())
    c.send(data)


def multiappend(c, folder, items, batch):
    """APPEND with up to BATCH messages per command (RFC 3502 MULTIAPPEND); returns the UIDs."""
    plus = "LITERAL+" in c.capabilities
    uids = []
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        tag = c._new_tag()
        c.send(tag + b" APPEND " + quote(folder).encode())
        for data, flags, mtime in chunk:
            data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
            c.send(b" " + (flags.encode() + b" " if flags else b"") +
                   b'"' + imaplib.Time2Internaldate(mtime).strip('"').encode() + b'" ')
            literal(c, data, plus)
        c.send(b"\r\n")
        while True:
            line = c.readline()
            if not line:
                raise imaplib.IMAP4.abort("connection closed during APPEND")
            if line.startswith(tag + b" "):
                break
        if not line.startswith(tag + b" OK"):
            raise imaplib.IMAP4.error("APPEND to %s: %s" % (folder, line.decode(errors="replace").strip()))
        m = re.search(rb"APPENDUID \d+ ([\d:,]+)", line)
        if m:
            for part in m.group(1).split(b","):
                low, _, high = part.partition(b":")
                uids.extend(range(int(low), int(high or low) + 1))
        else:
            uids.extend([None] * len(chunk))
    return uids


def fetch_all(c, folder):
    """The folder's messages with flags and INTERNALDATE, for --keep."""
    check(*c.select(quote(folder), readonly=True), "SELECT " + folder)
    typ, data = c.uid("FETCH", "1:*", "(FLAGS INTERNALDATE BODY.PEEK[])")
    check(typ, data, "FETCH " + folder)
    items = []
    for part in data:
        if not isinstance(part, tuple):
            continue
        meta, body = part
        fl = re.search(rb"FLAGS \(([^)]*)\)", meta)
        flags = [f for f in (fl.group(1).decode().split() if fl else []) if f != "\\Recent"]
        dt = imaplib.Internaldate2tuple(meta)
        items.append((body, "(%s)" % " ".join(flags) if flags else None, time.mktime(dt) if dt else time.time()))
    c.close()
    return items


def main():
    ap = argparse.ArgumentParser(description="APPEND messages to a test IMAP server or recreate a folder.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", default="rep@acme-sales.com")
    ap.add_argument("--password", default="secret")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--tls", action="store_true", help="implicit TLS (IMAPS)")
    g.add_argument("--starttls", action="store_true")
    ap.add_argument("--cafile", help="verify the server certificate against this file")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("append")
    p.add_argument("folder")
    p.add_argument("files", nargs="+")
    p.add_argument("--flags", help='e.g. "(\\Seen)"; "" for none (default: from the Maildir file name)')
    p.add_argument("--batch", type=int, default=1, help="messages per APPEND command (MULTIAPPEND)")
    p = sub.add_parser("rename")
    p.add_argument("folder")
    p.add_argument("new_name")
    p = sub.add_parser("recreate")
    p.add_argument("folder")
    p.add_argument("files", nargs="*")
    p.add_argument("--keep", action="store_true", help="re-append the folder's own messages too")
    p.add_argument("--flags")
    p = sub.add_parser("status")
    p.add_argument("folder")
    a = ap.parse_args()
    try:
        c = connect(a)
        if a.cmd == "status":
            print(json.dumps(status(c, a.folder)))
        elif a.cmd == "append":
            items = read_files(a.files, a.flags)
            typ, _ = c.create(quote(a.folder))  # NO [ALREADYEXISTS] is fine
            if a.batch > 1:  # what the server offers after the login
                typ, data = c.capability()
                if typ == "OK" and data and data[-1]:
                    c.capabilities = tuple(data[-1].decode().upper().split())
            if a.batch > 1 and "MULTIAPPEND" in c.capabilities:
                uids = multiappend(c, a.folder, items, a.batch)
            else:
                uids = append_all(c, a.folder, items)
            st = status(c, a.folder)
            print(json.dumps({"folder": a.folder, "appended": len(uids), "uids": uids,
                              "uidvalidity": st["uidvalidity"], "messages": st["messages"],
                              "uidnext": st["uidnext"]}))
        elif a.cmd == "rename":
            check(*c.rename(quote(a.folder), quote(a.new_name)), "RENAME %s %s" % (a.folder, a.new_name))
            c.subscribe(quote(a.new_name))
            print(json.dumps({"folder": a.folder, "renamed_to": a.new_name}))
        else:
            if a.folder.upper() == "INBOX":
                raise SystemExit("imap_append.py: INBOX cannot be deleted over IMAP; use "
                                 "`dovecot_testbed.sh uidvalidity DIR PORT INBOX` to change its UIDVALIDITY")
            items = read_files(a.files, a.flags)
            before = status(c, a.folder)
            if a.keep:
                items = fetch_all(c, a.folder) + items
            check(*c.delete(quote(a.folder)), "DELETE " + a.folder)
            typ, data = c.create(quote(a.folder))
            if typ != "OK" and b"ALREADYEXISTS" not in b" ".join(d for d in data if isinstance(d, bytes)):
                check(typ, data, "CREATE " + a.folder)
            c.subscribe(quote(a.folder))
            uids = append_all(c, a.folder, items)
            after = status(c, a.folder)
            if after["uidvalidity"] == before["uidvalidity"]:
                raise imaplib.IMAP4.error("UIDVALIDITY of %s did not change" % a.folder)
            print(json.dumps({"folder": a.folder, "uidvalidity_before": before["uidvalidity"],
                              "uidvalidity_after": after["uidvalidity"], "appended": len(uids),
                              "uids": uids, "messages": after["messages"], "uidnext": after["uidnext"]}))
        c.logout()
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as e:
        print("imap_append.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
