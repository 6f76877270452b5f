"""Helpers for tests that sign in with OAuth 2.0: the fake identity provider
(tests/fake_idp/fake_idp.py) on a free port with its control API, an OAuth client's requests to
it, and a Dovecot that validates bearer tokens at that provider (scripts/dovecot_testbed.sh with
OAUTH2_IDP_URL), so XOAUTH2 and OAUTHBEARER logins work against a real IMAP server.

Both servers are tracked by harness.track until stopped, like harness.Dovecot: one a test forgets
is named, ended and fails the module."""
import base64
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import harness

FAKE_IDP = os.path.join(harness.ROOT, "tests", "fake_idp", "fake_idp.py")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
CLIENT_ID = "prospectd-test-client"


class Response:
    """An HTTP answer: status, headers (an email.message.Message), body bytes; json() parses."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name)

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:300])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is an answer to look at, not to follow


_opener = urllib.request.build_opener(_NoRedirect)


def request(method, url, form=None, json_body=None, headers=None, timeout=30):
    """One HTTP request; 4xx and 5xx answers are returned, not raised."""
    data = None
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode("ascii")
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif json_body is not None:
        data = json.dumps(json_body).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    elif method == "POST":
        data = b""
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _opener.open(req, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as error:
        with error:
            return Response(error.code, error.headers, error.read())


class FakeIdp:
    """fake_idp.py on a free 127.0.0.1 port. OPTIONS become its flags (device_interval=1 ->
    --device-interval 1; rotate=True -> --rotate). Its stderr (requests, secrets redacted) goes
    to LOG_PATH, by default a file in a temporary directory removed by stop()."""

    def __init__(self, log_path=None, **options):
        self.options = options
        self.process = None
        self.port = None
        self.own_dir = None
        self.log_path = log_path

    def start(self, timeout=30):
        if self.log_path is None:
            self.own_dir = tempfile.mkdtemp(prefix="prospectd-idp-")
            self.log_path = os.path.join(self.own_dir, "fake_idp.log")
        args = [sys.executable, FAKE_IDP, "--port", "0"]
        for key, value in self.options.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value not in (False, None):
                for item in (value if isinstance(value, (list, tuple)) else [value]):
                    args += [flag, str(item)]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        harness.track(self)
        line = b""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if ready:
            line = self.process.stdout.readline()
        prefix = b"fake_idp listening on 127.0.0.1:"
        if not line.startswith(prefix):
            self.end()  # a provider that did not come up is not left behind
            raise AssertionError("fake_idp.py did not start: %r\n%s" % (line, self.log()))
        self.port = int(line[len(prefix):].strip())
        return self

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def end(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait(timeout=30)
            self.process.stdout.close()
        harness.untrack(self)

    def stop(self):
        """SIGTERM, then waits (SIGKILL and a failure after 10 s); removes its own log dir."""
        try:
            if self.alive():
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.end()
                    raise AssertionError("fake_idp.py did not stop within 10 s of SIGTERM")
            self.end()
        finally:
            if self.own_dir and not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
                shutil.rmtree(self.own_dir, ignore_errors=True)

    def describe(self):
        pid = self.process.pid if self.process else None
        return "fake_idp pid=%s port=%s" % (pid, self.port)

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except (OSError, TypeError):
            return ""

    @property
    def base(self):
        return "http://127.0.0.1:%d" % self.port

    # ---- control API (tests only) -----------------------------------------------------------

    def control(self, action, **body):
        response = request("POST", self.base + "/control/" + action, json_body=body)
        if response.status != 200:
            raise AssertionError("POST /control/%s %s answered %d: %s" % (action, body, response.status,
                                                                         response.body[:500]))
        return response.json()

    def approve(self, user_code, email=None):
        return self.control("approve", user_code=user_code, **({"email": email} if email else {}))

    def deny(self, user_code):
        return self.control("deny", user_code=user_code)

    def expire(self, user_code):
        return self.control("expire", user_code=user_code)

    def revoke_all(self, access_tokens=True):
        return self.control("revoke_all", access_tokens=access_tokens)

    def set(self, **options):
        return self.control("set", **options)["options"]

    def issue(self, **fields):
        """Tokens minted without a flow: {access_token, refresh_token, expires_in, ...}."""
        return self.control("issue", **fields)

    def reset(self):
        return self.control("reset")

    def state(self):
        response = request("GET", self.base + "/control/state")
        if response.status != 200:
            raise AssertionError("GET /control/state answered %d" % response.status)
        return response.json()

    # ---- what an OAuth client sends -----------------------------------------------------------

    def token(self, client_id=CLIENT_ID, **params):
        """POST /token with PARAMS (and client_id unless None); returns the Response."""
        form = dict(params)
        if client_id is not None:
            form["client_id"] = client_id
        return request("POST", self.base + "/token", form=form)

    def device_authorization(self, client_id=CLIENT_ID, scope="mail"):
        response = request("POST", self.base + "/device", form={"client_id": client_id, "scope": scope})
        if response.status != 200:
            raise AssertionError("POST /device answered %d: %s" % (response.status, response.body[:500]))
        return response.json()

    def poll_device(self, device_code, client_id=CLIENT_ID):
        return self.token(client_id=client_id, grant_type=DEVICE_GRANT, device_code=device_code)

    def refresh(self, refresh_token, client_id=CLIENT_ID):
        return self.token(client_id=client_id, grant_type="refresh_token", refresh_token=refresh_token)

    def sign_in_with_device(self, email=None, client_id=CLIENT_ID):
        """The whole device flow (RFC 8628) with the user approving at once: the token answer."""
        device = self.device_authorization(client_id)
        self.approve(device["user_code"], email)
        answer = self.poll_device(device["device_code"], client_id)
        if answer.status != 200:
            raise AssertionError("device flow failed: %r" % answer)
        return answer.json()


# ---- SASL initial responses for IMAP AUTHENTICATE ---------------------------------------------

def xoauth2_response(user, token):
    """The XOAUTH2 client response: user=U ^A auth=Bearer T ^A ^A."""
    return ("user=%s\x01auth=Bearer %s\x01\x01" % (user, token)).encode("utf-8")


def oauthbearer_response(user, token, host="127.0.0.1", port=None):
    """RFC 7628 §3.1: GS2 header "n,a=USER," (',' and '=' in the authzid escaped as =2C and =3D,
    RFC 5801 §4), then host, port and auth key/value pairs, each ended by ^A, and a final ^A."""
    authzid = user.replace("=", "=3D").replace(",", "=2C")
    pairs = ["host=%s" % host] + (["port=%d" % port] if port else []) + ["auth=Bearer %s" % token]
    return ("n,a=%s," % authzid + "\x01" + "\x01".join(pairs) + "\x01\x01").encode("utf-8")


class SaslConversation:
    """The callable imaplib's authenticate() wants: the initial response first; if the server
    then sends an error challenge (RFC 7628 §3.2.2), it is kept in `error` and acknowledged
    with ACK (§3.2.3: a single ^A for OAUTHBEARER; XOAUTH2 clients send an empty response)."""

    def __init__(self, initial, ack=b""):
        self.initial = initial
        self.ack = ack
        self.error = None
        self.calls = 0

    def __call__(self, challenge):
        self.calls += 1
        if self.calls == 1:
            return self.initial
        try:
            self.error = json.loads(challenge.decode("utf-8"))
        except ValueError:
            self.error = challenge
        return self.ack


def xoauth2(user, token):
    return SaslConversation(xoauth2_response(user, token), ack=b"")


def oauthbearer(user, token, port=None):
    return SaslConversation(oauthbearer_response(user, token, port=port), ack=b"\x01")


# ---- a Dovecot that validates bearer tokens at the fake ---------------------------------------

class OAuthDovecot(harness.Dovecot):
    """harness.Dovecot started with OAUTH2_IDP_URL in dovecot_testbed.sh's environment: it also
    offers AUTH=XOAUTH2 and AUTH=OAUTHBEARER and asks IDP_URL about each token."""

    def __init__(self, mail_dir, idp_url):
        super().__init__(mail_dir)
        self.idp_url = idp_url

    def run_script(self, *args):  # an instance method here: harness.Dovecot calls self.run_script
        env = dict(os.environ, OAUTH2_IDP_URL=self.idp_url)
        return subprocess.run(["bash", os.path.join(harness.SCRIPTS, "dovecot_testbed.sh"), *args],
                              capture_output=True, text=True, env=env)

    def describe(self):
        return super().describe() + " oauth2=" + self.idp_url


def start_oauth_dovecot(test, mail_dir, idp, class_level=False):
    """An OAuthDovecot for MAIL_DIR asking IDP, stopped by a (class) cleanup of TEST."""
    dovecot = OAuthDovecot(mail_dir, idp.base).start()
    (test.addClassCleanup if class_level else test.addCleanup)(dovecot.stop)
    return dovecot


def start_class_idp_and_mailbox(test_class, prefix, messages, seed, **idp_options):
    """For a setUpClass: a fake IdP (its log in the class's directory) and a generated mailbox
    served by a Dovecot that validates tokens there. Class cleanups stop Dovecot, then the IdP,
    then remove the directory. Returns (directory, ground truth, idp, dovecot)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.chmod(tmp, 0o755)  # Dovecot's unprivileged mail user must reach the Maildir
    if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
        test_class.addClassCleanup(shutil.rmtree, tmp, ignore_errors=True)
    idp = FakeIdp(log_path=os.path.join(tmp, "fake_idp.log"), **idp_options).start()
    test_class.addClassCleanup(idp.stop)
    mail_dir = os.path.join(tmp, "mail")
    truth = harness.generate_mailbox(mail_dir, messages, seed)
    dovecot = start_oauth_dovecot(test_class, mail_dir, idp, class_level=True)
    return tmp, truth, idp, dovecot


def pkce_pair():
    """(code_verifier, S256 code_challenge), RFC 7636 §4.1 and §4.2."""
    verifier = base64.urlsafe_b64encode(os.urandom(48)).rstrip(b"=").decode("ascii")  # 64 characters
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest())
    return verifier, challenge.rstrip(b"=").decode("ascii")
