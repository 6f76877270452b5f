"""The team's pipeline (ARCHITECTURE.md "Team and webhooks"), end to end with real components started
here: a PostgreSQL, two reps' Dovecot mailboxes with overlapping companies and contacts, their
prospectd daemons, and a webhook receiver. The expected team view is computed from each rep's own
`contacts --json`; the expected webhook events from each store's stage history.
"""

import csv
import datetime
import io
import json
import os
import random
import shutil
import tempfile
import time
import unittest

import harness
from pg_harness import Postgres

STAGE_ORDER = ["lead", "prospect", "opportunity", "customer"]
WEBHOOK_SECRET = "team-test-webhook-secret"


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else None


def combined_stage(stages):
    """Furthest stage any rep has; disqualified only if every rep says so."""
    if all(stage == "disqualified" for stage in stages):
        return "disqualified"
    return max((stage for stage in stages if stage != "disqualified"), key=STAGE_ORDER.index)


def expected_team_view(contacts_by_rep, as_of):
    """The team view ARCHITECTURE.md "Team and webhooks" defines, from each rep's contacts --json."""
    union = {}
    for rep, contacts in contacts_by_rep.items():
        for contact in contacts:
            union.setdefault(contact["email"], []).append((rep, contact))
    contacts = []
    companies = {}
    collisions = []
    for email in sorted(union):
        entries = sorted(union[email], key=lambda entry: entry[0])
        first = entries[0][1]
        contacts.append({
            "email": email,
            "company": first["company"],
            "stage": combined_stage([contact["stage"] for _, contact in entries]),
            "reps": [{"rep": rep, "stage": c["stage"], "last_inbound": c["last_inbound"],
                      "last_outbound": c["last_outbound"], "thread_count": c["thread_count"]} for rep, c in entries],
        })
        if first["company"]:
            company = companies.setdefault(first["company"], {"contacts": 0, "reps": set()})
            company["contacts"] += 1
            company["reps"].update(rep for rep, _ in entries)
        recent = [rep for rep, c in entries
                  if c["last_outbound"] and parse_time(c["last_outbound"]) >= as_of - 30 * 86400]
        if len(recent) >= 2:
            collisions.append({"email": email, "reps": sorted(recent)})
    return {
        "reps": [{"rep": rep, "contacts": len(contacts_by_rep[rep])} for rep in sorted(contacts_by_rep)],
        "contacts": contacts,
        "companies": [{"company": name, "contacts": value["contacts"], "reps": sorted(value["reps"])}
                      for name, value in sorted(companies.items())],
        "collisions": collisions,
    }


def comparable(view):
    """The team view without its clock fields and per-contact names (checked separately)."""
    return {
        "reps": [{"rep": r["rep"], "contacts": r["contacts"]} for r in view["reps"]],
        "contacts": [{k: c[k] for k in ("email", "company", "stage", "reps")} for c in view["contacts"]],
        "companies": view["companies"],
        "collisions": view["collisions"],
    }


def add_sent_message(mail_dir, to, days_ago, serial):
    """A message from the rep to `to`, `days_ago` days before now, in the Maildir's Sent folder."""
    when = time.time() - days_ago * 86400
    date = datetime.datetime.fromtimestamp(when, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    text = ("From: Alex Morgan <rep@acme-sales.com>\nTo: %s\nSubject: Following up %d\nDate: %s\n"
            "Message-ID: <team-test-%d@acme-sales.com>\n\nHello again.\n" % (to, serial, date, serial))
    folder = os.path.join(mail_dir, "Maildir", ".Sent", "cur")
    path = os.path.join(folder, "%d.M%dP1.teamtest:2,S" % (int(when), serial))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    os.utime(path, (when, when))


def stage_history(app):
    """Every stage event in the store, in the order it was recorded: (email, from, to, at)."""
    return app.query("SELECT c.email, e.from_stage, e.to_stage, e.at FROM stage_events e"
                     " JOIN contacts c ON c.id = e.contact_id WHERE c.blocked = 0 ORDER BY e.id")


def event_tuple(body):
    return (body["contact"]["email"], body["from"], body["to"], int(parse_time(body["at"])))


class TeamTestCase(unittest.TestCase):
    """Shared servers: one PostgreSQL, rep alice's mailbox and rep bob's, which holds all of
    alice's mail (the same conversations, so the same contacts and companies) and more."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-team-")
        os.chmod(cls.tmp, 0o755)  # Dovecot's mail user must reach the Maildirs
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.postgres = Postgres()
        cls.addClassCleanup(cls.postgres.close)
        cls.postgres.start()
        alice_mail = os.path.join(cls.tmp, "alice-mail")
        bob_mail = os.path.join(cls.tmp, "bob-mail")
        harness.generate_mailbox(alice_mail, 300, 31, ("--end-date", "today"))
        # Written to by both reps: days ago (a collision) and 40 days ago (not one any more).
        add_sent_message(alice_mail, "Pat Recent <pat.recent@collide-corp.example>", 3, 1)
        add_sent_message(alice_mail, "Olga Old <olga.old@collide-corp.example>", 40, 2)
        shutil.copytree(alice_mail, bob_mail)
        harness.extend_mailbox(bob_mail, 150, 32)
        # Written to recently by bob alone: no collision.
        add_sent_message(bob_mail, "Bo Only <bo.only@collide-corp.example>", 2, 3)
        cls.alice_dovecot = harness.Dovecot(alice_mail).start()
        cls.addClassCleanup(cls.alice_dovecot.stop)
        cls.bob_dovecot = harness.Dovecot(bob_mail).start()
        cls.addClassCleanup(cls.bob_dovecot.stop)
        cls.password_file = os.path.join(cls.tmp, "pg-password")
        with open(cls.password_file, "w", encoding="utf-8") as f:
            f.write(cls.postgres.password + "\n")
        os.chmod(cls.password_file, 0o600)
        cls.secret_file = os.path.join(cls.tmp, "webhook-secret")
        with open(cls.secret_file, "w", encoding="utf-8") as f:
            f.write(WEBHOOK_SECRET + "\n")
        os.chmod(cls.secret_file, 0o600)

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="case-", dir=self.tmp)
        # Each test starts from an empty team database.
        self.postgres.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
                            " GRANT ALL ON SCHEMA public TO prospectd;")

    def make_app(self, rep, dovecot, webhook_url=None, port=None, webhook_timeout="2s"):
        extra = ['[team]', 'database = "%s"' % self.postgres.uri(), 'password_file = "%s"' % self.password_file,
                 'rep = "%s"' % rep, '']
        if port is not None:
            extra += ['[http]', 'listen = "127.0.0.1:%d"' % port, '']
        if webhook_url:
            extra += ['[[webhooks]]', 'url = "%s"' % webhook_url, 'secret_file = "%s"' % self.secret_file,
                      'timeout = "%s"' % webhook_timeout, '']
        return harness.Prospectd(os.path.join(self.work, rep), [harness.imap_account(dovecot)], extra="\n".join(extra))

    def start_daemon(self, app):
        port = harness.free_port()
        daemon = harness.Daemon(app, port)
        # The http section is part of the config the app wrote; rewrite it with this port.
        with open(app.config, encoding="utf-8") as f:
            text = f.read()
        if "[http]" not in text:
            text = text.replace("[team]", '[http]\nlisten = "127.0.0.1:%d"\n\n[team]' % port, 1)
        with open(app.config, "w", encoding="utf-8") as f:
            f.write(text)
        daemon.start()
        self.addCleanup(daemon.stop)
        return daemon

    def contacts(self, app):
        return json.loads(app.run("contacts", "--json").stdout)

    def team_view(self, app):
        return json.loads(app.run("team", "--json").stdout)

    def assert_team_view_is_union(self, apps, view=None):
        view = view or self.team_view(next(iter(apps.values())))
        as_of = parse_time(view["as_of"])
        contacts_by_rep = {rep: self.contacts(app) for rep, app in apps.items()}
        expected = expected_team_view(contacts_by_rep, as_of)
        self.assertEqual(comparable(view), expected)
        names = {c["email"]: (c["name"] or None) for contacts in contacts_by_rep.values() for c in contacts}
        for contact in view["contacts"]:
            self.assertEqual(contact["name"], names[contact["email"]], contact["email"])
        return view, contacts_by_rep

    def wait_outbox_empty(self, app, timeout=120):
        seen = {}

        def empty():
            seen["status"] = json.loads(app.run("status", "--json").stdout)
            return seen["status"]["outbox"]["pending"] == 0
        if not harness.wait_for(empty, timeout, interval=0.3):
            raise AssertionError("outbox not drained within %d s: %s" % (timeout, seen.get("status")))
        return seen["status"]


class TeamViewTest(TeamTestCase):
    def test_team_view_is_the_union_of_both_reps_stores(self):
        alice = self.make_app("alice", self.alice_dovecot)
        bob = self.make_app("bob", self.bob_dovecot)
        for app in (alice, bob):
            app.run("sync")
            published = app.run("publish")
            self.assertIn("up to date", published.stdout)
        view, contacts_by_rep = self.assert_team_view_is_union({"alice": alice, "bob": bob})
        # Overlapping pipelines, not two disjoint lists: shared contacts, companies and collisions.
        shared = set(c["email"] for c in contacts_by_rep["alice"]) & set(c["email"] for c in contacts_by_rep["bob"])
        self.assertGreater(len(shared), 20)
        collisions = [c["email"] for c in view["collisions"]]
        self.assertIn("pat.recent@collide-corp.example", collisions)
        self.assertNotIn("olga.old@collide-corp.example", collisions)  # both wrote, but 40 days ago
        self.assertNotIn("bo.only@collide-corp.example", collisions)  # one rep only
        self.assertLess(len(collisions), len(shared))
        self.assertTrue(any(len(company["reps"]) == 2 for company in view["companies"]))
        self.assertEqual([r["rep"] for r in view["reps"]], ["alice", "bob"])
        self.assertTrue(all(r["last_publish_at"] for r in view["reps"]))
        # The team tables hold no subjects without share_subjects.
        self.assertEqual(self.postgres.query("SELECT count(*) FROM team_contacts WHERE last_subject IS NOT NULL"),
                         [["0"]])

        # A rep's manual move shows as that rep's stage and moves the combined stage.
        lead = next(c for c in contacts_by_rep["bob"] if c["stage"] == "lead" and c["email"] in shared)
        bob.run("stage", lead["email"], "customer", "--note", "signed")
        bob.run("publish")
        self.assert_team_view_is_union({"alice": alice, "bob": bob})
        moved = next(c for c in self.team_view(alice)["contacts"] if c["email"] == lead["email"])
        self.assertEqual(moved["stage"], "customer")

        # Forgetting a person withdraws them from the team tables too.
        alice.run("forget", lead["email"])
        alice.run("publish")
        rows = self.postgres.query("SELECT rep FROM team_contacts WHERE email = '%s' ORDER BY rep" % lead["email"])
        self.assertEqual(rows, [["bob"]])
        self.assert_team_view_is_union({"alice": alice, "bob": bob})

    def test_export_writes_every_contact_for_a_crm_import(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        contacts = {c["email"]: c for c in self.contacts(alice)}
        text = alice.run("export", "--format", "csv").stdout
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(rows[0], ["email", "first name", "last name", "company", "stage", "last contacted"])
        self.assertEqual(sorted(row[0] for row in rows[1:]), sorted(contacts))
        self.assertEqual([row[0] for row in rows[1:]], sorted(row[0] for row in rows[1:]))
        for email, first, last, company, stage, last_contacted in rows[1:]:
            contact = contacts[email]
            self.assertEqual(stage, contact["stage"])
            self.assertEqual(company, contact["company"] or "")
            self.assertEqual(" ".join(part for part in (first, last) if part) != "", bool(contact["name"]))
            latest = max(filter(None, (contact["last_inbound"], contact["last_outbound"])), default="")
            self.assertEqual(last_contacted, latest)
        lines = alice.run("export", "--format", "jsonl", "--stage", "prospect").stdout.splitlines()
        exported = [json.loads(line) for line in lines]
        self.assertEqual(sorted(e["email"] for e in exported),
                         sorted(e for e, c in contacts.items() if c["stage"] == "prospect"))
        self.assertTrue(all(e["stage"] == "prospect" and "last_contacted" in e for e in exported))
        bad = alice.run("export", "--format", "xlsx", check=False)
        self.assertEqual(bad.returncode, 2)

    def test_stage_change_shows_in_the_team_view_within_seconds_and_the_page_api_agrees(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        daemon = self.start_daemon(alice)
        self.wait_outbox_empty(alice)
        contact = next(c for c in self.contacts(alice) if c["stage"] == "prospect")
        started = time.monotonic()
        response = daemon.request("POST", "/api/contacts/%s/stage" % contact["email"],
                                  body={"stage": "opportunity", "note": "demo booked"},
                                  headers={"Content-Type": "application/json"})
        self.assertEqual(response.status, 200, response.body)

        def visible():
            view = daemon.get_json("/api/team")
            return any(c["email"] == contact["email"] and c["stage"] == "opportunity" for c in view["contacts"])
        self.assertTrue(harness.wait_for(visible, 30, interval=0.05))
        elapsed = time.monotonic() - started
        print("\nstage change visible in the team view after %.2f s" % elapsed)
        self.assertLess(elapsed, 10)  # the target is 2 s (see bench notes); this bounds a regression
        api_view = daemon.get_json("/api/team")
        self.assert_team_view_is_union({"alice": alice}, api_view)
        # Without credentials the team view is as private as the rest of the API.
        self.assertEqual(daemon.request("GET", "/api/team", auth=False).status, 401)


class TeamFaultTest(TeamTestCase):
    def test_the_local_pipeline_works_while_postgres_is_down_and_catches_up(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        daemon = self.start_daemon(alice)
        self.wait_outbox_empty(alice)
        self.postgres.stop()
        try:
            contact = next(c for c in self.contacts(alice) if c["stage"] == "lead")
            moved = daemon.request("POST", "/api/contacts/%s/stage" % contact["email"],
                                   body={"stage": "disqualified"}, headers={"Content-Type": "application/json"})
            self.assertEqual(moved.status, 200, moved.body)
            self.assertEqual(json.loads(alice.run("contact", contact["email"], "--json").stdout)["stage"],
                             "disqualified")
            self.assertEqual(daemon.request("POST", "/api/sync").status, 202)
            status = {}

            def error_shown():
                status["doc"] = daemon.get_json("/api/status")
                team = [t for t in status["doc"]["publishing"] if t["kind"] == "team"]
                return team and team[0]["state"] == "error" and status["doc"]["outbox"]["pending"] >= 1
            self.assertTrue(harness.wait_for(error_shown, 30, interval=0.2), status.get("doc"))
            team = [t for t in status["doc"]["publishing"] if t["kind"] == "team"][0]
            self.assertNotIn("\n", team["last_error"])
            self.assertNotIn(self.postgres.password, json.dumps(status["doc"]))
            self.assertNotIn(self.postgres.password, daemon.log())
            # The page and the API keep working; the team view says why it cannot answer.
            self.assertEqual(daemon.request("GET", "/").status, 200)
            self.assertEqual(daemon.request("GET", "/api/team").status, 503)
            failed = alice.run("team", "--json", check=False)
            self.assertEqual(failed.returncode, 1)
            self.assertEqual(len(failed.stderr.strip().splitlines()), 1, failed.stderr)
        finally:
            self.postgres.start()
        self.wait_outbox_empty(alice, timeout=180)
        self.assert_team_view_is_union({"alice": alice})

    def test_postgres_stopped_and_crashed_while_publishing_converges_to_the_same_tables(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        daemon = self.start_daemon(alice)
        rng = random.Random(11)
        contacts = [c["email"] for c in self.contacts(alice)]
        rng.shuffle(contacts)
        stages = ["prospect", "opportunity", "customer", "disqualified", "lead"]
        for round_number in range(5):
            # Changes the publisher is busy sending when the server goes away (fast shutdown, or a
            # crash of every server process), then comes back.
            for index in range(4):
                email = contacts[round_number * 4 + index]
                daemon.request("POST", "/api/contacts/%s/stage" % email,
                               body={"stage": stages[(round_number + index) % len(stages)]},
                               headers={"Content-Type": "application/json"})
            time.sleep(rng.uniform(0.0, 0.4))
            if round_number % 2:
                self.postgres.kill()
            else:
                self.postgres.stop()
            time.sleep(rng.uniform(0.2, 1.0))
            self.postgres.start()
        self.wait_outbox_empty(alice, timeout=180)
        self.assert_team_view_is_union({"alice": alice})
        events = int(self.postgres.query("SELECT count(*) FROM team_stage_events WHERE rep = 'alice'")[0][0])
        self.assertEqual(events, len(stage_history(alice)))

    def test_a_newer_team_schema_stops_publishing_with_one_line(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        alice.run("publish")
        self.postgres.query("UPDATE prospectd_schema SET version = 99")
        alice.run("stage", self.contacts(alice)[0]["email"], "customer")
        result = alice.run("publish", "--timeout", "5", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("newer than this prospectd", result.stderr)
        status = json.loads(alice.run("status", "--json").stdout)
        team = [t for t in status["publishing"] if t["kind"] == "team"][0]
        self.assertEqual(team["state"], "error")
        self.assertIn("newer than this prospectd", team["last_error"])
        self.assertGreaterEqual(status["outbox"]["pending"], 1)

    def test_a_rep_who_leaves_the_team_config_stops_publishing_and_nothing_else_changes(self):
        alice = self.make_app("alice", self.alice_dovecot)
        alice.run("sync")
        daemon = self.start_daemon(alice)
        self.wait_outbox_empty(alice)
        published = self.postgres.query("SELECT email, stage FROM team_contacts ORDER BY email")
        with open(alice.config, encoding="utf-8") as f:
            text = f.read()
        start = text.index("[team]")
        end = text.index("\n\n", start)
        with open(alice.config, "w", encoding="utf-8") as f:
            f.write(text[:start] + text[end:])
        daemon.process.send_signal(harness.signal.SIGHUP)
        self.assertTrue(harness.wait_for(lambda: not daemon.get_json("/api/status")["publishing"], 30))
        before = alice.snapshot()
        contact = self.contacts(alice)[0]
        moved = daemon.request("POST", "/api/contacts/%s/stage" % contact["email"], body={"stage": "customer"},
                               headers={"Content-Type": "application/json"})
        self.assertEqual(moved.status, 200)
        time.sleep(2)
        self.assertEqual(self.postgres.query("SELECT email, stage FROM team_contacts ORDER BY email"), published)
        self.assertEqual(daemon.get_json("/api/status")["outbox"]["pending"], 0)
        after = alice.snapshot()
        # Only the manual move changed locally.
        self.assertEqual(len(after["history"]), len(before["history"]) + 1)
        self.assertEqual(after["messages"], before["messages"])

    def test_wrong_password_is_one_clear_line_and_changes_nothing_locally(self):
        alice = self.make_app("alice", self.alice_dovecot)
        wrong = os.path.join(self.work, "wrong-password")
        with open(wrong, "w", encoding="utf-8") as f:
            f.write("not-the-password\n")
        os.chmod(wrong, 0o600)
        with open(alice.config, encoding="utf-8") as f:
            text = f.read()
        with open(alice.config, "w", encoding="utf-8") as f:
            f.write(text.replace(self.password_file, wrong))
        alice.run("sync")
        before = alice.snapshot()
        result = alice.run("publish", "--timeout", "5", check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("password authentication failed", result.stderr)
        self.assertNotIn("not-the-password", result.stderr)
        team = alice.run("team", check=False)
        self.assertEqual(team.returncode, 1)
        self.assertEqual(len(team.stderr.strip().splitlines()), 1, team.stderr)
        self.assertEqual(alice.snapshot(), before)

    def test_bad_team_and_webhook_config_is_an_error_with_file_line_and_key(self):
        cases = [
            ('[team]\ndatabase = "postgresql://u:secret@db/x"\nrep = "a"\n', "team.database", "password"),
            ('[team]\ndatabase = "mysql://db/x"\nrep = "a"\n', "team.database", "PostgreSQL URI"),
            ('[team]\ndatabase = "postgresql://db/x"\n', "team.rep", "missing"),
            ('[[webhooks]]\nurl = "ftp://hooks.example/x"\nsecret_env = "S"\n', "webhooks[0].url", "https"),
            ('[[webhooks]]\nurl = "http://hooks.example/x"\nsecret_env = "S"\n', "webhooks[0].url", "loopback"),
            ('[[webhooks]]\nurl = "https://hooks.example/x"\n', "webhooks[0].secret_file", "missing"),
            ('[[webhooks]]\nurl = "https://h.example/x"\nsecret_env = "S"\nevents = ["x"]\n', "webhooks[0].events",
             "unknown event"),
        ]
        for index, (toml, key, words) in enumerate(cases):
            config = os.path.join(self.work, "bad-%d.toml" % index)
            with open(config, "w", encoding="utf-8") as f:
                f.write('data_dir = "%s"\n%s' % (os.path.join(self.work, "data"), toml))
            result = harness.subprocess.run([harness.BINARY, "--config", config, "status"], capture_output=True,
                                            text=True)
            self.assertEqual(result.returncode, 2, (toml, result.stderr))
            self.assertRegex(result.stderr, r"bad-%d\.toml:\d+: %s: " % (index, key.replace("[", r"\[").replace(
                "]", r"\]")))
            self.assertIn(words, result.stderr)
            self.assertNotIn("secret@", result.stderr)


if __name__ == "__main__":
    unittest.main()
