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


if __name__ == "__main__":
    unittest.main()
