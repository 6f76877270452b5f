"""Who may read the HTTP API of `prospectd run`: the bearer token of data_dir/http-token, or a browser
session started by a one-time `prospectd open` link; /healthz and the page shell stay open. Tickets work
once and for 2 minutes, session writes need the CSRF token, foreign origins are refused, and sessions
end with a restart or a new token (README.md "Status page and JSON API")."""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import re
import secrets
import shutil
import stat
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Daemon, Prospectd

PROTECTED = ("/api/status", "/api/contacts", "/api/threads", "/api/dashboard", "/api/session", "/metrics")
OPEN = ("/healthz", "/", "/app.js", "/app.css")


def new_app(directory, port):
    """A daemon's config whose one account points at a closed port (no mail server to start or wait
    for); `prospectd rebuild` makes the empty store first, so the API answers 200 at once."""
    account = {"name": "work", "type": "imap", "url": "imap://127.0.0.1:1", "username": harness.USER,
               "password_env": "PROSPECTD_TEST_PASSWORD", "poll_interval": "10m"}
    app = Prospectd(directory, [account], extra=harness.http_section(port))
    app.run("rebuild")
    return app


def ticket_of(link):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["ticket"][0]


class AuthTestCase(unittest.TestCase):
    daemon = None

    def path_of(self, link):
        return link[len(self.daemon.base_url):]

    def ticket_file(self, ticket):
        """Where `prospectd open` left the ticket: named by HMAC-SHA256(http-token, ticket)."""
        name = hmac.new(self.daemon.token.encode(), ticket.encode(), hashlib.sha256).hexdigest()
        return os.path.join(self.daemon.app.data_dir, "login-tickets", name)

    def assert_unauthenticated(self, response, reason=None, code="not_signed_in"):
        self.assertEqual(response.status, 401, response.body[:300])
        self.assertEqual(response.header("WWW-Authenticate"), 'Bearer realm="prospectd"')
        body = response.json()
        self.assertIn("prospectd open", body["error"])
        self.assertIn("prospectd open", body["sign_in"])
        self.assertEqual(body["reason"], code)
        if reason:
            self.assertIn(reason, body["error"])
        self.assertNotIn(b'"accounts"', response.body)

    def assert_refused_ticket(self, response):
        self.assertEqual(response.status, 403, response.body[:300])
        self.assertTrue(response.header("Content-Type").startswith("text/html"))
        self.assertIn("prospectd open", response.text)
        self.assertIsNone(response.header("Set-Cookie"))


class HttpAuthTest(AuthTestCase):
    """One daemon for the class; every test signs in afresh (sessions and tickets are independent)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-http-auth-")
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.port = harness.free_port()
        cls.app = new_app(os.path.join(cls.tmp, "app"), cls.port)
        cls.daemon = Daemon(cls.app, cls.port).start()
        cls.addClassCleanup(cls.daemon.stop)

    def test_reads_need_credentials_and_the_page_shell_is_open(self):
        for path in PROTECTED:
            self.assert_unauthenticated(self.daemon.request("GET", path, auth=False))
            head = self.daemon.request("HEAD", path, auth=False)
            self.assertEqual((head.status, head.header("WWW-Authenticate")), (401, 'Bearer realm="prospectd"'))
        for path in OPEN:
            self.assertEqual(self.daemon.request("GET", path, auth=False).status, 200, path)
        for path in PROTECTED:
            self.assertEqual(self.daemon.request("GET", path).status, 200, path)  # the bearer token

    def test_a_wrong_bearer_token_is_401_even_with_a_session(self):
        cookie = self.daemon.sign_in()
        token = self.daemon.token
        for value in ("Bearer", "Bearer " + token[:-1], "Bearer " + token + "x", "Basic " + token, token):
            response = self.daemon.request("GET", "/api/status", headers={"Authorization": value, "Cookie": cookie})
            self.assert_unauthenticated(response, "bearer token is wrong", "wrong_token")
        response = self.daemon.request("GET", "/api/status", headers={"Authorization": "bearer  " + token + " "})
        self.assertEqual(response.status, 200)

    def test_run_says_how_to_get_a_link(self):
        lines = [line for line in self.daemon.log().splitlines() if "run `prospectd open`" in line]
        self.assertEqual(len(lines), 1, self.daemon.log())

    def test_a_login_link_sets_a_strict_session_cookie_and_redirects_to_the_page(self):
        link = self.daemon.login_link()
        ticket = ticket_of(link)
        self.assertRegex(ticket, r"^[0-9a-f]{64}$")
        # The CLI left the keyed hash with an expiry 2 minutes ahead, 0600 in a 0700 directory.
        path = self.ticket_file(ticket)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)
        with open(path, encoding="utf-8") as f:
            expiry = int(re.fullmatch(r"expires_at=(\d+)\n", f.read()).group(1))
        self.assertTrue(110 <= expiry - time.time() <= 121, expiry - time.time())

        response = self.daemon.request("GET", self.path_of(link), auth=False)
        self.assertEqual(response.status, 303)
        self.assertEqual(response.header("Location"), "/")
        set_cookie = response.header("Set-Cookie")
        name_value, *attributes = [part.strip() for part in set_cookie.split(";")]
        name, value = name_value.split("=", 1)
        self.assertEqual(name, "prospectd_session_%d" % self.port)
        self.assertRegex(value, r"^[0-9a-f]{64}$")
        self.assertEqual(sorted(attributes), sorted(["HttpOnly", "SameSite=Strict", "Path=/"]))
        self.assertFalse(os.path.exists(path), "the used ticket's file is still there")

        cookie = {"Cookie": name_value}
        page = self.daemon.request("GET", "/", headers=cookie)
        self.assertEqual(page.status, 200)
        status = self.daemon.request("GET", "/api/status", headers=cookie)
        self.assertEqual(status.status, 200, status.body[:300])
        self.assertIn("accounts", status.json())
        self.assertEqual(self.daemon.request("GET", "/metrics", headers=cookie).status, 200)
        session = self.daemon.request("GET", "/api/session", headers=cookie).json()
        self.assertEqual(session["auth"], "session")
        self.assertRegex(session["csrf_token"], r"^[0-9a-f]{64}$")
        self.assertEqual(self.daemon.get_json("/api/session"), {"auth": "bearer", "csrf_token": None})

        # The same link again: refused with a page that says what to do, and no session.
        self.assert_refused_ticket(self.daemon.request("GET", self.path_of(link), auth=False))

    def test_an_expired_ticket_is_refused(self):
        link = self.daemon.login_link()
        path = self.ticket_file(ticket_of(link))
        with open(path, "w", encoding="utf-8") as f:  # as if 2 minutes had passed
            f.write("expires_at=%d\n" % (int(time.time()) - 1))
        self.assert_refused_ticket(self.daemon.request("GET", self.path_of(link), auth=False))
        self.assertFalse(os.path.exists(path))
        self.assertIn("sign-in link was refused: expired", self.daemon.log())

    def test_a_ticket_valid_for_longer_than_two_minutes_is_refused(self):
        link = self.daemon.login_link()
        with open(self.ticket_file(ticket_of(link)), "w", encoding="utf-8") as f:
            f.write("expires_at=%d\n" % (int(time.time()) + 3600))
        self.assert_refused_ticket(self.daemon.request("GET", self.path_of(link), auth=False))

    def test_forged_tickets_are_refused(self):
        self.daemon.login_link()  # a real one exists, and does not help a forged one
        other_key = hmac.new(b"another token", b"", hashlib.sha256).hexdigest()
        forged = secrets.token_hex(32)
        # A ticket file made under another HTTP token does not match this daemon's.
        os.rename(self.ticket_file(ticket_of(self.daemon.login_link())),
                  os.path.join(self.app.data_dir, "login-tickets",
                               hmac.new(other_key.encode(), forged.encode(), hashlib.sha256).hexdigest()))
        for query in ("?ticket=" + forged, "?ticket=" + forged.upper(), "?ticket=abc", "?ticket=", "",
                      "?ticket=" + "../" * 20 + "http-token", "?ticket=" + forged + "&ticket=x"):
            self.assert_refused_ticket(self.daemon.request("GET", "/login" + query, auth=False))

    def test_a_ticket_signs_in_once_even_when_used_concurrently(self):
        path = self.path_of(self.daemon.login_link())
        statuses = []

        def use():
            statuses.append(self.daemon.request("GET", path, auth=False).status)
        threads = [threading.Thread(target=use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(sorted(statuses), [303] + [403] * 7)

    def test_session_writes_need_the_csrf_token(self):
        cookie = self.daemon.sign_in()
        csrf = self.daemon.request("GET", "/api/session", headers={"Cookie": cookie}).json()["csrf_token"]
        other = self.daemon.request("GET", "/api/session", headers={"Cookie": self.daemon.sign_in()}).json()
        for headers in ({}, {"X-CSRF-Token": ""}, {"X-CSRF-Token": csrf[:-1]}, {"X-CSRF-Token": csrf + "0"},
                        {"X-CSRF-Token": other["csrf_token"]}):
            response = self.daemon.request("POST", "/api/sync", body={},
                                           headers={"Cookie": cookie, "Content-Type": "application/json", **headers})
            self.assertEqual(response.status, 403, headers)
            self.assertIn("X-CSRF-Token", response.json()["error"])
        response = self.daemon.request("POST", "/api/sync", body={}, headers={
            "Cookie": cookie, "Content-Type": "application/json", "X-CSRF-Token": csrf})
        self.assertEqual(response.status, 202, response.body)
        self.assertEqual(self.daemon.post("/api/sync", {}, token=self.daemon.token).status, 202)  # no CSRF for bearer
        self.assertEqual(self.daemon.post("/api/sync", {}).status, 401)

    def test_foreign_origins_are_refused_for_bearer_and_session_alike(self):
        cookie = self.daemon.sign_in()
        csrf = self.daemon.request("GET", "/api/session", headers={"Cookie": cookie}).json()["csrf_token"]
        for origin in ("http://evil.example", "null", "http://127.0.0.1:%d.evil.example" % self.port,
                       "http://127.0.0.1:%d" % (self.port + 1), "https://127.0.0.1:%d" % self.port,
                       "http://[::1]:%d" % self.port):
            for method, path, headers in (("GET", "/api/status", {}), ("GET", "/metrics", {}),
                                          ("POST", "/api/sync", {}),
                                          ("POST", "/api/sync", {"Cookie": cookie, "X-CSRF-Token": csrf}),
                                          ("GET", "/api/status", {"Cookie": cookie})):
                response = self.daemon.request(method, path, body=b"{}" if method == "POST" else None,
                                               headers={"Origin": origin, **headers})
                self.assertEqual(response.status, 403, (origin, method, path, headers))
                self.assertNotIn(b'"accounts"', response.body)
        for origin in ("http://127.0.0.1:%d" % self.port, "http://localhost:%d" % self.port,
                       "HTTP://LOCALHOST:%d" % self.port):
            self.assertEqual(self.daemon.request("GET", "/api/status", headers={"Origin": origin}).status, 200, origin)
            response = self.daemon.request("POST", "/api/sync", body=b"{}", headers={
                "Origin": origin, "Cookie": cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json"})
            self.assertEqual(response.status, 202, origin)

    def test_the_host_check_still_applies_to_signed_in_requests(self):
        cookie = self.daemon.sign_in()
        for headers in ({}, {"Cookie": cookie}):
            response = self.daemon.request("GET", "/api/status", headers={"Host": "evil.example:%d" % self.port,
                                                                           **headers})
            self.assertEqual(response.status, 403)
        link = self.daemon.login_link()
        response = self.daemon.request("GET", self.path_of(link), auth=False, headers={"Host": "evil.example"})
        self.assertEqual(response.status, 403)
        self.assertIsNone(response.header("Set-Cookie"))

    def test_an_unknown_cookie_is_401_with_the_reason(self):
        for value in (secrets.token_hex(32), "x", ""):
            response = self.daemon.request("GET", "/api/status",
                                           headers={"Cookie": "prospectd_session_%d=%s" % (self.port, value)})
            self.assert_unauthenticated(response, "session expired: run `prospectd open`", "session_expired")

    def test_open_without_print_hands_the_link_to_the_browser_opener(self):
        opener_dir = os.path.join(self.tmp, "opener")
        os.makedirs(opener_dir, exist_ok=True)
        received = os.path.join(opener_dir, "url")
        for name in ("xdg-open", "open"):
            with open(os.path.join(opener_dir, name), "w", encoding="utf-8") as f:
                f.write('#!/bin/sh\nprintf "%%s" "$1" > "%s"\n' % received)
            os.chmod(os.path.join(opener_dir, name), 0o700)
        env = dict(os.environ, PATH=opener_dir + os.pathsep + os.environ.get("PATH", ""))
        result = self.app.run("open", env=env, timeout=60)
        with open(received, encoding="utf-8") as f:
            link = f.read()
        self.assertTrue(link.startswith(self.daemon.base_url + "/login?ticket="), link)
        self.assertNotIn(ticket_of(link), result.stdout + result.stderr)  # a used link is not shown
        self.assertEqual(self.daemon.request("GET", self.path_of(link), auth=False).status, 303)

    def test_no_secret_reaches_the_log(self):
        link = self.daemon.login_link()
        response = self.daemon.request("GET", self.path_of(link), auth=False)
        cookie = response.header("Set-Cookie").split(";", 1)[0]
        csrf = self.daemon.request("GET", "/api/session", headers={"Cookie": cookie}).json()["csrf_token"]
        self.daemon.request("GET", self.path_of(link), auth=False)
        log = self.daemon.log()
        for secret in (self.daemon.token, ticket_of(link), cookie.split("=", 1)[1], csrf):
            self.assertNotIn(secret, log)


class SessionLifetimeTest(AuthTestCase):
    """Sessions live in the daemon's memory under the current HTTP token: a restart or a new token
    ends them with a reason, and `prospectd open` needs a running daemon."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="prospectd-http-auth-")
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.port = harness.free_port()
        self.app = new_app(os.path.join(self.tmp, "app"), self.port)
        self.daemon = Daemon(self.app, self.port).start()
        self.addCleanup(self.daemon.stop)

    def test_a_session_from_before_a_restart_is_401_with_the_reason(self):
        cookie = self.daemon.sign_in()
        self.assertEqual(self.daemon.request("GET", "/api/status", headers={"Cookie": cookie}).status, 200)
        unused = self.daemon.login_link()
        self.assertEqual(self.daemon.stop(), 0)
        result = self.app.run("open", "--print", check=False, timeout=60)
        self.assertEqual(result.returncode, 1)
        self.assertIn("prospectd run", result.stderr)
        self.assertEqual(result.stdout, "")

        self.daemon.start()
        response = self.daemon.request("GET", "/api/status", headers={"Cookie": cookie})
        self.assert_unauthenticated(response, "session expired: run `prospectd open`", "session_expired")
        # A ticket is a file, not memory: one issued before the restart still works, once.
        self.assertEqual(self.daemon.request("GET", self.path_of(unused), auth=False).status, 303)
        cookie = self.daemon.sign_in()
        self.assertEqual(self.daemon.request("GET", "/api/status", headers={"Cookie": cookie}).status, 200)

    def test_a_new_http_token_ends_sessions_and_the_old_token(self):
        cookie = self.daemon.sign_in()
        old = self.daemon.token
        os.remove(os.path.join(self.app.data_dir, "http-token"))
        # `prospectd open` right away: asking the daemon first makes it notice and write a new token.
        link = self.daemon.login_link()
        new = self.daemon.token
        self.assertNotEqual(new, old)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.app.data_dir, "http-token")).st_mode), 0o600)
        response = self.daemon.request("GET", "/api/status", headers={"Cookie": cookie})
        self.assert_unauthenticated(response, "session expired: run `prospectd open`", "session_expired")
        self.assert_unauthenticated(
            self.daemon.request("GET", "/api/status", headers={"Authorization": "Bearer " + old}), "wrong",
            "wrong_token")
        self.assertEqual(self.daemon.request("GET", "/api/status").status, 200)
        response = self.daemon.request("GET", self.path_of(link), auth=False)
        self.assertEqual(response.status, 303)
        cookie = response.header("Set-Cookie").split(";", 1)[0]
        self.assertEqual(self.daemon.request("GET", "/api/status", headers={"Cookie": cookie}).status, 200)
        self.assertIn("http-token changed", self.daemon.log())
        self.assertNotIn(new, self.daemon.log())
        self.assertNotIn(old, self.daemon.log())


class AnotherLocalUserTest(AuthTestCase):
    """Another user of the same machine: it can read no file of the store and gets nothing from
    the API but 401 (the tests create the user when run as root, as CI runs)."""

    OTHER = "prospectd-other"

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("creating another local user needs root")
        # useradd locks /etc/passwd: a testbed in the other lane may be creating its mail user.
        for _ in range(50):
            if subprocess.run(["id", cls.OTHER], capture_output=True).returncode == 0:
                break
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", cls.OTHER],
                           capture_output=True)
        else:
            raise AssertionError("could not create the user " + cls.OTHER)
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-other-user-")
        os.chmod(cls.tmp, 0o755)  # the other user may walk to the data dir; the data dir stops it
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.port = harness.free_port()
        cls.app = new_app(os.path.join(cls.tmp, "app"), cls.port)
        old = os.umask(0o022)  # a permissive umask must not matter
        try:
            cls.daemon = Daemon(cls.app, cls.port).start()
        finally:
            os.umask(old)
        cls.addClassCleanup(cls.daemon.stop)

    def as_other(self, code):
        # The system's interpreter: a user-installed one may be out of the other user's reach.
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        return subprocess.run([python, "-c", code], user=self.OTHER, group=self.OTHER, cwd="/",
                              capture_output=True, text=True, timeout=60)

    def test_another_user_can_read_no_store_file_and_gets_401(self):
        self.assertEqual(self.daemon.get_json("/api/status")["messages"], 0)  # the daemon serves its owner
        files = sorted(os.listdir(self.app.data_dir))
        self.assertIn("http-token", files)
        self.assertIn("prospectd.sqlite", files)
        probe = self.as_other(
            "import os, sys, json, urllib.request, urllib.error\n"
            "d = sys.argv[1] if len(sys.argv) > 1 else %r\n"
            "result = {}\n"
            "for name in %r:\n"
            "    try:\n"
            "        open(os.path.join(d, name), 'rb').read(1); result[name] = 'read'\n"
            "    except PermissionError:\n"
            "        result[name] = 'denied'\n"
            "try:\n"
            "    os.listdir(d); result['listing'] = 'listed'\n"
            "except PermissionError:\n"
            "    result['listing'] = 'denied'\n"
            "statuses = []\n"
            "for path in ('/api/status', '/api/contacts', '/metrics', '/api/why/jane@globex.com'):\n"
            "    try:\n"
            "        statuses.append(urllib.request.urlopen('http://127.0.0.1:%d' + path, timeout=10).status)\n"
            "    except urllib.error.HTTPError as error:\n"
            "        statuses.append(error.code)\n"
            "result['statuses'] = statuses\n"
            "print(json.dumps(result))\n" % (self.app.data_dir, files, self.port))
        self.assertEqual(probe.returncode, 0, probe.stderr)
        result = json.loads(probe.stdout)
        self.assertEqual(result.pop("statuses"), [401, 401, 401, 401])
        self.assertEqual(result, dict({name: "denied" for name in files}, listing="denied"))


if __name__ == "__main__":
    unittest.main()
