"""`prospectd run` as a service against a real Dovecot: IDLE turns a new reply into a promotion
within seconds, SIGHUP adds an account, SIGTERM mid-sync exits 0 and the next run resumes
without loss or duplicates (issue: runs as a service)."""
import email.utils
import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse

import harness
from harness import Daemon, Dovecot, Prospectd, imap_account


def email_date():
    return email.utils.formatdate(time.time(), usegmt=True)


class DaemonTest(harness.TempDirTestCase):
    def start_mailbox(self, name, messages, seed):
        mail_dir = os.path.join(self.tmp, name)
        truth = harness.generate_mailbox(mail_dir, messages, seed)
        dovecot = Dovecot(mail_dir).start()
        self.addCleanup(dovecot.stop)
        return truth, dovecot

    def start_daemon(self, accounts, poll="10m"):
        port = harness.free_port()
        for account in accounts:
            account["poll_interval"] = poll
        app = Prospectd(os.path.join(self.tmp, "app"), accounts, extra=harness.http_section(port))
        daemon = Daemon(app, port).start()
        self.addCleanup(daemon.stop)
        return app, daemon

    def stage_of(self, daemon, email):
        response = daemon.request("GET", "/api/contacts/" + urllib.parse.quote(email))
        return response.json()["stage"] if response.status == 200 else None

    def test_a_new_reply_promotes_a_lead_within_seconds_through_idle(self):
        truth, dovecot = self.start_mailbox("mail", 600, 31)
        # A poll interval of 10 minutes: only IDLE can make this fast.
        app, daemon = self.start_daemon([imap_account(dovecot)], poll="10m")
        daemon.wait_until_synced()
        time.sleep(1.0)  # let the worker enter IDLE
        harness.extend_mailbox(dovecot.mail_dir, 8, 32)
        with open(os.path.join(dovecot.mail_dir, "promoted.json"), encoding="utf-8") as f:
            promoted = json.load(f)
        self.assertTrue(promoted, "the extension promoted nobody")
        started = time.monotonic()
        self.assertTrue(harness.wait_for(lambda: all(self.stage_of(daemon, e) == "prospect" for e in promoted), 5.0),
                        "not promoted within 5 s:\n" + daemon.log()[-2000:])
        elapsed = time.monotonic() - started
        print("promotion seen through the API %.2f s after the reply landed" % elapsed)
        detail = daemon.get_json("/api/contacts/" + urllib.parse.quote(promoted[0]))
        self.assertEqual(detail["history"][-1]["to"], "prospect")
        self.assertEqual(detail["history"][-1]["actor"], "rule")
        self.assertEqual(daemon.stop(), 0)

    def test_the_reps_own_reply_in_sent_promotes_within_seconds_through_idle(self):
        truth, dovecot = self.start_mailbox("mail", 400, 35)
        app, daemon = self.start_daemon([imap_account(dovecot)], poll="10m")
        daemon.wait_until_synced()
        waiting = sorted(e for e, c in truth["contacts"].items()
                         if c["stage"] == "lead" and c["inbound_count"] > 0 and c["outbound_count"] == 0)
        self.assertTrue(waiting, "the mailbox has no lead who wrote and got no answer")
        email = waiting[0]
        thread = daemon.get_json("/api/threads?contact=" + urllib.parse.quote(email))[0]
        reply = os.path.join(self.tmp, "reply.eml")
        with open(reply, "w", encoding="utf-8") as f:
            f.write("From: Alex Morgan <rep@acme-sales.com>\r\nTo: %s\r\nSubject: Re: %s\r\n"
                    "Date: %s\r\nMessage-ID: <reply-from-sent@acme-sales.com>\r\nIn-Reply-To: <%s>\r\n\r\n"
                    "Thanks, let's talk.\r\n" % (email, thread["subject"], email_date(), thread["message_ids"][-1]))
        time.sleep(1.0)  # let the worker enter IDLE on INBOX and Sent
        started = time.monotonic()
        subprocess.run([sys.executable, os.path.join(harness.SCRIPTS, "imap_append.py"), "--port", str(dovecot.port),
                        "append", "Sent", reply], check=True, capture_output=True)
        # A poll interval of 10 minutes: only IDLE on Sent can make this fast.
        self.assertTrue(harness.wait_for(lambda: self.stage_of(daemon, email) == "prospect", 5.0),
                        "not promoted within 5 s:\n" + daemon.log()[-2000:])
        print("the rep's reply in Sent promoted %s %.2f s after it landed" % (email, time.monotonic() - started))
        self.assertEqual(daemon.stop(), 0)

    def test_sighup_adds_an_account_without_a_restart_and_a_bad_config_keeps_the_old_one(self):
        _, first = self.start_mailbox("first", 300, 33)
        truth_second, second = self.start_mailbox("second", 300, 34)
        app, daemon = self.start_daemon([imap_account(first, name="first")])
        daemon.wait_until_synced()
        pid = daemon.process.pid

        with open(app.config, encoding="utf-8") as f:
            good = f.read()
        with open(app.config, "w", encoding="utf-8") as f:
            f.write(good + "\n[[accounts]]\nname = \"broken\"\ntype = \"imap\"\nurl = \"ftp://x\"\n")
        daemon.process.send_signal(signal.SIGHUP)
        self.assertTrue(harness.wait_for(lambda: "keeping the old one" in daemon.log(), 10), daemon.log())
        self.assertEqual([a["name"] for a in daemon.get_json("/api/status")["accounts"]], ["first"])

        extra = imap_account(second, name="second", poll_interval="10m")
        with open(app.config, "w", encoding="utf-8") as f:
            f.write(good + "\n[[accounts]]\n" + "".join("%s = %s\n" % (k, json.dumps(v)) for k, v in extra.items()))
        daemon.process.send_signal(signal.SIGHUP)

        def second_synced():
            accounts = {a["name"]: a for a in daemon.get_json("/api/status")["accounts"]}
            return "second" in accounts and accounts["second"]["state"] == "ok"
        self.assertTrue(harness.wait_for(second_synced, 60), daemon.log())
        self.assertEqual(daemon.process.pid, pid)
        self.assertIsNone(daemon.process.poll())
        accounts = {a["name"]: a for a in daemon.get_json("/api/status")["accounts"]}
        self.assertEqual(accounts["second"]["messages"], truth_second["totals"]["unique_messages"])
        self.assertEqual(daemon.stop(), 0)

    def test_sigterm_during_an_initial_sync_exits_0_and_the_next_run_resumes(self):
        truth, dovecot = self.start_mailbox("mail", 12000, 35)
        reference = Prospectd(os.path.join(self.tmp, "reference"), [imap_account(dovecot, batch_size=200)])
        reference.run("sync")
        expected = reference.snapshot()

        port = harness.free_port()
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=200)],
                        extra=harness.http_section(port))
        daemon = Daemon(app, port).start()

        def mid_sync():
            status = daemon.get_json("/api/status")
            progress = status["accounts"][0]["progress"] if status["accounts"] else None
            return progress is not None and progress["done"] > 0
        self.assertTrue(harness.wait_for(mid_sync, 60, interval=0.02), daemon.log())
        started = time.monotonic()
        self.assertEqual(daemon.stop(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 10)
        partial = app.snapshot()
        self.assertLess(len(partial["messages"]), len(expected["messages"]), "the sync had already finished")
        self.assertEqual(partial["integrity"], "ok")

        app.run("sync")
        final = app.snapshot()
        for key in ("messages", "locations", "addresses", "threads", "checkpoints", "contacts", "history"):
            self.assertEqual(final[key], expected[key], key)


if __name__ == "__main__":
    import unittest
    unittest.main()
