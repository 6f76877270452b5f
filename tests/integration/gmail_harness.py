"""Helpers for the Gmail connector's integration tests: the fake Gmail server
(tests/fake_gmail) on a free port, its control endpoints, and a gmail account for the config."""
import json
import os
import subprocess
import urllib.parse
import urllib.request

import harness

FAKE_BIN = os.environ.get("FAKE_GMAIL_BIN", os.path.join(os.path.dirname(harness.BINARY), "tests", "fake_gmail",
                                                        "fake_gmail_server"))
CLIENT_ID = "fake-client.apps.googleusercontent.com"
CLIENT_SECRET = "fake-secret"
REFRESH_TOKEN = "1//fake-refresh"
os.environ.setdefault("PROSPECTD_TEST_GMAIL_SECRET", CLIENT_SECRET)


class FakeGmail:
    """fake_gmail_server serving MAIL_DIR (made by gen_mailbox.py); options are its flags."""

    def __init__(self, mail_dir, **options):
        self.mail_dir = mail_dir
        self.options = options
        self.process = None
        self.port = None
        self.log_path = os.path.join(mail_dir, "fake_gmail.log")

    def start(self):
        args = [FAKE_BIN, "--maildir", self.mail_dir]
        for key, value in self.options.items():
            for item in (value if isinstance(value, (list, tuple)) else [value]):
                args += ["--" + key.replace("_", "-"), str(item)]
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        tracked = harness.TrackedProcess(self.process, "fake_gmail_server")
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING "):
            tracked.end()  # a server that did not come up is not left behind
            raise AssertionError("fake_gmail_server did not start: %r" % line)
        self.port = int(line.split()[1])
        return self

    def stop(self):
        try:
            if self.process and self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
                    raise AssertionError("fake_gmail_server did not stop within 10 s of SIGTERM")
        finally:
            self.log.close()

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    def control(self, path, method="POST", **params):
        url = self.base + "/control/" + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode("utf-8"))

    def stats(self):
        return self.control("stats", method="GET")


def write_token_file(path, refresh_token=REFRESH_TOKEN):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"refresh_token": refresh_token}, f)
    os.chmod(path, 0o600)


# Tests that are not about the quota let the client pace itself 20x faster than Google's 250
# units/s (the fake enforces no quota unless started with `quota=`), to keep CI quick.
FAST_UNITS_PER_SECOND = 5000


def gmail_account(fake, token_file, name="gmail", **overrides):
    account = {"name": name, "type": "gmail", "username": "rep@acme-sales.com", "client_id": CLIENT_ID,
               "client_secret_env": "PROSPECTD_TEST_GMAIL_SECRET", "token_file": token_file,
               "api_base": fake.base, "token_uri": fake.base + "/token", "poll_interval": "60s",
               "quota_units_per_second": FAST_UNITS_PER_SECOND}
    account.update(overrides)
    return account
