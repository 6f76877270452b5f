"""The HTTP API of `prospectd run` against a mailbox synced from a real Dovecot: every
endpoint and filter, the Host check, the token every API request needs (sessions: test_http_auth.py),
security headers, and that a manual move through the API is recorded as the user's. The CLI and the
API must return the same documents."""
import calendar
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Daemon, Dovecot, Prospectd, imap_account

CONTACT_FIELDS = {"email", "name", "company", "stage", "thread_count", "inbound_count", "outbound_count",
                  "first_seen", "last_inbound", "last_outbound", "needs_reply"}
THREAD_FIELDS = {"id", "subject", "message_count", "message_ids", "participants", "first_message_at",
                 "last_message_at", "needs_reply"}
STAGES = ["lead", "prospect", "opportunity", "customer", "disqualified"]
CSP = ("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")


class HttpApiTest(unittest.TestCase):
    """One synced mailbox and one running daemon for the whole class (tests that write use
    contacts no other test looks at)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-http-")
        os.chmod(cls.tmp, 0o755)
        mail_dir = os.path.join(cls.tmp, "mail")
        cls.truth = harness.generate_mailbox(mail_dir, 900, 51)
        cls.dovecot = Dovecot(mail_dir).start()
        cls.http_port = harness.free_port()
        cls.app = Prospectd(os.path.join(cls.tmp, "app"), [imap_account(cls.dovecot)],
                            extra=harness.http_section(cls.http_port))
        cls.daemon = Daemon(cls.app, cls.http_port).start()
        cls.status = cls.daemon.wait_until_synced()

    @classmethod
    def tearDownClass(cls):
        try:
            code = cls.daemon.stop()
            if code != 0:
                raise AssertionError("prospectd run exited with %s on SIGTERM:\n%s" % (code, cls.daemon.log()))
        finally:
            cls.dovecot.stop()
            if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
                shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers ----------------------------------------------------------------------------
    def cli_json(self, *args):
        return json.loads(self.app.run(*args, "--json").stdout)

    def all_pages(self, path):
        """Follows Link rel="next" from PATH to the end; checks X-Total-Count on every page and
        that the pages add up to it, once each. Returns the items and the number of pages."""
        items, pages, total = [], 0, None
        while path:
            response = self.daemon.request("GET", path)
            self.assertEqual(response.status, 200, path)
            pages += 1
            page_total = int(response.header("X-Total-Count"))
            self.assertIn(total, (None, page_total), "X-Total-Count changed between pages")
            total = page_total
            items += response.json()
            link = response.header("Link")
            path = re.match(r'<([^>]+)>; rel="next"$', link).group(1) if link else None
            self.assertLess(pages, 10000)
        self.assertEqual(len(items), total)
        return items, pages

    def all_contacts_via_api(self, query=""):
        return self.all_pages("/api/contacts?limit=1000" + query)[0]

    def truth_contacts(self, stage=None):
        return {email for email, c in self.truth["contacts"].items() if stage is None or c["stage"] == stage}

    def a_prospect(self, index=0):
        prospects = sorted(self.truth_contacts("prospect"))
        self.assertGreater(len(prospects), index)
        return prospects[index]

    # ---- read endpoints ---------------------------------------------------------------------
    def test_healthz_answers_ok(self):
        response = self.daemon.request("GET", "/healthz")
        self.assertEqual(response.status, 200)
        self.assertEqual(response.text.strip(), "ok")

    def test_status_shows_the_synced_account_with_folder_counts_and_stages(self):
        status = self.daemon.get_json("/api/status")
        (account,) = status["accounts"]
        self.assertEqual(account["name"], "work")
        self.assertEqual(account["type"], "imap")
        self.assertEqual(account["state"], "ok")
        self.assertIsNone(account["last_error"])
        self.assertIsNone(account["progress"])
        self.assertRegex(account["last_success_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual({f["name"] for f in account["folders"]}, {"INBOX", "Sent"})
        for folder in account["folders"]:
            self.assertEqual(folder["server_count"], folder["stored_count"], folder)
        self.assertEqual(sorted(status["stages"]), sorted(STAGES))
        self.assertEqual(status["contacts"], len(self.truth["contacts"]))
        moved = self.moved_by_hand()  # by other tests of this class, from prospect
        self.assertEqual(status["stages"]["prospect"], len(self.truth_contacts("prospect") - moved))
        self.assertEqual(status["stages"]["lead"], len(self.truth_contacts("lead")))
        self.assertEqual(status["messages"], self.truth["totals"]["unique_messages"])
        self.assertEqual(status["threads"], self.truth["totals"]["threads"])

    def test_status_agrees_with_the_cli(self):
        api = self.daemon.get_json("/api/status")
        cli = self.cli_json("status")
        for key in ("version", "stages", "contacts", "threads", "messages"):
            self.assertEqual(api[key], cli[key], key)
        for api_account, cli_account in zip(api["accounts"], cli["accounts"]):
            for key in ("name", "type", "messages", "last_success_at", "folders"):
                self.assertEqual(api_account[key], cli_account[key], key)

    def test_contacts_default_to_100_and_carry_the_design_fields(self):
        contacts = self.daemon.get_json("/api/contacts")
        self.assertEqual(len(contacts), min(100, len(self.truth["contacts"])))
        for contact in contacts:
            self.assertEqual(set(contact), CONTACT_FIELDS)

    def test_all_contacts_through_paging_equal_the_cli_list(self):
        api = self.all_contacts_via_api()
        cli = self.cli_json("contacts")
        self.assertEqual(sorted(api, key=lambda c: c["email"]), sorted(cli, key=lambda c: c["email"]))
        self.assertEqual({c["email"] for c in api}, self.truth_contacts())

    def test_stage_filter_returns_exactly_that_stage(self):
        for stage in ("prospect", "lead"):
            contacts = self.all_contacts_via_api("&stage=" + stage)
            self.assertTrue(all(c["stage"] == stage for c in contacts))
        prospects = {c["email"] for c in self.all_contacts_via_api("&stage=prospect")}
        cli = {c["email"] for c in self.cli_json("contacts", "--stage", "prospect")}
        self.assertEqual(prospects, cli)
        # The truth's prospects, less any an earlier test in this class moved by hand.
        self.assertEqual(prospects, self.truth_contacts("prospect") - self.moved_by_hand())

    def moved_by_hand(self):
        return {email for (email,) in self.app.query("SELECT email FROM contacts WHERE manual = 1")}

    def test_limit_and_offset_page_through_the_same_order(self):
        first = self.daemon.get_json("/api/contacts?limit=10")
        second = self.daemon.get_json("/api/contacts?limit=10&offset=10")
        both = self.daemon.get_json("/api/contacts?limit=20")
        self.assertEqual([c["email"] for c in first + second], [c["email"] for c in both])
        self.assertLessEqual(len(self.daemon.get_json("/api/contacts?limit=5000")), 1000)

    def test_bad_parameters_answer_400_with_a_json_error(self):
        for query in ("stage=bogus", "limit=0", "limit=-3", "limit=ten", "offset=-1"):
            response = self.daemon.request("GET", "/api/contacts?" + query)
            self.assertEqual(response.status, 400, query)
            self.assertIn("error", response.json(), query)
            self.assertTrue(response.header("Content-Type").startswith("application/json"))

    def test_search_matches_name_email_or_company_case_insensitively(self):
        with_company = sorted((e, c) for e, c in self.truth["contacts"].items() if c.get("company_domain"))
        email, contact = with_company[0]
        company = contact["company_domain"]
        needle = company.split(".")[0][1:6].upper()
        results = self.all_contacts_via_api("&q=" + needle)
        self.assertIn(email, {c["email"] for c in results})
        for c in results:
            haystack = " ".join([c["email"], c["name"] or "", c["company"] or ""]).lower()
            self.assertIn(needle.lower(), haystack)
        named = sorted((e, c) for e, c in self.truth["contacts"].items() if c.get("name"))
        email, contact = named[0]
        results = self.daemon.get_json("/api/contacts?limit=1000&q=" + urllib.parse.quote(contact["name"].split()[0]))
        self.assertIn(email, {c["email"] for c in results})
        self.assertEqual(self.daemon.get_json("/api/contacts?q=zzzz-no-such-contact-zzzz"), [])

    def test_search_text_is_not_a_pattern(self):
        # % and _ are LIKE wildcards: they must match themselves only.
        self.assertEqual(self.daemon.get_json("/api/contacts?q=%25"), [])
        self.assertEqual(self.daemon.get_json("/api/contacts?q=_%25_"), [])

    def test_contact_detail_equals_the_cli_and_accepts_any_spelling(self):
        email = self.a_prospect(1)
        local, domain = email.split("@")
        spelled = "%s+web@%s" % (local.upper(), domain.upper())
        detail = self.daemon.get_json("/api/contacts/" + spelled.replace("+", "%2B"))
        self.assertEqual(detail["email"], email)
        self.assertEqual(detail, self.cli_json("contact", email))
        self.assertTrue(CONTACT_FIELDS <= set(detail))
        self.assertEqual(detail["stage"], "prospect")
        thread_ids = {t["id"] for t in detail["threads"]}
        promotion = [e for e in detail["history"] if e["to"] == "prospect"]
        self.assertEqual(len(promotion), 1)
        self.assertEqual(promotion[0]["actor"], "rule")
        self.assertIn(promotion[0]["thread"], thread_ids)
        for thread in detail["threads"]:
            self.assertEqual(set(thread), {"id", "subject", "message_count", "last_message_at", "needs_reply"})

    def test_unknown_contact_is_404_with_a_json_error(self):
        response = self.daemon.request("GET", "/api/contacts/nobody-at-all@example.org")
        self.assertEqual(response.status, 404)
        self.assertIn("nobody-at-all@example.org", response.json()["error"])
        self.assertEqual(self.daemon.request("GET", "/api/contacts/not-an-address").status, 400)

    def test_threads_of_a_contact_equal_the_cli(self):
        email = self.a_prospect(2)
        threads = self.daemon.get_json("/api/threads?contact=" + email)
        self.assertEqual(threads, self.cli_json("threads", "--contact", email))
        self.assertTrue(threads)
        for thread in threads:
            self.assertEqual(set(thread), THREAD_FIELDS)
            self.assertIn(email, thread["participants"])

    def test_lists_page_explicitly_and_completely(self):
        # Never a silently shortened list: 100 by default, the total, and a next link to follow.
        first = self.daemon.request("GET", "/api/threads")
        self.assertEqual(len(first.json()), 100)
        self.assertEqual(int(first.header("X-Total-Count")), self.truth["totals"]["threads"])
        self.assertRegex(first.header("Link"), r'^</api/threads\?after=[^>]+>; rel="next"$')
        threads, pages = self.all_pages("/api/threads?limit=37")
        self.assertEqual(pages, -(-self.truth["totals"]["threads"] // 37))
        self.assertEqual(threads, self.cli_json("threads"))  # the CLI gives the same complete answer
        self.assertEqual(len({t["id"] for t in threads}), len(threads))
        contacts, _ = self.all_pages("/api/contacts?limit=23")
        self.assertEqual(contacts, self.cli_json("contacts"))
        prospects, _ = self.all_pages("/api/contacts?stage=prospect&limit=9")
        self.assertEqual(prospects, self.cli_json("contacts", "--stage", "prospect"))
        last = self.daemon.request("GET", "/api/contacts?limit=1000")
        self.assertIsNone(last.header("Link"))  # everything fits: no next page
        for bad in ("after=nonsense", "after=12", "after=x~a@b.com"):
            self.assertEqual(self.daemon.request("GET", "/api/contacts?" + bad).status, 400, bad)
            self.assertEqual(self.daemon.request("GET", "/api/threads?" + bad).status, 400, bad)
        self.assertEqual(self.daemon.get_json("/api/threads?contact=nobody@example.org"), [])

    def test_dashboard_lists_are_bounded_and_ordered(self):
        dashboard = self.daemon.get_json("/api/dashboard")
        owed = dashboard["needs_reply"]
        self.assertLessEqual(len(owed["threads"]), 25)
        waiting = [t["waiting_since"] for t in owed["threads"]]
        self.assertEqual(waiting, sorted(waiting), "threads needing a reply are not oldest first")
        needing = [t for t in self.all_pages("/api/threads?limit=1000")[0] if t["needs_reply"]]
        self.assertEqual(owed["total"], len(needing))
        for thread in owed["threads"]:
            self.assertIn(thread["contact"]["email"], self.truth["contacts"])
        for contact in dashboard["gone_quiet"]["contacts"]:
            self.assertEqual(contact["stage"], "prospect")
        latest = dashboard["promoted"]["latest"]
        self.assertTrue(latest, "the mailbox has prospects, so there are promotions")
        self.assertEqual([p["at"] for p in latest], sorted((p["at"] for p in latest), reverse=True))
        for promotion in latest:
            self.assertIsNotNone(promotion["thread"])
            self.assertTrue(promotion["thread_subject"])

    def test_metrics_are_prometheus_text_with_the_required_families(self):
        self.daemon.request("GET", "/api/status")
        response = self.daemon.request("GET", "/metrics")
        self.assertEqual(response.status, 200)
        self.assertTrue(response.header("Content-Type").startswith("text/plain"))
        text = response.text
        for family, kind in [("prospectd_sync_runs_total", "counter"), ("prospectd_sync_failures_total", "counter"),
                             ("prospectd_sync_duration_seconds", "summary"),
                             ("prospectd_messages_fetched_total", "counter"),
                             ("prospectd_sync_errors_total", "counter"), ("prospectd_contacts", "gauge"),
                             ("prospectd_http_requests_total", "counter")]:
            self.assertIn("# TYPE %s %s\n" % (family, kind), text)
            self.assertIn("# HELP %s " % family, text)
        samples = dict(re.findall(r"^(\S+) (\S+)$", text, re.M))
        self.assertGreaterEqual(float(samples['prospectd_sync_runs_total{account="work"}']), 1)
        self.assertGreater(float(samples['prospectd_sync_duration_seconds_sum{account="work"}']), 0)
        self.assertGreaterEqual(float(samples['prospectd_messages_fetched_total{account="work"}']),
                                self.truth["totals"]["messages"])
        status = self.daemon.get_json("/api/status")
        for stage in STAGES:
            self.assertEqual(float(samples['prospectd_contacts{stage="%s"}' % stage]), status["stages"][stage])
        # The last success as a number is the same instant the API gives as text.
        last_success = next(a for a in status["accounts"] if a["name"] == "work")["last_success_at"]
        self.assertEqual(int(samples['prospectd_last_sync_success_timestamp_seconds{account="work"}']),
                         calendar.timegm(time.strptime(last_success, "%Y-%m-%dT%H:%M:%SZ")))
        self.assertGreaterEqual(float(samples['prospectd_http_requests_total{route="/api/status",code="200"}']), 1)
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, r'^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$')

    def test_unknown_paths_are_404(self):
        for path in ("/nope", "/api", "/api/contact", "/index.html", "/app.js/..", "/api/status/x"):
            self.assertEqual(self.daemon.request("GET", path).status, 404, path)
        self.assertIn(self.daemon.request("GET", "/../../etc/passwd").status, (400, 404))

    # ---- security ---------------------------------------------------------------------------
    def test_requests_for_other_hosts_are_refused(self):
        port = self.http_port
        for host in ("evil.example", "evil.example:%d" % port, "127.0.0.1.nip.io:%d" % port, "localhost:1",
                     "0.0.0.0:%d" % port):
            response = self.daemon.request("GET", "/api/status", headers={"Host": host})
            self.assertIn(response.status, (403, 421), host)
            self.assertNotIn(b'"accounts"', response.body)
        for host in ("127.0.0.1:%d" % port, "localhost:%d" % port, "LOCALHOST:%d" % port, "[::1]:%d" % port,
                     "127.0.0.1"):
            self.assertEqual(self.daemon.request("GET", "/api/status", headers={"Host": host}).status, 200, host)

    def test_every_answer_carries_the_security_headers_and_no_cors(self):
        for method, path in [("GET", "/"), ("GET", "/app.js"), ("GET", "/api/status"), ("GET", "/nope"),
                             ("OPTIONS", "/api/status"), ("POST", "/api/sync")]:
            response = self.daemon.request(method, path, headers={"Origin": "http://evil.example"})
            csp = response.header("Content-Security-Policy") or ""
            for directive in CSP:
                self.assertIn(directive, csp, (method, path))
            self.assertEqual(response.header("X-Content-Type-Options"), "nosniff")
            self.assertEqual(response.header("Referrer-Policy"), "no-referrer")
            self.assertFalse([k for k, _ in response.headers if k.lower().startswith("access-control-")],
                             (method, path))

    def test_the_page_and_its_assets_are_served_from_the_binary_without_external_references(self):
        page = self.daemon.request("GET", "/")
        self.assertEqual(page.status, 200)
        self.assertTrue(page.header("Content-Type").startswith("text/html"))
        for asset, kind in (("/app.js", "text/javascript"), ("/app.css", "text/css")):
            response = self.daemon.request("GET", asset)
            self.assertEqual(response.status, 200)
            self.assertTrue(response.header("Content-Type").startswith(kind))
            again = self.daemon.request("GET", asset, headers={"If-None-Match": response.header("ETag")})
            self.assertEqual(again.status, 304)
            self.assertNotRegex(response.text, r"https?://", asset)
        self.assertNotRegex(page.text, r"(src|href)=\"https?://")

    def test_the_token_file_is_private_and_never_echoed(self):
        path = os.path.join(self.app.data_dir, "http-token")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(mode, 0o600)
        token = self.daemon.token
        self.assertGreaterEqual(len(token), 32)
        for method, path_ in [("GET", "/api/status"), ("GET", "/metrics"), ("GET", "/"), ("POST", "/api/sync")]:
            response = self.daemon.request(method, path_, headers={"Authorization": "Bearer wrong"})
            self.assertNotIn(token.encode(), response.body)
        self.assertNotIn(token, self.daemon.log())

    def test_reads_without_the_right_token_are_401(self):
        token = self.daemon.token
        for path in ("/api/status", "/api/contacts", "/api/contacts/" + self.a_prospect(2), "/api/threads",
                     "/api/dashboard", "/metrics"):
            for headers in ({}, {"Authorization": "Bearer " + token[:-1]}, {"Authorization": "Basic " + token}):
                response = self.daemon.request("GET", path, headers=headers, auth=False)
                self.assertEqual(response.status, 401, (path, headers))
                self.assertEqual(response.header("WWW-Authenticate"), 'Bearer realm="prospectd"')
                self.assertIn("prospectd open", response.json()["error"])
            self.assertEqual(self.daemon.request("GET", path).status, 200, path)

    def test_writes_without_the_right_token_are_401(self):
        email = self.a_prospect(3)
        path = "/api/contacts/%s/stage" % email
        body = {"stage": "customer"}
        token = self.daemon.token
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer " + token[:-1]},
                        {"Authorization": "Bearer " + token + "x"}, {"Authorization": "Basic " + token},
                        {"Authorization": token}):
            response = self.daemon.request("POST", path, body=body, headers=headers, auth=False)
            self.assertEqual(response.status, 401, headers)
            self.assertIn("error", response.json())
        self.assertEqual(self.daemon.post("/api/sync").status, 401)
        self.assertEqual(self.daemon.get_json("/api/contacts/" + email)["stage"], "prospect")

    def test_a_manual_move_through_the_api_is_recorded_as_the_user(self):
        email = self.a_prospect(4)
        before = self.daemon.get_json("/api/status")["stages"]
        response = self.daemon.post("/api/contacts/%s/stage" % email.upper(),
                                    {"stage": "Opportunity", "note": "demo booked <b>Tuesday</b>"},
                                    token=self.daemon.token)
        self.assertEqual(response.status, 200, response.body)
        detail = response.json()
        self.assertEqual(detail["email"], email)
        self.assertEqual(detail["stage"], "opportunity")
        last = detail["history"][-1]
        self.assertEqual((last["from"], last["to"], last["actor"]), ("prospect", "opportunity", "user"))
        self.assertEqual(last["note"], "demo booked <b>Tuesday</b>")
        self.assertEqual(self.daemon.get_json("/api/contacts/" + email), detail)
        self.assertEqual(self.cli_json("contact", email)["history"][-1]["actor"], "user")
        after = self.daemon.get_json("/api/status")["stages"]
        self.assertEqual(after["opportunity"], before["opportunity"] + 1)
        self.assertEqual(after["prospect"], before["prospect"] - 1)
        (actor,) = self.app.query("SELECT e.actor FROM stage_events e JOIN contacts c ON c.id = e.contact_id"
                                  " WHERE c.email = ? ORDER BY e.id DESC LIMIT 1", (email,))[0]
        self.assertEqual(actor, "user")

    def test_bad_writes_are_400_and_unknown_contacts_404(self):
        token = self.daemon.token
        email = self.a_prospect(5)
        path = "/api/contacts/%s/stage" % email
        for body in (b"not json", b"[]", b"{}", json.dumps({"stage": "winner"}).encode(),
                     json.dumps({"stage": 3}).encode(), json.dumps({"stage": "lead", "note": 7}).encode()):
            response = self.daemon.request("POST", path, body=body, headers={"Authorization": "Bearer " + token})
            self.assertEqual(response.status, 400, body)
            self.assertIn("error", response.json())
        response = self.daemon.post("/api/contacts/nobody-at-all@example.org/stage", {"stage": "lead"}, token=token)
        self.assertEqual(response.status, 404)
        self.assertEqual(self.daemon.get_json("/api/contacts/" + email)["stage"], "prospect")
        big = b'{"stage": "lead", "note": "' + b"x" * (100 * 1024) + b'"}'
        response = self.daemon.request("POST", path, body=big, headers={"Authorization": "Bearer " + token})
        self.assertEqual(response.status, 413)

    def test_sync_requests(self):
        token = self.daemon.token
        self.assertEqual(self.daemon.post("/api/sync", token=token).status, 202)
        self.assertEqual(self.daemon.post("/api/sync", {"account": "work"}, token=token).status, 202)
        response = self.daemon.post("/api/sync", {"account": "nope"}, token=token)
        self.assertEqual(response.status, 404)
        self.assertIn("nope", response.json()["error"])
        self.daemon.wait_until_synced()


class HttpWhileSyncingTest(harness.TempDirTestCase):
    """A large initial sync: /api/status shows live progress, and the API keeps answering fast
    (the sync never blocks the page; readers never block the sync)."""

    def test_progress_is_shown_and_requests_stay_fast_during_a_sync(self):
        mail_dir = os.path.join(self.tmp, "mail")
        truth = harness.generate_mailbox(mail_dir, 12000, 52)  # a sync of several seconds
        dovecot = Dovecot(mail_dir).start()
        self.addCleanup(dovecot.stop)
        port = harness.free_port()
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=500)],
                        extra=harness.http_section(port))
        daemon = Daemon(app, port).start()
        self.addCleanup(daemon.stop)
        progress, latencies, stop = [], [], threading.Event()

        def hammer():  # another client reading contacts the whole time
            while not stop.is_set():
                started = time.monotonic()
                response = daemon.request("GET", "/api/contacts?stage=prospect&limit=50")
                latencies.append(time.monotonic() - started)
                if response.status not in (200, 503):
                    raise AssertionError(response.body)
        reader = threading.Thread(target=hammer, daemon=True)
        reader.start()
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            started = time.monotonic()
            (account,) = daemon.get_json("/api/status")["accounts"]
            latencies.append(time.monotonic() - started)
            if account["state"] == "syncing" and account["progress"]:
                progress.append(account["progress"])
            if account["state"] == "ok":
                break
            time.sleep(0.05)
        stop.set()
        reader.join(timeout=30)
        self.assertEqual(account["state"], "ok", account)
        self.assertTrue(progress, "no progress was ever shown during a %d-message sync" % truth["totals"]["messages"])
        for p in progress:
            self.assertLessEqual(p["done"], p["total"])
            self.assertIn("eta_seconds", p)
        dones = [(p["folder"], p["done"]) for p in progress]
        self.assertGreater(len(set(dones)), 1, "progress never moved: %s" % dones[:5])
        latencies.sort()
        self.assertLess(latencies[int(len(latencies) * 0.99)], 1.0,
                        "p99 %.3f s over %d requests" % (latencies[int(len(latencies) * 0.99)], len(latencies)))
        self.assertEqual(daemon.stop(), 0)


class PeopleApiTest(unittest.TestCase):
    """GET /api/why/{email}, the blocklist (GET, POST /api/blocks, DELETE /api/blocks/{entry}) and
    POST /api/contacts/{email}/forget against a running daemon, with the same answers as the CLI."""

    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.truth, cls.dovecot = harness.start_class_mailbox(cls, "prospectd-people-", 400, 52)
        cls.http_port = harness.free_port()
        cls.app = Prospectd(os.path.join(cls.tmp, "app"), [imap_account(cls.dovecot)],
                            extra=harness.http_section(cls.http_port))
        cls.daemon = Daemon(cls.app, cls.http_port).start()
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.wait_until_synced()

    def write(self, method, path, body=None):
        return self.daemon.request(method, path, body=json.dumps(body).encode() if body is not None else b"",
                                   headers={"Content-Type": "application/json",
                                            "Authorization": "Bearer " + self.daemon.token})

    def emails(self):
        return {c["email"] for c in self.daemon.get_json("/api/contacts?limit=1000")}

    def test_why_answers_as_the_cli_does(self):
        contact = sorted(self.truth["contacts"])[3]
        for email in (contact, "rep@acme-sales.com", "nobody@nowhere.example"):
            api = self.daemon.get_json("/api/why/" + urllib.parse.quote(email))
            self.assertEqual(api, json.loads(self.app.run("why", email, "--json").stdout))
        self.assertEqual(self.daemon.request("GET", "/api/why/not-an-address").status, 400)
        self.assertEqual(self.daemon.request("GET", "/api/why/" + contact, auth=False).status, 401)

    def test_block_and_unblock_an_address_through_the_api(self):
        target = sorted(self.truth["contacts"])[5]
        answer = self.write("POST", "/api/blocks", {"entry": target.upper()})
        self.assertEqual(answer.status, 201, answer.body)
        self.assertEqual(answer.json(), {"entry": target, "hidden": 1})
        self.assertNotIn(target, self.emails())
        self.assertEqual(self.daemon.request("GET", "/api/contacts/" + target).status, 404)
        self.assertIn(target, self.daemon.get_json("/api/blocks"))
        self.assertEqual(self.daemon.get_json("/api/why/" + target)["reasons"][0]["code"], "blocked")
        for bad in ({"entry": "not valid"}, {"entry": 7}, {}):
            self.assertEqual(self.write("POST", "/api/blocks", bad).status, 400, bad)
        self.assertEqual(self.write("DELETE", "/api/blocks/" + target).json(), {"entry": target, "shown": 1})
        self.assertIn(target, self.emails())
        self.assertEqual(self.write("DELETE", "/api/blocks/" + target).status, 404)

    def test_forget_through_the_api(self):
        target = sorted(self.truth["contacts"])[7]
        self.assertEqual(self.write("POST", "/api/contacts/%s/forget" % target).json(), {"forgotten": target})
        self.assertNotIn(target, self.emails())
        self.assertEqual(self.daemon.get_json("/api/why/" + target)["reasons"][0]["code"], "forgotten")
        self.assertEqual(self.write("POST", "/api/contacts/%s/forget" % target).status, 404)
        self.assertEqual(self.write("POST", "/api/contacts/nobody@nowhere.example/forget").status, 404)
        self.assertNotIn(target, self.daemon.log())  # the address is not logged


if __name__ == "__main__":
    unittest.main()
