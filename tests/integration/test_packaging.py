"""Packaging and setup (README.md "Running as a service"): the systemd units verify and the system template is hardened
(systemd-analyze), the launchd plist has what launchd needs, `cmake --install` and the .deb lay
out every file, `prospectd init` writes a config that loads, and `prospectd doctor` tells a good
setup from a broken one against a real Dovecot.

Needs PROSPECTD_BUILD_DIR (set by ctest) for the install and .deb tests; PROSPECTD_BIN for the
binary. Tests that need a missing tool skip and say which package provides it."""
import os
import plistlib
import pty
import re
import select
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import harness
from harness import Daemon, Prospectd, TempDirTestCase, imap_account

PACKAGING = os.path.join(harness.ROOT, "packaging")
USER_UNIT = os.path.join(PACKAGING, "systemd", "prospectd.service")
SYSTEM_UNIT = os.path.join(PACKAGING, "systemd", "prospectd@.service")
PLIST = os.path.join(PACKAGING, "launchd", "com.prospectd.agent.plist")
MAN_PAGE = os.path.join(PACKAGING, "man", "prospectd.1")
EXAMPLE_CONFIG = os.path.join(PACKAGING, "config.example.toml")
BUILD_DIR = os.environ.get("PROSPECTD_BUILD_DIR")
MAX_EXPOSURE = 2.0
CHECK_LINE = re.compile(r"^(ok  |warn|FAIL)  \S")


def need_tool(name, package):
    if shutil.which(name) is None:
        raise unittest.SkipTest("%s is not installed (Debian package %s; scripts/setup.sh installs it)"
                                % (name, package))


def need_build_dir():
    if not BUILD_DIR or not os.path.isfile(os.path.join(BUILD_DIR, "CMakeCache.txt")):
        raise unittest.SkipTest("PROSPECTD_BUILD_DIR is not a configured build directory (ctest sets it)")


def run(command, env=None, check=True, timeout=600, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s\n%s" % (" ".join(command), result.returncode, result.stdout,
                                                         result.stderr))
    return result


def unit_settings(path):
    """{key: [values]} of a unit file (comments and sections ignored)."""
    settings = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", ";", "[")) and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


class SystemdUnitsTest(TempDirTestCase):
    """The units as shipped, with ExecStart pointed at the built binary (verify checks that the
    program exists) and MANPATH at our man page (verify checks Documentation=man:...)."""

    def setUp(self):
        need_tool("systemd-analyze", "systemd")
        super().setUp()
        man1 = os.path.join(self.tmp, "man", "man1")
        os.makedirs(man1)
        shutil.copy(MAN_PAGE, man1)
        runtime = os.path.join(self.tmp, "runtime")
        os.makedirs(runtime, mode=0o700)
        self.env = dict(os.environ, MANPATH=os.path.join(self.tmp, "man"), XDG_RUNTIME_DIR=runtime,
                        SYSTEMD_LOG_COLOR="0")

    def local_copy(self, source, name):
        with open(source, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("/usr/bin/prospectd", text)
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace("/usr/bin/prospectd", os.path.abspath(harness.BINARY)))
        return path

    def verify(self, path, *options):
        result = run(["systemd-analyze", *options, "verify", path], env=self.env, check=False)
        # Only complaints about our unit count (verify also loads the units it depends on).
        ours = [line for line in (result.stdout + result.stderr).splitlines() if "prospectd" in line]
        self.assertEqual(result.returncode, 0, "systemd-analyze verify %s:\n%s%s" % (path, result.stdout,
                                                                                  result.stderr))
        self.assertEqual(ours, [], "systemd-analyze verify %s complained" % path)

    def test_user_unit_verifies_in_the_user_manager(self):
        self.verify(self.local_copy(USER_UNIT, "prospectd.service"), "--user")

    def test_system_template_verifies_as_an_instance(self):
        self.verify(self.local_copy(SYSTEM_UNIT, "prospectd@alice.service"))

    def test_system_template_exposure_is_at_most_2(self):
        version = run(["systemd-analyze", "--version"]).stdout.split()
        if len(version) < 2 or not version[1].isdigit() or int(version[1]) < 250:
            self.skipTest("systemd-analyze security --offline needs systemd 250 or later (have %s)"
                          % " ".join(version[:2]))
        unit = self.local_copy(SYSTEM_UNIT, "prospectd@alice.service")
        result = run(["systemd-analyze", "security", "--offline=true", "--no-pager", unit], env=self.env,
                     check=False)
        match = re.search(r"Overall exposure level for prospectd@alice\.service: (\d+(?:\.\d+)?)",
                          result.stdout)
        self.assertIsNotNone(match, "no exposure level in:\n%s%s" % (result.stdout, result.stderr))
        exposure = float(match.group(1))
        print("systemd-analyze security: prospectd@alice.service exposure %.1f" % exposure)
        self.assertLessEqual(exposure, MAX_EXPOSURE, result.stdout)

    def test_units_run_the_daemon_as_a_notify_service_restarted_on_failure(self):
        for path, command in ((USER_UNIT, "/usr/bin/prospectd run"),
                              (SYSTEM_UNIT, "/usr/bin/prospectd --config /etc/prospectd/%i.toml run")):
            settings = unit_settings(path)
            with self.subTest(unit=os.path.basename(path)):
                self.assertEqual(settings["Type"], ["notify"])
                self.assertEqual(settings["ExecStart"], [command])
                self.assertEqual(settings["Restart"], ["on-failure"])
                self.assertEqual(settings["RestartPreventExitStatus"], ["2"])  # config errors
                self.assertEqual(settings["ExecReload"], ["/bin/kill -HUP $MAINPID"])
                self.assertIn("WatchdogSec", settings)
                self.assertEqual(settings["NoNewPrivileges"], ["yes"])
                self.assertEqual(settings["RestrictAddressFamilies"], ["AF_UNIX AF_INET AF_INET6"])
                self.assertIn("@system-service", settings["SystemCallFilter"])

    def test_system_template_runs_as_the_instance_user_in_its_state_directory(self):
        settings = unit_settings(SYSTEM_UNIT)
        self.assertEqual(settings["User"], ["%i"])
        self.assertEqual(settings["StateDirectory"], ["prospectd/%i"])
        self.assertEqual(settings["ProtectSystem"], ["strict"])
        self.assertEqual(settings["ProtectHome"], ["yes"])
        self.assertEqual(settings["PrivateTmp"], ["yes"])
        self.assertIn("XDG_DATA_HOME=%S/prospectd/%i", settings["Environment"][0])


class LaunchdPlistTest(unittest.TestCase):
    def test_plist_parses_and_has_what_launchd_needs(self):
        with open(PLIST, "rb") as f:
            agent = plistlib.load(f)
        for key in ("Label", "ProgramArguments", "RunAtLoad", "KeepAlive", "StandardOutPath",
                    "StandardErrorPath"):
            self.assertIn(key, agent)
        self.assertEqual(agent["Label"], "com.prospectd.agent")
        self.assertEqual(agent["ProgramArguments"][-1], "run")
        self.assertTrue(agent["ProgramArguments"][0].endswith("/prospectd"))
        self.assertIs(agent["RunAtLoad"], True)
        self.assertEqual(agent["KeepAlive"], {"SuccessfulExit": False})  # restart after failures only
        for key in ("StandardOutPath", "StandardErrorPath"):
            self.assertTrue(os.path.isabs(agent[key]), "launchd expands no ~ in %s" % key)


class ManPageTest(unittest.TestCase):
    def test_man_page_renders_without_warnings_and_covers_every_command(self):
        need_tool("groff", "groff-base")
        result = run(["groff", "-man", "-Tutf8", "-ww", MAN_PAGE])
        self.assertEqual(result.stderr, "")
        text = re.sub(r".\x08", "", result.stdout)
        help_text = run([harness.BINARY, "--help"]).stdout
        subcommands = re.split(r"^subcommands:$", help_text, flags=re.I | re.M)[-1]
        commands = re.findall(r"^  (\w+)\s", subcommands, re.M)
        self.assertGreater(len(commands), 8, help_text)
        self.assertIn("doctor", commands)
        for command in commands:
            self.assertIn("prospectd " + command, text)
        for section in ("FILES", "SIGNALS", "EXIT STATUS", "CONFIGURATION", "ENVIRONMENT"):
            self.assertIn(section, text)


class InstallTest(TempDirTestCase):
    def setUp(self):
        need_build_dir()
        super().setUp()

    def install(self, prefix):
        root = os.path.join(self.tmp, "root")
        run(["cmake", "--install", BUILD_DIR, "--prefix", prefix], env=dict(os.environ, DESTDIR=root))
        return root

    def find(self, root, name):
        found = [os.path.relpath(os.path.join(d, name), root)
                 for d, _, files in os.walk(root) if name in files]
        self.assertEqual(len(found), 1, "%s installed %d times: %s" % (name, len(found), found))
        return found[0]

    def test_install_lays_out_binary_units_agent_config_and_man_page(self):
        root = self.install("/usr")
        binary = os.path.join(root, "usr/bin/prospectd")
        self.assertTrue(os.access(binary, os.X_OK))
        self.assertRegex(run([binary, "--version"]).stdout, r"\d+\.\d+\.\d+")
        with open(os.path.join(root, "usr/share/prospectd/config.example.toml"), encoding="utf-8") as f:
            with open(EXAMPLE_CONFIG, encoding="utf-8") as original:
                self.assertEqual(f.read(), original.read())
        for path in ("usr/share/man/man1/prospectd.1", "usr/share/doc/prospectd/README.md",
                     "usr/share/doc/prospectd/LICENSE"):
            self.assertTrue(os.path.isfile(os.path.join(root, path)), path)
        user_unit = self.find(root, "prospectd.service")
        system_unit = self.find(root, "prospectd@.service")
        self.assertRegex(user_unit, r"^(usr/)?lib/systemd/user/prospectd\.service$")
        self.assertRegex(system_unit, r"^(usr/)?lib/systemd/system/prospectd@\.service$")
        self.assertEqual(unit_settings(os.path.join(root, user_unit))["ExecStart"],
                         ["/usr/bin/prospectd run"])
        with open(os.path.join(root, "usr/share/prospectd/com.prospectd.agent.plist"), "rb") as f:
            self.assertEqual(plistlib.load(f)["ProgramArguments"], ["/usr/bin/prospectd", "run"])
        for path in (user_unit, system_unit, "usr/share/man/man1/prospectd.1"):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(root, path)).st_mode), 0o644, path)

    def test_another_prefix_moves_everything_below_it_and_the_units_name_that_binary(self):
        root = self.install("/opt/prospectd")
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = os.path.relpath(os.path.join(dirpath, name), root)
                self.assertTrue(path.startswith("opt/prospectd/"), "%s outside the prefix" % path)
        program = "/opt/prospectd/bin/prospectd"
        for name, command in (("prospectd.service", program + " run"),
                              ("prospectd@.service", program + " --config /etc/prospectd/%i.toml run")):
            self.assertEqual(unit_settings(os.path.join(root, self.find(root, name)))["ExecStart"], [command])


class DebPackageTest(TempDirTestCase):
    """cpack -G DEB, then what dpkg-deb says about the package."""

    @classmethod
    def setUpClass(cls):
        need_build_dir()
        need_tool("cpack", "cmake")
        need_tool("dpkg-deb", "dpkg")
        need_tool("dpkg-shlibdeps", "dpkg-dev")
        cls.out = tempfile.mkdtemp(prefix="prospectd-deb-")
        result = run(["cpack", "-G", "DEB", "-B", cls.out], cwd=BUILD_DIR, check=False)
        debs = [name for name in os.listdir(cls.out) if name.endswith(".deb")]
        if result.returncode != 0 or len(debs) != 1:
            shutil.rmtree(cls.out, ignore_errors=True)
            raise AssertionError("cpack failed (%d): %s\n%s%s" % (result.returncode, debs, result.stdout,
                                                                  result.stderr))
        cls.deb = os.path.join(cls.out, debs[0])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.out, ignore_errors=True)

    def test_contents_are_binary_units_man_page_and_example_config(self):
        listing = run(["dpkg-deb", "-c", self.deb]).stdout
        entries = [line.split() for line in listing.splitlines() if line.strip()]
        modes = {entry[-1].lstrip("."): entry[0] for entry in entries}
        paths = set(modes)
        expected = ["/usr/bin/prospectd", "/usr/share/man/man1/prospectd.1",
                    "/usr/share/prospectd/config.example.toml",
                    "/usr/share/prospectd/com.prospectd.agent.plist"]
        for path in expected:
            self.assertIn(path, paths)
        self.assertEqual(modes["/usr/bin/prospectd"], "-rwxr-xr-x")
        for unit in ("systemd/user/prospectd.service", "systemd/system/prospectd@.service"):
            self.assertTrue(paths & {"/usr/lib/" + unit, "/lib/" + unit}, listing)
        self.assertFalse([p for p in paths if "_CPack_Packages" in p or p.startswith("/tmp")], listing)

    def test_control_has_computed_depends_and_maintainer_scripts(self):
        info = run(["dpkg-deb", "-I", self.deb]).stdout
        fields = dict(re.findall(r"^ ([A-Z][\w-]*): (.*)$", info, re.M))
        self.assertEqual(fields["Package"], "prospectd")
        self.assertEqual(fields["Section"], "mail")
        self.assertTrue(fields["Maintainer"])
        self.assertNotIn("Homepage", fields)
        for library in ("libcurl", "libsqlite3", "libgmime-3.0", "libc6"):
            self.assertIn(library, fields["Depends"])
        self.assertIn("postinst", info)
        self.assertIn("postrm", info)

    def test_packaged_units_name_the_packaged_binary_and_it_runs(self):
        root = os.path.join(self.tmp, "x")
        run(["dpkg-deb", "-x", self.deb, root])
        for dirpath, _, files in os.walk(root):
            for name in files:
                if name.endswith(".service"):
                    self.assertTrue(unit_settings(os.path.join(dirpath, name))["ExecStart"][0]
                                    .startswith("/usr/bin/prospectd "), name)
        self.assertRegex(run([os.path.join(root, "usr/bin/prospectd"), "--version"]).stdout, r"\d+\.\d+\.\d+")


class InitTest(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.tmp, "config"),
                        XDG_DATA_HOME=os.path.join(self.tmp, "data"), HOME=self.tmp)
        self.path = os.path.join(self.tmp, "config", "prospectd", "config.toml")

    def prospectd(self, *args, check=True, stdin=subprocess.DEVNULL):
        return run([harness.BINARY, *args], env=self.env, check=check, stdin=stdin, timeout=60)

    def test_init_writes_the_example_at_the_xdg_path_and_it_loads(self):
        result = self.prospectd("init")
        self.assertIn(self.path, result.stdout)
        self.assertIn("prospectd doctor", result.stdout)
        with open(self.path, encoding="utf-8") as f, open(EXAMPLE_CONFIG, encoding="utf-8") as original:
            self.assertEqual(f.read(), original.read())
        # 0600: the config holds no secret by design, but it is the user's private setup.
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)
        status = self.prospectd("status", "--json")  # the default --config path; loads or exits 2
        self.assertIn('"accounts"', status.stdout)

    def test_init_refuses_to_overwrite_unless_forced(self):
        self.prospectd("init")
        with open(self.path, "a", encoding="utf-8") as f:
            f.write("# my edit\n")
        again = self.prospectd("init", check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn("already exists", again.stderr)
        self.assertIn("--force", again.stderr)
        with open(self.path, encoding="utf-8") as f:
            self.assertIn("# my edit", f.read())
        self.prospectd("init", "--force")
        with open(self.path, encoding="utf-8") as f:
            self.assertNotIn("# my edit", f.read())
        self.assertEqual(stat.S_IMODE(os.stat(self.path).st_mode), 0o600)

    def test_init_writes_to_the_config_option_creating_its_directory(self):
        path = os.path.join(self.tmp, "elsewhere", "deep", "work.toml")
        result = self.prospectd("--config", path, "init")
        self.assertIn("--config " + path, result.stdout)
        self.prospectd("--config", path, "status")

    def init_on_a_terminal(self, answers):
        """`prospectd init` on a pseudo-terminal fed ANSWERS; (exit code, what it printed)."""
        master, slave = pty.openpty()
        output = b""
        try:
            process = subprocess.Popen([harness.BINARY, "init"], stdin=slave, stdout=slave, stderr=slave,
                                       env=self.env)
            os.close(slave)
            os.write(master, answers)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if not select.select([master], [], [], 0.5)[0]:
                    if process.poll() is not None:
                        break
                    continue
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: the terminal's other end is closed
                    break
                if not chunk:
                    break
                output += chunk
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
        finally:
            os.close(master)
        return process.returncode, output.decode(errors="replace")

    def test_init_on_a_terminal_asks_for_url_and_username(self):
        code, output = self.init_on_a_terminal(b"\nftp://nope\nimaps://mail.globex.test:993\njane@globex.test\n")
        self.assertEqual(code, 0, output)
        self.assertIn("The URL starts with imaps://", output)  # asked again after the bad URL
        with open(self.path, encoding="utf-8") as f:
            text = f.read()
        self.assertIn('url = "imaps://mail.globex.test:993"', text)
        self.assertIn('username = "jane@globex.test"', text)
        self.assertIn("addresses = []", text)
        self.prospectd("status")

    def test_init_on_a_terminal_offers_the_providers(self):
        code, output = self.init_on_a_terminal(b"yahoo\nmicrosoft\n0000-app\njane@contoso.test\n")
        self.assertEqual(code, 0, output)
        self.assertIn("microsoft, google or other, please.", output)
        self.assertRegex(output, r"Sign in once: +prospectd auth work")
        with open(self.path, encoding="utf-8") as f:
            text = f.read()
        self.assertRegex(text, r'(?m)^provider = "microsoft"')
        self.assertRegex(text, r'(?m)^client_id = "0000-app"')
        self.assertNotRegex(text, r"(?m)^(url|password_cmd) =")
        self.assertIn('username = "jane@contoso.test"', text)
        self.prospectd("status")  # the config loads


class DoctorTest(unittest.TestCase):
    """One Dovecot for the class; each test writes its own config."""

    @classmethod
    def setUpClass(cls):
        cls.tmp, _, cls.dovecot = harness.start_class_mailbox(cls, "prospectd-doctor-", 40, 61)
        cls.count = 0

    def app(self, account_overrides=None, extra=None):
        DoctorTest.count += 1
        work = os.path.join(self.tmp, "app%d" % self.count)
        self.http_port = harness.free_port()
        return Prospectd(work, [imap_account(self.dovecot, **(account_overrides or {}))],
                         extra=harness.http_section(self.http_port) if extra is None else extra)

    def doctor(self, app, password=harness.PASSWORD):
        env = dict(os.environ, PROSPECTD_TEST_PASSWORD=password, HOME=app.work_dir,
                   XDG_CONFIG_HOME=os.path.join(app.work_dir, "xdg"))
        result = app.run("doctor", check=False, timeout=120, env=env)
        lines = [line for line in result.stdout.splitlines() if line and not re.match(r"^\d+ ok, ", line)]
        for line in lines:
            self.assertRegex(line, CHECK_LINE)
        return result, lines

    def lines_with(self, lines, level, text):
        return [line for line in lines if line.startswith(level) and text in line]

    def test_a_good_setup_is_all_ok_and_exits_0(self):
        app = self.app()
        app.run("sync", env=dict(os.environ, PROSPECTD_TEST_PASSWORD=harness.PASSWORD))
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual([line for line in lines if line.startswith("FAIL")], [], result.stdout)
        for text in ("config " + app.config, "data_dir", "passes PRAGMA integrity_check", "store schema v",
                     "account work: password_env gives a password",
                     "account work: logged in to imap://127.0.0.1",
                     "STARTTLS, certificate verified", "http.listen 127.0.0.1:%d is free" % self.http_port):
            self.assertTrue(self.lines_with(lines, "ok", text),
                            "no ok line with %r:\n%s" % (text, result.stdout))
        self.assertNotIn(harness.PASSWORD, result.stdout + result.stderr)
        # No unit under this HOME: a warning with the fix, not a failure.
        self.assertTrue(self.lines_with(lines, "warn", "systemd") or self.lines_with(lines, "ok", "systemd"))

    def test_a_wrong_password_fails_naming_the_account_and_the_fix(self):
        app = self.app()
        result, lines = self.doctor(app, password="wrong-pw-71c3")
        self.assertEqual(result.returncode, 1, result.stdout)
        failed = self.lines_with(lines, "FAIL", "account work")
        self.assertEqual(len(failed), 1, result.stdout)
        self.assertIn("refused the login", failed[0])
        self.assertIn("fix: check username", failed[0])
        self.assertIn("password_env", failed[0])
        self.assertNotIn("wrong-pw-71c3", result.stdout + result.stderr)

    def test_a_missing_password_variable_says_what_to_export(self):
        app = self.app({"password_env": "PROSPECTD_DOCTOR_UNSET"})
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 1)
        failed = self.lines_with(lines, "FAIL", "account work: no password")
        self.assertTrue(failed, result.stdout)
        self.assertIn("export PROSPECTD_DOCTOR_UNSET", failed[0])

    def test_an_unreachable_server_and_an_untrusted_certificate_fail(self):
        closed = harness.free_port()
        app = self.app({"url": "imap://127.0.0.1:%d" % closed})
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(self.lines_with(lines, "FAIL", "cannot reach"), result.stdout)
        app = self.app({"url": "imaps://127.0.0.1:%d" % self.dovecot.tls_port, "ca_file": None})
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(self.lines_with(lines, "FAIL", "not trusted"), result.stdout)
        self.assertIn("set ca_file", self.lines_with(lines, "FAIL", "not trusted")[0])

    def test_a_config_error_is_printed_with_its_place(self):
        app = self.app(extra='[http]\nlisten = "127.0.0.1:1"\nlistne = "x"\n')
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 1)
        failed = self.lines_with(lines, "FAIL", "config: ")
        self.assertEqual(len(failed), 1, result.stdout)
        self.assertRegex(failed[0], r"config\.toml:\d+: http\.listne: unknown key")
        missing = run([harness.BINARY, "--config", os.path.join(self.tmp, "none.toml"), "doctor"],
                      check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("prospectd init", missing.stdout)

    def test_a_damaged_store_fails(self):
        app = self.app()
        os.makedirs(app.data_dir)
        with open(app.store, "wb") as f:
            f.write(b"this is not a database" * 400)
        result, lines = self.doctor(app)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(self.lines_with(lines, "FAIL", "store " + app.store), result.stdout)

    def test_http_listen_in_use_by_prospectd_is_ok_and_by_another_program_fails(self):
        app = self.app()
        daemon = Daemon(app, self.http_port).start()
        try:
            result, lines = self.doctor(app)
        finally:
            self.assertEqual(daemon.stop(), 0)
        self.assertTrue(self.lines_with(lines, "ok", "served by a running prospectd"), result.stdout)
        other = self.app()
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", self.http_port))
            listener.listen()
            result, lines = self.doctor(other)
        self.assertEqual(result.returncode, 1)
        self.assertTrue(self.lines_with(lines, "FAIL", "in use by another program"), result.stdout)

    def test_an_installed_and_enabled_user_unit_is_ok(self):
        app = self.app()
        units = os.path.join(app.work_dir, "xdg", "systemd", "user")
        os.makedirs(os.path.join(units, "default.target.wants"))
        with open(USER_UNIT, encoding="utf-8") as f:
            text = f.read().replace("/usr/bin/prospectd", os.path.abspath(harness.BINARY))
        with open(os.path.join(units, "prospectd.service"), "w", encoding="utf-8") as f:
            f.write(text)
        result, lines = self.doctor(app)
        self.assertTrue(self.lines_with(lines, "warn", "installed but not enabled"), result.stdout)
        os.symlink("../prospectd.service", os.path.join(units, "default.target.wants", "prospectd.service"))
        result, lines = self.doctor(app)
        self.assertTrue(self.lines_with(lines, "ok", "is installed and enabled"), result.stdout)


if __name__ == "__main__":
    unittest.main()
