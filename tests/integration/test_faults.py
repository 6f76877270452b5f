"""Faults the network, the machine and senders produce: dropped, stalled and truncated
connections, SIGKILL at random points, a full disk, and hostile mail. Nothing may be lost,
duplicated or corrupted (issue: hardening)."""
import os
import random
import subprocess
import time
import unittest

import harness
from fault_proxy import FaultProxy
from harness import Dovecot, Prospectd, imap_account

COMPARED = ("messages", "locations", "addresses", "threads", "checkpoints", "contacts", "history")


class FaultTest(harness.TempDirTestCase):
    def reference_snapshot(self, dovecot, **account):
        reference = Prospectd(os.path.join(self.tmp, "reference"), [imap_account(dovecot, **account)])
        reference.run("sync")
        return reference.snapshot()

    def assert_same_store(self, actual, expected):
        self.assertEqual(actual["integrity"], "ok")
        for key in COMPARED:
            self.assertEqual(actual[key], expected[key], "store differs from an undisturbed run in %s" % key)

    def test_dropped_stalled_and_truncated_connections_lose_nothing(self):
        truth, dovecot = self.start_mailbox(4000, 41)
        expected = self.reference_snapshot(dovecot, batch_size=100)
        proxy = FaultProxy(dovecot.port, seed=41, drop=0.35, stall=0.15, truncate=0.3)
        self.addCleanup(proxy.stop)
        app = Prospectd(os.path.join(self.tmp, "app"),
                        [imap_account(dovecot, url="imap://127.0.0.1:%d" % proxy.port, starttls="off",
                                      batch_size=100)])
        failures = 0
        for attempt in range(60):
            result = app.run("sync", check=False, timeout=120)
            if result.returncode == 0:
                break
            failures += 1
            self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        else:
            self.fail("the sync never completed through the faulty proxy: %s" % proxy.faults)
        print("faults injected: %s; failed runs before success: %d" % (proxy.faults, failures))
        self.assertGreater(failures, 0, "no fault hit the sync; the test proved nothing")
        self.assert_same_store(app.snapshot(), expected)

    def test_twenty_sigkills_during_a_long_sync_leave_an_identical_store(self):
        truth, dovecot = self.start_mailbox(12000, 42)
        expected = self.reference_snapshot(dovecot, batch_size=100)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=100)])
        rng = random.Random(42)
        kills = 0
        for _ in range(80):
            process = app.spawn("sync")
            time.sleep(rng.uniform(0.03, 0.15))
            if process.poll() is not None:
                process.communicate()
                break
            harness.kill9(process)
            kills += 1
            if os.path.exists(app.store):  # a kill in the first milliseconds may precede the file
                self.assertEqual(app.snapshot()["integrity"], "ok")
            if kills >= 20:
                break
        self.assertGreaterEqual(kills, 20)
        app.run("sync")
        self.assert_same_store(app.snapshot(), expected)

    def test_a_full_disk_gives_a_clear_error_keeps_the_store_and_recovers(self):
        truth, dovecot = self.start_mailbox(3000, 43)
        expected = self.reference_snapshot(dovecot, batch_size=200)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=200)])
        os.makedirs(app.data_dir)
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1500k,mode=0700", "tmpfs", app.data_dir],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:
            self.skipTest("cannot mount a small tmpfs here (needs root): " + mounted.stderr.strip())
        self.addCleanup(subprocess.run, ["umount", "-l", app.data_dir], capture_output=True)
        result = app.run("sync", check=False)
        self.assertNotEqual(result.returncode, 0, "the sync fitted in 1.5 MB; the disk never filled")
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        self.assertRegex(result.stderr, r"(?i)full|no space")
        partial = app.snapshot()
        self.assertEqual(partial["integrity"], "ok")
        self.assertLess(len(partial["messages"]), len(expected["messages"]))
        # Whatever was committed is whole: each stored location belongs to a stored message.
        self.assertEqual(len(partial["locations"]), len({row[1] for row in partial["locations"]}))
        subprocess.run(["mount", "-o", "remount,size=64m", app.data_dir], check=True)
        app.run("sync")
        self.assert_same_store(app.snapshot(), expected)

    def test_hostile_mail_is_stored_sensibly_with_bounded_memory(self):
        mail_dir = os.path.join(self.tmp, "mail")
        truth = harness.generate_mailbox(mail_dir, 200, 44)
        hostile = write_hostile_messages(os.path.join(mail_dir, "Maildir", "cur"))
        dovecot = Dovecot(mail_dir).start()
        self.addCleanup(dovecot.stop)
        app = Prospectd(os.path.join(self.tmp, "app"), [imap_account(dovecot, batch_size=20)])
        rss_file = os.path.join(self.tmp, "rss")
        env, limit_mb = dict(os.environ), 128
        if harness.SANITIZED:
            # ASan parks freed memory in a quarantine (256 MB by default) and adds shadow memory
            # and redzones: a small quarantine keeps the peak about what prospectd itself holds,
            # and the bound allows ASan's ~3x overhead.
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=8:thread_local_quarantine_size_kb=64"
            limit_mb = 384
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss_file, harness.BINARY, "--config", app.config, "sync"],
                       check=True, capture_output=True, env=env)
        with open(rss_file, encoding="utf-8") as f:
            peak_mb = int(f.read().split()[-1]) / 1024
        print("peak RSS of the sync with hostile mail: %.1f MB (bound %d MB)" % (peak_mb, limit_mb))
        self.assertLess(peak_mb, limit_mb, "memory is not bounded by the hostile headers")
        stored = app.query("SELECT COUNT(*) FROM message_locations")[0][0]
        self.assertEqual(stored, truth["totals"]["messages"] + len(hostile))
        # The 10,000-recipient message keeps every address: From, the rep and 10,000 others.
        recipients = app.addresses("WHERE subject = 'hostile: many recipients'")
        self.assertEqual(len(recipients), 10002)
        # Text stays valid UTF-8 whatever the bytes were (sqlite3 would raise on invalid UTF-8).
        for (subject,) in app.query("SELECT subject FROM messages WHERE subject LIKE 'hostile:%'"):
            self.assertIsInstance(subject, str)
        # A References loop and a self-reference do not hang threading; they form one thread.
        (loop_threads,) = app.query("SELECT COUNT(DISTINCT thread_id) FROM messages"
                                    " WHERE subject LIKE 'hostile: loop%'")[0]
        self.assertEqual(loop_threads, 1)
        status = app.run("status", "--json")
        self.assertEqual(status.returncode, 0)


def write_hostile_messages(cur_dir):
    """Writes hostile messages into a Maildir cur/ folder; returns their file names."""
    def address(i):
        return "person%d@example-%d.com" % (i, i % 97)

    huge_references = " ".join("<ref%d@flood.example>" % i for i in range(40000))  # ~1 MB header
    messages = {
        "many-recipients": ("From: Flood <flood@spam.example>\nTo: rep@acme-sales.com, %s\n"
                            "Subject: hostile: many recipients\nMessage-ID: <many@hostile.example>\n"
                            "Date: Mon, 1 Jul 2024 10:00:00 +0000\n" % ",\n ".join(address(i) for i in range(10000))),
        "huge-references": ("From: a@hostile.example\nTo: rep@acme-sales.com\nSubject: hostile: huge references\n"
                            "Message-ID: <huge@hostile.example>\nReferences: %s\n"
                            "Date: Mon, 1 Jul 2024 10:00:00 +0000\n" % huge_references),
        "nul-and-invalid-utf8": (b"From: =?utf-8?B?////?= <nul@hostile.example>\nTo: rep@acme-sales.com\n"
                                 b"Subject: hostile: bytes \x00\xff\xfe =?x-unknown?Q?bad?= =?utf-8?Q?=FF=FE?=\n"
                                 b"Message-ID: <bytes@hostile.example>\nDate: not a date at all\n"),
        "loop-a": ("From: b@hostile.example\nTo: rep@acme-sales.com\nSubject: hostile: loop a\n"
                   "Message-ID: <loop-a@hostile.example>\nReferences: <loop-b@hostile.example> <loop-a@hostile.example>\n"
                   "In-Reply-To: <loop-b@hostile.example>\nDate: Mon, 1 Jul 2024 10:00:00 +0000\n"),
        "loop-b": ("From: b@hostile.example\nTo: rep@acme-sales.com\nSubject: hostile: loop b\n"
                   "Message-ID: <loop-b@hostile.example>\nReferences: <loop-a@hostile.example>\n"
                   "In-Reply-To: <loop-a@hostile.example>\nDate: Mon, 1 Jul 2024 10:00:01 +0000\n"),
        "colliding-id": ("From: c@hostile.example\nTo: rep@acme-sales.com\nSubject: hostile: colliding id\n"
                         "Message-ID: <loop-a@hostile.example>\nDate: Mon, 1 Jul 2024 10:00:02 +0000\n"),
        "tagged-line": ("From: d@hostile.example\nTo: rep@acme-sales.com\nSubject: hostile: tagged line\n"
                        "X-Note: p3 OK UID FETCH completed\nMessage-ID: <tagged@hostile.example>\n"
                        "Date: Mon, 1 Jul 2024 10:00:00 +0000\n"),
    }
    names = []
    for index, (name, header) in enumerate(messages.items()):
        data = (header if isinstance(header, bytes) else header.encode("utf-8")) + b"\nhostile body\n"
        file_name = "%d.M%dP1.hostile,S=%d:2,S" % (1720000000 + index, index, len(data))
        with open(os.path.join(cur_dir, file_name), "wb") as f:
            f.write(data)
        names.append(file_name)
    return names


if __name__ == "__main__":
    unittest.main()
