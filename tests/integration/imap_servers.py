"""Cyrus IMAP and Courier-IMAP for the integration tests, with harness.Dovecot's interface:
scripts/cyrus_testbed.sh and scripts/courier_testbed.sh start them on 127.0.0.1 serving DIR/Maildir
(made by harness.generate_mailbox). Each runs in a mount and PID namespace of its own; the pid kept
here is the namespace's first process, so end() works even when the directory is gone, and ending
that process ends the whole server. Tracked by harness.track until stopped, like Dovecot."""
import os
import re
import signal
import subprocess

import harness
from harness import SCRIPTS


class _TestbedServer:
    NAME = None  # "cyrus" or "courier": scripts/NAME_testbed.sh, DIR/NAME-PORT
    sent_folder = None  # the name the server shows the Sent folder under

    def __init__(self, mail_dir):
        self.mail_dir = mail_dir
        self.port = harness.free_port()
        self.tls_port = self.port + 1
        self.pid = None
        self.pid_started = None
        self.env = dict(os.environ)

    def run_script(self, *args):
        return subprocess.run(["bash", os.path.join(SCRIPTS, "%s_testbed.sh" % self.NAME), *args],
                              capture_output=True, text=True, env=self.env)

    def script(self, *args):
        result = self.run_script(*args)
        if result.returncode != 0:
            raise AssertionError("%s_testbed.sh %s failed:\n%s%s" % (self.NAME, " ".join(args), result.stdout,
                                                                   result.stderr))
        return result.stdout

    def start(self):
        out = self.script("start", self.mail_dir, str(self.port))
        self.pid = int(re.search(r"^%s pid=(\d+) " % self.NAME, out, re.M).group(1))
        self.pid_started = harness._process_start_time(self.pid)
        harness.track(self)
        return self

    def alive(self):
        return self.pid is not None and harness._process_start_time(self.pid) == self.pid_started

    def stop(self):
        """Stops the server; nothing to do when it has stopped already. Fails when the script
        cannot find a server that is still running, after ending it by its pid."""
        if self.pid is None:
            return
        result = self.run_script("stop", self.mail_dir, str(self.port))
        if result.returncode == 0 or not self.alive():
            self.pid = None
            harness.untrack(self)
            return
        pid = self.pid
        self.end()
        raise AssertionError("%s_testbed.sh stop did not stop %s pid=%d (ended by its pid now):\n%s%s"
                             % (self.NAME, self.NAME, pid, result.stdout, result.stderr))

    def end(self):
        """SIGTERM to the namespace's first process (it stops the server), SIGKILL after 10 s."""
        for sig, seconds in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.alive():
                os.kill(self.pid, sig)
                harness.wait_for(lambda: not self.alive(), seconds, interval=0.05)
        if self.alive():
            raise AssertionError("%s pid=%d survived SIGKILL" % (self.NAME, self.pid))
        self.pid = None
        harness.untrack(self)

    def describe(self):
        return "%s pid=%s port=%d serving %s" % (self.NAME, self.pid, self.port, self.mail_dir)

    @property
    def directory(self):
        return os.path.join(self.mail_dir, "%s-%d" % (self.NAME, self.port))

    @property
    def cert(self):
        return os.path.join(self.directory, "cert.pem")

    def new_uidvalidity(self, folder):
        return self.script("uidvalidity", self.mail_dir, str(self.port), folder)

    def deliver(self):
        """Makes the server see the files added to DIR/Maildir since (harness.extend_mailbox)."""
        return self.script("deliver", self.mail_dir, str(self.port))

    def rename_folder(self, folder, new_name):
        """RENAME on the server; sent_folder follows a renamed Sent."""
        out = self.script("rename", self.mail_dir, str(self.port), folder, new_name)
        if folder == self.sent_folder:
            self.sent_folder = new_name
        return out

    def logs(self, limit=3000):
        """The end of each log file, for failure messages."""
        text = []
        for name in sorted(os.listdir(self.directory)) if os.path.isdir(self.directory) else []:
            if name.endswith(".log"):
                with open(os.path.join(self.directory, name), encoding="utf-8", errors="replace") as f:
                    text.append("--- %s\n%s" % (name, f.read()[-limit:]))
        return "\n".join(text)


class Cyrus(_TestbedServer):
    """Cyrus IMAP 3.6 with the messages of DIR/Maildir loaded into its spool (deliver() loads
    what was added since). altnamespace=False gives Debian's default namespace: INBOX.Sent."""
    NAME = "cyrus"

    def __init__(self, mail_dir, altnamespace=True):
        super().__init__(mail_dir)
        self.env["CYRUS_ALTNAMESPACE"] = "yes" if altnamespace else "no"
        self.sent_folder = "Sent" if altnamespace else "INBOX.Sent"


class Courier(_TestbedServer):
    """Courier-IMAP 5.0 serving DIR/Maildir itself (deliver() has nothing to do). The start opens
    every folder read-write once, as a mail client would, so Courier keeps UID lists for them;
    open_folders=False leaves a Maildir no client has opened."""
    NAME = "courier"

    def __init__(self, mail_dir, open_folders=True):
        super().__init__(mail_dir)
        self.env["COURIER_OPEN_FOLDERS"] = "yes" if open_folders else "no"
        self.sent_folder = "INBOX.Sent"
