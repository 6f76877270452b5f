"""Contacts and lifecycle stages end to end: a generated mailbox served by Dovecot, synced, and
every contact compared with the generator's ground truth; incremental promotion; rebuild; manual
moves (issue: threads, contacts and lifecycle stages)."""
import json
import os
import unittest

import harness
from harness import Prospectd, imap_account

FIELDS = ("stage", "name", "company", "thread_count", "inbound_count", "outbound_count", "first_seen",
          "last_inbound", "last_outbound", "needs_reply")


def expected_record(truth_contact):
    record = {field: truth_contact.get(field) for field in FIELDS if field != "company"}
    record["company"] = truth_contact["company_domain"]
    return record


def contacts_by_email(app):
    return {c["email"]: c for c in json.loads(app.run("contacts", "--json").stdout)}


def differences(truth, contacts):
    """Every field of every contact that differs from the ground truth, as readable lines."""
    lines = []
    for email, truth_contact in sorted(truth["contacts"].items()):
        ours = contacts.get(email)
        if ours is None:
            lines.append("%s: missing" % email)
            continue
        want = expected_record(truth_contact)
        for field in FIELDS:
            if ours[field] != want[field]:
                lines.append("%s: %s is %r, expected %r" % (email, field, ours[field], want[field]))
    for email in sorted(set(contacts) - set(truth["contacts"])):
        lines.append("%s: not a contact in the ground truth" % email)
    return lines


class LifecycleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp, cls.truth, cls.dovecot = harness.start_class_mailbox(cls, "prospectd-lifecycle-", 3000, 21)
        cls.app = Prospectd(os.path.join(cls.tmp, "app"), [imap_account(cls.dovecot)])
        cls.app.run("sync")

    def test_every_contact_matches_the_ground_truth(self):
        contacts = contacts_by_email(self.app)
        self.assertGreater(len(self.truth["contacts"]), 500)
        self.assertEqual(differences(self.truth, contacts), [])
        status = json.loads(self.app.run("status", "--json").stdout)
        self.assertEqual(status["contacts"], self.truth["totals"]["contacts"])
        self.assertEqual(status["stages"]["prospect"], self.truth["totals"]["by_stage"]["prospect"])
        self.assertEqual(status["stages"]["lead"], self.truth["totals"]["by_stage"]["lead"])

    def test_each_promotion_records_the_message_that_completed_the_pair_and_its_date(self):
        prospects = [(email, c) for email, c in self.truth["contacts"].items() if c["stage"] == "prospect"]
        self.assertGreater(len(prospects), 100)
        checked = 0
        for email, truth_contact in prospects[:: max(1, len(prospects) // 40)]:
            detail = json.loads(self.app.run("contact", email, "--json").stdout)
            promotions = [event for event in detail["history"] if event["to"] == "prospect"]
            self.assertEqual(len(promotions), 1, detail["history"])
            event = promotions[0]
            self.assertEqual(event["actor"], "rule")
            self.assertEqual(event["at"], truth_contact["promotion"]["at"], email)
            self.assertEqual(event["message_id"], truth_contact["promotion"]["message_id"].strip("<>"), email)
            self.assertIn(event["thread"], [thread["id"] for thread in detail["threads"]])
            self.assertEqual(detail["history"][0]["to"], "lead")
            self.assertIsNone(detail["history"][0]["from"])
            checked += 1
        self.assertGreaterEqual(checked, 40)

    def test_threads_needing_a_reply_match_the_ground_truth(self):
        threads = json.loads(self.app.run("threads", "--json").stdout)
        self.assertEqual(len(threads), self.truth["totals"]["threads"])
        self.assertEqual(sum(1 for t in threads if t["needs_reply"]), self.truth["totals"]["threads_needing_reply"])
        for thread in threads[:50]:
            self.assertEqual(len(thread["message_ids"]), thread["message_count"])
            self.assertTrue(thread["participants"] == sorted(thread["participants"]))

    def test_an_unknown_contact_exits_1(self):
        result = self.app.run("contact", "nobody@nowhere.example", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("no contact", result.stderr)

    def test_a_colleague_and_an_automated_sender_are_never_contacts(self):
        contacts = contacts_by_email(self.app)
        for colleague in self.truth["rep"]["colleagues"]:
            self.assertNotIn(colleague["email"], contacts)
        for sender in self.truth["automated_senders"]:
            self.assertNotIn(sender, contacts)
        self.assertFalse([email for email in contacts if email.endswith("@acme-sales.com")])


class IncrementalLifecycleTest(harness.TempDirTestCase):
    def test_new_replies_promote_exactly_the_right_contacts_and_rebuild_agrees(self):
        before, dovecot = self.start_mailbox(1500, 22)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        self.assertEqual(differences(before, contacts_by_email(app)), [])

        after = harness.extend_mailbox(dovecot.mail_dir, 60, 23)
        with open(os.path.join(dovecot.mail_dir, "promoted.json"), encoding="utf-8") as f:
            promoted = sorted(json.load(f))
        self.assertTrue(promoted, "the extension promoted nobody; the test would prove nothing")
        stages_before = {email: c["stage"] for email, c in contacts_by_email(app).items()}
        output = app.run("sync").stdout
        self.assertIn("%d promoted" % len(promoted), output)
        contacts = contacts_by_email(app)
        self.assertEqual(differences(after, contacts), [])
        moved = sorted(email for email, c in contacts.items()
                       if c["stage"] == "prospect" and stages_before.get(email) != "prospect")
        self.assertEqual(moved, promoted)

        # Every contact's whole history from the store; the CLI's rendering of it for a sample
        # (one process each, which costs ~0.3 s under AddressSanitizer).
        all_histories = self.stage_histories(app)
        sample = list(contacts)[:20] + promoted
        histories = {email: json.loads(app.run("contact", email, "--json").stdout)["history"] for email in sample}
        app.run("rebuild")
        self.assertEqual(contacts_by_email(app), contacts)
        self.assertEqual(self.stage_histories(app), all_histories)
        for email, history in histories.items():
            self.assertEqual(json.loads(app.run("contact", email, "--json").stdout)["history"], history, email)

    @staticmethod
    def stage_histories(app):
        rows = app.query("SELECT c.email, e.from_stage, e.to_stage, e.at, e.actor, e.rule, e.thread_id, e.message_id,"
                         " e.note FROM stage_events e JOIN contacts c ON c.id = e.contact_id ORDER BY c.email, e.id")
        histories = {}
        for row in rows:
            histories.setdefault(row[0], []).append(row[1:])
        return histories

    def test_a_manual_stage_is_never_overridden_by_rules(self):
        truth, dovecot = self.start_mailbox(800, 24)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        prospect = next(email for email, c in sorted(truth["contacts"].items()) if c["stage"] == "prospect")
        lead = next(email for email, c in sorted(truth["contacts"].items()) if c["stage"] == "lead")
        app.run("stage", prospect, "disqualified", "--note", "went with a competitor")
        app.run("stage", lead.upper(), "customer")
        harness.extend_mailbox(dovecot.mail_dir, 40, 25)
        app.run("sync")
        app.run("rebuild")
        for email, stage in ((prospect, "disqualified"), (lead, "customer")):
            detail = json.loads(app.run("contact", email, "--json").stdout)
            self.assertEqual(detail["stage"], stage)
            manual = [event for event in detail["history"] if event["actor"] == "user"]
            self.assertEqual(len(manual), 1)
            self.assertEqual(manual[0]["to"], stage)
        detail = json.loads(app.run("contact", prospect, "--json").stdout)
        self.assertEqual(detail["history"][-1]["note"], "went with a competitor")
        self.assertEqual(app.run("stage", "nobody@nowhere.example", "lead", check=False).returncode, 1)
        bad = app.run("stage", prospect, "winner", check=False)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("unknown stage", bad.stderr)


class WhyTest(harness.TempDirTestCase):
    """`prospectd why EMAIL`: why an address is or is not a contact, with a message showing it."""

    def why(self, app, email):
        result = app.run("why", email, "--json")
        self.assertEqual(result.returncode, 0)
        return json.loads(result.stdout)

    def test_why_names_the_reason_and_a_message_that_shows_it(self):
        truth, dovecot = self.start_mailbox(400, 31)
        blocked = sorted(truth["contacts"])[0]
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)],
                        extra="[contacts]\nblocklist = [%s]\n" % json.dumps(blocked))
        app.run("sync")
        stored_ids = {m for (m,) in app.query("SELECT message_id FROM messages")}
        contact = sorted(set(truth["contacts"]) - {blocked})[0]
        answer = self.why(app, contact.upper())
        self.assertEqual((answer["email"], answer["contact"]), (contact, True))
        self.assertEqual(answer["stage"], truth["contacts"][contact]["stage"])
        self.assertEqual(answer["reasons"][0]["code"], "contact")
        self.assertIn(answer["reasons"][0]["message_id"], stored_ids)
        cases = {
            "rep+web@acme-sales.com": "own_address",
            truth["rep"]["colleagues"][0]["email"]: "internal_domain",
            blocked: "blocked",
            "nobody@nowhere.example": "never_seen",
        }
        for email, code in cases.items():
            with self.subTest(email):
                answer = self.why(app, email)
                self.assertFalse(answer["contact"])
                self.assertIsNone(answer["stage"])
                self.assertEqual(answer["reasons"][0]["code"], code, answer)
        internal = tuple(truth["rep"]["internal_domains"])
        for sender in truth["automated_senders"]:
            if sender.split("@")[1].endswith(internal):
                continue  # the rep's own mail system's bounces: internal_domain comes first
            answer = self.why(app, sender)
            self.assertFalse(answer["contact"], sender)
            self.assertIn(answer["reasons"][0]["code"], ("automated_sender", "only_cc_on_automated"), answer)
            if answer["reasons"][0]["message_id"] is not None:
                self.assertIn(answer["reasons"][0]["message_id"], stored_ids)
        self.assertIn("is a contact", app.run("why", contact).stdout)
        bad = app.run("why", "not-an-address", check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("is not an e-mail address", bad.stderr)


class BlockTest(harness.TempDirTestCase):
    """`prospectd block ENTRY` / `unblock`: not a contact, at once and after later syncs and
    rebuilds; unblocking brings the contacts back as a store that never blocked them has them."""

    def test_blocking_hides_at_once_and_for_good_and_unblocking_restores(self):
        truth, dovecot = self.start_mailbox(500, 32)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        before = contacts_by_email(app)
        address = sorted(before)[0]
        domain = next(c["company"] for e, c in sorted(before.items()) if c["company"] and e != address
                      and c["company"] != address.split("@")[1])
        at_domain = {e for e in before if e.split("@")[1] == domain or e.split("@")[1].endswith("." + domain)}
        self.assertIn("1 contact hidden", app.run("block", address.upper()).stdout)
        app.run("block", "*@" + domain.upper())
        hidden = {address} | at_domain

        def check_hidden():
            shown = contacts_by_email(app)
            self.assertEqual(set(shown), set(before) - hidden)
            self.assertEqual(app.run("contact", address, check=False).returncode, 1)
            self.assertEqual(json.loads(app.run("why", address, "--json").stdout)["reasons"][0]["code"], "blocked")
            status = json.loads(app.run("status", "--json").stdout)
            self.assertEqual(status["contacts"], len(before) - len(hidden))
            self.assertEqual(app.run("stage", address, "customer", check=False).returncode, 1)
        check_hidden()
        harness.extend_mailbox(dovecot.mail_dir, 60, 33)
        app.run("sync")
        reference = Prospectd(os.path.join(self.tmp, "reference"), [imap_account(dovecot)])
        reference.run("sync")
        before = contacts_by_email(reference)
        hidden = {address} | {e for e in before if e.split("@")[1] == domain or e.split("@")[1].endswith("." + domain)}
        check_hidden()
        app.run("rebuild")
        check_hidden()
        self.assertEqual(json.loads(app.run("blocks", "--json").stdout), [domain, address])
        app.run("unblock", address)
        app.run("unblock", domain)
        self.assertEqual(contacts_by_email(app), contacts_by_email(reference))
        for bad in ("not an address", "@", "jane@"):
            result = app.run("block", bad, check=False)
            self.assertEqual(result.returncode, 1, bad)
            self.assertIn("is neither an e-mail address nor a domain", result.stderr)
        self.assertEqual(app.run("unblock", "never@blocked.example", check=False).returncode, 1)
        self.assertEqual(json.loads(app.run("blocks", "--json").stdout), [])


class ForgetTest(harness.TempDirTestCase):
    """`prospectd forget EMAIL`: the person is erased from the store's bytes (file and WAL), stays
    erased through a full resync and a rebuild, and the rest of the pipeline is unchanged."""

    def assert_nowhere_in_the_store(self, app, spellings):
        for suffix in ("", "-wal", "-shm"):
            path = app.store + suffix
            if not os.path.exists(path):
                continue
            with open(path, "rb") as f:
                content = f.read().lower()
            for spelling in spellings:
                self.assertNotIn(spelling.lower().encode(), content, "%s is still in %s" % (spelling, path))

    def test_forget_erases_a_person_for_good_and_leaves_the_rest(self):
        truth, dovecot = self.start_mailbox(500, 34)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot)])
        app.run("sync")
        reference = Prospectd(os.path.join(self.tmp, "reference"), [imap_account(dovecot)])
        reference.run("sync")
        target = max(sorted(truth["contacts"]), key=lambda e: (len(truth["contacts"][e]["variants"]),
                                                               truth["contacts"][e]["inbound_count"]))
        spellings = set(truth["contacts"][target]["variants"]) | {target}
        with self.assertRaises(AssertionError):  # the check can fail: before, the address is there
            self.assert_nowhere_in_the_store(app, {target})
        result = app.run("forget", target.upper())
        self.assertIn("forgot " + target, result.stdout)
        self.assertEqual(app.run("contact", target, check=False).returncode, 1)
        self.assert_nowhere_in_the_store(app, spellings)
        why = json.loads(app.run("why", target, "--json").stdout)
        self.assertEqual((why["contact"], why["reasons"][0]["code"]), (False, "forgotten"))

        def others(p):
            return {e: c for e, c in contacts_by_email(p).items() if e != target}
        self.assertEqual(others(app), others(reference))
        # A full resync (both folders renumbered) and a rebuild bring nobody back.
        dovecot.new_uidvalidity("INBOX")
        dovecot.new_uidvalidity("Sent")
        app.run("sync")
        self.assertNotIn(target, contacts_by_email(app))
        app.run("rebuild")
        self.assertNotIn(target, contacts_by_email(app))
        app.run("status")  # a read-only command: the WAL may hold new pages, none with the address
        self.assert_nowhere_in_the_store(app, spellings)
        self.assertEqual(others(app), others(reference))
        unknown = app.run("forget", "nobody@nowhere.example", check=False)
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("not in the store", unknown.stderr)


if __name__ == "__main__":
    unittest.main()
