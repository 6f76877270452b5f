"""The status page in headless Chromium against the synced demo mailbox: the funnel
shows the numbers of /api/status, a contact's stage history renders, search finds contacts,
and screenshots (laptop and phone) are saved under the build tree for a person to look at.
The browser signs in as a person does, through a `prospectd open --print` link; without one
the page says how to sign in, and its writes carry the session's CSRF token. The contact view acts,
driven by real clicks and typing: a manual stage move with a note, why the person is a contact,
"not a contact" (an address or a whole domain) with Undo, forget behind a confirmation; and the
contacts list says how many of how many it shows.

With a team database (a real PostgreSQL, TeamPageTest), the page has a Team view: the combined
funnel, the reps, collisions and shared companies of GET /api/team, and a bounded contacts table;
and a backlog line while changes wait in the outbox (the database stopped), gone once it drains."""
import fcntl
import html.parser
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import harness
from harness import Daemon, Dovecot, Prospectd, imap_account
from pg_harness import Postgres
from test_team import add_sent_message

PIPELINE = ["lead", "prospect", "opportunity", "customer"]
TEAM_STAGES = PIPELINE + ["disqualified"]


def chromium_binary():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium():
    """The Chromium binary, or SkipTest / AssertionError as the environment says."""
    chromium = chromium_binary()
    if chromium is None:
        if os.environ.get("PROSPECTD_SKIP_BROWSER_TESTS"):
            raise unittest.SkipTest("no Chromium and PROSPECTD_SKIP_BROWSER_TESTS is set")
        raise AssertionError("Chromium is not installed: run scripts/setup.sh (it installs `chromium`)")
    return chromium


def artifacts_dir():
    """$PROSPECTD_ARTIFACTS, or test-artifacts/ beside the binary under test (the build tree)."""
    path = os.environ.get("PROSPECTD_ARTIFACTS") or os.path.join(os.path.dirname(os.path.abspath(harness.BINARY)),
                                                                   "test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag=None, cls=None, **attrs):
        for node in self.walk():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.attrs.get("class", "").split():
                continue
            if all(node.attrs.get(k.replace("_", "-")) == v for k, v in attrs.items()):
                yield node

    def find(self, tag=None, cls=None, **attrs):
        return next(self.find_all(tag, cls, **attrs), None)

    def by_id(self, ident):
        return self.find(id=ident)


class DomBuilder(html.parser.HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, [(k, v if v is not None else "") for k, v in attrs], self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_dom(text):
    builder = DomBuilder()
    builder.feed(text)
    return builder.root


def number(text):
    return int(text.replace(",", "").replace(".", "").replace("\u202f", "").replace("\xa0", "").strip())


class DevTools:
    """Headless Chromium driven over --remote-debugging-pipe (the DevTools protocol: NUL-terminated
    JSON on fds 3 and 4), to click and evaluate in a page that --dump-dom cannot."""

    def __init__(self, chromium, profile, url):
        self.chromium, self.profile, self.url = chromium, profile, url
        self.next_id = 0
        self.buffer = b""

    def __enter__(self):
        to_browser_read, self.to_browser = os.pipe()
        self.from_browser, from_browser_write = os.pipe()

        def wire_fds():  # the child reads commands on fd 3 and answers on fd 4
            reading = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)
        command = [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                   "--user-data-dir=" + self.profile, "--remote-debugging-pipe", self.url]
        # Four new descriptors fill the lowest free numbers, so 3 and 4 are open here to be kept.
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=wire_fds, pass_fds=(3, 4))
        harness.TrackedProcess(self.process, "chromium (DevTools pipe)")
        os.close(to_browser_read)
        os.close(from_browser_write)
        try:
            pages = []
            if not harness.wait_for(lambda: pages.extend(
                    t for t in self.call("Target.getTargets")["targetInfos"] if t["type"] == "page") or pages, 30):
                raise AssertionError("Chromium opened no page")
            self.session = self.call("Target.attachToTarget", targetId=pages[0]["targetId"],
                                     flatten=True)["sessionId"]
        except BaseException:
            self.__exit__(None, None, None)  # the browser is not left behind
            raise
        return self

    def __exit__(self, *exc):
        try:
            self.call("Browser.close", timeout=10)
        except (OSError, AssertionError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_browser)
        os.close(self.from_browser)

    def call(self, method, session=None, timeout=30, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self.next_id:
                    if "error" in answer:
                        raise AssertionError("%s failed: %s" % (method, answer["error"]))
                    return answer["result"]
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer %s within %d s" % (method, timeout))
            ready, _, _ = select.select([self.from_browser], [], [], 0.5)
            if ready:
                chunk = os.read(self.from_browser, 1 << 16)
                if not chunk:
                    raise AssertionError("Chromium closed the DevTools pipe")
                self.buffer += chunk

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", session=self.session, expression=expression, awaitPromise=True,
                           returnByValue=True)
        if "exceptionDetails" in result:
            raise AssertionError("%s threw: %s" % (expression, result["exceptionDetails"]))
        return result["result"].get("value")

    def wait_for(self, expression, timeout=30):
        if not harness.wait_for(lambda: self.evaluate(expression) is True, timeout, interval=0.2):
            raise AssertionError("never true in the page: " + expression)

    def text(self, selector):
        return self.evaluate("(document.querySelector(%s) || {}).textContent" % json.dumps(selector))

    def visible(self, selector):
        """True when the element exists and takes room on the page (not hidden, not display: none)."""
        return self.evaluate("(() => { const e = document.querySelector(%s); return !!e && e.getClientRects().length > 0; })()"
                             % json.dumps(selector))

    def click(self, selector):
        """A real left click, pressed and released by the mouse in the middle of the element."""
        box = self.evaluate("""(() => {
            const e = document.querySelector(%s);
            if (!e || !e.getClientRects().length) return null;
            e.scrollIntoView({block: "center"});
            const r = e.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2};
        })()""" % json.dumps(selector))
        if box is None:
            raise AssertionError("nothing visible to click: " + selector)
        self.call("Input.dispatchMouseEvent", session=self.session, type="mouseMoved", x=box["x"], y=box["y"])
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", session=self.session, type=kind, x=box["x"], y=box["y"],
                      button="left", buttons=1 if kind == "mousePressed" else 0, clickCount=1)

    def type(self, selector, text):
        """Clicks into the field and types the text as the keyboard's input method does."""
        self.click(selector)
        self.wait_for("document.activeElement === document.querySelector(%s)" % json.dumps(selector), 5)
        self.call("Input.insertText", session=self.session, text=text)

    def screenshot(self, path, width=1280, height=1400):
        """The page as it is now in a WIDTHxHEIGHT window, saved as a PNG."""
        import base64
        self.call("Emulation.setDeviceMetricsOverride", session=self.session, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        try:
            data = self.call("Page.captureScreenshot", session=self.session, format="png")["data"]
        finally:
            self.call("Emulation.clearDeviceMetricsOverride", session=self.session)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def press(self, key, text=None, **extra):
        """One key press (keyDown with its text, keyUp) in the focused element."""
        down = {"type": "keyDown", "key": key, **extra}
        if text:
            down["text"] = text
        self.call("Input.dispatchKeyEvent", session=self.session, **down)
        self.call("Input.dispatchKeyEvent", session=self.session, type="keyUp", key=key)

    def retype(self, selector, text):
        """Replaces what a field holds: click, Ctrl+A, type."""
        self.click(selector)
        self.press("a", code="KeyA", modifiers=2, commands=["selectAll"])
        self.call("Input.insertText", session=self.session, text=text)

    def choose(self, selector, label):
        """Picks an option of a closed <select> by typing its label, as a keyboard user does."""
        self.click(selector)
        self.press("Escape")  # a click opens the option list; typing picks from the closed select
        self.wait_for("document.activeElement === document.querySelector(%s)" % json.dumps(selector), 5)
        for char in label:
            self.press(char, char)
        self.wait_for("(() => { const s = document.querySelector(%s); return s.options[s.selectedIndex].text === %s; })()"
                      % (json.dumps(selector), json.dumps(label)), 5)


class StatusPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.chromium = require_chromium()
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-page-")
        os.chmod(cls.tmp, 0o755)
        mail_dir = os.path.join(cls.tmp, "mail")
        cls.truth = harness.generate_mailbox(mail_dir, 2000, 1)  # the demo mailbox (scripts/demo.sh)
        cls.dovecot = Dovecot(mail_dir).start()
        cls.http_port = harness.free_port()
        cls.app = Prospectd(os.path.join(cls.tmp, "app"), [imap_account(cls.dovecot, name="demo")],
                            extra=harness.http_section(cls.http_port))
        cls.daemon = Daemon(cls.app, cls.http_port).start()
        cls.status = cls.daemon.wait_until_synced()
        cls.artifacts = artifacts_dir()
        cls.taken = set()  # contacts a test changes, each by one test only

    @classmethod
    def tearDownClass(cls):
        try:
            cls.daemon.stop()
        finally:
            cls.dovecot.stop()
            if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
                shutil.rmtree(cls.tmp, ignore_errors=True)

    def browser(self, *args, url):
        """Runs headless Chromium once with a fresh profile; returns its stdout."""
        profile = tempfile.mkdtemp(prefix="chromium-", dir=self.tmp)
        command = [self.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
                   "--user-data-dir=" + profile, "--virtual-time-budget=8000", *args, url]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise AssertionError("chromium failed (%d): %s" % (result.returncode, result.stderr[-2000:]))
        return result.stdout

    def signed_in_url(self, fragment=""):
        """A fresh one-time link (each browser run has a new profile, so signs in anew); the login's
        redirect to / keeps the fragment (RFC 9110 §10.2.2), so the link opens the view asked for."""
        return self.daemon.login_link() + fragment

    def dom(self, fragment=""):
        dom = parse_dom(self.browser("--dump-dom", url=self.signed_in_url(fragment)))
        self.assertEqual(dom.find("body").attrs.get("data-auth"), "session", "the page did not sign in")
        return dom

    def screenshot(self, name, fragment="", size="1280,1000"):
        path = os.path.join(self.artifacts, name)
        if os.path.exists(path):
            os.remove(path)
        self.browser("--screenshot=" + path, "--window-size=" + size, "--hide-scrollbars",
                     url=self.signed_in_url(fragment))
        self.assertTrue(os.path.getsize(path) > 10000, "screenshot %s is empty" % path)
        return path

    def test_the_funnel_shows_the_numbers_of_the_status_api(self):
        dom = self.dom()
        status = self.daemon.get_json("/api/status")
        funnel = dom.by_id("funnel")
        self.assertIsNotNone(funnel, "no #funnel in the page")
        steps = {node.attrs["data-stage"]: node for node in funnel.find_all("li", cls="funnel-step")}
        self.assertEqual(list(steps), PIPELINE, "the funnel is not lead -> prospect -> opportunity -> customer")
        for stage in PIPELINE:
            self.assertEqual(int(steps[stage].attrs["data-count"]), status["stages"][stage], stage)
            shown = steps[stage].find(cls="funnel-count").text()
            self.assertEqual(number(shown), status["stages"][stage], stage)
        self.assertGreater(status["stages"]["prospect"], 0)
        self.assertEqual(status["stages"]["prospect"], self.truth["totals"]["by_stage"]["prospect"])
        account = dom.find("article", cls="account")
        self.assertEqual(account.attrs["data-account"], "demo")
        self.assertEqual(account.attrs["data-state"], "ok")
        for row in account.find_all("tr"):
            if "data-folder" in row.attrs:
                cells = [c.text() for c in row.find_all("td")]
                self.assertEqual(number(cells[0]), number(cells[1]), "server vs stored in " + row.attrs["data-folder"])

    def test_dashboard_lists_render(self):
        dom = self.dom()
        dashboard = self.daemon.get_json("/api/dashboard")
        owed = [n.attrs["data-thread"] for n in dom.by_id("needs-reply-list").find_all("li", cls="item")]
        self.assertEqual(owed, [str(t["id"]) for t in dashboard["needs_reply"]["threads"]])
        self.assertTrue(owed)
        promoted = [n.attrs["data-email"] for n in dom.by_id("promoted-list").find_all("li", cls="item")]
        self.assertEqual(promoted, [p["email"] for p in dashboard["promoted"]["latest"]])
        quiet = [n.attrs["data-email"] for n in dom.by_id("gone-quiet-list").find_all("li", cls="item")]
        self.assertEqual(quiet, [c["email"] for c in dashboard["gone_quiet"]["contacts"]])
        self.assertEqual(number(dom.by_id("promoted-30").text().rstrip("+")), dashboard["promoted"]["last_30_days"])

    def test_opening_a_contact_shows_its_stage_history(self):
        dashboard = self.dom()
        link = dashboard.by_id("promoted-list").find("a", cls="contact-link")
        self.assertIsNotNone(link, "no contact link in the promotions list")
        href = link.attrs["href"]
        self.assertTrue(href.startswith("#/contact/"), href)
        email = urllib.parse.unquote(href[len("#/contact/"):])
        detail = self.daemon.get_json("/api/contacts/" + urllib.parse.quote(email))
        dom = self.dom(href)
        self.assertFalse("hidden" in dom.by_id("view-contact").attrs, "the contact view is not shown")
        self.assertEqual(dom.by_id("contact-stage").attrs.get("data-stage"), detail["stage"])
        events = list(dom.by_id("history").find_all("li", cls="history-event"))
        self.assertEqual([(e.attrs["data-to"], e.attrs["data-actor"]) for e in events],
                         [(h["to"], h["actor"]) for h in detail["history"]])
        promotion = [e for e in events if e.attrs["data-to"] == "prospect"][0]
        self.assertIn("two-way", promotion.text())
        subjects = {t["id"]: t["subject"] for t in detail["threads"]}
        event = [h for h in detail["history"] if h["to"] == "prospect"][0]
        self.assertIn(subjects[event["thread"]], promotion.text())
        self.assertTrue(promotion.find("time"), "the promotion shows no time")
        threads = [n.attrs["data-thread"] for n in dom.by_id("contact-threads").find_all("li", cls="item")]
        self.assertEqual(threads, [str(t["id"]) for t in detail["threads"]])
        self.screenshot("status-page-contact.png", href)

    def test_search_finds_contacts_by_company(self):
        email, contact = sorted((e, c) for e, c in self.truth["contacts"].items() if c.get("company_domain"))[0]
        needle = contact["company_domain"].split(".")[0]
        dom = self.dom("#/contacts?q=" + urllib.parse.quote(needle))
        rows = [r.attrs["data-email"] for r in dom.by_id("contacts-body").find_all("tr")]
        self.assertIn(email, rows)
        api = self.daemon.get_json("/api/contacts?limit=50&q=" + urllib.parse.quote(needle))
        self.assertEqual(rows, [c["email"] for c in api])

    def test_a_stage_view_lists_that_stage(self):
        dom = self.dom("#/contacts?stage=prospect")
        stages = {r.attrs["data-stage"] for r in dom.by_id("contacts-body").find_all("tr")}
        self.assertEqual(stages, {"prospect"})

    def test_without_signing_in_the_page_says_how(self):
        dom = parse_dom(self.browser("--dump-dom", url=self.daemon.base_url + "/#/contacts?stage=prospect"))
        self.assertEqual(dom.find("body").attrs.get("data-auth"), "signed-out")
        notice = dom.by_id("sign-in")
        self.assertNotIn("hidden", notice.attrs)
        self.assertIn("prospectd open", notice.text())
        for view in ("view-dashboard", "view-contacts", "view-contact"):
            self.assertIn("hidden", dom.by_id(view).attrs, view)
        self.assertIsNone(dom.find("article", cls="account"))
        self.assertFalse(list(dom.by_id("contacts-body").find_all("tr")))

    def test_a_used_link_shows_how_to_sign_in_again(self):
        link = self.signed_in_url()
        self.browser("--dump-dom", url=link)
        dom = parse_dom(self.browser("--dump-dom", url=link))
        self.assertIn("does not work", dom.find("h1").text())
        self.assertIn("prospectd open", dom.find("main").text())

    def test_a_write_from_the_page_carries_the_csrf_token(self):
        """Sync now, clicked in a real browser: the page sends X-CSRF-Token; the same POST without it
        is refused though the browser sends the session cookie."""
        metric = 'prospectd_http_requests_total{route="/api/sync",code="202"}'
        before = self.metric(metric)
        with DevTools(self.chromium, tempfile.mkdtemp(prefix="chromium-", dir=self.tmp), self.signed_in_url()) as page:
            page.wait_for("!!document.body && document.body.dataset.auth === 'session' && !!document.querySelector('article.account')")
            page.evaluate("document.getElementById('sync-now').click()")
            page.wait_for("document.getElementById('sync-now-result').textContent !== ''")
            self.assertTrue(page.evaluate("document.getElementById('sync-now-result').textContent")
                            .startswith("Sync requested"))
            status = page.evaluate("fetch('/api/sync', {method: 'POST', body: '{}'}).then((r) => r.status)")
            self.assertEqual(status, 403)
        self.assertEqual(self.metric(metric), before + 1)
        self.daemon.wait_until_synced()

    def metric(self, name):
        text = self.daemon.request("GET", "/metrics").text
        found = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
        return float(found.group(1)) if found else 0.0

    # ---- the contact view acts ------------------------------------------------------------------

    def cli_json(self, *args):
        return json.loads(self.app.run(*args, "--json").stdout)

    def free_lead(self, company):
        """A lead no other test looks at (not the search test's contact, not a promotion), with or
        without a company (a free-mail address); each call gives another."""
        search_email = sorted(e for e, c in self.truth["contacts"].items() if c.get("company_domain"))[0]
        for contact in self.cli_json("contacts", "--stage", "lead"):
            email = contact["email"]
            if (email in self.taken or email.split("@")[1] == search_email.split("@")[1]
                    or bool(contact["company"]) != company):
                continue
            self.taken.add(email)
            return contact
        raise AssertionError("no lead left (company=%s)" % company)

    def page(self, fragment):
        """A signed-in browser on `fragment`, driven over the DevTools pipe."""
        page = DevTools(self.chromium, tempfile.mkdtemp(prefix="chromium-", dir=self.tmp),
                        self.signed_in_url(fragment))
        page.__enter__()
        self.addCleanup(page.__exit__, None, None, None)
        page.wait_for("!!document.body && document.body.dataset.auth === 'session'")
        return page

    CONTACT_SHOWN = ("!document.getElementById('view-contact').hidden"
                     " && !document.getElementById('contact-actions').hidden")

    def open_contact(self, email):
        page = self.page("#/contact/" + urllib.parse.quote(email))
        page.wait_for(self.CONTACT_SHOWN)
        return page

    def test_moving_a_contact_to_customer_with_a_note(self):
        email = self.free_lead(company=True)["email"]
        page = self.open_contact(email)
        self.assertEqual(page.evaluate("document.getElementById('move-stage').value"), "lead")
        before = len(self.cli_json("contact", email)["history"])

        # Too long a note (1,500 three-byte characters: 4,500 bytes): the API's 400 is shown in place.
        page.choose("#move-stage", "Customer")
        page.type("#move-note", "\u20ac" * 1500)
        page.click("#move-submit")
        page.wait_for("document.getElementById('move-error').textContent !== ''")
        self.assertIn("at most 2000 bytes", page.text("#move-error"))
        self.assertTrue(page.visible("#move-error"))
        self.assertEqual(page.evaluate("document.getElementById('contact-stage').dataset.stage"), "lead")
        self.assertEqual(len(self.cli_json("contact", email)["history"]), before)

        page.retype("#move-note", "signed on the call")
        page.click("#move-submit")
        page.wait_for("document.getElementById('contact-stage').dataset.stage === 'customer'")
        self.assertEqual(page.text("#move-error"), "")
        self.assertIn("Moved to Customer", page.text("#move-result"))
        last = page.evaluate("""(() => { const events = document.querySelectorAll('#history .history-event');
            const e = events[events.length - 1];
            return {to: e.dataset.to, actor: e.dataset.actor, text: e.textContent}; })()""")
        self.assertEqual((last["to"], last["actor"]), ("customer", "user"))
        self.assertIn("moved by hand", last["text"])
        self.assertIn("signed on the call", last["text"])
        self.assertEqual(page.evaluate("document.getElementById('move-note').value"), "")

        detail = self.cli_json("contact", email)
        self.assertEqual(detail["stage"], "customer")
        move = detail["history"][-1]
        self.assertEqual((move["to"], move["actor"], move["note"]), ("customer", "user", "signed on the call"))
        self.assertEqual(len(detail["history"]), before + 1)

    def test_the_contact_view_says_why_they_are_a_contact(self):
        """The why line of GET /api/why; and for a free-mail address (no company) only the address can
        be hidden: "the whole domain gmail.com" would hide strangers."""
        email = self.free_lead(company=False)["email"]
        reason = self.cli_json("why", email)["reasons"][0]
        self.assertEqual(reason["code"], "contact")
        page = self.open_contact(email)
        page.wait_for("document.getElementById('contact-why').textContent !== ''")
        line = page.text("#contact-why")
        self.assertTrue(line.startswith("A contact because "), line)
        expected = {"wrote to you": "they wrote to you", "you or a contact wrote to them (to)": "addressed to them",
                    "you or a contact wrote to them (cc)": "copied (Cc)"}
        self.assertIn(expected.get(reason["detail"], reason["detail"]), line)
        self.assertIn("(message <%s>)" % reason["message_id"], line)
        self.assertFalse(page.visible("#block-domain"))
        self.assertTrue(page.visible("#block-address"))
        self.assertIn(email.split("@")[1] + " is a free-mail domain", page.text("#block-domain-why"))

    def test_not_a_contact_hides_them_and_undo_brings_them_back(self):
        contact = self.free_lead(company=True)
        email, domain = contact["email"], contact["email"].split("@")[1]
        self.addCleanup(self.daemon.request, "DELETE", "/api/blocks/" + urllib.parse.quote(email))
        self.addCleanup(self.daemon.request, "DELETE", "/api/blocks/" + urllib.parse.quote(domain))
        row = "#contacts-body tr[data-email=%s]" % json.dumps(email)
        listing = "#/contacts?q=" + urllib.parse.quote(email)
        page = self.page(listing)
        page.wait_for("!!document.querySelector(%s)" % json.dumps(row))
        page.click(row + " a.contact-link")
        page.wait_for(self.CONTACT_SHOWN)
        self.assertEqual(page.text("#block-address"), "Not a contact (this address)")
        self.assertEqual(page.text("#block-domain"), "Not a contact (whole domain %s)" % domain)

        # This address: back on the list it was opened from, reloaded without it; Undo brings it back.
        page.click("#block-address")
        page.wait_for("location.hash === %s && document.getElementById('notice-text').textContent !== ''"
                      % json.dumps(listing))
        page.wait_for("document.getElementById('contacts-summary').textContent.startsWith('No contacts')")
        self.assertIsNone(page.evaluate("document.querySelector(%s)" % json.dumps(row)))
        self.assertIn(email + " is not a contact any more", page.text("#notice-text"))
        self.assertNotIn(email, [c["email"] for c in self.cli_json("contacts")])
        self.assertIn(email, self.cli_json("blocks"))
        page.click("#notice-undo")
        page.wait_for("!!document.querySelector(%s)" % json.dumps(row))
        self.assertIn("Undone", page.text("#notice-text"))
        self.assertFalse(page.visible("#notice-undo"))
        self.assertIn(email, [c["email"] for c in self.cli_json("contacts")])
        self.assertNotIn(email, self.cli_json("blocks"))

        # The whole domain: every contact there leaves the lists, and comes back with Undo.
        def at_domain_now():  # the domain and its subdomains
            return sorted(c["email"] for c in self.cli_json("contacts")
                          if c["email"].endswith("@" + domain) or c["email"].endswith("." + domain))
        at_domain = at_domain_now()
        page.click(row + " a.contact-link")
        page.wait_for(self.CONTACT_SHOWN)
        page.click("#block-domain")
        page.wait_for("location.hash === %s && document.getElementById('contacts-summary').textContent.startsWith('No contacts')"
                      % json.dumps(listing))
        self.assertIsNone(page.evaluate("document.querySelector(%s)" % json.dumps(row)))
        self.assertIn("Nobody at " + domain, page.text("#notice-text"))
        self.assertIn("%d contact" % len(at_domain), page.text("#notice-text"))
        self.assertEqual(at_domain_now(), [])
        page.click("#notice-undo")
        page.wait_for("!!document.querySelector(%s)" % json.dumps(row))
        self.assertEqual(at_domain_now(), at_domain)

    def test_forgetting_from_the_page_after_confirming(self):
        email = self.free_lead(company=True)["email"]
        page = self.open_contact(email)
        self.assertFalse(page.visible("#forget-yes"))
        page.click("#forget")
        page.wait_for("!document.getElementById('forget-confirm').hidden")
        self.assertEqual(page.text("#forget-yes"), "Yes, forget %s for good" % email)
        page.click("#forget-cancel")  # nothing happens without the second, explicit button
        page.wait_for("document.getElementById('forget-confirm').hidden")
        self.assertEqual(self.cli_json("why", email)["reasons"][0]["code"], "contact")

        page.click("#forget")
        page.click("#forget-yes")
        page.wait_for("location.hash === '#/contacts' && document.getElementById('notice-text').textContent !== ''")
        self.assertIn(email + " was forgotten", page.text("#notice-text"))
        self.assertFalse(page.visible("#notice-undo"))
        why = self.cli_json("why", email)
        self.assertFalse(why["contact"])
        self.assertEqual(why["reasons"][0]["code"], "forgotten")
        self.assertNotIn(email, [c["email"] for c in self.cli_json("contacts")])
        self.daemon.get_json("/api/contacts/" + urllib.parse.quote(email), expect=404)

    def test_the_contacts_list_says_how_many_of_how_many(self):
        total = len(self.cli_json("contacts"))
        self.assertGreater(total, 100)
        page = self.page("#/contacts")
        page.wait_for("document.getElementById('contacts-summary').dataset.shown === '50'")
        summary = page.evaluate("Object.assign({}, document.getElementById('contacts-summary').dataset)")
        self.assertEqual(int(summary["total"]), total)
        text = page.text("#contacts-summary")
        found = re.match(r"(\S+) of (\S+) contacts", text)
        self.assertTrue(found, text)
        self.assertEqual((number(found.group(1)), number(found.group(2))), (50, total))
        self.assertTrue(page.visible("#contacts-more"))
        page.click("#contacts-more")
        page.wait_for("document.getElementById('contacts-summary').dataset.shown === '100'")
        rows = page.evaluate("Array.from(document.querySelectorAll('#contacts-body tr'), (r) => r.dataset.email)")
        self.assertEqual(rows, [c["email"] for c in self.daemon.get_json("/api/contacts?limit=100")])
        self.assertEqual(number(re.match(r"(\S+) of", page.text("#contacts-summary")).group(1)), 100)

        # A stage with fewer contacts than a page: every one shown, and no button.
        customers = len(self.cli_json("contacts", "--stage", "customer"))
        page.evaluate("location.hash = '#/contacts?stage=customer'")
        page.wait_for("document.getElementById('contacts-summary').dataset.total === '%d'" % customers)
        self.assertLess(customers, 50)
        self.assertEqual(page.evaluate("document.querySelectorAll('#contacts-body tr').length"), customers)
        self.assertFalse(page.visible("#contacts-more"))
        self.assertIn(str(customers), page.text("#contacts-summary"))

    def test_without_a_team_database_there_is_no_team_view(self):
        self.assertEqual(self.daemon.get_json("/api/status")["publishing"], [])
        dom = self.dom()
        self.assertIn("hidden", dom.by_id("nav-team").attrs, "a Team link without [team]")
        self.assertNotIn("hidden", dom.by_id("nav-contacts").attrs)
        self.assertIn("hidden", dom.by_id("view-team").attrs)
        self.assertIn("hidden", dom.by_id("backlog").attrs, "an outbox line with nothing to publish")

    def test_screenshots_on_a_laptop_and_a_phone(self):
        for name, size in (("status-page-laptop.png", "1280,1000"), ("status-page-phone.png", "375,1400")):
            path = self.screenshot(name, size=size)
            print("screenshot: " + path)


class TeamPageTest(unittest.TestCase):
    """Rep alice's daemon with [team] on a real PostgreSQL; rep bob published the same mailbox
    (`prospectd sync`, `prospectd publish`), so every contact both wrote to in the last 30 days is
    a collision, and every company is known to both."""

    COLLISION = "pat.recent@collide-corp.example"

    @classmethod
    def setUpClass(cls):
        cls.chromium = require_chromium()
        cls.tmp = tempfile.mkdtemp(prefix="prospectd-team-page-")
        os.chmod(cls.tmp, 0o755)  # Dovecot's mail user must reach the Maildir
        if not os.environ.get("PROSPECTD_KEEP_TEST_DIRS"):
            cls.addClassCleanup(shutil.rmtree, cls.tmp, ignore_errors=True)
        cls.postgres = Postgres()
        cls.addClassCleanup(cls.postgres.close)
        cls.postgres.start()
        mail_dir = os.path.join(cls.tmp, "mail")
        harness.generate_mailbox(mail_dir, 400, 43, ("--end-date", "today"))
        add_sent_message(mail_dir, "Pat Recent <%s>" % cls.COLLISION, 3, 1)  # a recent outbound message
        cls.dovecot = Dovecot(mail_dir).start()
        cls.addClassCleanup(cls.dovecot.stop)
        password_file = os.path.join(cls.tmp, "pg-password")
        with open(password_file, "w", encoding="utf-8") as f:
            f.write(cls.postgres.password + "\n")
        os.chmod(password_file, 0o600)

        def team(rep):
            return '[team]\ndatabase = "%s"\npassword_file = "%s"\nrep = "%s"\n' % (cls.postgres.uri(), password_file, rep)
        bob = Prospectd(os.path.join(cls.tmp, "bob"), [imap_account(cls.dovecot)], extra=team("bob"))
        bob.run("sync")
        bob.run("publish")
        cls.http_port = harness.free_port()
        cls.app = Prospectd(os.path.join(cls.tmp, "alice"), [imap_account(cls.dovecot, name="demo")],
                            extra=harness.http_section(cls.http_port) + "\n" + team("alice"))
        cls.daemon = Daemon(cls.app, cls.http_port).start()
        cls.addClassCleanup(cls.daemon.stop)
        cls.daemon.wait_until_synced()
        cls.wait_outbox_empty()

    @classmethod
    def wait_outbox_empty(cls, timeout=60):
        seen = {}

        def empty():
            seen["status"] = cls.daemon.get_json("/api/status")
            outbox = seen["status"]["outbox"]
            return outbox["pending"] == 0 and outbox["failed"] == 0
        if not harness.wait_for(empty, timeout, interval=0.3):
            raise AssertionError("outbox not drained within %d s: %s" % (timeout, seen.get("status")))

    def page(self, fragment):
        page = DevTools(self.chromium, tempfile.mkdtemp(prefix="chromium-", dir=self.tmp),
                        self.daemon.login_link() + fragment)
        page.__enter__()
        self.addCleanup(page.__exit__, None, None, None)
        page.wait_for("!!document.body && document.body.dataset.auth === 'session'")
        return page

    TEAM_SHOWN = ("!document.getElementById('view-team').hidden"
                  " && document.querySelectorAll('#reps-body tr[data-rep]').length > 0")

    def funnel(self, page):
        return page.evaluate("Object.fromEntries(Array.from(document.querySelectorAll('#team-funnel li.funnel-step'),"
                             " (li) => [li.dataset.stage, Number(li.dataset.count)]))")

    def test_the_team_view_shows_the_team_database(self):
        page = self.page("#/")
        page.wait_for("!document.getElementById('nav-team').hidden")  # once /api/status says [team]
        page.click("#nav-team")
        page.wait_for(self.TEAM_SHOWN)
        self.assertEqual(page.evaluate("location.hash"), "#/team")
        self.assertEqual(page.evaluate("document.getElementById('nav-team').getAttribute('aria-current')"), "page")
        self.assertTrue(page.evaluate("document.getElementById('view-dashboard').hidden"))
        self.assertFalse(page.visible("#backlog"))
        team = self.daemon.get_json("/api/team")
        self.assertEqual(team["rep"], "alice")

        # The combined funnel: team contacts per combined stage, in pipeline order.
        stages = page.evaluate("Array.from(document.querySelectorAll('#team-funnel li.funnel-step'), (li) => li.dataset.stage)")
        self.assertEqual(stages, TEAM_STAGES)
        expected = {stage: sum(1 for c in team["contacts"] if c["stage"] == stage) for stage in TEAM_STAGES}
        self.assertEqual(self.funnel(page), expected)
        self.assertGreater(expected["prospect"], 0)
        counts = page.evaluate("Array.from(document.querySelectorAll('#team-funnel .funnel-count'), (n) => n.textContent)")
        self.assertEqual([number(text) for text in counts], [expected[s] for s in TEAM_STAGES])

        # Each rep with their contacts and when they last published.
        reps = page.evaluate("""Array.from(document.querySelectorAll('#reps-body tr'), (tr) =>
            [tr.dataset.rep, Number(tr.dataset.contacts), !!tr.querySelector('time')])""")
        self.assertEqual(reps, [[r["rep"], r["contacts"], True] for r in team["reps"]])
        self.assertEqual([r["rep"] for r in team["reps"]], ["alice", "bob"])

        # Collisions: both reps wrote to these people in the last 30 days.
        collisions = page.evaluate("Array.from(document.querySelectorAll('#collisions-list li.collision'),"
                                   " (li) => [li.dataset.email, li.dataset.reps])")
        self.assertEqual(collisions, [[c["email"], ",".join(c["reps"])] for c in team["collisions"]])
        self.assertIn([self.COLLISION, "alice,bob"], collisions)
        self.assertIn("alice and bob", page.text("#collisions-list li[data-email=%s]" % json.dumps(self.COLLISION)))
        self.assertEqual(page.text("#collisions-title"), "Two reps are writing to the same person")

        # Companies known to two or more reps (here: every company), the first 25 at first.
        shared = {c["company"]: [c["contacts"], ",".join(c["reps"])] for c in team["companies"] if len(c["reps"]) >= 2}
        self.assertGreater(len(shared), 0)
        rows = page.evaluate("Array.from(document.querySelectorAll('#companies-body tr[data-company]'),"
                             " (tr) => [tr.dataset.company, Number(tr.dataset.contacts), tr.dataset.reps])")
        self.assertEqual(len(rows), min(25, len(shared)))
        self.assertTrue(all(shared[name] == [contacts, reps] for name, contacts, reps in rows), rows)

        # The contacts table: the first 100 rows, "Show all" for the rest, and a filter.
        total = len(team["contacts"])
        self.assertGreater(total, 100, "too few contacts to see the table bounded")
        summary = page.evaluate("Object.assign({}, document.getElementById('team-contacts-summary').dataset)")
        self.assertEqual((int(summary["shown"]), int(summary["total"])), (100, total))
        self.assertEqual(page.evaluate("document.querySelectorAll('#team-contacts-body tr').length"), 100)
        found = re.match(r"(\S+) of (\S+) team contacts", page.text("#team-contacts-summary"))
        self.assertTrue(found, page.text("#team-contacts-summary"))
        self.assertEqual((number(found.group(1)), number(found.group(2))), (100, total))
        page.screenshot(os.path.join(artifacts_dir(), "status-page-team.png"))
        page.click("#team-contacts-all")
        page.wait_for("document.querySelectorAll('#team-contacts-body tr').length === %d" % total)
        self.assertFalse(page.visible("#team-contacts-all"))
        page.type("#team-filter", "pat.recent@collide")
        page.wait_for("document.querySelectorAll('#team-contacts-body tr').length === 1")
        row = page.evaluate("""(() => { const tr = document.querySelector('#team-contacts-body tr');
            return {email: tr.dataset.email, stage: tr.dataset.stage,
                    reps: Array.from(tr.querySelectorAll('.rep-stages li'), (li) => [li.dataset.rep, li.dataset.stage])}; })()""")
        contact = next(c for c in team["contacts"] if c["email"] == self.COLLISION)
        self.assertEqual(row, {"email": self.COLLISION, "stage": contact["stage"],
                               "reps": [[r["rep"], r["stage"]] for r in contact["reps"]]})
        page.choose("#team-stage", "Customer")
        page.click("#team-filter")
        page.press("a", code="KeyA", modifiers=2, commands=["selectAll"])
        page.press("Backspace", code="Backspace", windowsVirtualKeyCode=8, commands=["deleteBackward"])
        page.wait_for("document.getElementById('team-contacts-summary').dataset.total === '%d'" % expected["customer"])
        self.assertEqual(set(page.evaluate("Array.from(document.querySelectorAll('#team-contacts-body tr'),"
                                           " (tr) => tr.dataset.stage)")), {"customer"} if expected["customer"] else set())

    def test_the_backlog_line_while_the_team_database_is_down(self):
        page = self.page("#/team")
        page.wait_for(self.TEAM_SHOWN)
        self.assertFalse(page.visible("#backlog"))
        self.assertEqual(page.text("#team-error"), "")
        lead = next(c for c in self.daemon.get_json("/api/contacts?stage=lead&limit=1"))
        self.postgres.stop()
        try:
            moved = self.daemon.request("POST", "/api/contacts/%s/stage" % urllib.parse.quote(lead["email"]),
                                        body={"stage": "opportunity"}, headers={"Content-Type": "application/json"})
            self.assertEqual(moved.status, 200, moved.body)
            page.wait_for("!document.getElementById('backlog').hidden"
                          " && document.getElementById('backlog').dataset.kind === 'error'", 40)
            line = page.text("#backlog")
            self.assertRegex(line, r"Outbox: \d+ waiting since .* ago")
            status = self.daemon.get_json("/api/status")
            team = next(t for t in status["publishing"] if t["kind"] == "team")
            self.assertEqual(team["state"], "error")
            self.assertIn("team (rep alice): ", line)
            self.assertTrue(page.visible("#backlog"))
            # The Team view says why it cannot answer; the last view read stays, the page keeps working.
            page.wait_for("document.getElementById('team-error').textContent !== ''", 20)
            self.assertIn("The team database cannot be read", page.text("#team-error"))
            self.assertTrue(page.visible("#team-error"))
            self.assertEqual(page.evaluate("document.querySelectorAll('#team-funnel li.funnel-step').length"), 5)
            page.screenshot(os.path.join(artifacts_dir(), "status-page-team-backlog.png"))
            page.click("#nav-dashboard")
            page.wait_for("document.querySelectorAll('#funnel li.funnel-step').length === 4"
                          " && !document.getElementById('view-dashboard').hidden")
            self.assertTrue(page.visible("#backlog"))  # on every view
            page.click("#nav-team")
            page.wait_for("!document.getElementById('view-team').hidden")
        finally:
            self.postgres.start()
        # Drained: the line goes, the Team view answers again with the move.
        page.wait_for("document.getElementById('backlog').hidden", 60)
        page.wait_for("document.getElementById('team-error').textContent === ''", 20)
        team = self.daemon.get_json("/api/team")
        moved = next(c for c in team["contacts"] if c["email"] == lead["email"])
        self.assertIn({"rep": "alice", "stage": "opportunity"}, [{k: r[k] for k in ("rep", "stage")} for r in moved["reps"]])
        expected = {stage: sum(1 for c in team["contacts"] if c["stage"] == stage) for stage in TEAM_STAGES}
        page.wait_for("(() => { const li = document.querySelector('#team-funnel li[data-stage=opportunity]');"
                      " return !!li && li.dataset.count === '%d'; })()" % expected["opportunity"], 20)
        self.assertEqual(self.funnel(page), expected)


if __name__ == "__main__":
    unittest.main()
