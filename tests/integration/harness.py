"""Shared fixtures for prospectd's integration tests: a real Dovecot with a generated mailbox,
a config file, the prospectd binary, and read access to its SQLite store.

Every server and process started here is tracked until it is stopped; whatever is still running
when the interpreter exits is named, ended and fails the module (a test that forgets a stop, or a
setUpClass that fails half way, must not leave servers behind). scripts/test.sh checks the same
for the whole run, whatever started the process (scripts/leak_guard.py)."""
import atexit
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")
BINARY = os.environ.get("PROSPECTD_BIN", os.path.join(ROOT, "build", "prospectd"))
# Set by CMake for a -fsanitize=address,undefined build (the asan preset): slower, more memory.
SANITIZED = os.environ.get("PROSPECTD_SANITIZED") == "1"
USER = "rep@acme-sales.com"
PASSWORD = "secret"


def _reserve(port):
    """Claims PORT for this test run (scripts/test.sh's run marker): test modules run in parallel
    lanes, and one must not pick a port another has picked but not bound yet. The claims live in
    the run's own temporary directory and go with it. Outside such a run, always True."""
    run = os.environ.get("PROSPECTD_TEST_RUN")
    if not run:
        return True
    claims = os.path.join(tempfile.gettempdir(), "prospectd-port-claims")
    os.makedirs(claims, exist_ok=True)
    try:
        os.close(os.open(os.path.join(claims, str(port)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        return True
    except FileExistsError:
        return False


def free_port():
    """Two consecutive free ports (IMAP and IMAPS), claimed for this run; returns the first."""
    for _ in range(100):
        out = subprocess.run([sys.executable, os.path.join(SCRIPTS, "free_port.py")],
                             check=True, capture_output=True, text=True).stdout
        port = int(out.split()[0])
        if _reserve(port) and _reserve(port + 1):
            return port
    raise AssertionError("no free pair of ports left to claim")


def generate_mailbox(out_dir, messages, seed, extra=()):
    """A new generated mailbox in out_dir; returns its ground truth."""
    return _generator(["--out", out_dir, *extra], out_dir, messages, seed)


def extend_mailbox(mail_dir, messages, seed):
    """More messages (new replies and noise) for an existing generated mailbox; returns the new
    ground truth. The new files land in the Maildir's new/, so a running Dovecot sees them."""
    return _generator(["--extend", mail_dir], mail_dir, messages, seed)


def _generator(arguments, mail_dir, messages, seed):
    result = subprocess.run([sys.executable, os.path.join(SCRIPTS, "gen_mailbox.py"), "--messages", str(messages),
                             "--seed", str(seed), *arguments], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError("gen_mailbox.py failed:\n%s%s" % (result.stdout, result.stderr))
    with open(os.path.join(mail_dir, "ground_truth.json"), encoding="utf-8") as f:
        return json.load(f)


# ---- what was started and is not stopped yet ---------------------------------------------------

_tracked = {}  # id -> an object with alive(), end() and describe()


def track(thing):
    for key in [key for key, other in _tracked.items() if not other.alive()]:
        del _tracked[key]  # the ones that ended (e.g. killed syncs) need no watching
    _tracked[id(thing)] = thing


def untrack(thing):
    _tracked.pop(id(thing), None)


class TrackedProcess:
    """A Popen that must have ended by the time the interpreter exits."""

    def __init__(self, process, label):
        self.process = process
        self.label = label
        track(self)

    def alive(self):
        return self.process.poll() is None

    def end(self):
        self.process.kill()
        self.process.wait(timeout=30)

    def describe(self):
        return "%s pid=%d: %s" % (self.label, self.process.pid, " ".join(map(str, self.process.args)))


def end_leftovers(when):
    """Ends every tracked server or process still running, naming each; True if there was one."""
    left = [thing for thing in _tracked.values() if thing.alive()]
    _tracked.clear()
    for thing in left:
        sys.stderr.write("harness: still running at %s, never stopped by its test: %s (ending it)\n"
                         % (when, thing.describe()))
        try:
            thing.end()
        except Exception as error:  # end the others all the same
            sys.stderr.write("harness: could not end it: %s\n" % error)
    return bool(left)


@atexit.register
def _fail_on_leftovers():
    if end_leftovers("exit"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)  # the tests may all have passed: the leak must still fail the module


# SIGTERM (e.g. a CI job cancelled) ends the tests like Ctrl-C, so the exit above still runs and
# stops the servers; a SIGKILL (ctest's timeout) cannot be caught: scripts/test.sh's guard ends those.
if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def _process_start_time(pid):
    """The kernel's start time of PID (tells a reused pid from the original), None if gone."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


class Dovecot:
    """A throw-away Dovecot on 127.0.0.1 serving DIR/Maildir (scripts/dovecot_testbed.sh). The
    master's pid is kept here, so the server can be ended even when its directory is gone."""

    def __init__(self, mail_dir):
        self.mail_dir = mail_dir
        self.port = free_port()
        self.tls_port = self.port + 1
        self.pid = None
        self.pid_started = None

    @staticmethod
    def run_script(*args):
        return subprocess.run(["bash", os.path.join(SCRIPTS, "dovecot_testbed.sh"), *args],
                              capture_output=True, text=True)

    def script(self, *args):
        result = self.run_script(*args)
        if result.returncode != 0:
            raise AssertionError("dovecot_testbed.sh %s failed:\n%s%s" % (" ".join(args), result.stdout, result.stderr))
        return result.stdout

    def start(self):
        out = self.script("start", self.mail_dir, str(self.port))
        self.pid = int(re.search(r"^dovecot pid=(\d+) ", out, re.M).group(1))
        self.pid_started = _process_start_time(self.pid)
        track(self)
        return self

    def alive(self):
        return self.pid is not None and _process_start_time(self.pid) == self.pid_started

    def stop(self):
        """Stops the server; nothing to do when it has stopped already (stop() called before, or
        the test ended it). Fails when dovecot_testbed.sh cannot find a server that is still
        running (say its directory was removed first), after ending it by its pid."""
        if self.pid is None:
            return
        result = self.run_script("stop", self.mail_dir, str(self.port))
        if result.returncode == 0 or not self.alive():
            self.pid = None
            untrack(self)
            return
        pid = self.pid
        self.end()
        raise AssertionError("dovecot_testbed.sh stop did not stop dovecot pid=%d (ended by its pid now):\n%s%s"
                             % (pid, result.stdout, result.stderr))

    def end(self):
        """SIGTERM to the master (it ends its children), SIGKILL if it has not exited in 10 s."""
        for sig, seconds in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.alive():
                os.kill(self.pid, sig)
                wait_for(lambda: not self.alive(), seconds, interval=0.05)
        if self.alive():
            raise AssertionError("dovecot pid=%d survived SIGKILL" % self.pid)
        self.pid = None
        untrack(self)

    def describe(self):
        return "dovecot pid=%s port=%d serving %s" % (self.pid, self.port, self.mail_dir)

    @property
    def cert(self):
        return os.path.join(self.mail_dir, "dovecot-%d" % self.port, "cert.pem")

    def new_uidvalidity(self, folder):
        self.script("uidvalidity", self.mail_dir, str(self.port), folder)


class Prospectd:
    """A config file and data dir in a temporary directory, and ways to run the binary on them."""

    def __init__(self, work_dir, accounts, identity=None, extra=""):
        self.work_dir = work_dir
        self.data_dir = os.path.join(work_dir, "data")
        self.config = os.path.join(work_dir, "config.toml")
        os.makedirs(work_dir, exist_ok=True)
        identity = identity or {"addresses": ["rep@acme-sales.com", "rep@acme.io"],
                                "internal_domains": ["acme-sales.com", "acme.io"]}
        lines = ['data_dir = "%s"' % self.data_dir, "", "[identity]",
                 "addresses = %s" % json.dumps(identity["addresses"]),
                 "internal_domains = %s" % json.dumps(identity["internal_domains"]), extra, ""]
        for account in accounts:
            lines.append("[[accounts]]")
            for key, value in account.items():
                lines.append("%s = %s" % (key, json.dumps(value)))
            lines.append("")
        with open(self.config, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))

    @property
    def store(self):
        return os.path.join(self.data_dir, "prospectd.sqlite")

    def run(self, *args, check=True, timeout=300, env=None):
        result = subprocess.run([BINARY, "--config", self.config, *args], capture_output=True, text=True,
                                timeout=timeout, env=env)
        if check and result.returncode != 0:
            raise AssertionError("prospectd %s failed (%d):\n%s\n%s" % (" ".join(args), result.returncode,
                                                                       result.stdout, result.stderr))
        return result

    def spawn(self, *args):
        process = subprocess.Popen([BINARY, "--config", self.config, *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        TrackedProcess(process, "prospectd " + " ".join(args))
        return process

    def query(self, sql, params=()):
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def addresses(self, where="", params=()):
        """message_addresses() of this store."""
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        try:
            return message_addresses(db, where, params)
        finally:
            db.close()

    def snapshot(self):
        """Everything a sync stores, in a form independent of row ids and insertion order."""
        db = sqlite3.connect("file:%s?mode=ro" % self.store, uri=True)
        try:
            messages = sorted(db.execute(
                "SELECT message_id, synthetic_id, date, subject, direction, automation, from_email,"
                " in_reply_to FROM messages").fetchall())
            locations = sorted(db.execute(
                "SELECT l.folder, l.source_id, m.message_id FROM message_locations l"
                " JOIN messages m ON m.id = l.message_row").fetchall())
            addresses = sorted(message_addresses(db))
            groups = {}
            for message_id, thread in db.execute("SELECT message_id, thread_id FROM messages"):
                groups.setdefault(thread, []).append(message_id)
            threads = sorted(sorted(g) for g in groups.values())
            checkpoints = sorted(db.execute("SELECT scope, state, server_count FROM checkpoints").fetchall())
            contacts = sorted(db.execute(
                "SELECT email, name, company, stage, manual, first_seen, last_inbound, last_outbound,"
                " thread_count, inbound_count, outbound_count, needs_reply FROM contacts").fetchall())
            history = sorted(db.execute(
                "SELECT c.email, e.from_stage, e.to_stage, e.at, e.actor, e.rule, e.message_id"
                " FROM stage_events e JOIN contacts c ON c.id = e.contact_id").fetchall(),
                key=lambda row: tuple("" if v is None else str(v) for v in row))
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            return {"messages": messages, "locations": locations, "addresses": addresses,
                    "threads": threads, "checkpoints": checkpoints, "contacts": contacts,
                    "history": history, "integrity": integrity}
        finally:
            db.close()


ROLES = ("from", "sender", "reply_to", "to", "cc", "bcc")


def _varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7


def _field(data, at):
    length, at = _varint(data, at)
    return data[at:at + length].decode("utf-8"), at + length


def unpack_people(data):
    """messages.people (ARCHITECTURE.md "Store layout") as (role, position, email, raw_email, name)."""
    people, at = [], 0
    while at < len(data):
        role = ROLES[data[at]]
        position, at = _varint(data, at + 1)
        email, at = _field(data, at)
        raw, at = _field(data, at)
        name, at = _field(data, at)
        people.append((role, position, email, raw or email, name))
    return people


def unpack_strings(data):
    """messages.refs: the References ids beyond In-Reply-To."""
    items, at = [], 0
    while at < len(data):
        item, at = _field(data, at)
        items.append(item)
    return items


def message_addresses(db, where="", params=()):
    """Every address of the messages matching `where` as (message_id, role, position, email, raw, name)."""
    rows = []
    for message_id, people in db.execute("SELECT message_id, people FROM messages " + where, params):
        rows.extend((message_id,) + person for person in unpack_people(people))
    return rows


def downgrade_to_v9(store):
    """Rewrites a store of this build into the v9 layout it migrates from (ARCHITECTURE.md
    "Store layout"): a row per address and reference, every message a thread_nodes row, the
    former contact indexes, no contact_counts; user_version 9. The store must be closed."""
    db = sqlite3.connect(store)
    try:
        db.executescript("""
            CREATE TABLE message_addresses (
              message_row INTEGER NOT NULL REFERENCES messages(id),
              role TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
              position INTEGER NOT NULL, email TEXT NOT NULL, raw_email TEXT NOT NULL, name TEXT NOT NULL,
              PRIMARY KEY (message_row, role, position)) WITHOUT ROWID;
            CREATE INDEX message_addresses_by_email ON message_addresses(email, message_row);
            CREATE TABLE message_references (
              message_row INTEGER NOT NULL REFERENCES messages(id), position INTEGER NOT NULL,
              ref TEXT NOT NULL, PRIMARY KEY (message_row, position)) WITHOUT ROWID;
            CREATE INDEX messages_by_date ON messages(date);
            INSERT INTO thread_nodes(node, thread_id) SELECT 'm:' || message_id, thread_id FROM messages;
        """)
        for row, people, refs, in_reply_to in db.execute(
                "SELECT id, people, refs, in_reply_to FROM messages").fetchall():
            db.executemany("INSERT INTO message_addresses VALUES (?, ?, ?, ?, ?, ?)",
                           [(row,) + person for person in unpack_people(people)])
            ancestors = ([in_reply_to] if in_reply_to else []) + unpack_strings(refs)
            db.executemany("INSERT INTO message_references VALUES (?, ?, ?)",
                           [(row, i, ref) for i, ref in enumerate(ancestors)])
        db.executescript("""
            DROP TABLE participants; DROP TABLE addresses;
            ALTER TABLE messages DROP COLUMN people; ALTER TABLE messages DROP COLUMN refs;
            DROP TRIGGER contact_counts_insert; DROP TRIGGER contact_counts_delete;
            DROP TRIGGER contact_counts_update; DROP TABLE contact_counts;
            DROP INDEX contacts_by_stage; DROP INDEX contacts_by_recent;
            CREATE INDEX contacts_by_stage ON contacts(stage, last_message_at);
            CREATE INDEX contacts_by_last_message ON contacts(last_message_at, email);
            PRAGMA user_version = 9;
        """)
        db.commit()
    finally:
        db.close()


def imap_account(dovecot, **overrides):
    account = {"name": "work", "type": "imap", "url": "imap://127.0.0.1:%d" % dovecot.port,
               "username": USER, "password_env": "PROSPECTD_TEST_PASSWORD", "poll_interval": "60s",
               "ca_file": dovecot.cert}
    account.update(overrides)
    for key in [key for key, value in account.items() if value is None]:
        del account[key]
    return account


os.environ.setdefault("PROSPECTD_TEST_PASSWORD", PASSWORD)


class TempDirTestCase(unittest.TestCase):
    """A test case with a fresh temporary directory that is removed afterwards (kept on failure
    when PROSPECTD_KEEP_TEST_DIRS is set)."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="prospectd-test-")
        os.chmod(self.tmp, 0o755)  # Dovecot's unprivileged mail user must reach the Maildir
        # A cleanup, not tearDown: cleanups run after tearDown, last added first, so this one runs
        # after every server the test started is stopped (a stop needs the server's directory).
        self.addCleanup(self.remove_tmp)

    def remove_tmp(self):
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            shutil.rmtree(self.tmp, ignore_errors=True)

    def start_mailbox(self, messages, seed, extra=()):
        """A generated mailbox in tmp/mail served by a Dovecot stopped after the test."""
        mail_dir = os.path.join(self.tmp, "mail")
        truth = generate_mailbox(mail_dir, messages, seed, extra)
        dovecot = Dovecot(mail_dir).start()
        self.addCleanup(dovecot.stop)
        return truth, dovecot


def wait_for(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def kill9(process):
    process.send_signal(signal.SIGKILL)
    process.communicate()


# ---- the daemon with its HTTP API (added for the HTTP API and status page tests) ---------------

def http_section(port):
    """The config lines that make `prospectd run` listen on 127.0.0.1:PORT (Prospectd's extra=)."""
    return '[http]\nlisten = "127.0.0.1:%d"\n' % port


class HttpResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # list of (name, value), names as sent
        self.body = body        # bytes

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8")


class Daemon:
    """`prospectd run` on a Prospectd whose config has http_section(port); stdout and stderr go to
    WORK_DIR/daemon.log (never a pipe: a full pipe would stall the daemon). stop() sends SIGTERM."""

    def __init__(self, app, port):
        self.app = app
        self.port = port
        self.log_path = os.path.join(app.work_dir, "daemon.log")
        self.process = None

    def start(self, timeout=60):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen([BINARY, "--config", self.app.config, "run"], stdout=log, stderr=log)
        log.close()
        tracked = TrackedProcess(self.process, "prospectd run")
        try:
            self._wait_healthy(timeout)
        except BaseException:
            if self.process.poll() is None:  # a daemon that never answered is not left behind
                tracked.end()
            raise
        return self

    def _wait_healthy(self, timeout):
        def healthy():
            if self.process.poll() is not None:
                raise AssertionError("prospectd run exited with %d:\n%s" % (self.process.returncode, self.log()))
            try:
                return self.request("GET", "/healthz", timeout=2, auth=False).status == 200
            except OSError:
                return False
        if not wait_for(healthy, timeout):
            raise AssertionError("/healthz did not answer within %d s:\n%s" % (timeout, self.log()))

    def stop(self, timeout=30):
        """SIGTERM; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("prospectd run did not stop within %d s of SIGTERM" % timeout)

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    @property
    def base_url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def token(self):
        with open(os.path.join(self.app.data_dir, "http-token"), encoding="utf-8") as f:
            return f.read().strip()

    def request(self, method, path, body=None, headers=None, timeout=30, auth=True):
        """One request on a new connection; `headers` may replace Host. Returns an HttpResponse.
        Signed in with the bearer token of data_dir/http-token unless auth=False or `headers` carry
        their own Authorization or Cookie (a browser session, see sign_in())."""
        import http.client
        headers = dict(headers or {})
        if auth and not any(name.lower() in ("authorization", "cookie") for name in headers):
            headers["Authorization"] = "Bearer " + self.token
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode("utf-8")
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return HttpResponse(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def get_json(self, path, expect=200):
        response = self.request("GET", path)
        if response.status != expect:
            raise AssertionError("GET %s answered %d (expected %d): %s" % (path, response.status, expect,
                                                                         response.body[:500]))
        return response.json()

    def post(self, path, body=None, token=None):
        """A POST with this bearer token, or with no credentials at all when token is None."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = "Bearer " + token
        return self.request("POST", path, body=body if body is not None else b"", headers=headers, auth=False)

    def login_link(self):
        """A one-time sign-in link from `prospectd open --print` (valid once, for 2 minutes)."""
        link = self.app.run("open", "--print", timeout=60).stdout.strip()
        if not link.startswith(self.base_url + "/login?ticket="):
            raise AssertionError("prospectd open --print printed %r" % link)
        return link

    def sign_in(self):
        """Signs in as the status page's browser does; returns the Cookie header value to send."""
        link = self.login_link()
        response = self.request("GET", link[len(self.base_url):], auth=False)
        if response.status != 303:
            raise AssertionError("GET /login answered %d: %s" % (response.status, response.body[:300]))
        return response.header("Set-Cookie").split(";", 1)[0]

    def wait_until_synced(self, timeout=300):
        """Waits until every account in /api/status is `ok`; returns that status document."""
        seen = {}

        def synced():
            seen["status"] = self.get_json("/api/status")
            accounts = seen["status"]["accounts"]
            return accounts and all(account["state"] == "ok" for account in accounts)
        if not wait_for(synced, timeout, interval=0.2):
            raise AssertionError("accounts not synced within %d s: %s\n%s" % (timeout, seen.get("status"),
                                                                            self.log()[-3000:]))
        return seen["status"]


# ---- a mailbox shared by the tests of a class ---------------------------------------------------

def start_class_mailbox(test_class, prefix, messages, seed):
    """TempDirTestCase.start_mailbox for a setUpClass: a new temporary directory (named PREFIX...)
    whose mail/ holds a generated mailbox served by a Dovecot. Class cleanups stop the server, then
    remove the directory (kept when PROSPECTD_KEEP_TEST_DIRS is set); they run after tearDownClass,
    and also when setUpClass fails half way. Returns (directory, ground truth, dovecot)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)  # Dovecot's unprivileged mail user must reach the Maildir
    if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
        test_class.addClassCleanup(shutil.rmtree, tmp, ignore_errors=True)
    mail_dir = os.path.join(tmp, "mail")
    truth = generate_mailbox(mail_dir, messages, seed)
    dovecot = Dovecot(mail_dir).start()
    test_class.addClassCleanup(dovecot.stop)
    return tmp, truth, dovecot
