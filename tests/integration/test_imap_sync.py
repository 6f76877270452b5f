"""IMAP sync against a real Dovecot: completeness, incrementality, UIDVALIDITY changes,
SIGKILL at random moments, hostile headers, and clear failures (issue: IMAP sync foundation)."""
import datetime
import imaplib
import json
import os
import random
import re
import stat
import time
import unittest

import harness
from harness import Prospectd, TempDirTestCase, imap_account, unpack_strings


def fetched_count(sync_output):
    match = re.search(r"\((\d+) fetched", sync_output)
    assert match, "no summary line in: %r" % sync_output
    return int(match.group(1))


class ImapSyncTest(TempDirTestCase):
    def test_initial_sync_stores_every_message_exactly_once(self):
        truth, dovecot = self.start_mailbox(1500, 11)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        result = app.run("sync")
        self.assertEqual(fetched_count(result.stdout), truth["totals"]["messages"])
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        (distinct,) = app.query("SELECT COUNT(DISTINCT message_id) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"])
        self.assertEqual(distinct, stored)
        (threads,) = app.query("SELECT COUNT(DISTINCT thread_id) FROM messages")[0]
        self.assertEqual(threads, truth["totals"]["threads"])
        per_folder = dict(app.query("SELECT folder, COUNT(*) FROM message_locations GROUP BY folder"))
        self.assertEqual(per_folder, {"INBOX": truth["totals"]["inbox"], "Sent": truth["totals"]["sent"]})
        status = json.loads(app.run("status", "--json").stdout)
        (account,) = status["accounts"]
        self.assertEqual(account["state"], "ok")
        self.assertEqual(account["messages"], truth["totals"]["unique_messages"])
        for folder in account["folders"]:
            self.assertEqual(folder["server_count"], folder["stored_count"], folder)
        self.assertEqual(status["messages"], truth["totals"]["unique_messages"])

    def test_a_second_sync_fetches_only_new_messages(self):
        truth, dovecot = self.start_mailbox(800, 12)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        self.assertEqual(fetched_count(app.run("sync").stdout), 0, "a no-change sync fetched messages")
        extended = harness.extend_mailbox(dovecot.mail_dir, 25, 99)
        added = extended["totals"]["messages"] - truth["totals"]["messages"]
        self.assertGreater(added, 0)
        self.assertEqual(fetched_count(app.run("sync").stdout), added)
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, extended["totals"]["unique_messages"])

    def test_a_new_uidvalidity_resyncs_the_folder_without_duplicates(self):
        truth, dovecot = self.start_mailbox(600, 13)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        before = app.snapshot()
        (old_state,) = app.query("SELECT state FROM checkpoints WHERE scope = 'INBOX'")[0]
        dovecot.new_uidvalidity("INBOX")
        result = app.run("sync")
        self.assertEqual(fetched_count(result.stdout), truth["totals"]["inbox"], "INBOX was not fetched again")
        after = app.snapshot()
        (new_state,) = app.query("SELECT state FROM checkpoints WHERE scope = 'INBOX'")[0]
        self.assertNotEqual(json.loads(old_state)["uidvalidity"], json.loads(new_state)["uidvalidity"])
        self.assertEqual(after["messages"], before["messages"])
        self.assertEqual(after["threads"], before["threads"])
        validity = str(json.loads(new_state)["uidvalidity"])
        inbox = [row for row in after["locations"] if row[0] == "INBOX"]
        self.assertEqual(len(inbox), truth["totals"]["inbox"])
        self.assertTrue(all(source.startswith(validity + ":") for _, source, _ in inbox))

    def test_sigkill_at_random_moments_never_loses_or_duplicates(self):
        truth, dovecot = self.start_mailbox(8000, 14)
        reference = Prospectd(os.path.join(self.tmp, "reference"), [imap_account(dovecot, batch_size=100)])
        reference.run("sync")
        expected = reference.snapshot()
        self.assertEqual(len(expected["messages"]), truth["totals"]["unique_messages"])

        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=100)])
        rng = random.Random(2026)
        kills = attempts = 0
        while kills < 10 and attempts < 40:
            attempts += 1
            process = app.spawn("sync")
            time.sleep(rng.uniform(0.03, 0.2))
            if process.poll() is None:
                harness.kill9(process)
                kills += 1
            else:
                process.communicate()
                break  # the sync completed: nothing left to interrupt
        self.assertGreaterEqual(kills, 10, "the sync finished before it could be killed often enough")
        app.run("sync")
        actual = app.snapshot()
        self.assertEqual(actual["integrity"], "ok")
        for key in ("messages", "locations", "addresses", "threads", "checkpoints", "contacts", "history"):
            self.assertEqual(actual[key], expected[key], "store differs from an uninterrupted run in %s" % key)

    def test_a_store_of_the_previous_layout_is_migrated_in_place_and_answers_the_same(self):
        truth, dovecot = self.start_mailbox(900, 16)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        views = ("contacts", "--json"), ("threads", "--json"), ("status", "--json")
        before = [app.run(*view).stdout for view in views]
        snapshot = app.snapshot()
        why = app.run("why", "rep@acme-sales.com").stdout
        harness.downgrade_to_v9(app.store)
        self.assertEqual(app.query("PRAGMA user_version"), [(9,)])
        # A read command upgrades the store first (as the daemon does at start), then answers.
        self.assertEqual([app.run(*view).stdout for view in views], before)
        self.assertEqual(app.query("PRAGMA user_version"), [(10,)])
        self.assertEqual(app.run("why", "rep@acme-sales.com").stdout, why)
        migrated = app.snapshot()
        for key in ("messages", "locations", "addresses", "threads", "checkpoints", "contacts", "history"):
            self.assertEqual(migrated[key], snapshot[key], "the migration changed %s" % key)
        self.assertEqual(migrated["integrity"], "ok")
        # Syncing on: new mail threads into the migrated store as into one built by this layout.
        extended = harness.extend_mailbox(dovecot.mail_dir, 40, 98)
        app.run("sync")
        fresh = Prospectd(os.path.join(self.tmp, "fresh"), [imap_account(dovecot)])
        fresh.run("sync")
        self.assertEqual(app.run("contacts", "--json").stdout, fresh.run("contacts", "--json").stdout)
        after, expected = app.snapshot(), fresh.snapshot()
        for key in ("messages", "addresses", "threads", "contacts", "history"):
            self.assertEqual(after[key], expected[key], "migrated and fresh stores differ in %s" % key)
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, extended["totals"]["unique_messages"])

    def test_headers_that_look_like_imap_responses_do_not_desynchronise_the_session(self):
        truth, dovecot = self.start_mailbox(300, 15, ("--hostile",))
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=50)])
        app.run("sync")
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"])
        long_refs = sum(1 for (refs,) in app.query("SELECT refs FROM messages") if len(unpack_strings(refs)) > 100)
        self.assertGreaterEqual(long_refs, 1, "the message with a 200 KB References header is missing")
        # Messages after the hostile ones (highest UIDs of each folder) are stored.
        for folder in ("INBOX", "Sent"):
            (count,) = app.query("SELECT COUNT(*) FROM message_locations WHERE folder = ?", (folder,))[0]
            self.assertEqual(count, truth["totals"]["inbox" if folder == "INBOX" else "sent"])


class SinceWindowTest(TempDirTestCase):
    """since = a date: the first sync takes only newer mail; widening the window later fetches the
    older mail, and no window at all the rest, without duplicates, ending where a full sync ends."""

    @staticmethod
    def days_of_files(mail_dir):
        """Each message file's day (UTC): its mtime is the INTERNALDATE Dovecot reports."""
        days = []
        for root, _, files in os.walk(os.path.join(mail_dir, "Maildir")):
            if os.path.basename(root) in ("cur", "new"):
                days += [time.strftime("%Y-%m-%d", time.gmtime(os.path.getmtime(os.path.join(root, name))))
                         for name in files]
        return sorted(days)

    def locations(self, app):
        return app.query("SELECT COUNT(*), COUNT(DISTINCT folder || source_id) FROM message_locations")[0]

    def test_a_since_window_syncs_newer_mail_first_and_widening_fetches_the_rest_once(self):
        truth, dovecot = self.start_mailbox(900, 17)
        days = self.days_of_files(dovecot.mail_dir)
        recent, older = days[len(days) * 3 // 4], days[len(days) // 3]

        def within(day):
            # SEARCH SINCE compares dates "disregarding time and timezone" (RFC 3501 §6.4.4): a
            # message within a day of the boundary may fall either side.
            before = datetime.date.fromisoformat(day) - datetime.timedelta(days=1)
            after = datetime.date.fromisoformat(day) + datetime.timedelta(days=1)
            return (sum(d >= after.isoformat() for d in days), sum(d >= before.isoformat() for d in days))

        work = os.path.join(self.tmp, "app")
        app = Prospectd(work, [imap_account(dovecot, since=recent)])
        app.run("sync")
        stored, distinct = self.locations(app)
        low, high = within(recent)
        self.assertEqual(stored, distinct)
        self.assertTrue(low <= stored <= high, (low, stored, high))
        self.assertLess(stored, len(days))
        self.assertEqual(fetched_count(app.run("sync").stdout), 0, "an unchanged window fetched again")

        app = Prospectd(work, [imap_account(dovecot, since=older)])
        app.run("sync")
        stored, distinct = self.locations(app)
        low, high = within(older)
        self.assertEqual(stored, distinct)
        self.assertTrue(low <= stored <= high, (low, stored, high))

        app = Prospectd(work, [imap_account(dovecot)])
        app.run("sync")
        self.assertEqual(self.locations(app), (len(days), len(days)))
        self.assertEqual(fetched_count(app.run("sync").stdout), 0)

        full = Prospectd(os.path.join(self.tmp, "full"), [imap_account(dovecot)])
        full.run("sync")
        widened, reference = app.snapshot(), full.snapshot()
        for part in ("messages", "locations", "addresses", "threads"):
            self.assertEqual(widened[part], reference[part], part)
        stages = lambda p: sorted((c["email"], c["stage"], c["thread_count"], c["needs_reply"])
                                  for c in json.loads(p.run("contacts", "--json").stdout))
        self.assertEqual(stages(app), stages(full))
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], truth["totals"]["unique_messages"])


class RenamedFolderTest(TempDirTestCase):
    def test_a_folder_renamed_on_the_server_leaves_status_and_its_messages_stay(self):
        # Cyrus with altnamespace: no shows "Sent" as "INBOX.Sent"; here the rep renames it. The
        # testbed's Dovecot re-creates an empty special-use "Sent" at once, so the folder is named.
        truth, dovecot = self.start_mailbox(300, 18)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        before = app.snapshot()
        with imaplib.IMAP4("127.0.0.1", dovecot.port) as imap:
            imap.login(harness.USER, harness.PASSWORD)
            self.assertEqual(imap.rename("Sent", '"Sent Items"')[0], "OK")
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, folders=["INBOX", "Sent Items"])])
        app.run("sync")
        status = json.loads(app.run("status", "--json").stdout)
        folders = {f["name"]: (f["server_count"], f["stored_count"]) for f in status["accounts"][0]["folders"]}
        self.assertEqual(folders, {"INBOX": (truth["totals"]["inbox"],) * 2,
                                   "Sent Items": (truth["totals"]["sent"],) * 2})
        after = app.snapshot()
        self.assertEqual(after["messages"], before["messages"])
        self.assertEqual(after["contacts"], before["contacts"])
        self.assertEqual(status["accounts"][0]["messages"], truth["totals"]["unique_messages"])


class PrivateDataTest(TempDirTestCase):
    """data_dir 0700 and every file in it 0600 whatever the umask; wider modes are narrowed at
    start (logged) and reported by doctor."""

    def modes(self, directory):
        found = {".": stat.S_IMODE(os.stat(directory).st_mode)}
        for name in os.listdir(directory):
            found[name] = stat.S_IMODE(os.stat(os.path.join(directory, name)).st_mode)
        return found

    def run_with_umask(self, app, *args, **kwargs):
        old = os.umask(0o022)
        try:
            return app.run(*args, **kwargs)
        finally:
            os.umask(old)

    def test_a_new_store_is_private_under_umask_022(self):
        _, dovecot = self.start_mailbox(60, 19)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        self.run_with_umask(app, "sync")
        modes = self.modes(app.data_dir)
        self.assertEqual(modes.pop("."), 0o700)
        self.assertIn("prospectd.sqlite", modes)
        self.assertEqual(set(modes.values()), {0o600}, modes)

    def test_wider_modes_are_reported_by_doctor_and_narrowed_at_start(self):
        _, dovecot = self.start_mailbox(60, 20)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        os.chmod(app.data_dir, 0o755)
        os.chmod(app.store, 0o644)
        doctor = app.run("doctor", check=False)
        self.assertRegex(doctor.stdout + doctor.stderr, r"prospectd\.sqlite \(mode 0644\) can be read by other users")
        self.assertEqual(self.modes(app.data_dir)["."], 0o755, "doctor changed a mode")
        result = self.run_with_umask(app, "status")
        self.assertIn("could be read by other users; narrowed to owner-only", result.stderr)
        modes = self.modes(app.data_dir)
        self.assertEqual(modes.pop("."), 0o700)
        self.assertEqual(set(modes.values()), {0o600}, modes)


class ImapFailureTest(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        # The mailbox is the class's, in a directory of its own: self.tmp is each test's.
        _, cls.truth, cls.dovecot = harness.start_class_mailbox(cls, "prospectd-failure-", 200, 16)

    def assert_one_clear_line(self, result, *phrases):
        self.assertNotEqual(result.returncode, 0)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        for phrase in phrases:
            self.assertIn(phrase, lines[0])
        self.assertNotIn(harness.PASSWORD, result.stderr + result.stdout)

    def test_a_wrong_password_fails_with_one_line_and_stores_nothing(self):
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(self.dovecot)])
        env = dict(os.environ, PROSPECTD_TEST_PASSWORD="not-the-password")
        result = app.run("sync", check=False, env=env)
        self.assert_one_clear_line(result, "work:", "refused the login")
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], 0)
        status = json.loads(app.run("status", "--json").stdout)
        self.assertEqual(status["accounts"][0]["state"], "error")
        self.assertIn("refused the login", status["accounts"][0]["last_error"])
        app.run("sync")
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], self.truth["totals"]["unique_messages"])

    def test_an_unreachable_server_fails_with_one_line_and_keeps_the_store(self):
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(self.dovecot)])
        app.run("sync")
        before = app.snapshot()
        down = Prospectd(os.path.join(self.tmp, "app"),
                         [imap_account(self.dovecot, url="imap://127.0.0.1:%d" % harness.free_port())])
        result = down.run("sync", check=False)
        self.assert_one_clear_line(result, "cannot reach")
        self.assertEqual(down.snapshot(), before)

    def test_an_untrusted_certificate_is_refused_and_ca_file_trusts_it(self):
        url = "imaps://127.0.0.1:%d" % self.dovecot.tls_port
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(self.dovecot, url=url, ca_file=None)])
        result = app.run("sync", check=False)
        self.assert_one_clear_line(result, "not trusted", "ca_file")
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], 0)
        trusted = Prospectd(os.path.join(self.tmp, "app"),
                            [imap_account(self.dovecot, url=url, ca_file=self.dovecot.cert)])
        trusted.run("sync")
        self.assertEqual(trusted.query("SELECT COUNT(*) FROM messages")[0][0], self.truth["totals"]["unique_messages"])

    def test_starttls_required_upgrades_the_plain_port(self):
        app = Prospectd(os.path.join(self.tmp, "app"),
                        [imap_account(self.dovecot, starttls="required", ca_file=self.dovecot.cert)])
        app.run("sync")
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], self.truth["totals"]["unique_messages"])

    def test_a_config_error_names_file_line_and_key(self):
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(self.dovecot, pasword_env="X")])
        result = app.run("sync", check=False)
        self.assertEqual(result.returncode, 2)
        self.assertRegex(result.stderr.strip(), r"config\.toml:\d+: accounts\[0\]\.pasword_env: unknown key")


if __name__ == "__main__":
    unittest.main()
