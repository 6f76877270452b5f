#!/usr/bin/env python3
"""A fake OAuth 2.0 identity provider for prospectd's tests (Python 3 stdlib only).

  fake_idp.py [--port N] [--email ADDRESS] [--access-lifetime SECONDS] [--rotate]
              [--device-interval SECONDS] [--device-expires SECONDS] ...

Listens on 127.0.0.1:PORT (0, the default: a free port) and prints one line to stdout when
ready, `fake_idp listening on 127.0.0.1:PORT`; it logs each request to stderr with every
secret (tokens, codes, verifiers, client secrets) redacted, and nothing else to stdout.
SIGTERM or SIGINT stops it (exit 0).

What a client sees (provider-neutral, shaped like Google's endpoints):

  POST /device      Device Authorization Grant, RFC 8628 §3.1/§3.2
  GET  /device/verify  the page verification_uri names (approval happens through /control/)
  GET  /authorize   authorization code grant, RFC 6749 §4.1, PKCE S256 only (RFC 7636), loopback
                    redirect URIs (RFC 8252 §7.3); the simulated user approves at once
  POST /token       grant_type authorization_code, refresh_token (rotation optional, RFC 6749
                    §6) and urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4/§3.5);
                    errors are RFC 6749 §5.2 JSON bodies
  POST /revoke      token revocation, RFC 7009
  GET  /userinfo    Authorization: Bearer (RFC 6750 §2.1) -> {"sub", "email", ...} or 401
  GET  /tokeninfo?access_token=T  -> {"email", "expires_in", "scope", ...} or 400 invalid_token

Dovecot's passdb oauth2 (scripts/dovecot_testbed.sh) validates IMAP tokens with the last two.

Tests steer it through /control/ (POST with a JSON object, or nothing; JSON answers; errors
are {"error", "error_description"} with 400, 404 or 409), see tests/integration/idp_harness.py:

  POST /control/approve {"user_code": C[, "email": E]}  the user signs in (as E) -> {user_code, status}
  POST /control/deny    {"user_code": C}                the user declines -> access_denied
  POST /control/expire  {"user_code": C}                the device code expires now -> expired_token
  POST /control/revoke_all {"access_tokens": true}      every refresh token (and access token) dies
  POST /control/set     {option: value, ...}            -> {"options": {...}}; options:
        access_lifetime (s), rotate, reuse_detection, device_interval (s), device_expires (s),
        code_lifetime (s), email, default_scope, authorize_deny (redirect with access_denied),
        fail_mode ("none", "html": 200 text/html, "garbage": 200 non-JSON, "down": 503,
        "delay": fail_delay seconds, then the normal answer), fail_endpoints (of "token",
        "device", "tokeninfo", "userinfo", "revoke"; default ["token"]), fail_times (null: until
        changed, N: the next N requests), fail_delay (s)
  POST /control/issue   {[email, scope, client_id, access_lifetime, refresh]}  tokens without a flow
  POST /control/reset   {}   options as started, every token, code and counter forgotten
  GET  /control/state   counters (token_requests, refreshes, refreshes_ok, device_polls,
        code_exchanges, issued_/active_access_tokens, issued_/active_refresh_tokens,
        failures_injected), last_access_token, last_refresh_token, requests and grants per
        endpoint, errors per error code, device_authorizations, options
"""
import argparse
import base64
import hashlib
import json
import re
import secrets
import signal
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# RFC 8628 §6.1: user codes from a base-20 alphabet without vowels (no words) and without
# look-alikes, shown as XXXX-XXXX; compared case-insensitively with the dash ignored.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
# RFC 7636 §4.1: code_verifier = 43*128unreserved; an S256 challenge is 43 base64url characters.
PKCE_PATTERN = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
FAIL_MODES = ("none", "html", "garbage", "down", "delay")
FAIL_ENDPOINTS = ("token", "device", "tokeninfo", "userinfo", "revoke")
# Query and form parameters whose values never reach the log.
SECRET_PARAMETERS = {"access_token", "refresh_token", "code", "code_verifier", "code_challenge", "device_code",
                     "user_code", "client_secret", "token", "id_token", "password", "state"}
MAX_BODY = 1 << 20


def log(line):
    sys.stderr.write("fake_idp: %s\n" % line)
    sys.stderr.flush()


class OAuthError(Exception):
    """An error answer: RFC 6749 §5.2 JSON (error, error_description) with STATUS."""

    def __init__(self, error, description, status=400, headers=()):
        super().__init__(error)
        self.error = error
        self.description = description
        self.status = status
        self.headers = list(headers)


class ControlError(Exception):
    def __init__(self, status, error, description):
        super().__init__(error)
        self.status = status
        self.error = error
        self.description = description


def positive_number(name, value, minimum=0, integer=True, maximum=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise ControlError(400, "invalid_request", "%s must be a%s number" % (name, "n integer" if integer else ""))
    if value < minimum or (maximum is not None and value > maximum):
        raise ControlError(400, "invalid_request", "%s must be in %s..%s" % (name, minimum, maximum or "any"))
    return value


def validate_options(changes, current):
    """The options after CHANGES (a dict from a control request or the command line)."""
    options = dict(current)
    for name, value in changes.items():
        if name in ("access_lifetime", "device_expires", "code_lifetime"):
            options[name] = positive_number(name, value, minimum=1)
        elif name == "device_interval":
            options[name] = positive_number(name, value, minimum=0)
        elif name == "fail_delay":
            options[name] = positive_number(name, value, minimum=0, integer=False, maximum=120)
        elif name == "fail_times":
            options[name] = None if value is None else positive_number(name, value, minimum=0)
        elif name in ("rotate", "authorize_deny", "reuse_detection"):
            if not isinstance(value, bool):
                raise ControlError(400, "invalid_request", "%s must be true or false" % name)
            options[name] = value
        elif name == "fail_mode":
            if value not in FAIL_MODES:
                raise ControlError(400, "invalid_request", "fail_mode must be one of %s" % ", ".join(FAIL_MODES))
            options[name] = value
        elif name == "fail_endpoints":
            if (not isinstance(value, list) or not value
                    or any(endpoint not in FAIL_ENDPOINTS for endpoint in value)):
                raise ControlError(400, "invalid_request",
                                   "fail_endpoints must be a non-empty list of %s" % ", ".join(FAIL_ENDPOINTS))
            options[name] = list(value)
        elif name in ("email", "default_scope"):
            if not isinstance(value, str) or not value.strip():
                raise ControlError(400, "invalid_request", "%s must be a non-empty string" % name)
            options[name] = value
        else:
            raise ControlError(400, "invalid_request", "unknown option %r" % name)
    return options


def subject_for(email):
    """A stable `sub` for an address (like a provider's numeric account id)."""
    return str(int(hashlib.sha256(email.lower().encode("utf-8")).hexdigest()[:15], 16))


def normalize_user_code(code):
    return "".join(c for c in code.upper() if c.isalnum())


def s256(verifier):
    """RFC 7636 §4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), no padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def loopback_redirect_uri(uri):
    """True for the redirect URIs a native app may use here: http on a loopback IP literal (or
    localhost, which RFC 8252 §8.3 advises against but allows), any port (§7.3), no fragment
    (RFC 6749 §3.1.2)."""
    try:
        parts = urllib.parse.urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1", "localhost") and not parts.fragment
            and "#" not in uri and port is not None and parts.username is None)


def add_query(uri, params):
    """URI with PARAMS added to its query, the query it had kept (RFC 6749 §3.1.2)."""
    parts = urllib.parse.urlsplit(uri)
    extra = urllib.parse.urlencode([(k, v) for k, v in params if v is not None])
    query = parts.query + ("&" if parts.query and extra else "") + extra
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def redact_query(query):
    if not query:
        return ""
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return "?" + "&".join("%s=%s" % (k, "<redacted>" if k in SECRET_PARAMETERS else v) for k, v in pairs)


class Idp:
    """The provider's state. Every method runs under self.lock (one request at a time changes it)."""

    def __init__(self, options, client_ids, client_secret):
        self.lock = threading.Lock()
        self.start_options = dict(options)
        self.client_ids = client_ids          # empty: any client_id is accepted (recorded per grant)
        self.client_secret = client_secret    # None: public clients, secrets are not checked
        self.base_url = ""
        self.reset()

    def reset(self):
        self.options = dict(self.start_options)
        self.access_tokens = {}    # token -> dict(email, scope, client_id, family, expires_at, exp, revoked)
        self.refresh_tokens = {}   # token -> dict(email, scope, client_id, family, active, reason)
        self.families = {}         # grant id -> dict(revoked): every token of one sign-in
        self.device_codes = {}     # device_code -> dict(user_code, client_id, scope, status, ...)
        self.user_codes = {}       # normalized user_code -> device_code
        self.auth_codes = {}       # code -> dict(client_id, redirect_uri, challenge, scope, email, ...)
        self.counters = {}
        self.errors = {}
        self.last_access_token = None
        self.last_refresh_token = None

    def count(self, name, by=1):
        self.counters[name] = self.counters.get(name, 0) + by

    # ---- failure injection ------------------------------------------------------------------

    def failure_for(self, endpoint):
        """The fail mode to answer ENDPOINT with now (consuming one of fail_times), or None."""
        mode = self.options["fail_mode"]
        if mode == "none" or endpoint not in self.options["fail_endpoints"]:
            return None
        if self.options["fail_times"] is not None:
            if self.options["fail_times"] <= 0:
                return None
            self.options["fail_times"] -= 1
        self.count("failures_injected")
        return mode, self.options["fail_delay"]

    # ---- tokens ------------------------------------------------------------------------------

    def new_family(self):
        family = secrets.token_hex(8)
        self.families[family] = {"revoked": False}
        return family

    def issue(self, email, scope, client_id, family, with_refresh, lifetime=None):
        """A token response (RFC 6749 §5.1) for EMAIL; a refresh token too when WITH_REFRESH."""
        lifetime = lifetime or self.options["access_lifetime"]
        access = "fa_" + secrets.token_urlsafe(32)
        self.access_tokens[access] = {"email": email, "scope": scope, "client_id": client_id, "family": family,
                                      "expires_at": time.monotonic() + lifetime,
                                      "exp": int(time.time()) + lifetime, "revoked": False}
        self.last_access_token = access
        self.count("issued_access_tokens")
        body = {"access_token": access, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
        if with_refresh:
            refresh = "fr_" + secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = {"email": email, "scope": scope, "client_id": client_id,
                                            "family": family, "active": True, "reason": None}
            self.last_refresh_token = refresh
            self.count("issued_refresh_tokens")
            body["refresh_token"] = refresh
        return body

    def live_access_token(self, token):
        """The record of TOKEN if it is known, unexpired and not revoked; else None."""
        record = self.access_tokens.get(token)
        if record is None or record["revoked"] or self.families[record["family"]]["revoked"]:
            return None
        if time.monotonic() >= record["expires_at"]:
            return None
        return record

    def revoke_family(self, family):
        self.families[family]["revoked"] = True
        for record in self.refresh_tokens.values():
            if record["family"] == family and record["active"]:
                record["active"] = False
                record["reason"] = "revoked"
        for record in self.access_tokens.values():
            if record["family"] == family:
                record["revoked"] = True

    # ---- client authentication (RFC 6749 §2.3) ----------------------------------------------

    def authenticate_client(self, headers, form):
        """The client_id of the request; raises invalid_request / invalid_client."""
        basic = None
        authorization = headers.get("Authorization") or ""
        if authorization[:6].lower() == "basic ":
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
                name, _, secret = decoded.partition(":")
                # §2.3.1: client_id and secret are form-urlencoded before the Basic encoding
                basic = (urllib.parse.unquote_plus(name), urllib.parse.unquote_plus(secret))
            except (ValueError, UnicodeDecodeError):
                raise OAuthError("invalid_client", "malformed Basic credentials", 401,
                                 [("WWW-Authenticate", 'Basic realm="fake_idp"')])
        if basic and "client_secret" in form:
            # §2.3: a client MUST NOT use more than one authentication method in each request
            raise OAuthError("invalid_request", "client credentials both in the header and in the body")
        challenge = [("WWW-Authenticate", 'Basic realm="fake_idp"')] if basic else []
        client_id = basic[0] if basic else form.get("client_id")
        if basic and form.get("client_id") not in (None, basic[0]):
            raise OAuthError("invalid_client", "client_id differs from the authenticated client", 401, challenge)
        if not client_id:
            raise OAuthError("invalid_request", "missing client_id")
        if self.client_ids and client_id not in self.client_ids:
            raise OAuthError("invalid_client", "unknown client", 401, challenge)
        if self.client_secret is not None:
            secret = basic[1] if basic else form.get("client_secret")
            if secret is None or not secrets.compare_digest(secret.encode(), self.client_secret.encode()):
                raise OAuthError("invalid_client", "client authentication failed", 401, challenge)
        return client_id

    # ---- endpoints ---------------------------------------------------------------------------

    def device_authorization(self, headers, form):
        """RFC 8628 §3.1 request, §3.2 response."""
        client_id = self.authenticate_client(headers, form)
        scope = form.get("scope") or self.options["default_scope"]
        device_code = "fd_" + secrets.token_urlsafe(32)
        while True:
            raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
            if raw not in self.user_codes:
                break
        user_code = raw[:4] + "-" + raw[4:]
        expires = self.options["device_expires"]
        interval = self.options["device_interval"]
        self.device_codes[device_code] = {
            "user_code": user_code, "client_id": client_id, "scope": scope, "status": "pending",
            "expires_at": time.monotonic() + expires, "interval": interval, "last_poll": None, "polls": 0,
            "email": None}
        self.user_codes[raw] = device_code
        verify = self.base_url + "/device/verify"
        return {"device_code": device_code, "user_code": user_code, "verification_uri": verify,
                "verification_uri_complete": verify + "?user_code=" + user_code,
                "expires_in": expires, "interval": interval}

    def authorize(self, query):
        """RFC 6749 §4.1.1/§4.1.2: (status, location or error body)."""
        def single(name):
            values = query.get(name, [])
            if len(values) > 1:
                raise OAuthError("invalid_request", "%s given more than once" % name)
            return values[0] if values and values[0] != "" else None
        # Errors in client_id or redirect_uri are shown to the user, never redirected (§4.1.2.1).
        client_id = single("client_id")
        redirect_uri = single("redirect_uri")
        if not client_id:
            raise OAuthError("invalid_request", "missing client_id")
        if self.client_ids and client_id not in self.client_ids:
            raise OAuthError("invalid_client", "unknown client", 401)
        if not redirect_uri or not loopback_redirect_uri(redirect_uri):
            raise OAuthError("invalid_request", "redirect_uri must be a loopback http URI with a port "
                                                "(RFC 8252 §7.3)")
        state = query.get("state", [None])[0]

        def redirect_error(error, description):
            self.errors[error] = self.errors.get(error, 0) + 1
            return add_query(redirect_uri, [("error", error), ("error_description", description), ("state", state)])
        try:
            response_type = single("response_type")
            challenge = single("code_challenge")
            method = single("code_challenge_method")
            scope = single("scope") or self.options["default_scope"]
        except OAuthError as error:
            return redirect_error(error.error, error.description)
        if response_type != "code":
            return redirect_error("unsupported_response_type", "only response_type=code is supported")
        if not challenge:
            # RFC 7636 §4.4.1: this server requires PKCE of every client
            return redirect_error("invalid_request", "code challenge required")
        if method != "S256":
            # RFC 7636 §4.4.1 and §4.2: "plain" (also the default when absent) is not supported
            return redirect_error("invalid_request", "transform algorithm not supported (S256 only)")
        if not PKCE_PATTERN.match(challenge):
            return redirect_error("invalid_request", "malformed code_challenge")
        if self.options["authorize_deny"]:
            return redirect_error("access_denied", "the user declined")
        code = "fc_" + secrets.token_urlsafe(32)
        self.auth_codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri, "challenge": challenge,
                                 "scope": scope, "email": self.options["email"], "used": False, "family": None,
                                 "expires_at": time.monotonic() + self.options["code_lifetime"]}
        self.count("codes_issued")
        return add_query(redirect_uri, [("code", code), ("state", state)])

    def token(self, headers, form):
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "missing grant_type")
        grants = {"authorization_code": self.grant_code, "refresh_token": self.grant_refresh,
                  DEVICE_GRANT: self.grant_device}
        handler = grants.get(grant_type)
        self.count("grant." + (grant_type if handler else "other"))
        if handler is None:
            raise OAuthError("unsupported_grant_type", "grant_type %s is not supported" % grant_type[:80])
        client_id = self.authenticate_client(headers, form)
        return handler(client_id, form)

    def grant_code(self, client_id, form):
        """RFC 6749 §4.1.3 with the PKCE check of RFC 7636 §4.6."""
        self.count("code_exchanges")
        for name in ("code", "redirect_uri", "code_verifier"):
            if not form.get(name):
                raise OAuthError("invalid_request", "missing %s" % name)
        if not PKCE_PATTERN.match(form["code_verifier"]):
            raise OAuthError("invalid_request", "malformed code_verifier (RFC 7636 §4.1)")
        record = self.auth_codes.get(form["code"])
        if record is None:
            raise OAuthError("invalid_grant", "unknown authorization code")
        if record["used"]:
            # §4.1.2: a code used twice is refused, and what it granted is revoked
            if record["family"]:
                self.revoke_family(record["family"])
            raise OAuthError("invalid_grant", "authorization code already used")
        if time.monotonic() >= record["expires_at"]:
            raise OAuthError("invalid_grant", "authorization code expired")
        if record["client_id"] != client_id:
            raise OAuthError("invalid_grant", "authorization code was issued to another client")
        record["used"] = True  # one attempt per code: a wrong redirect_uri or verifier spends it too
        if form["redirect_uri"] != record["redirect_uri"]:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        if not secrets.compare_digest(s256(form["code_verifier"]), record["challenge"]):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        record["family"] = self.new_family()
        return self.issue(record["email"], record["scope"], client_id, record["family"], with_refresh=True)

    def grant_device(self, client_id, form):
        """RFC 8628 §3.4 request; §3.5 answers."""
        self.count("device_polls")
        device_code = form.get("device_code")
        if not device_code:
            raise OAuthError("invalid_request", "missing device_code")
        record = self.device_codes.get(device_code)
        if record is None:
            raise OAuthError("invalid_grant", "unknown device_code")
        if record["client_id"] != client_id:
            raise OAuthError("invalid_grant", "device_code was issued to another client")
        now = time.monotonic()
        record["polls"] += 1
        if record["status"] == "used":
            raise OAuthError("invalid_grant", "device_code already used")
        if record["status"] == "denied":
            raise OAuthError("access_denied", "the user denied the authorization request")
        if now >= record["expires_at"]:
            record["status"] = "expired"
            raise OAuthError("expired_token", "the device_code has expired")
        if record["status"] == "approved":
            record["status"] = "used"
            family = self.new_family()
            return self.issue(record["email"], record["scope"], client_id, family, with_refresh=True)
        previous, record["last_poll"] = record["last_poll"], now
        if previous is not None and now - previous < record["interval"]:
            # §3.5: "the interval MUST be increased by 5 seconds for this and all subsequent requests"
            record["interval"] += 5
            raise OAuthError("slow_down", "polling faster than every %d s" % (record["interval"] - 5))
        raise OAuthError("authorization_pending", "the user has not finished signing in")

    def grant_refresh(self, client_id, form):
        """RFC 6749 §6, rotating the refresh token when the option says so."""
        self.count("refreshes")
        token = form.get("refresh_token")
        if not token:
            raise OAuthError("invalid_request", "missing refresh_token")
        record = self.refresh_tokens.get(token)
        if record is None:
            raise OAuthError("invalid_grant", "unknown refresh token")
        if record["client_id"] != client_id:
            raise OAuthError("invalid_grant", "refresh token was issued to another client")
        if not record["active"] or self.families[record["family"]]["revoked"]:
            if record["reason"] == "rotated" and self.options["reuse_detection"]:
                # a replayed, rotated-out token: end the whole sign-in (OAuth 2.0 Security BCP,
                # RFC 9700 §4.14.2)
                self.revoke_family(record["family"])
            raise OAuthError("invalid_grant", "refresh token %s" % (record["reason"] or "revoked"))
        scope = record["scope"]
        if form.get("scope"):
            asked = form["scope"].split()
            if not set(asked) <= set(scope.split()):
                raise OAuthError("invalid_scope", "scope exceeds what was granted")  # §6
            scope = " ".join(asked)
        rotate = self.options["rotate"]
        if rotate:
            record["active"] = False
            record["reason"] = "rotated"
        body = self.issue(record["email"], scope, client_id, record["family"], with_refresh=rotate)
        if rotate:
            # the new refresh token keeps the scope of the grant, not the narrowed one
            self.refresh_tokens[body["refresh_token"]]["scope"] = record["scope"]
        self.count("refreshes_ok")
        return body

    def revoke(self, headers, form):
        """RFC 7009 §2.1: revoking a refresh token revokes its grant's access tokens too."""
        self.authenticate_client(headers, form)
        token = form.get("token")
        if not token:
            raise OAuthError("invalid_request", "missing token")
        record = self.refresh_tokens.get(token)
        if record is not None:
            self.revoke_family(record["family"])
        elif token in self.access_tokens:
            self.access_tokens[token]["revoked"] = True
        # §2.2: 200 whether or not the token was valid
        return {}

    def userinfo(self, authorization):
        """RFC 6750 §2.1 and §3.1."""
        realm = 'Bearer realm="fake_idp"'
        if not authorization or authorization[:7].lower() != "bearer ":
            # §3.1: a request without credentials gets no error code
            raise OAuthError("invalid_request", "missing bearer token", 401, [("WWW-Authenticate", realm)])
        record = self.live_access_token(authorization[7:].strip())
        if record is None:
            raise OAuthError("invalid_token", "the access token expired or is not valid", 401,
                             [("WWW-Authenticate", realm + ', error="invalid_token", '
                               'error_description="The access token expired or is not valid"')])
        return {"sub": subject_for(record["email"]), "email": record["email"], "email_verified": True}

    def tokeninfo(self, query):
        tokens = query.get("access_token", [])
        if len(tokens) != 1 or not tokens[0]:
            raise OAuthError("invalid_request", "one access_token parameter required")
        record = self.live_access_token(tokens[0])
        if record is None:
            raise OAuthError("invalid_token", "Invalid Value")
        expires_in = max(0, int(record["expires_at"] - time.monotonic()))
        # Dovecot reads every top-level string, number and boolean; "expires_in" must be an
        # unsigned integer. No "active" field, like Google's: see dovecot_testbed.sh.
        return {"aud": record["client_id"], "azp": record["client_id"], "sub": subject_for(record["email"]),
                "scope": record["scope"], "exp": str(record["exp"]), "expires_in": expires_in,
                "email": record["email"], "email_verified": "true", "access_type": "offline"}

    # ---- control -----------------------------------------------------------------------------

    def device_by_user_code(self, body):
        user_code = body.get("user_code")
        if not isinstance(user_code, str):
            raise ControlError(400, "invalid_request", "user_code required")
        device_code = self.user_codes.get(normalize_user_code(user_code))
        if device_code is None:
            raise ControlError(404, "unknown_user_code", "no device authorization has that user_code")
        return self.device_codes[device_code]

    def control(self, action, body):
        if action == "approve" or action == "deny":
            record = self.device_by_user_code(body)
            email = body.get("email", self.options["email"])
            if not isinstance(email, str) or not email:
                raise ControlError(400, "invalid_request", "email must be a non-empty string")
            if record["status"] != "pending" or time.monotonic() >= record["expires_at"]:
                status = "expired" if record["status"] == "pending" else record["status"]
                raise ControlError(409, "not_pending", "the device authorization is %s" % status)
            record["status"] = "approved" if action == "approve" else "denied"
            record["email"] = email
            return {"user_code": record["user_code"], "status": record["status"]}
        if action == "expire":
            record = self.device_by_user_code(body)
            record["expires_at"] = time.monotonic()
            return {"user_code": record["user_code"], "status": "expired"}
        if action == "revoke_all":
            with_access = body.get("access_tokens", True)
            refresh = sum(1 for r in self.refresh_tokens.values() if r["active"])
            for record in self.refresh_tokens.values():
                if record["active"]:
                    record["active"] = False
                    record["reason"] = "revoked"
            access = 0
            if with_access:
                for token, record in self.access_tokens.items():
                    if self.live_access_token(token) is not None:
                        access += 1
                    record["revoked"] = True
            return {"revoked_refresh_tokens": refresh, "revoked_access_tokens": access}
        if action == "set":
            self.options = validate_options(body, self.options)
            return {"options": self.options}
        if action == "issue":
            unknown = set(body) - {"email", "scope", "client_id", "access_lifetime", "refresh"}
            if unknown:
                raise ControlError(400, "invalid_request", "unknown field(s) %s" % ", ".join(sorted(unknown)))
            lifetime = body.get("access_lifetime")
            if lifetime is not None:
                positive_number("access_lifetime", lifetime, minimum=1)
            family = self.new_family()
            return self.issue(body.get("email", self.options["email"]),
                              body.get("scope", self.options["default_scope"]),
                              body.get("client_id", "fake-client"), family,
                              with_refresh=body.get("refresh", True), lifetime=lifetime)
        if action == "reset":
            self.reset()
            return {"options": self.options}
        raise ControlError(404, "not_found", "no control action %r" % action)

    def state(self):
        live_refresh = sum(1 for r in self.refresh_tokens.values()
                           if r["active"] and not self.families[r["family"]]["revoked"])
        live_access = sum(1 for t in self.access_tokens if self.live_access_token(t) is not None)
        now = time.monotonic()
        devices = []
        for record in self.device_codes.values():
            status = record["status"]
            if status in ("pending", "approved") and now >= record["expires_at"]:
                status = "expired"
            devices.append({"user_code": record["user_code"], "status": status, "interval": record["interval"],
                            "polls": record["polls"], "expires_in": max(0, int(record["expires_at"] - now))})
        state = {name: self.counters.get(name, 0) for name in (
            "token_requests", "refreshes", "refreshes_ok", "device_polls", "code_exchanges", "codes_issued",
            "issued_access_tokens", "issued_refresh_tokens", "failures_injected")}
        state.update({
            "active_access_tokens": live_access, "active_refresh_tokens": live_refresh,
            "last_access_token": self.last_access_token, "last_refresh_token": self.last_refresh_token,
            "requests": {k[len("request."):]: v for k, v in self.counters.items() if k.startswith("request.")},
            "grants": {k[len("grant."):]: v for k, v in self.counters.items() if k.startswith("grant.")},
            "errors": dict(self.errors), "device_authorizations": devices, "options": self.options})
        return state


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: Dovecot's HTTP client reuses its connections
    server_version = "fake_idp/1"
    timeout = 60

    # BaseHTTPRequestHandler would log the raw request line, query string and all: never.
    def log_message(self, format, *args):
        pass

    def log_error(self, format, *args):  # its arguments may quote the request line: left out
        log("%s: request not handled (malformed, or the connection timed out)" % self.client_address[0])

    @property
    def idp(self):
        return self.server.idp

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        started = time.monotonic()
        parts = urllib.parse.urlsplit(self.path)
        path = parts.path
        self.outcome = ""
        self.status_sent = None
        try:
            body = self.read_body()
            self.route(method, path, parts.query, body)
        except OAuthError as error:
            self.send_oauth_error(error)
        except ControlError as error:
            self.send_json(error.status, {"error": error.error, "error_description": error.description})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as error:  # never a traceback with values in it: the type and place only
            frame = traceback.extract_tb(error.__traceback__)[-1]
            log("internal error %s at line %d" % (type(error).__name__, frame.lineno))
            try:
                self.send_json(500, {"error": "server_error", "error_description": "internal error"})
            except OSError:
                self.close_connection = True
        finally:
            log("%s %s %s%s -> %s%s (%.1f ms)" % (self.client_address[0], method, path, redact_query(parts.query),
                                                  self.status_sent, self.outcome,
                                                  (time.monotonic() - started) * 1000))

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                try:
                    size = int(self.rfile.readline(100).split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    self.close_connection = True
                    raise OAuthError("invalid_request", "malformed chunked body")
                if size == 0:
                    while self.rfile.readline(1000).strip():
                        pass  # trailers
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise OAuthError("invalid_request", "request body too large", 413)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(10)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            raise OAuthError("invalid_request", "malformed Content-Length")
        if length > MAX_BODY:
            self.close_connection = True
            raise OAuthError("invalid_request", "request body too large", 413)
        return self.rfile.read(length) if length > 0 else b""

    def form(self, body):
        """The application/x-www-form-urlencoded body (RFC 6749 §3.2, §4.1.3, RFC 8628 §3.1)."""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not body and not content_type:
            return {}  # nothing sent (say a client authenticating with Basic, RFC 6749 §2.3.1, and no scope)
        if content_type != "application/x-www-form-urlencoded":
            raise OAuthError("invalid_request", "the body must be application/x-www-form-urlencoded")
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise OAuthError("invalid_request", "the body is not valid form data")
        form = {}
        for name, value in pairs:
            if name in form:
                # RFC 6749 §3.1/§3.2: parameters MUST NOT be included more than once
                raise OAuthError("invalid_request", "parameter %s given more than once" % name[:40])
            if value != "":
                form[name] = value  # §3.1: a parameter without a value counts as omitted
            else:
                form.setdefault(name, None)
        return {k: v for k, v in form.items() if v is not None}

    def route(self, method, path, query, body):
        idp = self.idp
        endpoints = {"/device": ("POST", "device"), "/token": ("POST", "token"), "/revoke": ("POST", "revoke"),
                     "/authorize": ("GET", "authorize"), "/userinfo": ("GET", "userinfo"),
                     "/tokeninfo": ("GET", "tokeninfo"), "/device/verify": ("GET", "verify")}
        if path.startswith("/control/"):
            return self.control(method, path[len("/control/"):], body)
        if path not in endpoints:
            raise OAuthError("not_found", "no such endpoint", 404)
        allowed, name = endpoints[path]
        if method != allowed:
            raise OAuthError("invalid_request", "%s takes %s" % (path, allowed), 405, [("Allow", allowed)])
        with idp.lock:
            idp.count("request." + name)
            if name == "token":
                idp.count("token_requests")
            failure = idp.failure_for(name)
        if failure is not None and self.inject(failure):
            return
        if name == "authorize":
            with idp.lock:
                location = idp.authorize(urllib.parse.parse_qs(query, keep_blank_values=True))
            self.outcome = " redirect"
            self.send_raw(302, b"", "text/plain", [("Location", location), ("Cache-Control", "no-store")])
        elif name == "verify":
            page = ("<!doctype html><title>fake_idp</title><p>Device sign-in for the fake identity provider. "
                    "Tests approve codes through POST /control/approve.</p>")
            self.send_raw(200, page.encode(), "text/html; charset=utf-8", [])
        elif name == "userinfo":
            with idp.lock:
                answer = idp.userinfo(self.headers.get("Authorization"))
            self.send_json(200, answer, [("Cache-Control", "no-store")])
        elif name == "tokeninfo":
            with idp.lock:
                answer = idp.tokeninfo(urllib.parse.parse_qs(query, keep_blank_values=True))
            self.send_json(200, answer, [("Cache-Control", "no-store")])
        else:
            form = self.form(body)
            with idp.lock:
                if name == "device":
                    answer = idp.device_authorization(self.headers, form)
                elif name == "token":
                    grant = form.get("grant_type", "")
                    self.outcome = " " + ("device_code" if grant == DEVICE_GRANT else grant[:40])
                    answer = idp.token(self.headers, form)
                else:
                    answer = idp.revoke(self.headers, form)
            # RFC 6749 §5.1, RFC 8628 §3.2: token answers are not cached
            self.send_json(200, answer, [("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    def inject(self, failure):
        """Answers with FAILURE (mode, delay); False for "delay", whose normal answer follows."""
        mode, delay = failure
        self.outcome = " injected " + mode
        if mode == "delay":
            time.sleep(delay)
            return False
        if mode == "html":
            page = b"<!doctype html><html><head><title>Sign in</title></head><body>Please sign in.</body></html>"
            self.send_raw(200, page, "text/html; charset=utf-8", [])
        elif mode == "garbage":
            self.send_raw(200, b"\x00\xffnot json {{{\r\n", "application/json", [])
        elif mode == "down":
            page = b"<html><body><h1>503 Service Unavailable</h1></body></html>"
            self.send_raw(503, page, "text/html", [("Retry-After", "1")])
        return True

    def control(self, method, action, body):
        idp = self.idp
        if action == "state":
            if method != "GET":
                raise ControlError(405, "invalid_request", "GET /control/state")
            with idp.lock:
                answer = idp.state()
            return self.send_json(200, answer)
        if method != "POST":
            raise ControlError(405, "invalid_request", "control actions take POST")
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            raise ControlError(400, "invalid_request", "the body must be a JSON object")
        if not isinstance(data, dict):
            raise ControlError(400, "invalid_request", "the body must be a JSON object")
        with idp.lock:
            answer = idp.control(action, data)
        self.outcome = " control " + action
        self.send_json(200, answer)

    def send_oauth_error(self, error):
        with self.idp.lock:
            self.idp.errors[error.error] = self.idp.errors.get(error.error, 0) + 1
        self.outcome += " " + error.error
        body = {"error": error.error, "error_description": error.description}
        self.send_json(error.status, body, error.headers + [("Cache-Control", "no-store"), ("Pragma", "no-cache")])

    def send_json(self, status, body, headers=()):
        self.send_raw(status, json.dumps(body).encode("utf-8"), "application/json", headers)

    def send_raw(self, status, payload, content_type, headers):
        self.status_sent = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, idp):
        super().__init__(("127.0.0.1", port), Handler)
        self.idp = idp
        idp.base_url = "http://127.0.0.1:%d" % self.server_address[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port, printed when ready")
    parser.add_argument("--email", default="rep@acme-sales.com", help="the signed-in user")
    parser.add_argument("--access-lifetime", type=int, default=3600, help="seconds an access token lives")
    parser.add_argument("--rotate", action="store_true", help="a new refresh token on every refresh")
    parser.add_argument("--reuse-detection", action="store_true",
                        help="with --rotate: replaying a rotated-out refresh token revokes the whole grant")
    parser.add_argument("--device-interval", type=int, default=5, help="device flow polling interval (s)")
    parser.add_argument("--device-expires", type=int, default=600, help="device code lifetime (s)")
    parser.add_argument("--code-lifetime", type=int, default=60, help="authorization code lifetime (s)")
    parser.add_argument("--default-scope", default="mail", help="scope granted when a client names none")
    parser.add_argument("--client-id", action="append", default=[],
                        help="accept only this client (repeatable); default: any client_id")
    parser.add_argument("--client-secret", default=None,
                        help="require this secret of clients (Basic or body); default: public clients")
    parser.add_argument("--fail-mode", choices=FAIL_MODES, default="none")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0..65535")
    try:
        options = validate_options({
            "access_lifetime": args.access_lifetime, "rotate": args.rotate, "reuse_detection": args.reuse_detection,
            "device_interval": args.device_interval, "device_expires": args.device_expires,
            "code_lifetime": args.code_lifetime, "email": args.email, "default_scope": args.default_scope,
            "fail_mode": args.fail_mode, "fail_endpoints": ["token"], "fail_times": None, "fail_delay": 5.0,
            "authorize_deny": False}, {})
    except ControlError as error:
        parser.error(error.description)
    idp = Idp(options, set(args.client_id), args.client_secret)
    server = Server(args.port, idp)

    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("fake_idp listening on 127.0.0.1:%d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
