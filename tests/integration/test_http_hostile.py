"""Hostile HTTP clients against `prospectd run`: malformed requests, oversized bodies, slow
clients, path traversal. Each must be refused correctly while the daemon keeps serving others
(issue: hardening)."""
import os
import socket
import time
import unittest

import harness
from harness import Daemon, Prospectd, imap_account


def raw_exchange(port, payload, timeout=10):
    """Sends raw bytes, returns whatever the server answers until it closes (or the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as connection:
        connection.sendall(payload)
        chunks = []
        try:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def status_of(answer):
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[1].isdigit() else None


class HostileHttpTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, _, cls.dovecot = harness.start_class_mailbox(cls, "prospectd-http-hostile-", 200, 51)
        cls.port = harness.free_port()
        app = Prospectd(os.path.join(cls.tmp, "app"), [imap_account(cls.dovecot, poll_interval="10m")],
                        extra=harness.http_section(cls.port))
        cls.daemon = Daemon(app, cls.port).start()
        cls.addClassCleanup(cls.daemon.stop)  # first of the cleanups: before Dovecot stops
        cls.daemon.wait_until_synced()

    def assert_still_serving(self):
        started = time.monotonic()
        self.assertEqual(self.daemon.request("GET", "/healthz", timeout=5).status, 200)
        self.assertLess(time.monotonic() - started, 3.0, "the daemon answered /healthz slowly")

    def test_malformed_requests_are_refused_and_the_daemon_keeps_serving(self):
        for payload in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"\x00\xff\xfe\r\n\r\n",
                        b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"):
            answer = raw_exchange(self.port, payload)
            status = status_of(answer)
            self.assertTrue(status is None or 400 <= status < 500, (payload[:40], answer[:200]))
        # cpp-httplib skips a header line without a colon (lenient, harmless): any answer but a 5xx.
        answer = raw_exchange(self.port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n")
        self.assertTrue(status_of(answer) is None or status_of(answer) < 500, answer[:200])
        self.assert_still_serving()

    def test_an_oversized_body_is_refused_without_reading_it_all(self):
        token = self.daemon.token
        head = ("POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % (self.port, token, 50 << 20))
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(head.encode())
            try:
                connection.sendall(b"{" * (1 << 20))
            except OSError:
                pass  # the server may close early
            answer = b""
            try:
                answer = connection.recv(65536)
            except (socket.timeout, ConnectionResetError):
                pass
        status = status_of(answer)
        self.assertTrue(status is None or status in (400, 413), answer[:200])
        self.assert_still_serving()

    def test_slow_clients_do_not_starve_others_and_are_cut_off(self):
        sockets = []
        try:
            for _ in range(24):
                connection = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                connection.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # never finished
                sockets.append(connection)
            self.assert_still_serving()
            # Bounded: the server closes them after its read timeout instead of waiting forever.
            closed = 0
            deadline = time.monotonic() + 30
            for connection in sockets:
                connection.settimeout(max(0.1, deadline - time.monotonic()))
                try:
                    connection.recv(1024)  # b"" (closed) or a 408 answer, then the close
                    closed += 1
                except ConnectionResetError:
                    closed += 1
                except socket.timeout:
                    pass
            self.assertEqual(closed, len(sockets), "slow connections were held open for over 30 s")
        finally:
            for connection in sockets:
                connection.close()
        self.assert_still_serving()

    def test_path_traversal_attempts_find_nothing(self):
        for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/app.js/../../etc/passwd",
                     "/api/contacts/..%2f..%2fetc%2fpasswd", "//etc/passwd", "/index.html%00.js"):
            response = self.daemon.request("GET", path)
            self.assertIn(response.status, (400, 404), path)
            self.assertNotIn(b"root:", response.body)
        self.assert_still_serving()


if __name__ == "__main__":
    unittest.main()
