"""A webhook receiver for the integration tests: an HTTP/1.1 server on 127.0.0.1 (a free port from
harness.free_port) that records every delivery attempt (delivery id, event, raw body, parsed JSON,
whether the X-Prospectd-Signature verified with the secret, arrival time, the status answered)
and can be switched at runtime between behaviours:

  ok                  200
  fail                500
  fail_then_ok(n)     the next n requests 500, then 200
  close               read the request, close the connection without a response
  stall(seconds)      wait, then 200 (stop() cuts the wait short)
  redirect(url)       302 to url
  huge                200 with a 10 MiB body

    with WebhookReceiver("secret") as receiver:
        receiver.set_mode("fail_then_ok", 2)
        ... point prospectd at receiver.url ...
        harness.wait_for(lambda: receiver.delivered_ids(), 30)

One thread per request (ThreadingHTTPServer); every method may be called from any thread. Like
the harness's servers it is tracked: one still running when the interpreter exits fails the module.
"""
import hashlib
import hmac
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness

HUGE_BODY_BYTES = 10 * 1024 * 1024
MODES = ("ok", "fail", "fail_then_ok", "close", "stall", "redirect", "huge")


@dataclass
class Delivery:
    """One attempt as it arrived. status is what was answered, None when the connection was closed
    without an answer. arrived is time.monotonic() (for intervals), arrived_wall time.time()."""
    delivery_id: str
    event: str
    body: bytes
    json: object  # the parsed body, None when it is not JSON
    signature_ok: bool
    arrived: float
    arrived_wall: float
    status: object = None
    path: str = ""
    headers: dict = field(default_factory=dict)


class WebhookReceiver:
    def __init__(self, secret):
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self._lock = threading.Lock()
        self._deliveries = []
        self._mode = ("ok", None)
        self._failures_left = 0
        self._stopping = threading.Event()
        self._server = None
        self._thread = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the client expects

            def do_POST(self):
                receiver._handle(self)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                # A sender killed mid-request (the crash tests) resets its connection: expected.
                if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
                    super().handle_error(request, client_address)

        last_error = None
        for _ in range(20):  # another process may take a free port before we bind it
            port = harness.free_port()
            try:
                self._server = Server(("127.0.0.1", port), Handler)
                break
            except OSError as error:
                last_error = error
        else:
            raise AssertionError("webhook receiver could not bind: %s" % last_error)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._stopping.clear()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="webhook-receiver", daemon=True)
        self._thread.start()
        harness.track(self)
        return self

    def stop(self):
        if self._server is None:
            return
        self._stopping.set()  # ends stalls
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        harness.untrack(self)
        self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # harness.track's protocol
    def alive(self):
        return self._server is not None

    def end(self):
        self.stop()

    def describe(self):
        return "webhook receiver on %s" % self.url

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def url(self):
        return "http://127.0.0.1:%d/hook" % self.port

    # -- behaviour -----------------------------------------------------------------------------

    def set_mode(self, mode, argument=None):
        """set_mode("ok"), ("fail"), ("fail_then_ok", n), ("close"), ("stall", seconds),
        ("redirect", url), ("huge")."""
        if mode not in MODES:
            raise ValueError("unknown mode %r (modes: %s)" % (mode, ", ".join(MODES)))
        if mode in ("fail_then_ok", "stall", "redirect") and argument is None:
            raise ValueError("mode %s needs an argument" % mode)
        with self._lock:
            self._mode = (mode, argument)
            self._failures_left = int(argument) if mode == "fail_then_ok" else 0

    def _next_action(self):
        with self._lock:
            mode, argument = self._mode
            if mode == "fail_then_ok":
                if self._failures_left > 0:
                    self._failures_left -= 1
                    return "fail", None
                return "ok", None
            return mode, argument

    # -- records -------------------------------------------------------------------------------

    def deliveries(self):
        """Every attempt, in arrival order."""
        with self._lock:
            return list(self._deliveries)

    def delivered_ids(self):
        """Delivery ids of the attempts answered 2xx, in arrival order (a redelivery appears twice)."""
        return [d.delivery_id for d in self.deliveries() if d.status is not None and 200 <= d.status < 300]

    def events_in_effect(self):
        """Delivery id -> the parsed body of its first 2xx-answered attempt."""
        effect = {}
        for delivery in self.deliveries():
            if delivery.status is not None and 200 <= delivery.status < 300:
                effect.setdefault(delivery.delivery_id, delivery.json)
        return effect

    def clear(self):
        with self._lock:
            self._deliveries.clear()

    # -- one request ---------------------------------------------------------------------------

    def _signature_ok(self, header, body):
        expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(header.encode(), expected.encode())

    def _handle(self, request):
        arrived, arrived_wall = time.monotonic(), time.time()
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length > 0 else b""
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        record = Delivery(delivery_id=request.headers.get("X-Prospectd-Delivery", ""),
                          event=request.headers.get("X-Prospectd-Event", ""), body=body, json=parsed,
                          signature_ok=self._signature_ok(request.headers.get("X-Prospectd-Signature", ""), body),
                          arrived=arrived, arrived_wall=arrived_wall, path=request.path,
                          headers=dict(request.headers.items()))
        with self._lock:
            self._deliveries.append(record)  # seen at once, even while stalled; status set below
        action, argument = self._next_action()
        if action == "close":
            request.close_connection = True
            try:
                request.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if action == "stall":
            self._stopping.wait(float(argument))
            action = "ok"
        status, headers, answer = {
            "ok": (200, {}, b'{"ok":true}'),
            "fail": (500, {}, b"receiver failing on purpose"),
            "redirect": (302, {"Location": str(argument)}, b""),
            "huge": (200, {}, None),
        }[action]
        with self._lock:
            record.status = status
        try:
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Type", "application/json" if status == 200 else "text/plain")
            request.send_header("Content-Length", str(HUGE_BODY_BYTES if answer is None else len(answer)))
            request.end_headers()
            if answer is None:
                chunk = b"x" * 65536
                for _ in range(HUGE_BODY_BYTES // len(chunk)):
                    request.wfile.write(chunk)
            else:
                request.wfile.write(answer)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True  # the client stopped reading (a capped body)
