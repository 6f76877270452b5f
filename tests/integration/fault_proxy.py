"""A TCP proxy on 127.0.0.1 that injects faults between prospectd and Dovecot: per connection it
may drop after a random number of bytes, stall for a while, or truncate a chunk and close.
Bounded: it serves at most `max_connections`, and stop() ends every thread."""
import random
import socket
import threading
import time


class FaultProxy:
    def __init__(self, target_port, seed, drop=0.3, stall=0.2, truncate=0.2, stall_seconds=2.0,
                 max_connections=200, first=("drop", "truncate")):
        self.target_port = target_port
        self.random = random.Random(seed)
        self.drop, self.stall, self.truncate = drop, stall, truncate
        self.stall_seconds = stall_seconds
        self.max_connections = max_connections
        self.faults = {"drop": 0, "stall": 0, "truncate": 0, "clean": 0}
        self.forced = list(first)  # the first connections always get these faults, in order
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _plan(self):
        with self.lock:
            roll = self.random.random()
            if self.forced:
                kind = self.forced.pop(0)
                self.faults[kind] += 1
                return kind, self.random.randint(2000, 200000)
            if roll < self.drop:
                kind, after = "drop", self.random.randint(200, 400000)
            elif roll < self.drop + self.stall:
                kind, after = "stall", self.random.randint(200, 400000)
            elif roll < self.drop + self.stall + self.truncate:
                kind, after = "truncate", self.random.randint(200, 400000)
            else:
                kind, after = "clean", None
            self.faults[kind] += 1
            return kind, after

    def _accept(self):
        served = 0
        self.listener.settimeout(0.2)
        while not self.stopping.is_set() and served < self.max_connections:
            try:
                client, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            served += 1
            server = socket.create_connection(("127.0.0.1", self.target_port))
            kind, after = self._plan()
            threading.Thread(target=self._pipe, args=(client, server, None, None), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, kind, after), daemon=True).start()

    def _pipe(self, source, sink, kind, after):
        """Copies source -> sink; the server-to-client direction carries the fault."""
        sent = 0
        source.settimeout(0.5)
        try:
            while not self.stopping.is_set():
                try:
                    data = source.recv(16384)
                except socket.timeout:
                    continue
                if not data:
                    break
                if kind and sent + len(data) >= after:
                    cut = after - sent
                    if kind == "drop":
                        break
                    if kind == "truncate":
                        sink.sendall(data[:max(1, cut // 2)])
                        break
                    if kind == "stall":
                        time.sleep(self.stall_seconds)
                        kind = None
                sink.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()

    def stop(self):
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)
