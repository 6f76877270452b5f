#!/usr/bin/env python3
"""Print a free TCP port on 127.0.0.1 (for tests).

  free_port.py [--count N]

Prints a port P such that P, P+1, ..., P+N-1 are all free right now
(default N=2: dovecot_testbed.sh uses PORT for IMAP and PORT+1 for IMAPS).
Ports are picked by the kernel (bind to port 0), so any free port may come
out. As with any such helper, another process may take the port before the
caller binds it; callers that can should retry on "address in use".
"""
import argparse
import socket
import sys


def is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port(count=2, attempts=200):
    for _ in range(attempts):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port + count - 1 > 65535:
            continue
        if all(is_free(port + i) for i in range(count)):
            return port
    raise SystemExit("free_port.py: no run of %d free ports found" % count)


def main():
    ap = argparse.ArgumentParser(description="Print a free TCP port on 127.0.0.1.")
    ap.add_argument("--count", type=int, default=2, help="consecutive free ports needed (default 2)")
    a = ap.parse_args()
    if a.count < 1:
        ap.error("--count must be >= 1")
    print(free_port(a.count))
    return 0


if __name__ == "__main__":
    sys.exit(main())
