"""prospectd against real Cyrus IMAP and Courier-IMAP servers (scripts/cyrus_testbed.sh and
scripts/courier_testbed.sh), each compared with Dovecot serving the same generated mailbox: the
CRM a sync builds from either server must be the same -- after the initial sync, after an
incremental one, after a UIDVALIDITY change -- and IDLE, TLS and a wrong password must work as
they do against Dovecot. One test class per server; the tests are the mixin's."""
import concurrent.futures
import imaplib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import unittest

import harness
from harness import Daemon, Dovecot, Prospectd, imap_account
from imap_servers import Courier, Cyrus

MESSAGES = 300
CLI_SAMPLE = 30  # contacts compared through `contact EMAIL --json` per check
SEED = 41
# Control characters but tab and newline: none may reach a terminal or a JSON consumer raw.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def fetched_count(sync_output):
    match = re.search(r"\((\d+) fetched", sync_output)
    assert match, "no summary line in: %r" % sync_output
    return int(match.group(1))


def server_folders(server):
    """The folders the server lists, by name."""
    c = imaplib.IMAP4("127.0.0.1", server.port)
    try:
        c.login(harness.USER, harness.PASSWORD)
        typ, data = c.list()
        assert typ == "OK", data
        return {re.search(rb'"[^"]*" "?(.*?)"?$', line).group(1).decode() for line in data if line}
    finally:
        c.logout()


class ExamineHook:
    """A TCP proxy to a plain-IMAP port that runs `hook` once, just before it passes on the first
    EXAMINE of a connection that sent no LIST -- the IDLE watcher's, not the sync's -- so mail
    arrives after the sync looked at the folder and before IDLE starts. Bounded: at most 50
    connections; stop() ends every thread."""

    def __init__(self, target_port, hook):
        self.target_port = target_port
        self.hook = hook
        self.error = None
        self.fired = threading.Event()
        self.stopping = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.listener.settimeout(0.2)
        for _ in range(50):
            while not self.stopping.is_set():
                try:
                    client, _ = self.listener.accept()
                    break
                except socket.timeout:
                    continue
                except OSError:
                    return
            else:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source, sink, from_client):
        listed = False
        source.settimeout(0.5)
        try:
            while not self.stopping.is_set():
                try:
                    data = source.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                if from_client:
                    listed = listed or b" LIST " in data
                    if not listed and b" EXAMINE " in data and not self.fired.is_set():
                        try:
                            self.hook()
                        except Exception as error:  # reported by the test, which waits for fired
                            self.error = error
                        self.fired.set()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()

    def stop(self):
        self.stopping.set()
        self.listener.close()
        self.thread.join(timeout=5)


def normalised(contacts, threads, details):
    """Thread ids are row ids, numbered in the order a sync stored the threads, and each server
    hands out UIDs (so the fetch order) its own way: a thread is named by its sorted message ids
    instead, and lists ordered by thread id are ordered by that name."""
    name = {thread["id"]: sorted(thread["message_ids"]) for thread in threads}
    threads = sorted((dict(thread, id=name[thread["id"]]) for thread in threads), key=lambda t: t["id"])
    named = {}
    for email, detail in details.items():
        detail = dict(detail)
        detail["threads"] = sorted((dict(t, id=name[t["id"]]) for t in detail["threads"]), key=lambda t: t["id"])
        detail["history"] = [dict(event, thread=None if event["thread"] is None else name[event["thread"]])
                             for event in detail["history"]]
        named[email] = detail
    return contacts, threads, named


class ServerComparison:
    """The tests of one server (SERVER: imap_servers.Cyrus or Courier) against Dovecot. The class
    shares the two mailboxes -- generated alike, extended alike -- and their servers; each test
    syncs new stores of its own."""
    SERVER = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        started = time.monotonic()
        cls.root = tempfile.mkdtemp(prefix="prospectd-%s-" % cls.SERVER.NAME)
        os.chmod(cls.root, 0o755)  # the servers' unprivileged mail user must reach the Maildirs
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            cls.addClassCleanup(shutil.rmtree, cls.root, ignore_errors=True)
        cls.extensions = []
        cls.truth = harness.generate_mailbox(cls.mail_dir("dovecot"), MESSAGES, SEED)
        own = harness.generate_mailbox(cls.mail_dir(cls.SERVER.NAME), MESSAGES, SEED)
        assert own == cls.truth, "gen_mailbox.py made two different mailboxes from one seed"
        cls.dovecot = Dovecot(cls.mail_dir("dovecot")).start()
        cls.addClassCleanup(cls.dovecot.stop)
        cls.server = cls.SERVER(cls.mail_dir(cls.SERVER.NAME)).start()
        cls.addClassCleanup(cls.server.stop)
        print("%s: %d messages generated twice, Dovecot and %s started in %.1f s"
              % (cls.__name__, MESSAGES, cls.SERVER.NAME, time.monotonic() - started))

    @classmethod
    def mail_dir(cls, name):
        return os.path.join(cls.root, name)

    @classmethod
    def extend(cls, messages, seed, arrived=None):
        """The same new messages in both mailboxes, then delivered to the server (Cyrus keeps its
        own spool); calls arrived() just before the server's copy is made. Returns how many
        message files were added."""
        before = cls.truth["totals"]["messages"]
        truth = harness.extend_mailbox(cls.mail_dir("dovecot"), messages, seed)
        if arrived:
            arrived()
        own = harness.extend_mailbox(cls.mail_dir(cls.SERVER.NAME), messages, seed)
        cls.server.deliver()
        assert own == truth, "gen_mailbox.py extended the two mailboxes differently"
        cls.extensions.append((messages, seed))
        cls.truth = truth
        return truth["totals"]["messages"] - before

    def app(self, server, name, **overrides):
        return Prospectd(os.path.join(self.tmp, name), [imap_account(server, **overrides)])

    def synced_pair(self):
        """A store synced from Dovecot and one synced from the server."""
        reference = self.app(self.dovecot, "dovecot")
        reference.run("sync")
        app = self.app(self.server, self.server.NAME)
        app.run("sync")
        return reference, app

    def views(self, app, emails):
        contacts = json.loads(app.run("contacts", "--json").stdout)
        threads = json.loads(app.run("threads", "--json").stdout)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            details = list(pool.map(lambda email: json.loads(app.run("contact", email, "--json").stdout), emails))
        return normalised(contacts, threads, dict(zip(emails, details)))

    def assert_same_crm(self, reference, app, every_contact=False):
        """contacts --json, threads --json and contact EMAIL --json (every contact's, or those of
        the contacts that moved past lead) as from Dovecot, and the same messages, threads,
        contacts and stage history in the store (not the folder names or UIDs)."""
        expected_store, actual_store = reference.snapshot(), app.snapshot()
        for key in ("messages", "addresses", "threads", "contacts", "history"):
            self.assertEqual(actual_store[key], expected_store[key], "the store differs from Dovecot's in " + key)
        self.assertEqual(actual_store["integrity"], "ok")
        contacts = json.loads(reference.run("contacts", "--json").stdout)
        emails = [c["email"] for c in contacts if every_contact or c["stage"] != "lead"]
        # Every contact's history is compared in the store above; through the CLI, a sample (each
        # `contact --json` is a process start, slow under the sanitizers): those past lead first.
        emails = sorted(emails, key=lambda e: (next(c["stage"] for c in contacts if c["email"] == e) == "lead", e))
        emails = emails[:CLI_SAMPLE]
        expected, actual = self.views(reference, emails), self.views(app, emails)
        self.assertEqual(actual[0], expected[0], "contacts --json differs from Dovecot's")
        self.assertEqual(actual[1], expected[1], "threads --json differs from Dovecot's")
        for email in emails:
            self.assertEqual(actual[2][email], expected[2][email], "contact %s --json differs from Dovecot's" % email)
        return len(emails)

    def assert_complete(self, app):
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        (distinct,) = app.query("SELECT COUNT(DISTINCT message_id) FROM messages")[0]
        self.assertEqual(stored, self.truth["totals"]["unique_messages"])
        self.assertEqual(distinct, stored, "duplicate messages")

    def test_initial_sync_matches_dovecot(self):
        reference = self.app(self.dovecot, "dovecot")
        reference.run("sync")
        app = self.app(self.server, self.server.NAME)
        started = time.monotonic()
        result = app.run("sync")
        print("%s: initial sync of %d messages in %.2f s: %s" % (self.server.NAME, self.truth["totals"]["messages"],
                                                                time.monotonic() - started, result.stdout.strip()))
        self.assertEqual(fetched_count(result.stdout), self.truth["totals"]["messages"])
        self.assert_complete(app)
        per_folder = dict(app.query("SELECT folder, COUNT(*) FROM message_locations GROUP BY folder"))
        self.assertEqual(per_folder, {"INBOX": self.truth["totals"]["inbox"],
                                      self.server.sent_folder: self.truth["totals"]["sent"]})
        status = json.loads(app.run("status", "--json").stdout)
        (account,) = status["accounts"]
        self.assertEqual(account["state"], "ok")
        self.assertEqual(sorted(f["name"] for f in account["folders"]), sorted(["INBOX", self.server.sent_folder]))
        for folder in account["folders"]:
            self.assertEqual(folder["server_count"], folder["stored_count"], folder)
        compared = self.assert_same_crm(reference, app, every_contact=True)
        print("%s: contacts, threads and %d contacts' histories as from Dovecot" % (self.server.NAME, compared))

    def test_incremental_sync_matches_dovecot(self):
        reference, app = self.synced_pair()
        self.assertEqual(fetched_count(app.run("sync").stdout), 0, "a no-change sync fetched messages")
        added = self.extend(30, 101)
        self.assertGreater(added, 0)
        reference.run("sync")
        self.assertEqual(fetched_count(app.run("sync").stdout), added)
        self.assert_complete(app)
        self.assert_same_crm(reference, app)

    def start_daemon(self, account):
        port = harness.free_port()
        account["poll_interval"] = "10m"  # only IDLE can make anything fast
        app = Prospectd(os.path.join(self.tmp, "daemon"), [account], extra=harness.http_section(port))
        daemon = Daemon(app, port).start()
        self.addCleanup(daemon.stop)
        return daemon

    def stored_messages(self, daemon):
        accounts = daemon.get_json("/api/status")["accounts"]
        return accounts[0]["messages"] if accounts else 0

    def test_idle_reports_new_mail_within_seconds(self):
        daemon = self.start_daemon(imap_account(self.server))
        daemon.wait_until_synced()
        time.sleep(1.0)  # let the worker enter IDLE
        arrived = {}
        self.extend(8, 102, arrived=lambda: arrived.setdefault("at", time.monotonic()))
        expected = self.truth["totals"]["unique_messages"]
        self.assertTrue(harness.wait_for(lambda: self.stored_messages(daemon) == expected, 20, interval=0.05),
                        "new mail not stored within 20 s (poll interval 10 min):\n%s\n%s"
                        % (daemon.log()[-2000:], self.server.logs()))
        elapsed = time.monotonic() - arrived["at"]
        print("%s: new INBOX mail stored %.2f s after it arrived (IDLE)" % (self.server.NAME, elapsed))
        self.assertLess(elapsed, 10)
        self.assertEqual(daemon.stop(), 0)

    def test_mail_arriving_between_the_sync_and_idle_is_not_left_for_the_next_poll(self):
        arrived = {}
        proxy = ExamineHook(self.server.port, lambda: self.extend(
            6, 103, arrived=lambda: arrived.setdefault("at", time.monotonic())))
        self.addCleanup(proxy.stop)
        daemon = self.start_daemon(imap_account(self.server, url="imap://127.0.0.1:%d" % proxy.port,
                                                starttls="off", ca_file=None))
        self.assertTrue(harness.wait_for(proxy.fired.is_set, 60), "the daemon never examined a folder to IDLE on")
        if proxy.error:
            raise proxy.error
        expected = self.truth["totals"]["unique_messages"]
        self.assertTrue(harness.wait_for(lambda: self.stored_messages(daemon) == expected, 15, interval=0.05),
                        "mail that arrived between the sync and IDLE was not stored within 15 s (poll interval "
                        "10 min): %d of %d stored\n%s" % (self.stored_messages(daemon), expected, daemon.log()[-2000:]))
        print("%s: mail arriving before IDLE started stored %.2f s later"
              % (self.server.NAME, time.monotonic() - arrived["at"]))
        self.assertEqual(daemon.stop(), 0)

    def test_a_new_uidvalidity_resyncs_without_duplicates(self):
        reference, app = self.synced_pair()
        before = dict(app.query("SELECT scope, state FROM checkpoints"))
        for folder in ("INBOX", self.server.sent_folder):
            self.server.new_uidvalidity(folder)
        result = app.run("sync")
        self.assertEqual(fetched_count(result.stdout), self.truth["totals"]["messages"], "the folders were not fetched again")
        after = dict(app.query("SELECT scope, state FROM checkpoints"))
        for folder in ("INBOX", self.server.sent_folder):
            old, new = json.loads(before[folder])["uidvalidity"], json.loads(after[folder])["uidvalidity"]
            self.assertNotEqual(old, new, folder)
            sources = [s for (s,) in app.query("SELECT source_id FROM message_locations WHERE folder = ?", (folder,))]
            self.assertTrue(sources and all(s.startswith("%d:" % new) for s in sources), folder)
        self.assert_complete(app)
        self.assert_same_crm(reference, app)

    def test_implicit_tls_with_ca_file(self):
        url = "imaps://127.0.0.1:%d" % self.server.tls_port
        untrusted = self.app(self.server, "untrusted", url=url, ca_file=None)
        result = untrusted.run("sync", check=False)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("not trusted", result.stderr)
        app = self.app(self.server, "tls", url=url, ca_file=self.server.cert)
        app.run("sync")
        self.assert_complete(app)
        starttls = self.app(self.server, "starttls", starttls="required", ca_file=self.server.cert)
        starttls.run("sync")
        self.assert_complete(starttls)

    def test_a_wrong_password_fails_with_one_clean_line(self):
        app = self.app(self.server, "app")
        env = dict(os.environ, PROSPECTD_TEST_PASSWORD="not-the-password")
        result = app.run("sync", check=False, env=env)
        self.assertNotEqual(result.returncode, 0)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, result.stderr)
        print("%s: wrong password: %s" % (self.server.NAME, lines[0]))
        self.assertIn("refused the login", lines[0])
        self.assertIsNone(CONTROL.search(result.stderr), repr(result.stderr))
        self.assertNotIn(harness.PASSWORD, result.stderr + result.stdout)
        status = app.run("status", "--json").stdout
        self.assertIsNone(CONTROL.search(status), repr(status))
        (account,) = json.loads(status)["accounts"]
        self.assertEqual(account["state"], "error")
        self.assertIsNone(CONTROL.search(account["last_error"]), repr(account["last_error"]))
        self.assertEqual(app.query("SELECT COUNT(*) FROM messages")[0][0], 0)

    def test_status_lists_only_folders_the_server_still_has_after_a_rename(self):
        app = self.app(self.server, "app")
        app.run("sync")
        old = self.server.sent_folder
        renamed = old + " Items"
        self.server.rename_folder(old, renamed)
        self.addCleanup(self.server.rename_folder, renamed, old)
        app.run("sync")
        on_server = server_folders(self.server)
        self.assertIn(renamed, on_server)
        self.assertNotIn(old, on_server)
        status = json.loads(app.run("status", "--json").stdout)
        (account,) = status["accounts"]
        names = [folder["name"] for folder in account["folders"]]
        print("%s: after RENAME %s -> %s the server lists %s, status shows %s"
              % (self.server.NAME, old, renamed, sorted(on_server), names))
        self.assertNotIn(old, names, "status still lists the folder renamed away on the server")
        self.assertLessEqual(set(names), on_server)
        for folder in account["folders"]:
            self.assertEqual(folder["server_count"], folder["stored_count"], folder)
        self.assert_complete(app)


class CyrusTest(ServerComparison, harness.TempDirTestCase):
    SERVER = Cyrus

    def test_debian_namespace_shows_sent_as_inbox_dot_sent(self):
        """altnamespace: no (Debian's imapd.conf): Sent is INBOX.Sent, still with \\Sent."""
        mail_dir = os.path.join(self.tmp, "standard")
        harness.generate_mailbox(mail_dir, MESSAGES, SEED)
        for messages, seed in self.extensions:
            harness.extend_mailbox(mail_dir, messages, seed)
        server = Cyrus(mail_dir, altnamespace=False).start()
        self.addCleanup(server.stop)
        self.assertEqual(server_folders(server), {"INBOX", "INBOX.Sent"})
        reference = self.app(self.dovecot, "dovecot")
        reference.run("sync")
        app = self.app(server, "cyrus")
        app.run("sync")
        per_folder = dict(app.query("SELECT folder, COUNT(*) FROM message_locations GROUP BY folder"))
        self.assertEqual(per_folder, {"INBOX": self.truth["totals"]["inbox"], "INBOX.Sent": self.truth["totals"]["sent"]})
        self.assert_same_crm(reference, app)


class CourierTest(ServerComparison, harness.TempDirTestCase):
    SERVER = Courier

    def test_a_maildir_no_client_has_opened_is_not_fetched_again_by_every_sync(self):
        """Courier writes a folder's UID list only when a session SELECTs it; a folder only ever
        EXAMINEd (read-only, as prospectd opens folders) gets a new UIDVALIDITY in every
        session. A second sync must still not fetch every message again."""
        mail_dir = os.path.join(self.tmp, "unopened")
        truth = harness.generate_mailbox(mail_dir, 200, SEED + 1)
        server = Courier(mail_dir, open_folders=False).start()
        self.addCleanup(server.stop)
        app = self.app(server, "app")
        self.assertEqual(fetched_count(app.run("sync").stdout), truth["totals"]["messages"])
        time.sleep(1.1)  # Courier's UIDVALIDITY is a time in seconds
        second = app.run("sync").stdout
        (stored,) = app.query("SELECT COUNT(*) FROM messages")[0]
        self.assertEqual(stored, truth["totals"]["unique_messages"], "messages lost or duplicated")
        self.assertEqual(fetched_count(second), 0, "a no-change sync fetched the whole mailbox again: " + second)


if __name__ == "__main__":
    unittest.main()
