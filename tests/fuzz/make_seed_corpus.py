#!/usr/bin/env python3
# Regenerates the seed corpora of the mail parser fuzz targets from the test vectors in
# tests/data (one small file per input); run from anywhere, then commit tests/fuzz/corpus.
import hashlib
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"


def input_bytes(value):
    """The bytes of a vector's input: a str, {"$bytes_hex": ...} or a surrogateescape str."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, dict):
        for key in ("$bytes_hex", "$str_with_surrogateescape_bytes_hex"):
            if key in value:
                return bytes.fromhex(value[key])
    return None


def write(target, name, data):
    """Writes one seed named after its vector, skipping duplicates of the same bytes."""
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()[:8]
    (folder / f"{name}-{digest}").write_bytes(data)


def vectors(file_name):
    for case in json.loads((DATA / "headers" / file_name).read_text())["cases"]:
        data = input_bytes(case.get("input"))
        if data is not None:
            yield case["id"], data


def header_block_of(message):
    end = message.find(b"\n\n")
    crlf = message.find(b"\r\n\r\n")
    cut = min(e for e in (end, crlf, len(message)) if e >= 0)
    return message[:cut + 2]


def main():
    for target in ("header_block", "address_list"):
        for old in (CORPUS / target).glob("*-*"):
            if not old.name.startswith("crash-"):
                old.unlink()
    for name in ("addresses.json", "rfc2047-decoding.json", "dates.json", "message-ids.json"):
        for case_id, data in vectors(name):
            write("address_list", case_id, data)
    for case_id, data in vectors("header-block-parsing.json"):
        write("header_block", case_id, data)
    for case_id, data in vectors("subjects.json"):
        write("header_block", case_id, b"Subject: " + data + b"\r\n")
    # Real header blocks: the broken and threading corpora, and the first of each other one.
    for corpus, limit in (("broken", 50), ("threading", 50), ("default", 8), ("lkml", 4)):
        files = sorted(p for p in (DATA / "notmuch" / corpus / "mail").rglob("*") if p.is_file())
        for path in files[:limit]:
            write("header_block", f"notmuch-{corpus}", header_block_of(path.read_bytes()))
    total = sum(p.stat().st_size for p in CORPUS.rglob("*") if p.is_file())
    print(f"corpus: {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
