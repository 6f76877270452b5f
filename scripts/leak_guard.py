#!/usr/bin/env python3
"""Fail when a test run left processes behind, and end them.

  leak_guard.py --root DIR [--marker NAME=VALUE] [--grace SECONDS]

A process belongs to the run when its environment holds the marker (scripts/test.sh exports
PROSPECTD_TEST_RUN=<id> to everything it starts), or when its command line, working directory or
executable lies under the run's own temporary root DIR (scripts/test.sh exports TMPDIR=DIR, so
every test directory is there). The path catches servers that daemonize and clear their
environment, as Dovecot does: `/usr/sbin/dovecot -c DIR/.../dovecot.conf`, and its children
working in DIR/.../run. This process and its ancestors are left alone.

Every such process is printed with its pid and command line, sent SIGTERM, then SIGKILL after
--grace seconds (default 5); exit 1. Exit 0 when none is left. Linux (/proc) only; run it as the
user that ran the tests (root sees every user's processes, e.g. Dovecot's mail user's).
"""
import argparse
import os
import signal
import sys
import time


def read(pid, name):
    try:
        with open("/proc/%d/%s" % (pid, name), "rb") as f:
            return f.read()
    except OSError:
        return None


def link(pid, name):
    try:
        return os.readlink("/proc/%d/%s" % (pid, name))
    except OSError:
        return None


def stat(pid):
    """(state, ppid, start time) of PID, or None when it is gone."""
    raw = read(pid, "stat")
    if not raw:
        return None
    fields = raw.rsplit(b")", 1)[1].split()
    return fields[0].decode(), int(fields[1]), fields[19]


def ancestors():
    """This process and every process above it (the shell running the tests among them)."""
    pids, pid = set(), os.getpid()
    while pid > 0 and pid not in pids:
        pids.add(pid)
        info = stat(pid)
        pid = info[1] if info else 0
    return pids


def under(path, roots):
    return path is not None and any(path == root or path.startswith(root + "/") for root in roots)


def why(pid, roots, marker):
    """Why PID belongs to the run, or None."""
    environ = read(pid, "environ")
    if marker and environ and marker in environ.split(b"\0"):
        return "has " + marker.decode()
    cmdline = read(pid, "cmdline") or b""
    if any(root.encode() in cmdline for root in roots):
        return "command line names the run's directory"
    # a deleted directory reads as "PATH (deleted)": still under the root
    if under(link(pid, "cwd"), roots):
        return "works in the run's directory"
    if under(link(pid, "exe"), roots):
        return "runs a program from the run's directory"
    return None


def command_line(pid):
    cmdline = read(pid, "cmdline")
    if cmdline:
        return cmdline.rstrip(b"\0").replace(b"\0", b" ").decode(errors="replace")
    comm = read(pid, "comm") or b"?"
    return "[%s]" % comm.strip().decode(errors="replace")


def scan(roots, marker, spared):
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in spared:
            continue
        pid = int(name)
        info = stat(pid)
        if info is None or info[0] in ("Z", "X"):
            continue  # gone, or a zombie: it runs nothing and its parent reaps it
        reason = why(pid, roots, marker)
        if reason:
            found[pid] = (info[2], info[1], reason, command_line(pid))
    return found


def same(pid, started):
    """PID is still the process seen by the scan (not ended, not a reused pid)."""
    info = stat(pid)
    return info is not None and info[0] not in ("Z", "X") and info[2] == started


def signal_all(found, sig):
    for pid, (started, *_) in found.items():
        if same(pid, started):
            try:
                os.kill(pid, sig)
            except OSError:
                pass


def wait_gone(found, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(same(pid, started) for pid, (started, *_) in found.items()):
            return True
        time.sleep(0.05)
    return False


def main():
    ap = argparse.ArgumentParser(description="Fail when a test run left processes behind, and end them.")
    ap.add_argument("--root", required=True, help="the run's temporary root (its TMPDIR)")
    ap.add_argument("--marker", help="NAME=VALUE in the environment of everything the run started")
    ap.add_argument("--grace", type=float, default=5.0, help="seconds between SIGTERM and SIGKILL")
    a = ap.parse_args()
    if a.marker is not None and "=" not in a.marker:
        ap.error("--marker must be NAME=VALUE")
    root = os.path.abspath(a.root).rstrip("/")
    if root in ("", "/tmp"):
        ap.error("--root must be the run's own directory, not %r" % (root or "/"))
    roots = sorted({root, os.path.realpath(root)})
    marker = a.marker.encode() if a.marker else None
    spared = ancestors()

    reported = {}
    # a few rounds: a server may start a child between the scan and its end
    for _ in range(5):
        found = {pid: entry for pid, entry in scan(roots, marker, spared).items()
                 if reported.get(pid, (None,))[0] != entry[0]}
        if not found:
            break
        for pid, (_, ppid, reason, command) in sorted(found.items()):
            print("leak_guard: left running by the test run: pid %d (parent %d; %s): %s"
                  % (pid, ppid, reason, command), flush=True)
        reported.update(found)
        signal_all(found, signal.SIGTERM)
        if not wait_gone(found, a.grace):
            signal_all(found, signal.SIGKILL)
            wait_gone(found, 5)
    survivors = [pid for pid, (started, *_) in reported.items() if same(pid, started)]
    if survivors:
        print("leak_guard: still alive after SIGKILL: %s" % " ".join(map(str, sorted(survivors))), flush=True)
    if reported:
        print("leak_guard: FAILED: %d process(es) of the test run were still running at its end (ended now)"
              % len(reported), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
