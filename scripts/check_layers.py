#!/usr/bin/env python3
"""Fails when a source file includes a layer it may not (ARCHITECTURE.md "Layers").

Reads every .cpp/.h (and .c/.cc/.hpp) under the layer folders, finds project includes
(#include "folder/...") and SQLite includes (<SQLiteCpp/...>, <sqlite3.h>), and checks each
against ALLOWED below. tests/, bench/ and build*/ are not checked (they may include anything);
a folder with sources that is not in the table is reported, so a new layer has to be added here.

  scripts/check_layers.py [--root DIR] [--self-test]

--self-test first runs the check on a temporary tree with planted violations and fails unless
exactly those are reported (and a clean tree passes), then checks the repository. Exit 0 when
the layers are respected, 1 with one "file:line: layer A may not include B/..." line per include.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

# Which layer may include which, bottom up; every layer may include itself. The layer of a file
# is its top folder, except under connectors/: connectors/mail, connectors/imap, connectors/gmail,
# connectors/oauth, and "connectors" for the driver interface (connectors/message_source.h). Mirrors the table in
# ARCHITECTURE.md "Layers": change both together.
CONNECTORS = {"connectors", "connectors/mail", "connectors/imap", "connectors/gmail", "connectors/oauth"}
BELOW_SYNC = {"config", "store", "rules", "core", "util"} | CONNECTORS
ALLOWED = {
    "util": set(),
    "core": {"util"},
    "connectors": {"core", "util"},
    "connectors/mail": {"connectors", "core", "util"},
    "connectors/oauth": {"connectors", "core", "util"},
    "connectors/imap": {"connectors", "connectors/mail", "connectors/oauth", "core", "util"},
    "connectors/gmail": {"connectors", "connectors/mail", "connectors/oauth", "core", "util"},
    "rules": {"core", "util"},
    "store": {"rules", "core", "util"},
    "config": {"rules", "core", "util"},
    "views": {"store", "rules", "core", "util"},
    "sync": BELOW_SYNC,
    "publish": {"views", "store", "rules", "config", "core", "util"},
    "http": {"views", "sync", "store", "rules", "config", "core", "util"},
    "daemon": {"sync", "publish", "http", "views"} | BELOW_SYNC,
    "cli": {"daemon", "sync", "publish", "http", "views"} | BELOW_SYNC,
}
# store/internal/ is private to store/; SQLite is the store's alone.
PRIVATE = {"store/internal": "store"}
SQLITE_OWNER = "store"
# Folders that are not layers and are not checked: they may include anything.
UNCHECKED = {"tests", "bench", "cmake", "packaging", "scripts"}

SOURCE_SUFFIXES = {".cpp", ".h", ".c", ".cc", ".hpp"}
PROJECT_INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
# The database client libraries (SQLite, and libpq for the team database) are the store's alone.
SQLITE_INCLUDE = re.compile(r"^\s*#\s*include\s*[<\"]((?:SQLiteCpp/[^>\"]*)|sqlite3\.h|libpq-fe\.h)[>\"]")


def layer_of(path):
    """The layer of a path relative to the root ("connectors/imap/session.h" -> "connectors/imap")."""
    parts = path.split("/")
    if parts[0] == "connectors" and len(parts) > 2 and f"connectors/{parts[1]}" in CONNECTORS:
        return f"connectors/{parts[1]}"
    return parts[0]


def include_violation(layer, included):
    """Why `layer` may not include the project header `included`, or None if it may."""
    for private, owner in PRIVATE.items():
        if included.startswith(private + "/") and layer != owner:
            return f"{private}/..."
    target = layer_of(included)
    if target == layer or target in ALLOWED.get(layer, set()):
        return None
    if "/" not in included:
        return None  # "name.h" next to the file: not a rooted project include
    if target not in ALLOWED and target not in UNCHECKED:
        return None  # not one of our folders (a library header written with quotes)
    return f"{target}/..."


def source_files(root):
    """Every source file below root's top folders, skipping unchecked, hidden and build* ones."""
    for top in sorted(p for p in root.iterdir() if p.is_dir()):
        name = top.name
        if name in UNCHECKED or name.startswith(".") or name.startswith("build"):
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not d.startswith("build"))
            for filename in sorted(filenames):
                if Path(filename).suffix in SOURCE_SUFFIXES:
                    yield Path(dirpath) / filename


def check(root):
    """(files checked, problems as "file:line: message" lines)."""
    problems = []
    unknown_layers = set()
    count = 0
    for file in source_files(root):
        relative = file.relative_to(root).as_posix()
        layer = layer_of(relative)
        count += 1
        if layer not in ALLOWED:
            if layer not in unknown_layers:
                unknown_layers.add(layer)
                problems.append(f"{relative}:1: folder {layer}/ is not in the layer table (scripts/check_layers.py)")
            continue
        with open(file, encoding="utf-8", errors="replace") as text:
            for number, line in enumerate(text, start=1):
                sqlite = SQLITE_INCLUDE.match(line)
                if sqlite:
                    if layer != SQLITE_OWNER:
                        included = sqlite.group(1)
                        shown = "<SQLiteCpp/...>" if included.startswith("SQLiteCpp/") else "<sqlite3.h>"
                        problems.append(f"{relative}:{number}: layer {layer} may not include {shown}")
                    continue
                project = PROJECT_INCLUDE.match(line)
                if project:
                    why = include_violation(layer, project.group(1))
                    if why:
                        problems.append(f"{relative}:{number}: layer {layer} may not include {why}")
    return count, problems


def self_test():
    """Plants violations in a temporary tree and checks that this script, run as ctest runs it,
    reports exactly them with exit 1, and passes the same tree without them."""
    allowed = {
        "util/text.h": '#include "util/other.h"\n',
        "core/batch.h": '#include "core/message_meta.h"\n#include "util/text.h"\n',
        "connectors/message_source.h": '#include "core/batch.h"\n',
        "connectors/mail/header_parser.h": '#include "connectors/message_source.h"\n',
        "connectors/imap/session.cpp": '#include "connectors/mail/header_parser.h"\n#include <curl/curl.h>\n',
        "connectors/gmail/api_client.cpp": '#include "connectors/mail/date.h"\n#include <httplib.h>\n',
        "store/store.cpp": '#include "store/internal/ingest.h"\n#include <SQLiteCpp/Database.h>\n'
        '#include <sqlite3.h>\n#include "rules/lifecycle.h"\n',
        "views/crm_json.h": '#include "store/reader.h"\n',
        "sync/classify.cpp": '#include "connectors/mail/subject.h"\n#include "store/store.h"\n',
        "http/server.cpp": '#include "views/crm_json.h"\n#include "sync/live_status.h"\n',
        "daemon/run_command.cpp": '#include "http/server.h"\n',
        "cli/main.cpp": '#include "daemon/run_command.h"\n#include "connectors/imap/curl_transport.h"\n',
        "tests/unit/store_test.cpp": '#include "store/internal/ingest.h"\n#include <SQLiteCpp/Database.h>\n',
        "build-x/generated.cpp": '#include "cli/commands.h"\n',
    }
    violations = {
        "util/bad.h": ('#include "core/batch.h"\n', "util/bad.h:1: layer util may not include core/..."),
        "core/bad.cpp": ("// x\n#include \"rules/stage.h\"\n", "core/bad.cpp:2: layer core may not include rules/..."),
        "connectors/mail/bad.cpp": (
            '#include "connectors/imap/session.h"\n',
            "connectors/mail/bad.cpp:1: layer connectors/mail may not include connectors/imap/...",
        ),
        "connectors/imap/bad.cpp": (
            '#include "store/store.h"\n',
            "connectors/imap/bad.cpp:1: layer connectors/imap may not include store/...",
        ),
        "connectors/gmail/bad.cpp": (
            "#include <sqlite3.h>\n",
            "connectors/gmail/bad.cpp:1: layer connectors/gmail may not include <sqlite3.h>",
        ),
        "rules/bad.h": ('  #  include "store/reader.h"\n', "rules/bad.h:1: layer rules may not include store/..."),
        "views/bad.cpp": (
            '#include "store/internal/statements.h"\n',
            "views/bad.cpp:1: layer views may not include store/internal/...",
        ),
        "sync/bad.cpp": ('#include "http/server.h"\n', "sync/bad.cpp:1: layer sync may not include http/..."),
        "http/bad.cpp": (
            "#include <SQLiteCpp/Statement.h>\n",
            "http/bad.cpp:1: layer http may not include <SQLiteCpp/...>",
        ),
        "daemon/bad.cpp": ('#include "cli/commands.h"\n', "daemon/bad.cpp:1: layer daemon may not include cli/..."),
        "cli/bad.cpp": ('#include "tests/fake.h"\n', "cli/bad.cpp:1: layer cli may not include tests/..."),
        "newlayer/thing.cpp": ("\n", "newlayer/thing.cpp:1: folder newlayer/ is not in the layer table"),
    }

    def write_tree(root, files):
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def run(root):
        return subprocess.run([sys.executable, __file__, "--root", str(root)], capture_output=True, text=True)

    failures = []
    with tempfile.TemporaryDirectory(prefix="check_layers.") as temp:
        clean = Path(temp) / "clean"
        write_tree(clean, allowed)
        result = run(clean)
        if result.returncode != 0:
            failures.append(f"a tree that respects the layers failed:\n{result.stdout}{result.stderr}")
        dirty = Path(temp) / "dirty"
        write_tree(dirty, allowed)
        write_tree(dirty, {relative: text for relative, (text, _) in violations.items()})
        result = run(dirty)
        if result.returncode != 1:
            failures.append(f"planted violations gave exit {result.returncode}, not 1")
        reported = [line for line in result.stderr.splitlines() if line.startswith(tuple(violations))]
        for relative, (_, expected) in violations.items():
            if not any(line.startswith(expected) for line in reported):
                failures.append(f"not reported: {expected}")
        if len(reported) != len(violations):
            failures.append("reported other than the planted violations:\n" + result.stderr)
    for failure in failures:
        print(f"check_layers self-test: {failure}", file=sys.stderr)
    if not failures:
        print(f"self-test: {len(violations)} planted violations reported, a clean tree passes")
    return not failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--self-test", action="store_true", help="first prove the check fails on violations")
    args = parser.parse_args()
    if args.self_test and not self_test():
        return 1
    count, problems = check(args.root.resolve())
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} include(s) break the layers (ARCHITECTURE.md \"Layers\")", file=sys.stderr)
        return 1
    print(f"{count} files checked, layers respected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
