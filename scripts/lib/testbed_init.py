#!/usr/bin/env python3
"""The first process of a private mount and PID namespace that runs a throw-away mail server for
scripts/cyrus_testbed.sh and scripts/courier_testbed.sh (started as
`unshare --mount --pid --fork --kill-child testbed_init.py ...`).

  testbed_init.py --pidfile FILE [--syslog FILE] [--bind DIR=NAME]... [--etc NAME=DIR]...
                  [--stop-seconds N] --service NAME=SCRIPT [--service NAME=SCRIPT]...

Inside the namespace, before any service starts:
  /run            a private tmpfs (the servers' compiled-in runtime paths, e.g. /run/courier)
  /run/NAME       with --bind DIR=NAME: DIR, e.g. the unpacked server packages, reachable there
                  by the unprivileged users the servers switch to even when DIR is not (a cache
                  under root's home)
  /dev            with --syslog: a private tmpfs holding the usual device nodes (bound from the
                  real /dev) and /dev/log, a datagram socket served by this process: every syslog
                  line a server writes is appended to FILE. Neither Cyrus IMAP nor couriertcpd can
                  log anywhere but syslog, and a container has no syslog daemon.
  /etc/NAME       shows DIR (an overlay on /etc keeps the rest of /etc as it is), for servers
                  that only read a compiled-in configuration path (Courier's /etc/courier)
Nothing of this is visible outside the namespace.

Then it runs each SCRIPT with bash (stdout and stderr go to this process's own), writes its pid
as seen from outside the namespace to FILE, and waits. SIGTERM, SIGINT or SIGHUP: SIGTERM to
every service, SIGKILL to those still running after --stop-seconds, exit 0. A service that exits
by itself ends the others the same way, exit 1: a half-dead server must not look alive. Being
the namespace's first process, its exit makes the kernel end whatever is left in it, so even a
SIGKILL of this process leaves nothing behind."""
import argparse
import os
import select
import signal
import socket
import subprocess
import sys
import time


def log(message):
    sys.stderr.write("testbed_init: %s\n" % message)
    sys.stderr.flush()


def mount(*args):
    subprocess.run(["mount", *args], check=True)


def private_dev():
    """A /dev of our own, so /dev/log can be bound without touching the real one."""
    host = "/run/.hostdev"
    os.makedirs(host)
    mount("--rbind", "/dev", host)
    mount("-t", "tmpfs", "-o", "mode=755,size=1m", "testbed-dev", "/dev")
    for name in ("null", "zero", "full", "random", "urandom", "tty"):
        if os.path.exists(os.path.join(host, name)):
            open(os.path.join("/dev", name), "w").close()
            mount("--bind", os.path.join(host, name), os.path.join("/dev", name))
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, os.path.join("/dev", name))
    os.mkdir("/dev/shm")
    os.chmod("/dev/shm", 0o1777)
    os.mkdir("/dev/pts")
    subprocess.run(["umount", "-l", host], check=False)


def private_etc(entries):
    """/etc/NAME -> DIR for each NAME=DIR, over an overlay of /etc (upper layer in /run)."""
    os.makedirs("/run/.etc/upper")
    os.makedirs("/run/.etc/work")
    mount("-t", "overlay", "testbed-etc", "-o",
          "lowerdir=/etc,upperdir=/run/.etc/upper,workdir=/run/.etc/work", "/etc")
    for name, directory in entries:
        target = os.path.join("/etc", name)
        os.makedirs(target, exist_ok=True)
        mount("--bind", directory, target)


def syslog_socket():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("/dev/log")
    os.chmod("/dev/log", 0o666)  # services that dropped root log too
    sock.setblocking(False)
    return sock


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--syslog")
    ap.add_argument("--bind", action="append", default=[], metavar="DIR=NAME")
    ap.add_argument("--etc", action="append", default=[], metavar="NAME=DIR")
    ap.add_argument("--service", action="append", required=True, metavar="NAME=SCRIPT")
    ap.add_argument("--stop-seconds", type=float, default=8)
    a = ap.parse_args()
    if os.getpid() != 1:
        ap.error("must run as the first process of a new PID namespace (unshare --pid --fork)")

    mount("--make-rprivate", "/")
    mount("-t", "tmpfs", "-o", "mode=755,size=16m", "testbed-run", "/run")
    for entry in a.bind:
        directory, name = entry.split("=", 1)
        os.makedirs(os.path.join("/run", name))
        mount("--bind", directory, os.path.join("/run", name))
    sink = out = None
    if a.syslog:
        private_dev()
        sink = syslog_socket()
        out = open(a.syslog, "ab", buffering=0)
    if a.etc:
        private_etc([entry.split("=", 1) for entry in a.etc])

    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    stop = {"signal": None}

    def on_stop(signum, _frame):
        stop["signal"] = signum
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_stop)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # only to wake the select below

    services = {}  # pid -> name
    for entry in a.service:
        name, script = entry.split("=", 1)
        process = subprocess.Popen(["bash", script], stdin=subprocess.DEVNULL)
        services[process.pid] = name
        log("started %s (pid %d in the namespace)" % (name, process.pid))

    # The pid a caller outside can signal: /proc is still the outer one, so /proc/self names it.
    host_pid = os.readlink("/proc/self")
    with open(a.pidfile + ".tmp", "w") as f:
        f.write(host_pid + "\n")
    os.replace(a.pidfile + ".tmp", a.pidfile)

    status = 0
    while stop["signal"] is None:
        # reap every child: services, and orphans that ended up with us as the namespace's init
        while True:
            try:
                pid, code = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
            if pid in services:
                log("service %s exited by itself (%s): stopping the others" % (services.pop(pid), code))
                status = 1
        if status:
            break
        try:
            ready, _, _ = select.select([wake_r] + ([sink] if sink else []), [], [], 5)
        except InterruptedError:
            continue
        if wake_r in ready:
            try:
                os.read(wake_r, 512)
            except BlockingIOError:
                pass
        if sink in ready:
            while True:
                try:
                    line = sink.recv(65536)
                except (BlockingIOError, InterruptedError):
                    break
                out.write(line.rstrip(b"\0\n") + b"\n")

    if stop["signal"] is not None:
        log("signal %d: stopping" % stop["signal"])
    for pid in services:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + a.stop_seconds
    while services and time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.05)
        else:
            services.pop(pid, None)
    for pid, name in services.items():
        log("%s did not stop within %g s of SIGTERM: SIGKILL" % (name, a.stop_seconds))
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if sink:  # what the services logged while stopping
        while True:
            try:
                out.write(sink.recv(65536).rstrip(b"\0\n") + b"\n")
            except OSError:  # nothing more to read
                break
    try:
        os.unlink(a.pidfile)
    except OSError:
        pass
    return status


if __name__ == "__main__":
    sys.exit(main())
