"""IMAP accounts prospectd signs in to itself (auth = "oauth2"): `prospectd auth` by the device
grant (RFC 8628) and by the loopback redirect with PKCE (RFC 8252, RFC 7636) against the project's
fake identity provider, then sync against a real Dovecot that validates every token at that
provider (passdb oauth2): no mocked login. Access tokens expiring while the daemon runs, rotated
and revoked refresh tokens, bad token files, a provider that answers HTML or is down, and no
token anywhere but the token file."""
import json
import os
import re
import select
import stat
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness
import idp_harness
from harness import Prospectd, TempDirTestCase

CLIENT = idp_harness.CLIENT_ID


def oauth_account(dovecot, idp, name="work", **overrides):
    """A Microsoft-preset account whose endpoints and server are the test's own."""
    account = {"name": name, "type": "imap", "provider": "microsoft", "username": harness.USER,
               "client_id": CLIENT, "url": "imap://127.0.0.1:%d" % dovecot.port, "ca_file": dovecot.cert,
               "oauth_authorize_uri": idp.base + "/authorize", "oauth_token_uri": idp.base + "/token",
               "oauth_device_uri": idp.base + "/device", "poll_interval": "60s"}
    account.update(overrides)
    return {key: value for key, value in account.items() if value is not None}


def read_line(stream, timeout):
    """One line from a child's pipe, or "" after TIMEOUT seconds."""
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if ready else ""


def last_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def files_below(directory):
    for root, _, names in os.walk(directory):
        for name in names:
            yield os.path.join(root, name)


class OAuthImapTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir, cls.truth, cls.idp, cls.dovecot = idp_harness.start_class_idp_and_mailbox(
            cls, "prospectd-oauth-", 300, 21, device_interval=1)

    def setUp(self):
        super().setUp()
        self.idp.reset()
        self.idp.set(device_interval=1)

    def app(self, **overrides):
        return Prospectd(os.path.join(self.tmp, "app"), [oauth_account(self.dovecot, self.idp, **overrides)])

    def token_file(self, app):
        return os.path.join(app.data_dir, "work.oauth-token.json")

    def device_sign_in(self, app, decide="approve"):
        """`prospectd auth work --device`, with the user deciding at the provider; the result."""
        process = app.spawn("auth", "work", "--device")
        line = read_line(process.stdout, 30)
        match = re.match(r"open (\S+) and enter the code (\S+)$", line.strip())
        self.assertIsNotNone(match, "no device prompt in %r" % line)
        self.assertTrue(match.group(1).startswith(self.idp.base))
        getattr(self.idp, decide)(match.group(2))
        out, err = process.communicate(timeout=60)
        return subprocess.CompletedProcess(process.args, process.returncode, line + out, err)

    def signed_in(self, **overrides):
        app = self.app(**overrides)
        result = self.device_sign_in(app)
        self.assertEqual(result.returncode, 0, result.stderr)
        return app

    def stored_count(self, app):
        return app.query("SELECT COUNT(*) FROM messages")[0][0]

    def test_device_sign_in_then_sync_over_oauthbearer(self):
        app = self.app()
        result = self.device_sign_in(app)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Signed in", result.stdout)
        token_file = self.token_file(app)
        self.assertEqual(stat.S_IMODE(os.stat(token_file).st_mode), 0o600)
        with open(token_file, encoding="utf-8") as f:
            self.assertEqual(json.load(f)["refresh_token"], self.idp.state()["last_refresh_token"])
        app.run("sync")
        self.assertEqual(self.stored_count(app), self.truth["totals"]["unique_messages"])
        # Dovecot offers both mechanisms: OAUTHBEARER (RFC 7628) is preferred.
        with open(os.path.join(self.dovecot.mail_dir, "dovecot-%d" % self.dovecot.port, "dovecot.log"),
                  encoding="utf-8", errors="replace") as f:
            self.assertRegex(f.read(), r"Login: user=<%s>, method=OAUTHBEARER" % re.escape(harness.USER))
        state = self.idp.state()
        self.assertEqual(state["grants"].get("urn:ietf:params:oauth:grant-type:device_code", 0) > 0, True, state)

    def test_loopback_sign_in_with_pkce_then_sync(self):
        app = self.app()
        process = app.spawn("auth", "work", "--no-browser")
        url = ""
        # Lines arrive together: read them as they come (a select() would miss those already
        # buffered), with a watchdog in case none is the URL.
        watchdog = threading.Timer(30, process.kill)
        watchdog.start()
        try:
            for line in process.stdout:
                if line.strip().startswith(self.idp.base + "/authorize?"):
                    url = line.strip()
                    break
        finally:
            watchdog.cancel()
        self.assertTrue(url, "no authorization URL printed")
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        self.assertEqual(query["scope"], ["https://outlook.office.com/IMAP.AccessAsUser.All offline_access"])
        self.assertTrue(query["redirect_uri"][0].startswith("http://127.0.0.1:"))
        # The provider approves and sends the browser back to prospectd's loopback listener.
        answer = idp_harness.request("GET", url)
        self.assertEqual(answer.status, 302, answer)
        back = idp_harness.request("GET", answer.header("Location"))
        self.assertEqual(back.status, 200, back)
        out, err = process.communicate(timeout=60)
        self.assertEqual(process.returncode, 0, err)
        app.run("sync")
        self.assertEqual(self.stored_count(app), self.truth["totals"]["unique_messages"])

    def test_denied_and_expired_device_codes_end_with_one_line(self):
        app = self.app()
        denied = self.device_sign_in(app, decide="deny")
        self.assertEqual(denied.returncode, 1)
        self.assertEqual(last_line(denied.stderr), "prospectd: the sign-in was denied")
        expired = self.device_sign_in(app, decide="expire")
        self.assertEqual(expired.returncode, 1)
        self.assertIn("the code expired before the sign-in finished: run `prospectd auth work --device` again",
                      last_line(expired.stderr))
        self.assertFalse(os.path.exists(self.token_file(app)))

    def test_a_rotated_refresh_token_replaces_the_old_one(self):
        app = self.signed_in()
        first = self.idp.state()["last_refresh_token"]
        self.idp.set(rotate=True)
        app.run("sync")
        with open(self.token_file(app), encoding="utf-8") as f:
            second = json.load(f)["refresh_token"]
        self.assertNotEqual(second, first)
        self.assertEqual(second, self.idp.state()["last_refresh_token"])
        self.assertEqual(stat.S_IMODE(os.stat(self.token_file(app)).st_mode), 0o600)
        self.assertEqual(self.idp.refresh(first).json()["error"], "invalid_grant")  # the old one is dead
        # The class's mailbox grows: later tests compare with the new truth.
        type(self).truth = harness.extend_mailbox(self.dovecot.mail_dir, 5, 71)
        app.run("sync")  # signs in with the rotated token
        self.assertEqual(self.stored_count(app), self.truth["totals"]["unique_messages"])

    def test_a_revoked_sign_in_fails_only_that_account_with_one_line(self):
        app = Prospectd(os.path.join(self.tmp, "app"), [
            oauth_account(self.dovecot, self.idp),
            harness.imap_account(self.dovecot, name="password")])
        self.assertEqual(self.device_sign_in(app).returncode, 0)
        self.idp.revoke_all()
        result = app.run("sync", check=False)
        self.assertEqual(result.returncode, 1)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertRegex(lines[0], r"^prospectd: work: sign-in expired or revoked \(.*invalid_grant.*\): "
                                   r"run `prospectd auth work`$")
        status = {a["name"]: a for a in json.loads(app.run("status", "--json").stdout)["accounts"]}
        self.assertEqual(status["work"]["state"], "error")
        self.assertIn("sign-in expired or revoked", status["work"]["last_error"])
        self.assertEqual(status["password"]["state"], "ok")
        self.assertEqual(status["password"]["messages"], self.truth["totals"]["unique_messages"])

    def test_the_daemon_parks_a_revoked_account_and_keeps_the_others_running(self):
        port = harness.free_port()
        app = Prospectd(os.path.join(self.tmp, "app"), [
            oauth_account(self.dovecot, self.idp),
            harness.imap_account(self.dovecot, name="password")], extra=harness.http_section(port))
        self.assertEqual(self.device_sign_in(app).returncode, 0)
        self.idp.revoke_all()
        daemon = harness.Daemon(app, port).start()
        self.addCleanup(daemon.stop)

        def accounts():
            return {a["name"]: a for a in daemon.get_json("/api/status")["accounts"]}
        self.assertTrue(harness.wait_for(lambda: accounts().get("work", {}).get("state") == "error", 60),
                        daemon.log()[-3000:])
        self.assertIn("sign-in expired or revoked", accounts()["work"]["last_error"])
        self.assertIn("run `prospectd auth work`", accounts()["work"]["last_error"])
        # The other account keeps syncing new mail.
        type(self).truth = harness.extend_mailbox(self.dovecot.mail_dir, 4, 97)
        expected = self.truth["totals"]["unique_messages"]
        self.assertTrue(harness.wait_for(lambda: accounts()["password"]["messages"] == expected, 60),
                        daemon.log()[-3000:])
        self.assertEqual(accounts()["password"]["state"], "ok")
        self.assertEqual(daemon.stop(), 0)

    def test_doctor_checks_the_stored_sign_in_the_token_endpoint_and_a_login(self):
        app = self.signed_in()
        doctor = app.run("doctor", check=False)
        out = doctor.stdout + doctor.stderr
        self.assertIn("sign-in stored in", out)
        self.assertIn("issued an access token (not shown)", out)
        self.assertRegex(out, r"account work: logged in to imap://127\.0\.0\.1:\d+ as " + re.escape(harness.USER))
        self.idp.revoke_all()
        doctor = app.run("doctor", check=False)
        self.assertNotEqual(doctor.returncode, 0)
        self.assertIn("sign-in expired or revoked", doctor.stdout + doctor.stderr)
        self.assertIn("run `prospectd auth work`", doctor.stdout + doctor.stderr)

    def test_bad_token_files_say_to_run_auth_and_change_nothing(self):
        app = self.signed_in()
        app.run("sync")
        before = app.snapshot()
        token_file = self.token_file(app)
        with open(token_file, encoding="utf-8") as f:
            good = f.read()
        cases = [("missing", None, "no sign-in stored at"), ("corrupt", "{not json", "is not valid JSON"),
                 ("empty", "{}", "holds no refresh_token")]
        for label, content, phrase in cases:
            with self.subTest(label):
                if os.path.exists(token_file):
                    os.remove(token_file)
                if content is not None:
                    with open(token_file, "w", encoding="utf-8") as f:
                        f.write(content)
                    os.chmod(token_file, 0o600)
                result = app.run("sync", check=False)
                self.assertEqual(result.returncode, 1)
                line = last_line(result.stderr)
                self.assertIn(phrase, line)
                self.assertIn("run `prospectd auth work`", line)
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
                self.assertEqual(app.snapshot()["messages"], before["messages"])
        # A token file readable by others: in data_dir, prospectd narrows it (as every file there)
        # and says so; elsewhere it is refused, for the rep to decide who may read it.
        with open(token_file, "w", encoding="utf-8") as f:
            f.write(good)
        os.chmod(token_file, 0o644)
        narrowed = app.run("sync")
        self.assertIn("narrowed to owner-only", narrowed.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(token_file).st_mode), 0o600)
        outside = os.path.join(self.tmp, "secrets", "work.json")
        os.makedirs(os.path.dirname(outside))
        with open(outside, "w", encoding="utf-8") as f:
            f.write(good)
        os.chmod(outside, 0o644)
        elsewhere = self.app(token_file=outside)
        result = elsewhere.run("sync", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("has mode 0644, wider than 0600", last_line(result.stderr))
        self.assertIn("run `prospectd auth work`", last_line(result.stderr))
        self.assertEqual(elsewhere.snapshot()["messages"], before["messages"])

    def test_a_provider_that_answers_html_or_is_down_gives_one_clear_line(self):
        app = self.signed_in()
        for mode, phrase in (("html", "gave no OAuth answer (HTTP 200, not JSON); check its URL"),
                             ("garbage", "gave no OAuth answer"), ("down", "token endpoint: HTTP 503")):
            with self.subTest(mode):
                self.idp.set(fail_mode=mode)
                result = app.run("sync", check=False)
                self.assertEqual(result.returncode, 1)
                self.assertIn(phrase, last_line(result.stderr))
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.idp.set(fail_mode="none")
        app.run("sync")
        self.assertEqual(self.stored_count(app), self.truth["totals"]["unique_messages"])

    def test_an_expiring_access_token_is_renewed_while_the_daemon_runs(self):
        """Lifetime 20 s: new mail keeps arriving for 45 s (two lifetimes) and is synced each time, and no
        token is written anywhere but the token file, nor logged."""
        self.idp.set(access_lifetime=20)
        port = harness.free_port()
        app = Prospectd(os.path.join(self.tmp, "app"), [oauth_account(self.dovecot, self.idp)],
                        extra=harness.http_section(port))
        self.assertEqual(self.device_sign_in(app).returncode, 0)
        daemon = harness.Daemon(app, port)
        daemon.start()
        self.addCleanup(daemon.stop)
        daemon.wait_until_synced()
        expected = self.truth["totals"]["unique_messages"]
        started = time.monotonic()
        rounds = 0
        while time.monotonic() - started < 45:
            rounds += 1
            type(self).truth = harness.extend_mailbox(self.dovecot.mail_dir, 3, 300 + rounds)
            expected = self.truth["totals"]["unique_messages"]
            self.assertTrue(harness.wait_for(lambda: daemon.get_json("/api/status")["messages"] == expected, 30),
                            "round %d: new mail was not synced; log:\n%s" % (rounds, daemon.log()[-3000:]))
            time.sleep(8)
        state = self.idp.state()
        self.assertGreaterEqual(state["refreshes_ok"], 2, state)
        account = daemon.get_json("/api/status")["accounts"][0]
        self.assertEqual(account["state"], "ok", account)
        daemon.stop()
        secrets = [state["last_access_token"], state["last_refresh_token"]]
        for path in files_below(app.work_dir):
            with open(path, "rb") as f:
                content = f.read()
            for secret in secrets:
                if path == self.token_file(app) and secret == state["last_refresh_token"]:
                    continue
                self.assertNotIn(secret.encode(), content, "a token is in %s" % path)


if __name__ == "__main__":
    unittest.main()
