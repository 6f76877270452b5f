"""The Gmail connector end to end against tests/fake_gmail: a generated mailbox served
as the Gmail API, synced, and the contacts and stages compared with the generator's ground truth;
new mail through history; expired history; token expiry; injected quota and server faults;
revoked sign-in; `prospectd auth` with the loopback redirect and PKCE."""
import json
import os
import re
import stat
import subprocess
import urllib.parse
import urllib.request

import harness
from gmail_harness import FakeGmail, gmail_account, write_token_file
from harness import Prospectd, TempDirTestCase
from test_lifecycle import contacts_by_email, differences


def fetched_count(sync_output):
    match = re.search(r"\((\d+) fetched", sync_output)
    assert match, "no summary line in: %r" % sync_output
    return int(match.group(1))


def least_units(mail_dir_truth_threads):
    """Per thread the cheaper of one threads.get (10) and one messages.get per message (5 each)."""
    return sum(min(10, 5 * size) for size in mail_dir_truth_threads)


class GmailSyncTest(TempDirTestCase):
    def start(self, messages, gen_seed, account=None, identity=None, **options):
        mail_dir = os.path.join(self.tmp, "mail")
        truth = harness.generate_mailbox(mail_dir, messages, gen_seed)
        fake = FakeGmail(mail_dir, **options).start()
        self.addCleanup(fake.stop)
        token_file = os.path.join(self.tmp, "gmail-token.json")
        write_token_file(token_file)
        app = Prospectd(os.path.join(self.tmp, "app"), [gmail_account(fake, token_file, **(account or {}))],
                        identity=identity)
        return truth, fake, app

    maxDiff = None

    def assert_matches_truth(self, app, truth):
        self.assertEqual(differences(truth, contacts_by_email(app)), [])
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"])
        (distinct,) = app.query("SELECT COUNT(DISTINCT message_id) FROM messages")[0]
        self.assertEqual(distinct, stored, "a message was stored twice")
        (locations,) = app.query("SELECT COUNT(*) FROM message_locations WHERE folder = 'gmail'")[0]
        self.assertEqual(locations, stored)
        (threads,) = app.query("SELECT COUNT(DISTINCT thread_id) FROM messages")[0]
        self.assertEqual(threads, truth["totals"]["threads"])

    def test_initial_sync_yields_the_ground_truth_at_the_least_quota(self):
        truth, fake, app = self.start(1200, 41)
        result = app.run("sync")
        self.assertEqual(fetched_count(result.stdout), truth["totals"]["unique_messages"])
        self.assert_matches_truth(app, truth)
        stats = fake.stats()
        self.assertEqual(stats.get("quota_errors", 0), 0)
        self.assertEqual(stats.get("requests.users.messages.list", 0), -(-truth["totals"]["unique_messages"] // 500))
        (state,) = app.query("SELECT state FROM checkpoints WHERE scope = 'gmail'")[0]
        self.assertIn("historyId", json.loads(state))
        self.assertNotIn("full_sync_after", json.loads(state))
        # Nothing new: getProfile (and sendAs), no history.list, nothing fetched.
        fake.control("reset_stats")
        self.assertEqual(fetched_count(app.run("sync").stdout), 0)
        self.assertLessEqual(fake.stats().get("units", 0), 2)  # getProfile and sendAs

    def test_new_mail_arrives_through_history(self):
        truth, fake, app = self.start(700, 42)
        app.run("sync")
        extended = harness.extend_mailbox(fake.mail_dir, 40, 77)
        added = fake.control("rescan")["added"]
        self.assertGreater(added, 0)
        fake.control("reset_stats")
        result = app.run("sync")
        self.assertEqual(fetched_count(result.stdout), added)
        stats = fake.stats()
        self.assertEqual(stats.get("requests.users.messages.list", 0), 0)
        self.assertGreaterEqual(stats.get("requests.users.history.list", 0), 1)
        self.assert_matches_truth(app, extended)

    def test_expired_history_resyncs_everything_without_duplicates(self):
        truth, fake, app = self.start(600, 43)
        app.run("sync")
        extended = harness.extend_mailbox(fake.mail_dir, 30, 78)
        fake.control("rescan")
        fake.control("expire_history")
        result = app.run("sync")
        self.assertEqual(fake.stats().get("history_expired", 0), 1)
        self.assertEqual(fetched_count(result.stdout), extended["totals"]["unique_messages"])
        self.assert_matches_truth(app, extended)

    def test_an_access_token_expiring_mid_sync_is_refreshed_and_nothing_is_lost(self):
        truth, fake, app = self.start(800, 44)
        fake.control("faults", expire_after=60)
        app.run("sync")
        stats = fake.stats()
        self.assertGreaterEqual(stats.get("tokens_expired", 0), 1)
        self.assertGreaterEqual(stats.get("unauthorized", 0), 1)
        self.assertGreaterEqual(stats.get("tokens_issued", 0), 2)
        self.assert_matches_truth(app, truth)

    def test_quota_and_server_faults_are_retried_until_the_sync_completes(self):
        truth, fake, app = self.start(700, 45, p429=0.03, p403=0.02, p500=0.04, pmalformed=0.02, ptruncated=0.02,
                                      seed=7)
        app.run("sync", timeout=600)
        stats = fake.stats()
        self.assertGreater(stats.get("quota_errors", 0), 0)
        self.assertGreater(stats.get("faults.500", 0), 0)
        self.assert_matches_truth(app, truth)

    def test_the_quota_is_respected_without_quota_errors(self):
        # Google's real per-user limit on both sides: the client's own pacing must avoid every 429.
        truth, fake, app = self.start(500, 46, account={"quota_units_per_second": 250}, quota=250)
        app.run("sync")
        self.assertEqual(fake.stats().get("quota_errors", 0), 0)
        self.assert_matches_truth(app, truth)

    def test_a_revoked_sign_in_parks_that_account_only_and_says_to_run_auth(self):
        truth, fake, app = self.start(300, 47)
        bad_token = os.path.join(self.tmp, "revoked-token.json")
        write_token_file(bad_token, "1//revoked")
        app = Prospectd(os.path.join(self.tmp, "app2"), [
            gmail_account(fake, bad_token, name="old"),
            gmail_account(fake, os.path.join(self.tmp, "gmail-token.json"), name="gmail")])
        result = app.run("sync", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("prospectd auth old", result.stderr)
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"], "the other account did not sync")
        status = json.loads(app.run("status", "--json").stdout)
        states = {account["name"]: account for account in status["accounts"]}
        self.assertEqual(states["old"]["state"], "error")
        self.assertIn("prospectd auth old", states["old"]["last_error"] or "")

    def test_send_as_aliases_gmail_reports_count_as_the_reps_own_addresses(self):
        # Only the primary address (the account's username) is configured; the generator's rep also
        # writes from the alias rep@acme.io, which only settings.sendAs tells us about. Without it
        # those messages would count as internal mail and the stages would differ from the truth.
        identity = {"addresses": [], "internal_domains": ["acme-sales.com", "acme.io"]}
        truth, fake, app = self.start(600, 49, identity=identity)
        app.run("sync")
        self.assertEqual(app.query("SELECT address FROM account_addresses ORDER BY address"),
                         [("rep@acme-sales.com",), ("rep@acme.io",)])
        self.assert_matches_truth(app, truth)
        from_alias = sum(1 for row in app.addresses() if row[1] == "from" and row[3] == "rep@acme.io")
        self.assertGreater(from_alias, 0, "the generated mailbox has no mail from the alias")
        app.run("rebuild")  # the reported aliases are kept in the store, so a rebuild agrees
        self.assert_matches_truth(app, truth)

    def test_a_quota_rate_out_of_range_is_a_config_error_with_its_place(self):
        fake = FakeGmail(self.tmp).start()
        self.addCleanup(fake.stop)
        app = Prospectd(os.path.join(self.tmp, "app"),
                        [gmail_account(fake, os.path.join(self.tmp, "t.json"), quota_units_per_second=0)])
        result = app.run("sync", check=False)
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr.strip(),
                         r"config\.toml:\d+: accounts\[0\]\.quota_units_per_second: must be between 1 and 100000")

    @staticmethod
    def visit(url):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                return response.status == 200
        except OSError:
            return False

    def test_auth_signs_in_with_pkce_and_stores_the_refresh_token_0600(self):
        truth, fake, app = self.start(200, 48)
        token_file = os.path.join(self.tmp, "fresh", "token.json")
        app = Prospectd(os.path.join(self.tmp, "app3"), [gmail_account(fake, token_file)])
        process = subprocess.Popen([harness.BINARY, "--config", app.config, "auth", "gmail", "--no-browser"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        url = None
        self.addCleanup(lambda: process.poll() is None and process.kill())
        while url is None:
            line = process.stdout.readline()
            if not line:  # only then: reading stderr waits for the process to end
                self.fail("auth printed no URL: %s" % process.stderr.read())
            if "accounts.google.com" in line:
                url = line.strip()
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)
        self.assertEqual(query["code_challenge_method"], ["S256"])
        redirect = query["redirect_uri"][0]
        self.assertTrue(redirect.startswith("http://127.0.0.1:"))
        # Google's consent page, played by the test: the code is bound to the challenge.
        code = fake.control("authorize", code_challenge=query["code_challenge"][0], redirect_uri=redirect)["code"]
        back = redirect + "/?" + urllib.parse.urlencode({"code": code, "state": query["state"][0]})
        self.assertTrue(harness.wait_for(lambda: self.visit(back), 10), "the loopback listener never answered")
        out, err = process.communicate(timeout=60)
        self.assertIn("Signed in", out, err)
        self.assertEqual(process.returncode, 0, err)
        self.assertEqual(stat.S_IMODE(os.stat(token_file).st_mode), 0o600)
        app.run("sync")
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"])
