"""A throw-away PostgreSQL for the team database tests: initdb into a temporary directory, the
server on a free 127.0.0.1 port (harness.free_port), a `prospectd` login role with a random
password owning the database `team`, and a superuser `pgadmin` for the tests' own queries.

The server is tracked like every harness server (harness.track): one that a test forgets to stop
is named, ended and fails the module. As root (initdb and postgres refuse to run as root), the
server runs as the unprivileged system user prospectd-pg, created here if missing."""
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

import harness

SERVER_USER = "prospectd-pg"
ADMIN_USER = "pgadmin"
APP_USER = "prospectd"
APP_DATABASE = "team"


def find_bin_dir():
    """The bin directory of the newest installed PostgreSQL (Debian: /usr/lib/postgresql/N/bin)."""
    candidates = []
    for initdb in glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        version = os.path.basename(os.path.dirname(os.path.dirname(initdb)))
        try:
            candidates.append((float(version), os.path.dirname(initdb)))
        except ValueError:
            continue
    if candidates:
        return max(candidates)[1]
    initdb = shutil.which("initdb")
    if initdb:
        return os.path.dirname(initdb)
    raise AssertionError("no PostgreSQL server binaries found (apt-get install postgresql)")


def ensure_server_user(name=SERVER_USER):
    """The system user NAME, created unless it exists (scripts/lib/mail_user.sh: tests in parallel
    lanes may create it at once; useradd locks /etc/passwd, so the loser retries until it exists)."""
    for _ in range(50):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name], capture_output=True)
        time.sleep(0.1)
    return pwd.getpwnam(name)  # raises KeyError with the name: the user could not be created


def _children(pid):
    """The pids whose parent is PID (a postmaster's backends and auxiliary processes)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


class Postgres:
    """A PostgreSQL server in its own temporary directory. start() creates the cluster on first
    use; stop() is a fast shutdown, restart() stops and starts on the same port, kill() is a crash
    (SIGKILL to the postmaster and its children); close() stops and removes the directory."""

    def __init__(self):
        self.bin_dir = find_bin_dir()
        self.port = harness.free_port()
        self.password = secrets.token_urlsafe(18)
        self.admin_password = secrets.token_urlsafe(18)
        self.base_dir = tempfile.mkdtemp(prefix="prospectd-pg-")
        os.chmod(self.base_dir, 0o711)  # the server user must reach its data dir below
        self.data_dir = os.path.join(self.base_dir, "data")
        self.log_path = os.path.join(self.base_dir, "postgres.log")
        self.process = None
        self.account = ensure_server_user() if os.geteuid() == 0 else None
        if self.account is not None:
            self._check_reachable()

    def _check_reachable(self):
        """The server user must traverse every parent of the data dir (a 0700 parent stops it)."""
        path = os.path.dirname(self.base_dir)
        while path != os.path.dirname(path):
            if not os.stat(path).st_mode & 0o001:
                raise AssertionError("%s is not searchable by others; the PostgreSQL server user %s cannot reach "
                                     "its data dir below it (set TMPDIR to a directory with mode 0711)"
                                     % (path, SERVER_USER))
            path = os.path.dirname(path)

    # ---- processes ------------------------------------------------------------------------------

    def _tool(self, name):
        return os.path.join(self.bin_dir, name)

    def _as_server_user(self):
        """Popen arguments that run a child as the server user when we are root."""
        if self.account is None:
            return {}
        return {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": [],
                "env": dict(os.environ, HOME=self.base_dir, USER=SERVER_USER, LOGNAME=SERVER_USER)}

    def _run_as_server_user(self, args):
        result = subprocess.run(args, capture_output=True, text=True, cwd=self.base_dir, **self._as_server_user())
        if result.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(args), result.returncode, result.stdout,
                                                             result.stderr))
        return result

    def _initdb(self):
        os.makedirs(self.data_dir, mode=0o700)
        password_file = os.path.join(self.base_dir, "admin-password")
        with open(password_file, "w", encoding="utf-8") as f:
            f.write(self.admin_password + "\n")
        os.chmod(password_file, 0o600)
        if self.account is not None:
            for path in (self.data_dir, password_file):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        try:
            self._run_as_server_user([self._tool("initdb"), "-D", self.data_dir, "-U", ADMIN_USER,
                                      "--pwfile", password_file, "--auth-local=trust",
                                      "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale",
                                      "--no-sync", "--no-instructions"])
        finally:
            os.unlink(password_file)

    def _socket_options(self):
        # A unix socket path is limited to 107 bytes; a deep TMPDIR gets TCP only.
        socket_dir = self.data_dir if len(self.data_dir) + len("/.s.PGSQL.65535") < 100 else ""
        return ["-k", socket_dir]

    def start(self, timeout=60):
        if self.alive():
            raise AssertionError("postgres is already running on port %d" % self.port)
        first_start = not os.path.exists(os.path.join(self.data_dir, "PG_VERSION"))
        if first_start:
            self._initdb()
        args = [self._tool("postgres"), "-D", self.data_dir, "-p", str(self.port), *self._socket_options(),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=40",
                "-c", "log_min_messages=warning", "-c", "log_connections=off"]
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                            cwd=self.base_dir, start_new_session=True, **self._as_server_user())
        finally:
            log.close()
        harness.track(self)
        try:
            self._wait_ready(timeout)
            if first_start:
                self._create_app_role()
        except BaseException:
            self.end()  # a server that never came up is not left behind
            raise
        return self

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("postgres exited with %d:\n%s" % (self.process.returncode, self.log()))
            ready = subprocess.run([self._tool("pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                                    "-t", "1"], capture_output=True)
            if ready.returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError("postgres did not accept connections within %d s:\n%s" % (timeout, self.log()))

    def _create_app_role(self):
        self.query("CREATE ROLE %s LOGIN PASSWORD '%s'" % (APP_USER, self.password), database="postgres")
        self.query("CREATE DATABASE %s OWNER %s" % (APP_DATABASE, APP_USER), database="postgres")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=30):
        """Fast shutdown (SIGINT): open sessions are ended, the data is kept."""
        if not self.alive():
            self.process = None
            harness.untrack(self)
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.end()
            raise AssertionError("postgres did not stop within %d s of SIGINT" % timeout)
        self.process = None
        harness.untrack(self)

    def restart(self):
        self.stop()
        return self.start()

    def kill(self):
        """A crash: SIGKILL to the postmaster and every child it has, without a shutdown."""
        self.end()

    def end(self):
        if self.process is None:
            harness.untrack(self)
            return
        pid = self.process.pid
        children = _children(pid)
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        harness.wait_for(lambda: not any(os.path.exists("/proc/%d" % child) for child in children), 10, 0.05)
        self.process = None
        harness.untrack(self)

    def describe(self):
        return "postgres pid=%s port=%d data=%s" % (self.process.pid if self.process else None, self.port,
                                                    self.data_dir)

    def close(self):
        """Stops the server and removes its directory (kept when PROSPECTD_KEEP_TEST_DIRS is set)."""
        try:
            self.stop()
        finally:
            if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
                shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()[-5000:]
        except OSError:
            return ""

    # ---- clients --------------------------------------------------------------------------------

    def uri(self, user=APP_USER, database=APP_DATABASE, with_password=False):
        """postgresql://USER@127.0.0.1:PORT/DATABASE, with the user's password when asked."""
        credentials = user
        if with_password:
            credentials += ":" + (self.password if user == APP_USER else self.admin_password)
        return "postgresql://%s@127.0.0.1:%d/%s" % (credentials, self.port, database)

    def query(self, sql, database=APP_DATABASE):
        """Runs SQL as the superuser with psql; returns the rows as lists of strings (NULL as '')."""
        env = dict(os.environ, PGPASSWORD=self.admin_password, PGCONNECT_TIMEOUT="10")
        result = subprocess.run([self._tool("psql"), "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                                 "-h", "127.0.0.1", "-p", str(self.port), "-U", ADMIN_USER, "-d", database,
                                 "-c", sql], capture_output=True, text=True, env=env, timeout=120)
        if result.returncode != 0:
            raise AssertionError("psql %r failed (%d): %s" % (sql, result.returncode, result.stderr.strip()))
        return [line.split("\t") for line in result.stdout.splitlines() if line != ""]
