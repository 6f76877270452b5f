"""The fake OAuth 2.0 identity provider (tests/fake_idp) against the RFCs it follows, and a real
Dovecot that validates its tokens (passdb oauth2): tokens from the device flow and from the
authorization code flow with PKCE open an IMAP session over XOAUTH2 and OAUTHBEARER; expired,
revoked, garbage and other users' tokens are refused as failed authentication, not as a
temporary failure."""
import imaplib
import json
import os
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import harness
import idp_harness
from idp_harness import CLIENT_ID, FakeIdp, oauthbearer, pkce_pair, request, xoauth2

USER = harness.USER


class LoopbackReceiver:
    """The app's side of RFC 8252 §7.3: an HTTP listener on 127.0.0.1, any free port, that
    receives the browser's redirect to http://127.0.0.1:PORT/callback and keeps its query."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                received.append(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
                body = b"signed in; you can close this window"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self.thread.start()

    @property
    def redirect_uri(self):
        return "http://127.0.0.1:%d/callback" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def authorize_url(idp, redirect_uri, challenge, state="st-123", **overrides):
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": redirect_uri, "scope": "mail",
              "state": state, "code_challenge": challenge, "code_challenge_method": "S256"}
    params.update(overrides)
    return idp.base + "/authorize?" + urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


def redirect_params(response):
    """The query of a 302's Location."""
    assert response.status == 302, response
    return urllib.parse.parse_qs(urllib.parse.urlsplit(response.header("Location")).query)


def sign_in_with_code(test, idp, receiver=None):
    """The authorization code flow with PKCE as a native app runs it: the browser (here
    urllib) opens the authorization URL, the provider redirects it to the loopback listener,
    and the app exchanges the code. Returns (token answer, code, verifier, redirect_uri)."""
    if receiver is None:
        receiver = LoopbackReceiver()
        test.addCleanup(receiver.close)
    verifier, challenge = pkce_pair()
    answer = request("GET", authorize_url(idp, receiver.redirect_uri, challenge))
    test.assertEqual(answer.status, 302, answer)
    location = answer.header("Location")
    test.assertTrue(location.startswith(receiver.redirect_uri + "?"), location)
    test.assertEqual(request("GET", location).status, 200)  # the browser follows the redirect
    query = receiver.received[-1]
    test.assertEqual(query["state"], ["st-123"])
    code = query["code"][0]
    token = idp.token(grant_type="authorization_code", code=code, redirect_uri=receiver.redirect_uri,
                      code_verifier=verifier)
    test.assertEqual(token.status, 200, token)
    return token.json(), code, verifier, receiver.redirect_uri


class FakeIdpTest(unittest.TestCase):
    """The provider on its own; one process, reset before each test."""

    @classmethod
    def setUpClass(cls):
        cls.idp = FakeIdp(device_interval=1).start()
        cls.addClassCleanup(cls.idp.stop)

    def setUp(self):
        self.idp.reset()

    def assert_oauth_error(self, response, error, status=400):
        self.assertEqual((response.status, response.header("Content-Type")), (status, "application/json"), response)
        body = response.json()
        self.assertEqual(body["error"], error, body)
        self.assertIsInstance(body.get("error_description"), str)
        return body

    # ---- Device Authorization Grant, RFC 8628 ----

    def test_device_flow_pending_then_approved_once(self):
        device = self.idp.device_authorization()
        self.assertEqual(set(device), {"device_code", "user_code", "verification_uri", "verification_uri_complete",
                                       "expires_in", "interval"})
        self.assertEqual((device["interval"], device["expires_in"]), (1, 600))
        self.assertRegex(device["user_code"], r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")
        self.assertEqual(device["verification_uri"], self.idp.base + "/device/verify")
        self.assertIn(device["user_code"], device["verification_uri_complete"])
        self.assert_oauth_error(self.idp.poll_device(device["device_code"]), "authorization_pending")
        # user codes are compared without case or dash (RFC 8628 §6.1)
        self.idp.approve(device["user_code"].lower().replace("-", ""))
        time.sleep(device["interval"])
        answer = self.idp.poll_device(device["device_code"])
        self.assertEqual(answer.status, 200, answer)
        self.assertEqual(answer.header("Cache-Control"), "no-store")
        token = answer.json()
        self.assertEqual((token["token_type"], token["expires_in"], token["scope"]), ("Bearer", 3600, "mail"))
        self.assertTrue(token["refresh_token"])
        # the device code is spent
        self.assert_oauth_error(self.idp.poll_device(device["device_code"]), "invalid_grant")
        info = request("GET", self.idp.base + "/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
        self.assertEqual(info.json()["email"], USER)
        state = self.idp.state()
        self.assertEqual((state["device_polls"], state["token_requests"]), (3, 3))
        self.assertEqual((state["issued_access_tokens"], state["active_access_tokens"]), (1, 1))
        self.assertEqual(state["last_refresh_token"], token["refresh_token"])
        self.assertEqual(state["device_authorizations"][0]["status"], "used")

    def test_slow_down_adds_five_seconds_to_the_interval(self):
        device = self.idp.device_authorization()
        self.assert_oauth_error(self.idp.poll_device(device["device_code"]), "authorization_pending")
        self.assert_oauth_error(self.idp.poll_device(device["device_code"]), "slow_down")
        self.assertEqual(self.idp.state()["device_authorizations"][0]["interval"], 6)
        # RFC 8628 §3.5: the new interval holds "for this and all subsequent requests":
        # waiting the old 1 s is too fast now
        time.sleep(1.1)
        self.assert_oauth_error(self.idp.poll_device(device["device_code"]), "slow_down")
        self.assertEqual(self.idp.state()["device_authorizations"][0]["interval"], 11)

    def test_denied_and_expired_device_codes(self):
        denied = self.idp.device_authorization()
        self.idp.deny(denied["user_code"])
        self.assert_oauth_error(self.idp.poll_device(denied["device_code"]), "access_denied")
        expired = self.idp.device_authorization()
        self.idp.expire(expired["user_code"])
        self.assert_oauth_error(self.idp.poll_device(expired["device_code"]), "expired_token")
        # the lifetime runs out by itself too; approving then is too late
        self.idp.set(device_expires=1)
        short = self.idp.device_authorization()
        self.assertEqual(short["expires_in"], 1)
        time.sleep(1.1)
        answer = request("POST", self.idp.base + "/control/approve", json_body={"user_code": short["user_code"]})
        self.assertEqual((answer.status, answer.json()["error"]), (409, "not_pending"))
        self.assert_oauth_error(self.idp.poll_device(short["device_code"]), "expired_token")
        unknown = request("POST", self.idp.base + "/control/approve", json_body={"user_code": "BBBB-BBBB"})
        self.assertEqual(unknown.status, 404)

    def test_device_code_is_bound_to_its_client(self):
        device = self.idp.device_authorization()
        self.idp.approve(device["user_code"])
        self.assert_oauth_error(self.idp.poll_device(device["device_code"], client_id="another-app"), "invalid_grant")
        self.assertEqual(self.idp.poll_device(device["device_code"]).status, 200)

    # ---- authorization code with PKCE, RFC 6749 §4.1, RFC 7636, RFC 8252 ----

    def test_code_flow_over_a_loopback_redirect(self):
        token, code, verifier, redirect_uri = sign_in_with_code(self, self.idp)
        self.assertEqual((token["token_type"], token["scope"]), ("Bearer", "mail"))
        info = request("GET", self.idp.base + "/tokeninfo?access_token=" + token["access_token"]).json()
        self.assertEqual((info["email"], info["aud"], info["scope"]), (USER, CLIENT_ID, "mail"))
        self.assertLessEqual(info["expires_in"], 3600)
        # RFC 6749 §4.1.2: a code used twice is refused and what it granted is revoked
        again = self.idp.token(grant_type="authorization_code", code=code, redirect_uri=redirect_uri,
                               code_verifier=verifier)
        self.assert_oauth_error(again, "invalid_grant")
        dead = request("GET", self.idp.base + "/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
        self.assertEqual(dead.status, 401)
        self.assert_oauth_error(self.idp.refresh(token["refresh_token"]), "invalid_grant")

    def test_code_exchange_checks_verifier_redirect_uri_and_client(self):
        receiver = LoopbackReceiver()
        self.addCleanup(receiver.close)

        def new_code():
            verifier, challenge = pkce_pair()
            params = redirect_params(request("GET", authorize_url(self.idp, receiver.redirect_uri, challenge)))
            return params["code"][0], verifier

        code, verifier = new_code()
        self.assert_oauth_error(self.idp.token(grant_type="authorization_code", code=code,
                                               redirect_uri=receiver.redirect_uri), "invalid_request")
        wrong_verifier, _ = pkce_pair()
        self.assert_oauth_error(self.idp.token(grant_type="authorization_code", code=code,
                                               redirect_uri=receiver.redirect_uri, code_verifier=wrong_verifier),
                                "invalid_grant")
        code, verifier = new_code()
        self.assert_oauth_error(self.idp.token(grant_type="authorization_code", code=code,
                                               redirect_uri=receiver.redirect_uri + "x", code_verifier=verifier),
                                "invalid_grant")
        code, verifier = new_code()
        self.assert_oauth_error(self.idp.token(client_id="another-app", grant_type="authorization_code", code=code,
                                               redirect_uri=receiver.redirect_uri, code_verifier=verifier),
                                "invalid_grant")
        # a refused client does not spend the code
        self.assertEqual(self.idp.token(grant_type="authorization_code", code=code, redirect_uri=receiver.redirect_uri,
                                        code_verifier=verifier).status, 200)

    def test_authorization_errors_go_back_to_the_app_or_stay_with_the_user(self):
        redirect_uri = "http://127.0.0.1:9/callback"
        _, challenge = pkce_pair()
        cases = [({"code_challenge_method": "plain"}, "invalid_request"),
                 ({"code_challenge_method": None}, "invalid_request"),
                 ({"code_challenge": None}, "invalid_request"),
                 ({"response_type": "token"}, "unsupported_response_type")]
        for overrides, error in cases:
            params = redirect_params(request("GET", authorize_url(self.idp, redirect_uri, challenge, **overrides)))
            self.assertEqual((params["error"], params["state"]), ([error], ["st-123"]), overrides)
        self.idp.set(authorize_deny=True)
        params = redirect_params(request("GET", authorize_url(self.idp, redirect_uri, challenge)))
        self.assertEqual((params["error"], params["state"]), (["access_denied"], ["st-123"]))
        # RFC 6749 §4.1.2.1: never redirect to a URI that is not the app's (RFC 8252 §7.3: loopback)
        for bad in ("https://attacker.example/cb", "http://127.0.0.1/cb#frag", "http://10.0.0.1:80/cb"):
            answer = request("GET", authorize_url(self.idp, bad, challenge))
            self.assertIsNone(answer.header("Location"), bad)
            self.assert_oauth_error(answer, "invalid_request")

    # ---- refresh, rotation, revocation ----

    def test_refresh_with_rotation_retires_the_old_refresh_token(self):
        self.idp.set(rotate=True)
        first = self.idp.issue(client_id=CLIENT_ID)["refresh_token"]
        answer = self.idp.refresh(first)
        self.assertEqual(answer.status, 200, answer)
        second = answer.json()["refresh_token"]
        self.assertNotEqual(second, first)
        self.assert_oauth_error(self.idp.refresh(first), "invalid_grant")
        third = self.idp.refresh(second).json()["refresh_token"]
        state = self.idp.state()
        self.assertEqual((state["refreshes"], state["refreshes_ok"]), (3, 2))
        self.assertEqual((state["last_refresh_token"], state["active_refresh_tokens"]), (third, 1))

    def test_replayed_rotated_token_ends_the_grant_with_reuse_detection(self):
        self.idp.set(rotate=True, reuse_detection=True)
        first = self.idp.issue(client_id=CLIENT_ID)["refresh_token"]
        second = self.idp.refresh(first).json()["refresh_token"]
        self.assert_oauth_error(self.idp.refresh(first), "invalid_grant")
        self.assert_oauth_error(self.idp.refresh(second), "invalid_grant")

    def test_refresh_without_rotation_keeps_the_refresh_token(self):
        tokens = self.idp.issue(client_id=CLIENT_ID)
        for _ in range(2):
            answer = self.idp.refresh(tokens["refresh_token"])
            self.assertEqual(answer.status, 200, answer)
            self.assertNotIn("refresh_token", answer.json())  # RFC 6749 §6: a new one is optional
            self.assertNotEqual(answer.json()["access_token"], tokens["access_token"])
        self.assert_oauth_error(self.idp.refresh(tokens["refresh_token"], client_id="another-app"), "invalid_grant")
        self.assert_oauth_error(self.idp.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"],
                                               scope="mail admin"), "invalid_scope")

    def test_revocation_ends_refresh_and_access_tokens(self):
        tokens = self.idp.issue(client_id=CLIENT_ID)
        self.assertEqual(self.idp.revoke_all(), {"revoked_refresh_tokens": 1, "revoked_access_tokens": 1})
        self.assert_oauth_error(self.idp.refresh(tokens["refresh_token"]), "invalid_grant")
        self.assertEqual(request("GET", self.idp.base + "/userinfo",
                                 headers={"Authorization": "Bearer " + tokens["access_token"]}).status, 401)
        self.assertEqual(self.idp.state()["active_refresh_tokens"], 0)
        # RFC 7009: the client's own revocation endpoint
        other = self.idp.issue(client_id=CLIENT_ID)
        answer = request("POST", self.idp.base + "/revoke", form={"token": other["refresh_token"],
                                                                 "client_id": CLIENT_ID})
        self.assertEqual(answer.status, 200)
        self.assert_oauth_error(self.idp.refresh(other["refresh_token"]), "invalid_grant")

    # ---- the token endpoint's errors and injected failures ----

    def test_token_endpoint_errors_are_rfc6749_json(self):
        self.assert_oauth_error(self.idp.token(), "invalid_request")  # no grant_type
        self.assert_oauth_error(self.idp.token(grant_type="password", username="u", password="p"),
                                "unsupported_grant_type")
        self.assert_oauth_error(self.idp.token(client_id=None, grant_type="refresh_token", refresh_token="x"),
                                "invalid_request")
        self.assert_oauth_error(self.idp.refresh("fr_unknown"), "invalid_grant")
        as_json = request("POST", self.idp.base + "/token", json_body={"grant_type": "refresh_token"})
        self.assert_oauth_error(as_json, "invalid_request")
        twice = request("POST", self.idp.base + "/token",
                        form=[("grant_type", "refresh_token"), ("grant_type", "refresh_token")])
        self.assert_oauth_error(twice, "invalid_request")
        answer = request("GET", self.idp.base + "/token")
        self.assertEqual((answer.status, answer.header("Allow")), (405, "POST"))
        self.assertEqual(answer.header("Cache-Control"), "no-store")

    def test_injected_failures(self):
        tokens = self.idp.issue(client_id=CLIENT_ID)
        self.idp.set(fail_mode="html", fail_times=1)
        answer = self.idp.refresh(tokens["refresh_token"])
        self.assertEqual((answer.status, answer.header("Content-Type")), (200, "text/html; charset=utf-8"))
        self.assertEqual(self.idp.refresh(tokens["refresh_token"]).status, 200)  # fail_times used up
        self.idp.set(fail_mode="garbage", fail_times=None)
        answer = self.idp.refresh(tokens["refresh_token"])
        self.assertEqual(answer.status, 200)
        with self.assertRaises(ValueError):
            json.loads(answer.body.decode("utf-8", "replace"))
        self.idp.set(fail_mode="down")
        self.assertEqual(self.idp.refresh(tokens["refresh_token"]).status, 503)
        self.idp.set(fail_mode="delay", fail_delay=0.5)
        started = time.monotonic()
        self.assertEqual(self.idp.refresh(tokens["refresh_token"]).status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual(self.idp.state()["failures_injected"], 4)
        self.assertEqual(request("POST", self.idp.base + "/control/set", json_body={"fail_mode": "x"}).status, 400)
        self.assertEqual(request("POST", self.idp.base + "/control/set", json_body={"bogus": 1}).status, 400)

    # ---- what Dovecot asks ----

    def test_userinfo_and_tokeninfo(self):
        base = self.idp.base
        missing = request("GET", base + "/userinfo")
        self.assertEqual((missing.status, missing.header("WWW-Authenticate")), (401, 'Bearer realm="fake_idp"'))
        garbage = request("GET", base + "/userinfo", headers={"Authorization": "Bearer fa_garbage"})
        self.assertEqual(garbage.status, 401)
        self.assertIn('error="invalid_token"', garbage.header("WWW-Authenticate"))  # RFC 6750 §3.1
        self.assert_oauth_error(request("GET", base + "/tokeninfo?access_token=fa_garbage"), "invalid_token")
        self.assert_oauth_error(request("GET", base + "/tokeninfo"), "invalid_request")
        short = self.idp.issue(access_lifetime=1)["access_token"]
        live = request("GET", base + "/tokeninfo?access_token=" + short)
        self.assertEqual((live.status, live.json()["email"]), (200, USER))
        time.sleep(1.1)
        self.assert_oauth_error(request("GET", base + "/tokeninfo?access_token=" + short), "invalid_token")
        self.assertEqual(request("GET", base + "/userinfo", headers={"Authorization": "Bearer " + short}).status, 401)

    def test_secrets_never_reach_the_log(self):
        device = self.idp.device_authorization()
        self.idp.approve(device["user_code"])
        token = self.idp.poll_device(device["device_code"]).json()
        code_token, code, verifier, _ = sign_in_with_code(self, self.idp)
        request("GET", self.idp.base + "/tokeninfo?access_token=" + token["access_token"])
        request("GET", self.idp.base + "/userinfo", headers={"Authorization": "Bearer " + token["access_token"]})
        self.idp.refresh(token["refresh_token"])
        log = self.idp.log()
        self.assertIn("GET /tokeninfo?access_token=<redacted>", log)
        for secret in (device["device_code"], device["user_code"], token["access_token"], token["refresh_token"],
                       code, verifier, code_token["access_token"], code_token["refresh_token"]):
            self.assertNotIn(secret, log)


class DovecotOAuthTest(unittest.TestCase):
    """A real Dovecot that asks the fake about every XOAUTH2 and OAUTHBEARER login."""

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.truth, cls.idp, cls.dovecot = idp_harness.start_class_idp_and_mailbox(
            cls, "prospectd-oauth-", 20, 7, device_interval=1)

    def setUp(self):
        self.idp.reset()

    def imap(self):
        connection = imaplib.IMAP4("127.0.0.1", self.dovecot.port, timeout=30)
        self.addCleanup(self.close, connection)
        return connection

    @staticmethod
    def close(connection):
        try:
            connection.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

    def login(self, mechanism, token, user=USER):
        """(IMAP connection, SASL conversation) after an AUTHENTICATE that must succeed."""
        connection = self.imap()
        conversation = (xoauth2(user, token) if mechanism == "XOAUTH2"
                        else oauthbearer(user, token, port=self.dovecot.port))
        typ, data = connection.authenticate(mechanism, conversation)
        self.assertEqual(typ, "OK", data)
        self.assertEqual(connection.state, "AUTH")
        return connection, conversation

    def refused(self, mechanism, token, user=USER):
        """The NO text of an AUTHENTICATE that must fail, and the server's error challenge."""
        connection = self.imap()
        conversation = (xoauth2(user, token) if mechanism == "XOAUTH2"
                        else oauthbearer(user, token, port=self.dovecot.port))
        with self.assertRaises(imaplib.IMAP4.error) as raised:
            connection.authenticate(mechanism, conversation)
        self.assertEqual(connection.state, "NONAUTH")
        return str(raised.exception), conversation.error

    def assert_refused_as_failed_authentication(self, token, user=USER):
        """Both mechanisms answer NO [AUTHENTICATIONFAILED] (a dead token, RFC 5530), never
        [UNAVAILABLE] (which would tell a client to retry later), after the error challenge of
        RFC 7628 §3.2.2 (Dovecot sends a JSON one for XOAUTH2 too)."""
        text, challenge = self.refused("XOAUTH2", token, user)
        self.assertEqual(text, "[AUTHENTICATIONFAILED] Authentication failed.")
        self.assertEqual(challenge, {"status": "401", "schemes": "bearer", "scope": "mail"})
        text, challenge = self.refused("OAUTHBEARER", token, user)
        self.assertEqual(text, "[AUTHENTICATIONFAILED] Authentication failed.")
        self.assertEqual(challenge, {"status": "invalid_token"})

    def test_oauth_mechanisms_are_offered_and_passwords_still_work(self):
        connection = self.imap()
        self.assertIn("AUTH=XOAUTH2", connection.capabilities)
        self.assertIn("AUTH=OAUTHBEARER", connection.capabilities)
        self.assertEqual(connection.login(USER, harness.PASSWORD)[0], "OK")
        with self.assertRaises(imaplib.IMAP4.error):
            self.imap().login(USER, "wrong")
        self.assertEqual(self.idp.state()["requests"], {})  # a password never goes to the IdP

    def test_xoauth2_with_a_device_flow_token(self):
        token = self.idp.sign_in_with_device()["access_token"]
        connection, _ = self.login("XOAUTH2", token)
        typ, data = connection.select("INBOX", readonly=True)
        self.assertEqual(typ, "OK")
        self.assertGreater(int(data[0]), 0)
        # Dovecot asked tokeninfo, then userinfo (tokeninfo has no "active" field)
        self.assertEqual(self.idp.state()["requests"].get("tokeninfo"), 1)
        self.assertEqual(self.idp.state()["requests"].get("userinfo"), 1)

    def test_oauthbearer_with_a_pkce_token(self):
        token, _, _, _ = sign_in_with_code(self, self.idp)
        connection, _ = self.login("OAUTHBEARER", token["access_token"])
        self.assertEqual(connection.select("INBOX", readonly=True)[0], "OK")

    def test_expired_token_is_refused_and_a_refreshed_one_accepted(self):
        self.idp.set(access_lifetime=2, rotate=True)
        tokens = self.idp.sign_in_with_device()
        self.assertEqual(tokens["expires_in"], 2)
        self.login("XOAUTH2", tokens["access_token"])
        time.sleep(2.1)
        self.assert_refused_as_failed_authentication(tokens["access_token"])
        self.idp.set(access_lifetime=3600)  # the refreshed token must outlive the logins below
        refreshed = self.idp.refresh(tokens["refresh_token"]).json()
        self.login("OAUTHBEARER", refreshed["access_token"])
        self.login("XOAUTH2", refreshed["access_token"])
        # rotation: the first refresh token is spent
        self.assertEqual(self.idp.refresh(tokens["refresh_token"]).json()["error"], "invalid_grant")
        self.assertEqual(self.idp.refresh(refreshed["refresh_token"]).status, 200)

    def test_revoked_and_garbage_tokens_are_refused(self):
        token = self.idp.sign_in_with_device()["access_token"]
        self.idp.revoke_all()
        self.assert_refused_as_failed_authentication(token)
        self.assert_refused_as_failed_authentication("fa_garbage-" + "x" * 40)

    def test_token_of_another_user_is_refused(self):
        token = self.idp.sign_in_with_device(email="boss@acme-sales.com")["access_token"]
        self.assert_refused_as_failed_authentication(token)

    def test_unreachable_provider_is_a_temporary_failure(self):
        token = self.idp.issue()["access_token"]
        self.idp.set(fail_mode="down", fail_endpoints=["tokeninfo", "userinfo"])
        text, challenge = self.refused("XOAUTH2", token)
        self.assertTrue(text.startswith("[UNAVAILABLE] Temporary authentication failure."), text)
        self.assertIsNone(challenge)
        self.idp.set(fail_mode="none")
        self.login("XOAUTH2", token)


class DovecotWithoutOAuthTest(harness.TempDirTestCase):
    def test_testbed_without_oauth2_idp_url_offers_passwords_only(self):
        self.assertNotIn("OAUTH2_IDP_URL", os.environ)
        dovecot = harness.Dovecot(os.path.join(self.tmp, "mail")).start()
        self.addCleanup(dovecot.stop)
        connection = imaplib.IMAP4("127.0.0.1", dovecot.port, timeout=30)
        try:
            self.assertNotIn("AUTH=XOAUTH2", connection.capabilities)
            self.assertNotIn("AUTH=OAUTHBEARER", connection.capabilities)
            self.assertEqual(connection.login(USER, harness.PASSWORD)[0], "OK")
        finally:
            connection.logout()
        # the running instance refuses to be "started" again with OAuth behind the caller's back
        result = idp_harness.OAuthDovecot(dovecot.mail_dir, "http://127.0.0.1:9").run_script(
            "start", dovecot.mail_dir, str(dovecot.port))
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("already runs with OAUTH2_IDP_URL=(unset)", result.stderr)


if __name__ == "__main__":
    unittest.main()
