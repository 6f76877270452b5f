#!/usr/bin/env python3
"""Deterministic synthetic sales mailbox (Maildir++) with its exact ground truth.

USAGE
  gen_mailbox.py --messages N --seed S --out DIR [--start-index K] [--hostile] [--force]
  gen_mailbox.py --extend DIR --messages M --seed S2 [--hostile]
  gen_mailbox.py --verify DIR

  A new corpus has exactly N message files; --extend adds exactly M more.
  Same arguments, same bytes (file names, contents, ground truth).
  --verify re-derives the expected CRM state from DIR's message files alone
  (Python's email parser + the rules below applied to the headers as
  written) and compares it with DIR/ground_truth.json: exit 0 when equal.
  Python 3 standard library only; 100k messages take well under a minute
  (mostly file creation).

OUTPUT
  DIR/Maildir/{cur,new,tmp}          INBOX (Maildir++ root)
  DIR/Maildir/.Sent/{cur,new,tmp}    Sent (with the `maildirfolder` marker)
  DIR/ground_truth.json              expected CRM state (shape below; top
                                     level indented, one contact per line)
  DIR/promoted.json                  (--extend only) sorted JSON list of the
                                     canonical addresses whose stage changed
                                     (lead -> prospect) because of that extension
  File names `<date>.M<serial>P<seed>.prospectd,S=<size>,W=<crlf size>:2,<flags>`
  (the S= and W= sizes are exact: Dovecot trusts them), mtime = the Date
  header (Dovecot uses it as INTERNALDATE), LF line endings. A new corpus
  goes to cur/; --extend writes through tmp/ into new/, so a running Dovecot
  picks the messages up as new mail. --start-index K sets the first message
  serial number (default 0); corpora made with disjoint serial ranges never
  share a Message-ID or a file name (e.g. a second account's mailbox).

THE REP
  Alex Morgan <rep@acme-sales.com> (primary), rep@acme.io (alias), and any
  rep+<tag>@ form of them, in any letter case, are the rep's own addresses.
  Internal domains: acme-sales.com, acme.io -- everybody there is a colleague.
  Neither the rep nor colleagues are ever contacts.

GROUND TRUTH SEMANTICS (ARCHITECTURE.md "Lifecycle", applied to the generated headers)
  Canonical address: lower-cased, a "+tag" removed from the local part
  (Jane.Doe+acme@GMail.com -> jane.doe@gmail.com). Unique messages: files
  with the same Message-ID are one message (the rep Bcc'ing their own address
  leaves a copy in INBOX and in Sent -- never for a message with Bcc recipients,
  whose INBOX copy would lack them); a message without Message-ID is always
  its own.
  Direction: outbound if From is the rep, internal if From is at an internal
  domain, inbound otherwise.
  Automated: out-of-office replies (each carries at least one of
  Auto-Submitted: auto-replied, X-Autoreply, X-Autorespond, Precedence:
  auto_reply, or -- only in English/German -- a subject starting "Automatic
  reply:", "Out of Office:", "Autoreply:", "Auto:", "Abwesenheitsnotiz:"),
  bounces (multipart/report from MAILER-DAEMON/postmaster), newsletters and
  notifications (List-Id, List-Unsubscribe, Precedence: bulk/list,
  Auto-Submitted: auto-generated, or a noreply/no-reply/donotreply/
  do-not-reply sender). Every other message is human and carries none of
  these markers (a few carry "Auto-Submitted: no", which is human).
  Threads: connected components of the Message-ID/In-Reply-To/References
  graph (ids that no stored message has still connect the messages citing
  them; the generator never lets two threads cite the same unknown id), plus
  subject fallback: a message with neither In-Reply-To nor References whose
  decoded subject starts with a reply prefix (Re:/RE:/AW:/SV:/Antw:) joins
  the most recent thread with the same normalised subject (prefixes
  re/aw/sv/antw/vs/fw/fwd/wg stripped repeatedly, case and runs of white
  space folded) in which its sender took part (From/To/Cc/Bcc) within the 60
  days before it. The generator makes every such candidate UNIQUE -- even
  when looking 120 days either side and counting automated messages -- so
  "most recent" never has to break a tie and the order in which a sync sees
  the folders does not matter. Template subjects are shared by many cold
  emails on purpose: only the sender's participation picks the thread. A
  no-reference reply that comes more than 75 days after its sender last
  took part in the thread (category inbound_reply_noref_expired) joins
  nothing and is a thread of its own. Forwards without references ("Fwd:")
  have subjects no other thread has.
  Contacts: every external, non-automated address that is the author of a
  human inbound message, or a To/Cc/Bcc recipient of an outbound message, or
  a To/Cc co-recipient of a human inbound message. Automated senders (list
  and notification senders, MAILER-DAEMON) never appear in those roles.
  stage = "prospect" iff some thread holds >= 1 human message authored by the
  contact AND >= 1 message authored by the rep (any order); being only in
  To/Cc of such a thread is not enough; auto-replies, bounces and newsletters
  never count. Otherwise "lead".
  Per contact ("contacts": {canonical: {...}}):
    stage, name (the latest non-empty decoded display name; every non-empty
    display name of a person is the same, so order never matters; null if
    the address never had one), company_domain (the canonical domain, null
    for free-mail domains, listed in "freemail_domains"), variants (sorted
    raw spellings seen in From/To/Cc/Bcc), needs_subject_threading (prospect
    only through a subject-fallback join: with the Message-ID graph alone it
    would be a lead), inbound_count (human inbound messages it authored),
    outbound_count (outbound messages with it in To/Cc/Bcc), thread_count
    (threads where it is in From/To/Cc/Bcc of a human message),
    threads_two_way, first_seen (earliest message giving it a contact role),
    last_inbound, last_outbound (ISO 8601 UTC or null), needs_reply (it
    authored the latest non-automated message of some thread), promotion
    (null for leads; else the earliest completion over its two-way threads:
    the later of its first human message and the rep's first message there:
    {at, message_id (null if that message has none), subject, folder,
    via_subject_fallback}).
  "totals": messages (files), unique_messages, inbox, sent, in_new (files
  --extend wrote into new/; Dovecot moves them to cur/ later), threads,
  threads_needing_reply (latest non-automated message is inbound human),
  without_message_id, by_category (per file), contacts,
  by_stage, needs_subject_threading. Also "rep", "freemail_domains",
  "automated_senders", "hostile", and "generator" (the parameters, from
  which --extend replays the corpus; keep ground_truth.json).

CATEGORIES (per file)
  outbound_first, outbound_followup, outbound_reply, outbound_reply_noref,
  outbound_forward, inbound_inquiry, inbound_reply, inbound_reply_noref,
  inbound_reply_noref_expired, auto_reply, bounce, newsletter, notification,
  internal_inbound, internal_outbound, bcc_self_copy, hostile.

SCENARIOS
  cold outreach (unanswered; some to several people at one company, some
  Bcc), follow-ups without answer, answered outreach over several turns,
  out-of-office replies in six languages (some followed by a real answer),
  bounces, inbound inquiries answered / unanswered (some Cc'ing colleagues of
  theirs), CC chains where only some Cc'd people write, a Cc'd person who
  later writes a thread of their own, an unanswered inquiry from somebody who
  is a prospect through another thread, forwards answered, replies without
  In-Reply-To/References (contact's or the rep's), newsletters/notifications,
  internal mail, mail without Message-ID, RFC 2047 names and subjects (Q and
  B, UTF-8 and ISO-8859-1; long ones split into several encoded words, also
  inside a word: the white space between adjacent encoded words must be
  dropped -- Python's email.headerregistry keeps it in display names, GMime
  and email.header.decode_header drop it), raw UTF-8 names, quoted names with
  commas and escapes, mixed-case and +tag spellings, group syntax, folded
  headers, Received/DKIM/ARC/Authentication-Results noise, multipart bodies.

--extend DIR --messages M --seed S2
  Replays the corpus from ground_truth.json (generator parameters), then adds
  M messages dated after everything in it: human replies continuing
  unanswered threads (a lead answering our outreach, the rep answering an
  unanswered inquiry, a silent Cc'd person writing), replies in threads of
  existing prospects (no stage change), and noise (newsletters,
  notifications, internal mail, new cold outreach, new unanswered inquiries
  from new people: new leads). Rewrites ground_truth.json and promoted.json.

--hostile
  Adds three messages that attack naive IMAP response parsing. Each is a
  human reply (with proper In-Reply-To/References) from a lead to the rep's
  outreach, so it promotes that contact to prospect -- the ground truth
  counts on it being parsed. (1) The header block ends with the line
  "A004 OK done", To: carries the comment "(A004 OK done)" on a folded line,
  and the body starts with that line. (2) The same with "* 3 EXISTS".
  (3) A 200 KB References header: thousands of ids no message has (only this
  message cites them), then the real thread ids. Dovecot keeps a line
  without a colon as a header of its own: it comes back with BODY[HEADER]
  and BODY[TEXT]-style fetches but not with HEADER.FIELDS; the folded
  comment does. In a new corpus the three replies and their outreach are
  part of the N messages; with --extend they answer existing outreach.
"""
import argparse
import base64
import binascii
import hashlib
import json
import os
import random
import re
import sys
import time
from datetime import datetime, timezone

# --------------------------------------------------------------------------
# fixed world
DAY = 86400
END = int(datetime(2025, 3, 31, 17, 0, tzinfo=timezone.utc).timestamp())
SPAN = 730 * DAY
START = END - SPAN
WINDOW = 60 * DAY

REP_NAME = "Alex Morgan"
REP_PRIMARY = "rep@acme-sales.com"
REP_ALIAS = "rep@acme.io"
OWN = (REP_PRIMARY, REP_ALIAS)
INTERNAL_DOMAINS = ("acme-sales.com", "acme.io")
REP_TZ = -300  # minutes east of UTC
COLLEAGUES = [("Sam Lee", "sam.lee@acme-sales.com"), ("Dana Cruz", "dana.cruz@acme-sales.com"),
              ("Priya Raman", "priya.raman@acme-sales.com"), ("Sales Ops", "sales-ops@acme-sales.com"),
              ("Robin Fox", "robin@acme.io"), ("Morgan Hale", "morgan.hale@acme-sales.com")]
FREEMAIL = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "yahoo.co.uk", "outlook.com",
            "hotmail.com", "hotmail.co.uk", "gmx.de", "gmx.net", "web.de", "icloud.com", "proton.me"]
FREEMAIL_SET = sorted(set(FREEMAIL))

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "Lucas",
         "Mia", "Logan", "Amelia", "James", "Harper", "Benjamin", "Evelyn", "Jacob", "Abigail",
         "Henry", "Ella", "Owen", "Scarlett", "Samuel", "Grace", "Leo", "Chloe", "Nathan", "Zoe",
         "Aaron", "Nora", "Caleb", "Hannah", "Ryan", "Lily", "Adrian", "Maya", "Tariq", "Mei",
         "Rahul", "Fatima", "Diego", "Yuki", "Lars", "Anja", "Kofi", "Ines", "Marek", "Sina"]
LAST = ["Carter", "Bennett", "Hughes", "Foster", "Reyes", "Coleman", "Brooks", "Sanders", "Price",
        "Myers", "Long", "Ross", "Powell", "Jenkins", "Perry", "Russell", "Griffin", "Hayes",
        "Wallace", "West", "Cole", "Stone", "Fischer", "Weber", "Novak", "Kaur", "Okafor", "Silva",
        "Ito", "Lindqvist", "Moreau", "Conti", "Nakamura", "Haddad", "Petrov", "Byrne", "Quinn"]
# (display name, preferred charset, ASCII local part)
NONASCII = [("Jürgen Weiß", "iso-8859-1", "juergen.weiss"), ("Hélène Dupré", "iso-8859-1", "helene.dupre"),
            ("Björn Åkesson", "iso-8859-1", "bjorn.akesson"), ("José Muñoz", "iso-8859-1", "jose.munoz"),
            ("Ørjan Haugstø", "iso-8859-1", "orjan.haugsto"), ("Zoë Brontë", "utf-8", "zoe.bronte"),
            ("Małgorzata Wójcik", "utf-8", "m.wojcik"), ("佐藤 花子", "utf-8", "hanako.sato"),
            ("Αντώνης Παππάς", "utf-8", "a.pappas"), ("Анна Смирнова", "utf-8", "anna.smirnova"),
            ("Çağlar Yılmaz", "utf-8", "caglar.yilmaz"), ("Nguyễn Văn An", "utf-8", "an.nguyen"),
            ("François-Xavier de la Fontaine-Bérenger", "iso-8859-1", "fx.fontaine")]
CO_A = ["Northwind", "Bluefin", "Crestline", "Ironwood", "Lumen", "Halcyon", "Quarry", "Tessellate",
        "Brightpath", "Kestrel", "Orchard", "Meridian", "Pinecone", "Rivet", "Solstice", "Tidewater",
        "Vantage", "Wildflower", "Zephyr", "Copperleaf", "Granite", "Harbor", "Juniper", "Lattice"]
CO_B = ["Logistics", "Health", "Foods", "Analytics", "Robotics", "Energy", "Capital", "Media",
        "Labs", "Systems", "Outfitters", "Biotech", "Freight", "Studios", "Retail", "Partners"]
TLDS = ["com", "com", "com", "com", "io", "de", "co.uk", "fr", "nl", "net", "se", "es"]
TZ_BY_TLD = {"de": 60, "fr": 60, "nl": 60, "es": 60, "se": 60, "co.uk": 0, "io": 0}
TZ_US = [-300, -360, -420, -480, -240]
PRODUCTS = ["Acme CRM", "Acme Insights", "Acme Cloud", "Acme Sync", "Acme Enterprise"]
# cold templates: shared by many threads on purpose (decoys for subject fallback)
COLD = ["Quick question about {p}", "{p} demo next week?", "Following up on {p}",
        "{p} for {co}", "Intro: {p} x {co}", "Saving your team time with {p}",
        "auto-renewal terms for {p}", "Re-thinking pipeline reporting at {co}",
        "{p}: 15 minutes this week?", "Ideas for {co}'s Q{q} planning"]
COLD_NONASCII = ["Angebot für {p}", "Démo {p} la semaine prochaine ?", "Reunión sobre {p}"]
INQUIRY = ["Question about {p} pricing for {n} seats", "Request for quote: {p} ({n} users)",
           "Inquiry from {co}: {p} rollout", "{p} trial extension for {co} ({n})",
           "Security questionnaire - {co} / {p} #{n}", "Can {p} import our {n} accounts?"]
INQUIRY_NONASCII = ["Anfrage: {p} für {n} Nutzer", "Question tarifaire {p} – {n} licences"]
DOCS = ["{p} security whitepaper", "Case study: {p} at a logistics firm", "{p} pricing sheet",
        "{p} implementation plan", "{p} ROI calculator"]
INTERNAL = ["pipeline review wk {n}", "forecast Q{q} {y} - {r}", "deal desk approval #{n}",
            "lunch {d}?", "Fwd: pricing sheet v{n}", "territory planning {y} ({r})",
            "enablement session #{n}", "QBR deck draft v{n}"]
REGIONS = ["EMEA", "NA East", "NA West", "DACH", "Nordics", "UK&I"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
NEWSLETTERS = [  # (display name, address, profile)
    ("The Revenue Brief", "brief@news.revenuebrief.com", "list"),
    ("SalesCraft Weekly", "weekly@salescraft.io", "list"),
    ("Pipeline Podcast", "hello@pipelinepodcast.fm", "list"),
    ("CloudCon 2025", "events@cloudcon-events.com", "bulk"),
    ("Linkage", "messages-digest@linkage.example", "list"),
    ("Quota Club", "community@quotaclub.org", "unsub"),
]
NOTIFIERS = [
    ("Calendly", "notifications@calendly.example", "autogen"),
    ("SignFlow", "no-reply@signflow.example", "noreply"),
    ("Expense Bot", "noreply@expensebot.example", "noreply"),
    ("MeetSpace", "do-not-reply@meetspace.example", "noreply"),
    ("Travel Desk", "DoNotReply@traveldesk.example", "noreply"),
    ("TicketHub", "no_reply@tickethub.example", "noreply"),
    ("Status Updates", "status@statuspage.example", "bulk"),
]
BOUNCERS = ["MAILER-DAEMON@mx1.acme-sales.com", "postmaster@mx2.acme-sales.com",
            "mailer-daemon@googlemail.com"]
AUTOREPLY = [  # (subject prefix, language, may the subject be the only marker)
    ("Automatic reply: ", "en", True), ("Out of Office: ", "en", True), ("Autoreply: ", "en", True),
    ("Auto: ", "en", True), ("Abwesenheitsnotiz: ", "de", True), ("Automatische Antwort: ", "de", False),
    ("Réponse automatique : ", "fr", False), ("Respuesta automática: ", "es", False),
    ("Automatisch antwoord: ", "nl", False), ("Autosvar: ", "sv", False)]
OOO_TEXT = {"en": "I am out of the office until {d} with limited access to email.",
            "de": "Ich bin bis {d} nicht im Büro und habe nur eingeschränkten Zugriff auf E-Mails.",
            "fr": "Je suis absent(e) jusqu'au {d} avec un accès limité à mes e-mails.",
            "es": "Estaré fuera de la oficina hasta el {d} con acceso limitado al correo.",
            "nl": "Ik ben tot {d} afwezig en lees mijn e-mail beperkt.",
            "sv": "Jag är ledig till {d} och läser e-post sporadiskt."}
REPLY_PREFIX = {"en": ["Re: ", "Re: ", "Re: ", "RE: "], "de": ["AW: ", "Re: "],
                "sv": ["SV: ", "Re: "], "nl": ["Antw: ", "Re: "]}
SENTENCES = [
    "Thanks for the call earlier today.", "We are reviewing the numbers with our finance team.",
    "Could you send over the security documentation?", "The timeline is tight but doable.",
    "A pilot in the next quarter sounds realistic.", "Let me know what works for you.",
    "I have looped in our head of operations.", "Our current contract runs until the end of the year.",
    "Happy to set up a short demo for the wider team.", "Attached is the overview we discussed.",
    "We would need SSO and an EU data residency option.", "Can we move our call to Thursday?",
    "Pricing looks reasonable for the first year.", "I will circle back after our board meeting.",
    "How does the migration from spreadsheets usually work?", "Great to hear from you."]

REPLY_PREFIX_RE = re.compile(r"^\s*(re|aw|sv|antw|vs|odp|res)\s*(\[\d+\])?\s*:", re.I)
FWD_PREFIX_RE = re.compile(r"^\s*(fw|fwd|wg|tr|rv)\s*(\[\d+\])?\s*:", re.I)
STRIP_RE = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs|odp|res|fw|fwd|wg|tr|rv)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
WS_RE = re.compile(r"\s+")


def canon(addr):
    local, _, dom = addr.rpartition("@")
    return (local.split("+", 1)[0] + "@" + dom).lower()


def is_own(key):
    return key in OWN


def domain_of(key):
    return key.rpartition("@")[2]


def is_internal(key):
    return domain_of(key) in INTERNAL_DOMAINS


def norm_subject(s):
    return WS_RE.sub(" ", STRIP_RE.sub("", s)).strip().lower()


def iso(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


# --------------------------------------------------------------------------
# model
class Person:
    __slots__ = ("key", "addr", "name", "charset", "company", "tz", "client", "named", "lang")

    def __init__(self, key, addr, name, charset, company, tz, client, named, lang):
        self.key, self.addr, self.name, self.charset = key, addr, name, charset
        self.company, self.tz, self.client, self.named, self.lang = company, tz, client, named, lang


class Addr:
    """One address as written in one header: raw spelling + display name."""
    __slots__ = ("key", "spelled", "name", "person")

    def __init__(self, spelled, name, person=None):
        self.key, self.spelled, self.name, self.person = canon(spelled), spelled, name, person


class Msg:
    __slots__ = ("serial", "folder", "date", "frm", "to", "cc", "bcc", "subject", "mid", "irt",
                 "refs", "auto", "cat", "tid", "noref", "hostile", "new", "flags", "client", "tz",
                 "parent", "group_to")

    def __init__(self, **kw):
        for k in self.__slots__:
            setattr(self, k, None)
        for k, v in kw.items():
            setattr(self, k, v)


class Thread:
    __slots__ = ("tid", "subject", "kind", "msgs", "main", "people", "lang", "bounced")

    def __init__(self, tid, subject, kind, main=None, lang="en"):
        self.tid, self.subject, self.kind, self.main = tid, subject, kind, main
        self.msgs, self.people, self.lang, self.bounced = [], [], lang, False


class Gen:
    def __init__(self, seed, start_index=0):
        self.seed = seed
        self.rng = random.Random(seed)
        self.serial = start_index
        self.start_index = start_index
        self.msgs = []
        self.threads = []
        self.persons = {}
        self.companies = []
        self.cc_only = []     # persons Cc'd on an outbound message (candidates to write later)
        self.repliers = []    # persons who answered the rep somewhere
        self.used_subjects = set()
        self.hostile_info = []

    # ---------------- people ----------------
    def make_companies(self, n):
        rng, seen = self.rng, set()
        for i in range(n):
            for _ in range(50):
                a, b, tld = rng.choice(CO_A), rng.choice(CO_B), rng.choice(TLDS)
                slug = (a + "-" + b).lower() if rng.random() < 0.6 else (a + b).lower()
                if len(seen) > 300:
                    slug += str(rng.randint(2, 999))
                dom = slug + "." + tld
                if dom not in seen:
                    break
            seen.add(dom)
            style = rng.choice(["first.last", "first.last", "flast", "first", "first_last"])
            self.companies.append({"name": a + " " + b, "domain": dom, "style": style, "people": [],
                                   "tld": tld})

    def new_person(self, company=None, freemail=False):
        rng = self.rng
        r = rng.random()
        lastfirst = False
        if r < 0.08:
            name, charset, local0 = rng.choice(NONASCII)
            first, last = local0.split(".")[0], local0.split(".")[-1]
        else:
            first, last, charset = rng.choice(FIRST), rng.choice(LAST), None
            if r < 0.12:
                name = "%s, %s" % (last, first)   # Outlook directory style, needs quoting
                lastfirst = True
            elif r < 0.13:
                name = '%s "%s" %s' % (first, first[:3], last)  # quoted-pair escapes
            elif r < 0.15:
                name = "%s %s. %s" % (first, rng.choice("ABCDEFGHJKLMNPRSTW"), last)
            else:
                name = "%s %s" % (first, last)
            local0 = None
        f, l = first.lower(), last.lower()
        if company is None or freemail:
            company = None
            dom = rng.choice(FREEMAIL)
            local = (local0 or "%s.%s" % (f, l)) + str(rng.randint(1, 9999))
            tz = rng.choice(TZ_US + [0, 60])
        else:
            dom = company["domain"]
            st = company["style"]
            if local0:
                local = local0
            elif st == "first.last":
                local = "%s.%s" % (f, l)
            elif st == "flast":
                local = f[0] + l
            elif st == "first":
                local = f
            else:
                local = "%s_%s" % (f, l)
            tz = TZ_BY_TLD.get(company["tld"], rng.choice(TZ_US))
        key = canon(local + "@" + dom)
        n = 1
        while key in self.persons:
            n += 1
            key = canon("%s%d@%s" % (local, n, dom))
        local = key.split("@")[0]
        addr = local + "@" + dom
        if rng.random() < 0.04:  # a person who habitually writes her address capitalised
            addr = ".".join(p.capitalize() for p in local.split(".")) + "@" + dom.capitalize()
        if dom == "gmail.com":
            client = "gmail"
        elif dom in ("outlook.com", "hotmail.com", "hotmail.co.uk"):
            client = "outlook"
        elif dom == "icloud.com":
            client = "apple"
        else:
            client = rng.choice(["outlook", "outlook", "gmail", "apple", "thunderbird", "generic"])
        lang = {"de": "de", "se": "sv", "nl": "nl"}.get(company["tld"] if company else "", "en")
        if charset == "iso-8859-1" and "Jürgen" in name:
            lang = "de"
        named = rng.random() < 0.93 or lastfirst
        p = Person(key, addr, name, charset, company, tz, client, named, lang)
        self.persons[key] = p
        if company is not None:
            company["people"].append(p)
        return p

    def pick_contact(self, freemail=None):
        rng = self.rng
        if freemail is None:
            freemail = rng.random() < 0.15
        co = rng.choice(self.companies)
        if not freemail and co["people"] and rng.random() < 0.3:
            return rng.choice(co["people"])
        return self.new_person(None if freemail else co, freemail)

    def colleague_of(self, p, exclude=()):
        """Another (maybe new) person at p's company."""
        co = p.company
        if co is None:
            return None
        others = [x for x in co["people"] if x is not p and x not in exclude]
        if others and self.rng.random() < 0.5:
            return self.rng.choice(others)
        return self.new_person(co)

    def addr(self, p):
        """How person p is written in one header."""
        rng = self.rng
        spelled = p.addr
        r = rng.random()
        if r < 0.04:
            local, _, dom = p.addr.partition("@")
            spelled = local.upper() + "@" + dom.upper() if rng.random() < 0.3 else local.title() + "@" + dom
        elif r < 0.07:
            local, _, dom = p.addr.partition("@")
            spelled = "%s+%s@%s" % (local, rng.choice(["acme", "crm", "sales", "vendors"]), dom)
        if p.named:
            name = p.name if rng.random() < 0.95 else None
        else:
            name = p.name if rng.random() < 0.1 else None
        return Addr(spelled, name, p)

    def rep_addr(self, outbound):
        r = self.rng.random()
        if outbound:
            sp = REP_PRIMARY if r < 0.86 else REP_ALIAS if r < 0.95 else "Rep@Acme-Sales.com" if r < 0.99 \
                else "rep+sales@acme-sales.com"
            return Addr(sp, REP_NAME)
        sp = REP_PRIMARY if r < 0.75 else REP_ALIAS if r < 0.85 else \
            "rep+%s@acme-sales.com" % self.rng.choice(["leads", "web", "inbound"]) if r < 0.95 else "REP@ACME.IO"
        return Addr(sp, REP_NAME if self.rng.random() < 0.8 else None)

    # ---------------- messages ----------------
    def make_mid(self, client, dom):
        h = hashlib.sha1(("%d/%d" % (self.seed, self.serial)).encode()).hexdigest()
        if client == "outlook":
            box = "%s%02dMB%04d" % (["DB9PR", "AM0PR", "SA1PR", "PH0PR", "BY5PR"][int(h[0], 16) % 5],
                                   int(h[1:3], 16) % 20, int(h[3:7], 16) % 10000)
            reg = ["eurprd04", "eurprd08", "namprd12", "namprd04"][int(h[7], 16) % 4]
            return "<%s%s@%s.%s.prod.outlook.com>" % (box, h[8:24].upper(), box, reg)
        if client == "gmail":
            b = base64.b64encode(bytes.fromhex(h + h[:8])).decode().replace("/", "_")
            return "<CA%s@mail.gmail.com>" % b[:42]
        if client == "apple":
            return "<%s-%s-%s-%s-%s@%s>" % (h[:8].upper(), h[8:12].upper(), h[12:16].upper(),
                                            h[16:20].upper(), h[20:32].upper(), dom)
        if client == "thunderbird":
            return "<%s-%s-%s-%s-%s@%s>" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:32], dom)
        return "<%s.%d@%s>" % (h[:20], self.serial, dom)

    def add(self, th, folder, date, frm, to, cc=(), bcc=(), subject=None, parent=None, cat="",
            auto=None, mid=True, client="outlook", tz=0, noref=None, link=True, flags="S"):
        """Create a message in thread th. parent: the message it answers; its
        In-Reply-To/References come from parent unless noref is set or link is
        False. mid=False: no Message-ID (then References always carry the chain,
        so the message stays linkable)."""
        irt, refs = None, []
        if parent is not None and link and noref is None:
            if parent.mid is None and not parent.refs:
                raise AssertionError("reply to a message that cannot be linked")
            chain = list(parent.refs)
            if parent.mid is not None:
                chain.append(parent.mid)
                irt = parent.mid
            if len(chain) > 10:        # clients keep the first and the last few
                chain = chain[:1] + chain[-9:]
            mode = self.rng.choice(["both", "both", "both", "both", "irt", "refs"])
            if mode == "irt" and irt and mid:
                refs = []
            elif mode == "refs":
                irt, refs = None, chain
            else:
                refs = chain
        dom = domain_of(frm.key)
        m = Msg(serial=self.serial, folder=folder, date=date, frm=frm, to=list(to), cc=list(cc),
                bcc=list(bcc), subject=subject if subject is not None else th.subject,
                mid=self.make_mid(client, dom) if mid else None, irt=irt, refs=refs, auto=auto,
                cat=cat, tid=th.tid, noref=noref, hostile=None, new=False, flags=flags,
                client=client, tz=tz, parent=parent, group_to=False)
        self.serial += 1
        self.msgs.append(m)
        th.msgs.append(m)
        return m

    def new_thread(self, subject, kind, main=None, lang="en"):
        th = Thread(len(self.threads), subject, kind, main, lang)
        self.threads.append(th)
        return th

    def start_date(self):
        return START + self.rng.randint(0, SPAN - 45 * DAY)

    def later(self, t, hmin, hmax):
        return t + self.rng.randint(int(hmin * 3600), int(hmax * 3600))

    def fill(self, template, p=None):
        rng = self.rng
        co = p.company["name"] if p is not None and p.company else rng.choice(self.companies)["name"]
        return template.format(p=rng.choice(PRODUCTS), co=co, q=rng.randint(1, 4), n=rng.randint(5, 900),
                               y=rng.choice([2023, 2024, 2025]), r=rng.choice(REGIONS),
                               d=rng.choice(WEEKDAYS))

    def unique(self, subject):
        base, k = subject, 1
        while norm_subject(subject) in self.used_subjects:
            k += 1
            subject = "%s (%d)" % (base, k)
        self.used_subjects.add(norm_subject(subject))
        return subject

    def cold_subject(self, p):
        if p.lang != "en" and self.rng.random() < 0.3 or self.rng.random() < 0.03:
            return self.fill(self.rng.choice(COLD_NONASCII), p)
        return self.fill(self.rng.choice(COLD), p)

    def reply_subject(self, th, lang="en"):
        return self.rng.choice(REPLY_PREFIX.get(lang, REPLY_PREFIX["en"])) + th.subject

    def rep_out(self, th, date, to, cc=(), bcc=(), parent=None, cat="outbound_reply", subject=None,
                mid=True, noref=None, allow_copy=True, frm=None):
        m = self.add(th, "Sent", date, frm or self.rep_addr(True), to, cc, bcc,
                     subject=subject if subject is not None else (
                         th.subject if parent is None else "Re: " + th.subject),
                     parent=parent, cat=cat, mid=mid, client="outlook", tz=REP_TZ, noref=noref)
        # the rep Bcc's herself now and then: the same message lands in INBOX too
        if allow_copy and m.mid is not None and not m.bcc and self.rng.random() < 0.02 and self.budget_left() > 0:
            c = Msg(**{k: getattr(m, k) for k in Msg.__slots__})
            c.serial, c.folder, c.cat, c.flags = self.serial, "INBOX", "bcc_self_copy", "S"
            self.serial += 1
            self.msgs.append(c)
            th.msgs.append(c)
        return m

    def contact_msg(self, th, p, date, parent=None, cat="inbound_reply", to=None, cc=(), subject=None,
                    mid=True, noref=None, auto=None, frm=None):
        if subject is None:
            subject = th.subject if parent is None else self.reply_subject(th, p.lang)
        flags = "S" if self.rng.random() < 0.88 else ""
        return self.add(th, "INBOX", date, frm or self.addr(p), to or [self.rep_addr(False)], cc,
                        subject=subject, parent=parent, cat=cat, mid=mid, client=p.client, tz=p.tz,
                        noref=noref, auto=auto, flags=flags)

    def budget_left(self):
        return self.limit - len(self.msgs)

    def note_replier(self, p):
        if p not in self.repliers_set:
            self.repliers_set.add(p)
            self.repliers.append(p)

    def note_cc(self, p):
        if p not in self.cc_only_set:
            self.cc_only_set.add(p)
            self.cc_only.append(p)

    # ---------------- scenarios ----------------
    def sc_outreach(self, kind):
        """The rep writes first. kind: cold | followup | answered | ooo |
        ooo_answered | bounce | fallback | expired."""
        rng = self.rng
        p = self.pick_contact()
        th = self.new_thread(self.cold_subject(p), kind, p, p.lang)
        th.people.append(p)
        t = self.start_date()
        to, cc, bcc = [self.addr(p)], [], []
        if kind in ("cold", "followup") and p.company and rng.random() < 0.12:
            q = self.colleague_of(p, th.people)
            th.people.append(q)
            if rng.random() < 0.5:
                to.append(self.addr(q))
            else:
                cc.append(self.addr(q))
                self.note_cc(q)
        if kind == "cold" and p.company and rng.random() < 0.05:
            q = self.colleague_of(p, th.people)
            bcc.append(self.addr(q))
            th.people.append(q)
        m1 = self.rep_out(th, t, to, cc, bcc, cat="outbound_first",
                          mid=not (kind == "cold" and rng.random() < 0.03))
        last = m1
        if kind == "followup":
            for _ in range(rng.choice([1, 1, 2])):
                t = self.later(t, 48, 240)
                last = self.rep_out(th, t, to, cc, parent=last, cat="outbound_followup")
        if kind in ("ooo", "ooo_answered"):
            t = self.later(t, 0.01, 0.5)
            k = rng.randrange(len(AUTOREPLY))
            if p.lang in ("de", "sv", "nl") and rng.random() < 0.6:
                k = [i for i, x in enumerate(AUTOREPLY) if x[1] == p.lang][0]
            subj = AUTOREPLY[k][0] + ("Re: " if rng.random() < 0.3 else "") + th.subject
            # From exactly as the rep addressed them: no new spelling, no new name
            self.contact_msg(th, p, t, parent=last, cat="auto_reply", auto="ooo:%d" % k, frm=to[0],
                             subject=subj, mid=rng.random() < 0.7)
        if kind == "bounce":
            th.bounced = True
            t = self.later(t, 0.01, 0.2)
            b = rng.choice(BOUNCERS)
            link = rng.random() < 0.3  # Exchange-style reports cite the original; Postfix's do not
            subj = "Undelivered Mail Returned to Sender" if rng.random() < 0.5 else \
                "Delivery Status Notification (Failure)"
            bth = th if link else self.new_thread(subj, "bounce")
            self.add(bth, "INBOX", t, Addr(b, "Mail Delivery System" if rng.random() < 0.7 else None),
                     [Addr(REP_PRIMARY, None)], subject=subj, parent=last, link=link, cat="bounce",
                     auto="bounce", client="generic", tz=0)
        if kind in ("answered", "ooo_answered"):
            turns = rng.choice([1, 1, 1, 2, 2, 3, 4])
            if kind == "ooo_answered":
                t = self.later(t, 24 * 5, 24 * 14)
            for i in range(turns):
                t = self.later(t, 1, 72)
                cc2 = []
                if p.company and rng.random() < 0.1:
                    q = self.colleague_of(p, th.people)
                    th.people.append(q)
                    cc2 = [self.addr(q)]
                last = self.contact_msg(th, p, t, parent=last, cc=cc2, mid=rng.random() >= 0.04)
                self.note_replier(p)
                if i < turns - 1 or rng.random() < 0.6:
                    t = self.later(t, 0.5, 48)
                    last = self.rep_out(th, t, [self.addr(p)], [self.addr(x.person) for x in cc2],
                                        parent=last)
        if kind == "fallback":
            # the contact answers with a client that drops In-Reply-To/References
            t = self.later(t, 24, 24 * 20)
            pre = rng.choice(REPLY_PREFIX.get(p.lang, ["Re: ", "RE: "]) + ["RE: ", "Re: "])
            r = self.contact_msg(th, p, t, parent=last, cat="inbound_reply_noref",
                                 subject=pre + th.subject, noref="fallback")
            self.note_replier(p)
            if rng.random() < 0.4:   # the rep answers that reply (now with references)
                t = self.later(t, 1, 48)
                self.rep_out(th, t, [self.addr(p)], parent=r)
        if kind == "expired":
            # ... and this one only after 76-110 days: the 60-day window is over
            t = self.later(t, 24 * 76, 24 * 110)
            th2 = self.new_thread(th.subject, "expired", p, p.lang)
            th2.people.append(p)
            r = self.contact_msg(th2, p, t, parent=last, cat="inbound_reply_noref_expired",
                                 subject="Re: " + th.subject, noref="expired")
            if rng.random() < 0.3:
                t = self.later(t, 1, 48)
                self.rep_out(th2, t, [self.addr(p)], parent=r)
                self.note_replier(p)

    def sc_inquiry(self, answered, person=None, noref_answer=False, single=False, force_cc=False):
        """The contact writes first."""
        rng = self.rng
        p = person or self.pick_contact(freemail=rng.random() < 0.25)
        if p.lang == "de" and rng.random() < 0.4:
            tmpl = INQUIRY_NONASCII[0]
        elif rng.random() < 0.03:
            tmpl = INQUIRY_NONASCII[1]
        else:
            tmpl = rng.choice(INQUIRY)
        th = self.new_thread(self.unique(self.fill(tmpl, p)), "inquiry", p, p.lang)
        th.people.append(p)
        t = self.start_date()
        cc = []
        if not single and p.company and (force_cc or rng.random() < 0.15):
            q = self.colleague_of(p, th.people)
            th.people.append(q)
            cc.append(self.addr(q))
        if not single and rng.random() < 0.1:
            n, a = rng.choice(COLLEAGUES)
            cc.append(Addr(a, n))
        to = None
        if noref_answer:   # the rep's reply will come from the address the inquiry went to
            to = [Addr(rng.choice([REP_PRIMARY, "rep+web@acme-sales.com", "Rep@acme-sales.com"]), REP_NAME)]
        first = self.contact_msg(th, p, t, cat="inbound_inquiry", cc=cc, to=to,
                                 mid=not (not answered and rng.random() < 0.1))
        if first.mid is None:
            return
        last = first
        if not answered:
            if not single and rng.random() < 0.2:
                t = self.later(t, 48, 24 * 10)
                self.contact_msg(th, p, t, parent=last, cc=cc)
            return
        t = self.later(t, 0.5, 30)
        recips = [self.addr(p)]
        ccr = [self.addr(x.person) if x.person else x for x in cc] if rng.random() < 0.7 else []
        if noref_answer:
            last = self.rep_out(th, t, recips, ccr, parent=last, cat="outbound_reply_noref",
                                subject=rng.choice(["Re: ", "RE: "]) + th.subject, noref="fallback",
                                allow_copy=False, frm=Addr(REP_PRIMARY, REP_NAME))
            if rng.random() < 0.3:
                t = self.later(t, 1, 48)
                self.contact_msg(th, p, t, parent=last)
            return
        last = self.rep_out(th, t, recips, ccr, parent=last)
        for i in range(rng.choice([0, 0, 1, 2])):
            t = self.later(t, 2, 72)
            writer = p
            if cc and cc[0].person is not None and rng.random() < 0.35:
                writer = cc[0].person       # the Cc'd colleague of theirs answers
            last = self.contact_msg(th, writer, t, parent=last,
                                    cc=[self.addr(p)] if writer is not p else [])
            self.note_replier(writer)
            if rng.random() < 0.6:
                t = self.later(t, 1, 48)
                last = self.rep_out(th, t, [self.addr(writer)], parent=last)

    def sc_cc_chain(self):
        """Outreach to A with B, C (, D) and maybe a colleague in Cc; some of
        them reply-all, the rep answers some."""
        rng = self.rng
        co = rng.choice(self.companies)
        people = []
        for _ in range(rng.randint(3, 5)):
            x = self.new_person(co) if (not co["people"] or rng.random() < 0.6) else rng.choice(co["people"])
            if x not in people:
                people.append(x)
        while len(people) < 2:
            people.append(self.new_person(co))
        a, others = people[0], people[1:]
        th = self.new_thread(self.cold_subject(a), "cc_chain", a, a.lang)
        th.people.extend(people)
        t = self.start_date()
        cc = [self.addr(x) for x in others]
        if rng.random() < 0.4:
            n, e = rng.choice(COLLEAGUES)
            cc.append(Addr(e, n))
        last = self.rep_out(th, t, [self.addr(a)], cc, cat="outbound_first")
        for x in others:
            self.note_cc(x)
        writers = rng.sample(people, rng.randint(0, min(3, len(people))))
        for w in writers:
            t = self.later(t, 1, 48)
            rest = [self.addr(x) for x in people if x is not w]
            last = self.contact_msg(th, w, t, parent=last, cc=rest)
            self.note_replier(w)
            if rng.random() < 0.6:
                t = self.later(t, 1, 24)
                last = self.rep_out(th, t, [self.addr(w)], [self.addr(x) for x in people if x is not w],
                                    parent=last)

    def sc_forward(self):
        """The rep forwards a document (no references) to somebody new."""
        rng = self.rng
        p = self.pick_contact()
        co = p.company["name"] if p.company else p.name.split(" ")[-1]
        subj = self.unique("Fwd: " + self.fill(rng.choice(DOCS), p) + " - " + co)
        th = self.new_thread(subj, "forward", p, p.lang)
        th.people.append(p)
        t = self.start_date()
        last = self.rep_out(th, t, [self.addr(p)], cat="outbound_forward", noref="forward", subject=subj)
        if rng.random() < 0.6:
            t = self.later(t, 2, 96)
            last = self.contact_msg(th, p, t, parent=last, subject="Re: " + subj)
            self.note_replier(p)
            if rng.random() < 0.5:
                t = self.later(t, 1, 48)
                self.rep_out(th, t, [self.addr(p)], parent=last, subject="Re: " + subj)

    def sc_newsletter(self):
        rng = self.rng
        name, a, prof = rng.choice(NEWSLETTERS)
        th = self.new_thread(self.fill(rng.choice(
            ["Your weekly digest #{n}", "{n} things sellers learned this week", "Webinar: forecasting in {y}",
             "This week: {p} alternatives, pricing pages", "Last chance: early-bird tickets ({n} left)",
             "Issue {n}: the cold email teardown"])), "newsletter")
        m = self.add(th, "INBOX", self.start_date(), Addr(a, name), [self.rep_addr(False)], cat="newsletter",
                     auto="list:" + prof, mid=rng.random() < 0.85, client="generic", tz=0,
                     flags="S" if rng.random() < 0.4 else "")
        m.group_to = rng.random() < 0.25

    def sc_notification(self):
        rng = self.rng
        name, a, prof = rng.choice(NOTIFIERS)
        th = self.new_thread(self.fill(rng.choice(
            ["New event: {p} demo with {co}", "Your receipt #{n}", "Document completed: {co} order form",
             "Reminder: meeting in {n} minutes", "Trip itinerary {n}", "Scheduled maintenance notice {n}"])),
            "notification")
        self.add(th, "INBOX", self.start_date(), Addr(a, name), [self.rep_addr(False)], cat="notification",
                 auto="note:" + prof, mid=rng.random() < 0.9, client="generic", tz=0)

    def sc_internal(self, single=False):
        rng = self.rng
        n, a = rng.choice(COLLEAGUES)
        col = Addr(a, n)
        subj = self.unique(self.fill(rng.choice(INTERNAL)))
        th = self.new_thread(subj, "internal")
        t = self.start_date()
        rep_first = rng.random() < 0.5
        turns = 1 if single else rng.choice([1, 1, 2, 3])
        last = None
        fwd = "forward" if FWD_PREFIX_RE.match(subj) else None
        for i in range(turns):
            if (i % 2 == 0) == rep_first:
                last = self.add(th, "Sent", t, self.rep_addr(True), [col], parent=last,
                                subject=subj if last is None else "Re: " + subj,
                                cat="internal_outbound", tz=REP_TZ, noref=fwd if last is None else None)
            else:
                last = self.add(th, "INBOX", t, col, [self.rep_addr(False)], parent=last,
                                subject=subj if last is None else "RE: " + subj,
                                cat="internal_inbound", tz=REP_TZ, noref=fwd if last is None else None)
            t = self.later(t, 0.2, 30)

    def sc_cc_person_writes(self):
        """Somebody who was only Cc'd on our outreach writes a thread of their own."""
        if not self.cc_only:
            return self.sc_inquiry(self.rng.random() < 0.5)
        self.sc_inquiry(self.rng.random() < 0.5, person=self.rng.choice(self.cc_only))

    def sc_prospect_new_inquiry(self):
        """Somebody who answered us elsewhere writes a new thread nobody answers."""
        if not self.repliers:
            return self.sc_inquiry(False)
        self.sc_inquiry(False, person=self.rng.choice(self.repliers))

    def sc_hostile(self, kind, thread=None, date=None):
        """A lead answers outreach (a new one, or an existing thread) with a
        parser-hostile reply."""
        rng = self.rng
        if thread is None:
            p = self.new_person(rng.choice(self.companies))
            th = self.new_thread(self.cold_subject(p), "hostile", p, p.lang)
            th.people.append(p)
            t = self.start_date()
            last = self.rep_out(th, t, [self.addr(p)], cat="outbound_first", allow_copy=False)
            t = self.later(t, 2, 72)
        else:
            th, p = thread, thread.main
            last = [m for m in th.msgs if m.mid is not None and m.auto is None][-1]
            t = date
        m = self.contact_msg(th, p, t, parent=last, cat="hostile", mid=True)
        m.hostile = kind
        if kind == "refs":
            h = hashlib.sha1(("hostile/%d/%d" % (self.seed, m.serial)).encode()).hexdigest()[:12]
            fake, size, i = [], 0, 0
            while size < 200 * 1024:
                x = "<%s.%05d.phantom@refs.invalid>" % (h, i)
                fake.append(x)
                size += len(x) + 2
                i += 1
            m.refs = fake + list(last.refs) + [last.mid]
            m.irt = last.mid
        self.note_replier(p)
        self.hostile_info.append({"kind": {"tag": "tagged-completion-line", "exists": "untagged-exists-line",
                                           "refs": "huge-references"}[kind],
                                  "contact": p.key, "message_id": m.mid, "folder": "INBOX",
                                  "date": iso(m.date)})
        return m

    # ---------------- driver ----------------
    SCENARIOS = [(20, "cold"), (6, "followup"), (12, "answered"), (4, "ooo"), (1.5, "ooo_answered"),
                 (2.5, "bounce"), (1.6, "fallback"), (0.4, "expired"), (6, "inq_answered"),
                 (4, "inq_unanswered"), (0.6, "inq_noref"), (3, "cc_chain"), (2, "inq_cc"),
                 (1, "forward"), (0.8, "cc_person_writes"), (0.8, "prospect_new_inquiry"),
                 (22, "newsletter"), (8, "notification"), (8, "internal")]

    def run_scenario(self, name):
        if name in ("cold", "followup", "answered", "ooo", "ooo_answered", "bounce", "fallback", "expired"):
            self.sc_outreach(name)
        elif name == "inq_answered":
            self.sc_inquiry(True)
        elif name == "inq_unanswered":
            self.sc_inquiry(False)
        elif name == "inq_noref":
            self.sc_inquiry(True, noref_answer=True)
        elif name == "inq_cc":
            self.sc_inquiry(True, force_cc=True)
        elif name == "cc_chain":
            self.sc_cc_chain()
        elif name == "forward":
            self.sc_forward()
        elif name == "cc_person_writes":
            self.sc_cc_person_writes()
        elif name == "prospect_new_inquiry":
            self.sc_prospect_new_inquiry()
        elif name == "newsletter":
            self.sc_newsletter()
        elif name == "notification":
            self.sc_notification()
        elif name == "internal":
            self.sc_internal()
        else:
            raise ValueError(name)

    def single(self):
        r = self.rng.random()
        if r < 0.35:
            p = self.pick_contact()
            th = self.new_thread(self.cold_subject(p), "cold", p, p.lang)
            th.people.append(p)
            self.rep_out(th, self.start_date(), [self.addr(p)], cat="outbound_first", allow_copy=False)
        elif r < 0.6:
            self.sc_newsletter()
        elif r < 0.75:
            self.sc_notification()
        elif r < 0.9:
            self.sc_internal(single=True)
        else:
            self.sc_inquiry(False, single=True)

    def build(self, n, hostile):
        self.limit = n
        self.repliers_set, self.cc_only_set = set(), set()
        self.make_companies(max(25, n // 30))
        if hostile:
            if n < 6:
                raise SystemExit("--hostile needs --messages >= 6")
            for k in ("tag", "exists", "refs"):
                self.sc_hostile(k)
        total = sum(w for w, _ in self.SCENARIOS)
        while len(self.msgs) < n:
            if n - len(self.msgs) < 16:
                self.single()
                continue
            r, acc = self.rng.random() * total, 0.0
            k0 = len(self.msgs)
            for w, name in self.SCENARIOS:
                acc += w
                if r <= acc:
                    self.run_scenario(name)
                    break
            assert len(self.msgs) - k0 < 16, "a scenario must stay below 16 messages"
        assert len(self.msgs) == n, (len(self.msgs), n)
        self.repair_norefs()

    # ---------------- extension ----------------
    def extend(self, m_count, seed2, index, hostile, truth=None):
        """Add m_count messages after everything so far (replies continuing
        unanswered threads, replies in prospects' threads, and noise).
        truth: self.truth() of the corpus so far, if the caller has it."""
        self.rng = random.Random("extend/%d/%d/%d" % (self.seed, seed2, index))
        rng = self.rng
        base = len(self.msgs)
        self.limit = base + m_count
        if truth is None:
            truth = self.truth()
        stage = {k: c["stage"] for k, c in truth["contacts"].items()}
        t = max(m.date for m in self.msgs) + 3600
        noref_tids = {}   # (normalised subject, sender) of no-reference replies -> their threads
        for m in self.msgs:
            if m.noref is not None:
                k = (norm_subject(m.subject), "(rep)" if is_own(m.frm.key) else m.frm.key)
                noref_tids.setdefault(k, set()).add(m.tid)

        def clashes(th, sender_key):
            """Would sender writing in th give a no-reference reply elsewhere a
            second candidate thread?"""
            k = (norm_subject(th.subject), "(rep)" if is_own(sender_key) else sender_key)
            return bool(noref_tids.get(k, set()) - {th.tid})

        outreach, inquiries, cc_threads, prospects = [], [], [], []
        for th in self.threads:
            if not th.msgs or th.kind in ("newsletter", "notification", "internal", "bounce") or th.bounced:
                continue
            p = th.main
            if p is None:
                continue
            authors = {m.frm.key for m in th.msgs if m.auto is None}
            rep = any(is_own(m.frm.key) for m in th.msgs)
            has_mid = any(m.mid is not None for m in th.msgs)
            if not has_mid:
                continue
            if rep and p.key not in authors and not clashes(th, p.key):
                (outreach if stage.get(p.key) == "lead" else prospects).append(th)
            elif not rep and p.key in authors and th.kind == "inquiry" and not clashes(th, REP_PRIMARY):
                inquiries.append(th)
            elif rep and p.key in authors and not clashes(th, p.key):
                prospects.append(th)
            if th.kind == "cc_chain" and rep:
                silent = [x for x in th.people if x.key not in authors and stage.get(x.key) == "lead"
                          and not clashes(th, x.key)]
                if silent:
                    cc_threads.append((th, silent))
        for lst in (outreach, inquiries, prospects, cc_threads):
            rng.shuffle(lst)
        used = set()

        def step(dt_min=5, dt_max=90):
            nonlocal t
            t += rng.randint(dt_min * 60, dt_max * 60)
            return t

        def last_linkable(th):
            for m in reversed(sorted(th.msgs, key=lambda x: (x.date, x.serial))):
                if m.mid is not None or m.refs:
                    if m.auto is None:
                        return m
            return None

        def mark_new(k0):
            for m in self.msgs[k0:]:
                m.new = True
                m.flags = ""

        if hostile:
            if m_count < 3:
                raise SystemExit("--hostile needs --messages >= 3")
            for kind in ("tag", "exists", "refs"):
                pool = [th for th in outreach if th.tid not in used] or \
                       [th for th in prospects if th.tid not in used]
                if not pool:
                    raise SystemExit("no outreach thread left to answer with a hostile message")
                th = pool[0]
                used.add(th.tid)
                k0 = len(self.msgs)
                self.sc_hostile(kind, thread=th, date=step())
                mark_new(k0)
        while len(self.msgs) < self.limit:
            left = self.limit - len(self.msgs)
            k0 = len(self.msgs)
            r = rng.random()
            if r < 0.35 and outreach:
                th = outreach.pop()
                if th.tid in used:
                    continue
                used.add(th.tid)
                p = th.main
                last = last_linkable(th)
                if last is None:
                    continue
                m = self.contact_msg(th, p, step(), parent=last)
                self.note_replier(p)
                if left >= 2 and rng.random() < 0.4:
                    self.rep_out(th, step(), [self.addr(p)], parent=m, allow_copy=False)
            elif r < 0.55 and inquiries:
                th = inquiries.pop()
                if th.tid in used:
                    continue
                used.add(th.tid)
                p = th.main
                last = last_linkable(th)
                if last is None:
                    continue
                m = self.rep_out(th, step(), [self.addr(p)], parent=last, allow_copy=False)
                if left >= 2 and rng.random() < 0.3:
                    self.contact_msg(th, p, step(), parent=m)
            elif r < 0.63 and cc_threads:
                th, silent = cc_threads.pop()
                if th.tid in used:
                    continue
                used.add(th.tid)
                w = rng.choice(silent)
                last = last_linkable(th)
                if last is None:
                    continue
                self.contact_msg(th, w, step(), parent=last,
                                 cc=[self.addr(x) for x in th.people if x is not w])
                self.note_replier(w)
            elif r < 0.70 and prospects:
                th = prospects.pop()
                if th.tid in used:
                    continue
                used.add(th.tid)
                last = last_linkable(th)
                if last is None:
                    continue
                self.contact_msg(th, th.main, step(), parent=last)
            else:
                q = rng.random()
                if q < 0.4:
                    self.sc_newsletter()
                elif q < 0.55:
                    self.sc_notification()
                elif q < 0.7:
                    self.sc_internal(single=True)
                elif q < 0.85:
                    p = self.new_person(rng.choice(self.companies))
                    th = self.new_thread(self.cold_subject(p), "cold", p, p.lang)
                    th.people.append(p)
                    self.rep_out(th, step(), [self.addr(p)], cat="outbound_first", allow_copy=False)
                else:
                    p = self.new_person(rng.choice(self.companies) if rng.random() < 0.8 else None,
                                        freemail=rng.random() < 0.2)
                    self.sc_inquiry(False, person=p, single=True)
                for m in self.msgs[k0:]:
                    m.date = step()
            mark_new(k0)
        assert len(self.msgs) == self.limit
        self.repair_norefs()

    # ---------------- truth ----------------
    def components(self, uniq, fallback):
        parent = []
        node_of = {}

        def node(x):
            i = node_of.get(x)
            if i is None:
                i = node_of[x] = len(parent)
                parent.append(i)
            return i

        def find(i):
            root = i
            while parent[root] != root:
                root = parent[root]
            while parent[i] != root:
                parent[i], i = root, parent[i]
            return root

        def union(a, b):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[ra] = rb

        mnode = []
        for m in uniq:
            if m.mid is not None:
                n = node(m.mid)
            else:
                n = len(parent)
                parent.append(n)
            mnode.append(n)
            if m.irt:
                union(n, node(m.irt))
            for r in m.refs:
                union(n, node(r))
        if fallback:
            for i, m in enumerate(uniq):
                if m.noref == "fallback":
                    target = m.parent
                    union(mnode[i], mnode[self.uidx[id(target)]])
        return [find(n) for n in mnode]

    def unique_msgs(self):
        seen, uniq = set(), []
        for m in self.msgs:
            if m.mid is not None:
                if m.mid in seen:
                    continue
                seen.add(m.mid)
            uniq.append(m)
        self.uidx = {id(m): i for i, m in enumerate(uniq)}
        return uniq

    def noref_problems(self, uniq, strict):
        """Check every no-reference message with a reply/forward prefix against
        the subject-fallback rule; return the messages whose outcome is not the
        intended one (or not robust)."""
        def who(k):  # the rep counts as one sender, whichever of her addresses
            return "(rep)" if is_own(k) else k

        keys = {}
        for i, m in enumerate(uniq):
            if m.irt or m.refs:
                continue
            s = m.subject
            if REPLY_PREFIX_RE.match(s) or FWD_PREFIX_RE.match(s):
                if m.noref is None:
                    raise AssertionError("unplanned no-reference reply: %r" % s)
                keys.setdefault((norm_subject(s), who(m.frm.key)), []).append(i)
        if not keys:
            return []
        hits = {k: [] for k in keys}
        for j, x in enumerate(uniq):
            ns = norm_subject(x.subject)
            for a in (x.frm,) + tuple(x.to) + tuple(x.cc) + tuple(x.bcc):
                k = (ns, who(a.key))
                if k in hits:
                    hits[k].append(j)
        bad = []
        for k, idxs in keys.items():
            for i in idxs:
                m = uniq[i]
                own = strict[i]
                wide, narrow = set(), set()
                for j in hits[k]:
                    if strict[j] == own:
                        continue
                    x = uniq[j]
                    d = m.date - x.date
                    if -120 * DAY <= d <= 120 * DAY:
                        wide.add(strict[j])
                    if 0 <= d <= WINDOW and x.auto is None:
                        narrow.add(strict[j])
                if m.noref == "fallback":
                    want = {strict[self.uidx[id(m.parent)]]}
                    far = {strict[j] for j in hits[k] if strict[j] != own and
                           0 <= m.date - uniq[j].date <= 30 * DAY and uniq[j].auto is None}
                    if wide != want or narrow != want or far != want:
                        bad.append(m)
                elif m.noref == "expired":
                    near = {strict[j] for j in hits[k] if strict[j] != own and
                            -120 * DAY <= m.date - uniq[j].date <= 75 * DAY}
                    if near:
                        bad.append(m)
                else:  # forward
                    if wide:
                        bad.append(m)
        return bad

    def repair_norefs(self):
        """Make every planned no-reference reply unambiguous: where the corpus
        happens to contain a competing thread, the reply gets its references
        back (deterministically) and is counted as an ordinary reply."""
        for _ in range(5):
            uniq = self.unique_msgs()
            strict = self.components(uniq, fallback=False)
            bad = self.noref_problems(uniq, strict)
            if not bad:
                return
            for m in bad:
                if m.noref == "forward":
                    raise AssertionError("forward subject not unique: %r" % m.subject)
                p = m.parent
                m.noref = None
                m.irt = p.mid
                m.refs = list(p.refs) + ([p.mid] if p.mid else [])
                m.cat = {"inbound_reply_noref": "inbound_reply", "inbound_reply_noref_expired": "inbound_reply",
                         "outbound_reply_noref": "outbound_reply"}.get(m.cat, m.cat)
                if m.cat == "inbound_reply" and m.tid != p.tid:  # an expired reply now joins its thread
                    old = self.threads[m.tid]
                    for x in old.msgs:
                        x.tid = p.tid
                        self.threads[p.tid].msgs.append(x)
                    old.msgs = []
        raise AssertionError("could not make the no-reference replies unambiguous")

    def direction(self, m):
        k = m.frm.key
        if is_own(k):
            return "out"
        if is_internal(k):
            return "internal"
        return "in"

    def truth(self):
        uniq = self.unique_msgs()
        strict = self.components(uniq, fallback=False)
        final = self.components(uniq, fallback=True)
        # every generated thread must be exactly one component
        comp_tid = {}
        tid_comp = {}
        for i, m in enumerate(uniq):
            c = final[i]
            if comp_tid.setdefault(c, m.tid) != m.tid or tid_comp.setdefault(m.tid, c) != c:
                raise AssertionError("thread %d and %d merged or split unexpectedly" % (comp_tid[c], m.tid))
        automated_keys = set()
        for m in uniq:
            if m.auto and (m.auto.startswith("list") or m.auto.startswith("note") or m.auto == "bounce"):
                automated_keys.add(m.frm.key)
        C = {}

        def contact(a, m, role_date):
            k = a.key
            if is_own(k) or is_internal(k) or k in automated_keys:
                return None
            c = C.get(k)
            if c is None:
                c = C[k] = {"first": role_date, "in": 0, "out": 0, "last_in": None, "last_out": None,
                            "threads": set()}
            elif role_date < c["first"]:
                c["first"] = role_date
            return c

        rep_first = {}       # component -> first rep message index (by date)
        auth_first = {}      # (component, key) -> first human message index by key
        rep_first_s, auth_first_s = {}, {}
        latest_human = {}    # component -> index of latest non-automated message
        order = sorted(range(len(uniq)), key=lambda i: (uniq[i].date, uniq[i].serial))
        for i in order:
            m = uniq[i]
            d = self.direction(m)
            c, s = final[i], strict[i]
            if m.auto is None:
                latest_human[c] = i
            if d == "out":
                rep_first.setdefault(c, i)
                rep_first_s.setdefault(s, i)
                for a in m.to + m.cc + m.bcc:
                    x = contact(a, m, m.date)
                    if x is not None:
                        x["out"] += 1
                        x["last_out"] = m.date
                        x["threads"].add(c)
            elif d == "in" and m.auto is None:
                x = contact(m.frm, m, m.date)
                if x is not None:
                    x["in"] += 1
                    x["last_in"] = m.date
                    x["threads"].add(c)
                    auth_first.setdefault((c, m.frm.key), i)
                    auth_first_s.setdefault((s, m.frm.key), i)
                for a in m.to + m.cc:
                    y = contact(a, m, m.date)
                    if y is not None:
                        y["threads"].add(c)
        # variants and names from every header appearance
        variants, names = {}, {}
        for i in order:
            m = uniq[i]
            for a in (m.frm,) + tuple(m.to) + tuple(m.cc) + tuple(m.bcc):
                if a.key in C:
                    variants.setdefault(a.key, set()).add(a.spelled)
                    if a.name:
                        if a.key in names and names[a.key] != a.name:
                            raise AssertionError("two display names for %s" % a.key)
                        names[a.key] = a.name
        needs_reply_threads = 0
        needs_reply_keys = set()
        for c, i in latest_human.items():
            m = uniq[i]
            if self.direction(m) == "in":
                needs_reply_threads += 1
                needs_reply_keys.add(m.frm.key)
        # two-way pairs on the Message-ID graph alone (strict components)
        final_of = {}
        for i in range(len(uniq)):
            final_of[strict[i]] = final[i]
        strict_pairs = {(final_of[s], k) for (s, k) in auth_first_s if s in rep_first_s}
        strict_two_way = {k for (_, k) in strict_pairs}
        two_way = {}
        for (c, k), i in auth_first.items():
            if c in rep_first:
                j = rep_first[c]
                done = max(i, j, key=lambda x: (uniq[x].date, uniq[x].serial))
                via = (c, k) not in strict_pairs
                two_way.setdefault(k, []).append((uniq[done].date, uniq[done].serial, done, via))
        contacts = {}
        for k in sorted(C):
            c = C[k]
            tw = sorted(two_way.get(k, []))
            p = self.persons.get(k)
            dom = domain_of(k)
            promo = None
            if tw:
                _, _, idx, via = tw[0]
                pm = uniq[idx]
                promo = {"at": iso(pm.date), "message_id": pm.mid, "subject": pm.subject, "folder": pm.folder,
                         "via_subject_fallback": bool(via)}
            contacts[k] = {
                "stage": "prospect" if tw else "lead",
                "name": names.get(k),
                "company_domain": None if dom in FREEMAIL_SET else dom,
                "variants": sorted(variants.get(k, ())),
                "needs_subject_threading": bool(tw) and k not in strict_two_way,
                "inbound_count": c["in"], "outbound_count": c["out"],
                "thread_count": len(c["threads"]), "threads_two_way": len(tw),
                "first_seen": iso(c["first"]),
                "last_inbound": iso(c["last_in"]) if c["last_in"] is not None else None,
                "last_outbound": iso(c["last_out"]) if c["last_out"] is not None else None,
                "needs_reply": k in needs_reply_keys,
                "promotion": promo,
            }
            if p is not None and names.get(k) not in (None, p.name):
                raise AssertionError("name mismatch for %s" % k)
        cats = {}
        for m in self.msgs:
            cats[m.cat] = cats.get(m.cat, 0) + 1
        stages = {"lead": 0, "prospect": 0}
        for v in contacts.values():
            stages[v["stage"]] += 1
        totals = {
            "messages": len(self.msgs), "unique_messages": len(uniq),
            "inbox": sum(1 for m in self.msgs if m.folder == "INBOX"),
            "sent": sum(1 for m in self.msgs if m.folder == "Sent"),
            "in_new": sum(1 for m in self.msgs if m.new),
            "threads": len(set(final)), "threads_needing_reply": needs_reply_threads,
            "without_message_id": sum(1 for m in uniq if m.mid is None),
            "by_category": dict(sorted(cats.items())),
            "contacts": len(contacts), "by_stage": stages,
            "needs_subject_threading": sum(1 for v in contacts.values() if v["needs_subject_threading"]),
        }
        return {"totals": totals, "contacts": contacts, "automated_senders": sorted(automated_keys)}


# --------------------------------------------------------------------------
# rendering (randomness here never affects the model: own RNG per message)
WD = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MON = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TZ_NAME = {0: "UTC", 60: "CET", -300: "EST", -360: "CST", -420: "MST", -480: "PST", -240: "EDT"}
QSAFE = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/")
ATEXT_PHRASE = re.compile(r"^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$")


def fmt_date(ts, tz, style):
    tm = time.gmtime(ts + tz * 60)
    z = "%s%02d%02d" % ("+" if tz >= 0 else "-", abs(tz) // 60, abs(tz) % 60)
    day = "%02d" % tm.tm_mday if style == 0 else "%d" % tm.tm_mday
    s = "%s %s %d %02d:%02d:%02d %s" % (day, MON[tm.tm_mon - 1], tm.tm_year, tm.tm_hour, tm.tm_min, tm.tm_sec, z)
    if style != 3:
        s = WD[tm.tm_wday] + ", " + s
    if style == 2 and tz in TZ_NAME:
        s += " (%s)" % TZ_NAME[tz]
    return s


def encoded_words(text, charset, rng, maxlen=75):
    """RFC 2047 encode text as one or more encoded words (split at character
    boundaries, white space inside the words)."""
    b_enc = rng.random() < 0.5
    cs = charset.upper() if rng.random() < 0.5 else charset
    words, cur = [], ""

    def enc(s):
        raw = s.encode(charset)
        if b_enc:
            return "=?%s?B?%s?=" % (cs, base64.b64encode(raw).decode())
        return "=?%s?Q?%s?=" % (cs, "".join(chr(b) if b in QSAFE else "_" if b == 32 else "=%02X" % b
                                              for b in raw))
    for ch in text:
        if cur and len(enc(cur + ch)) > maxlen:
            words.append(enc(cur))
            cur = ""
        cur += ch
    if cur:
        words.append(enc(cur))
    return " ".join(words)


def encode_phrase(text, charset, rng, allow_raw=False):
    """A display name or subject as header text."""
    try:
        text.encode("ascii")
        return None
    except UnicodeEncodeError:
        pass
    if charset is None or charset == "iso-8859-1":
        try:
            text.encode("iso-8859-1")
            charset = charset or ("iso-8859-1" if rng.random() < 0.3 else "utf-8")
        except UnicodeEncodeError:
            charset = "utf-8"
    if allow_raw and rng.random() < 0.05:
        return text  # RFC 6532 raw UTF-8
    if rng.random() < 0.4 and " " in text:
        # encode only the runs of non-ASCII words; the spaces between an
        # encoded word and plain text are kept, those inside a run encoded
        out, run = [], []
        for w in text.split(" "):
            if all(ord(c) < 128 for c in w):
                if run:
                    out.append(encoded_words(" ".join(run), charset, rng))
                    run = []
                out.append(w)
            else:
                run.append(w)
        if run:
            out.append(encoded_words(" ".join(run), charset, rng))
        return " ".join(out)
    return encoded_words(text, charset, rng)


def fmt_addr(a, rng, charset=None):
    if not a.name:
        return a.spelled if rng.random() < 0.7 else "<%s>" % a.spelled
    enc = encode_phrase(a.name, charset, rng, allow_raw=True)
    if enc is not None:
        return "%s <%s>" % (enc, a.spelled)
    if ATEXT_PHRASE.match(a.name) and rng.random() < 0.8:
        return "%s <%s>" % (a.name, a.spelled)
    return '"%s" <%s>' % (a.name.replace("\\", "\\\\").replace('"', '\\"'), a.spelled)


def fold_list(name, items, rng):
    """Address list header folded between addresses."""
    line = name + ": " + ", ".join(items)
    if len(line) <= 78 and rng.random() < 0.9:
        return line
    out, cur = [], name + ": "
    for i, it in enumerate(items):
        piece = it + ("," if i < len(items) - 1 else "")
        if len(cur) + len(piece) > 78 and cur.strip() != name + ":":
            out.append(cur.rstrip())
            cur = ("\t" if rng.random() < 0.5 else " ") + piece + " "
        else:
            cur += piece + " "
    out.append(cur.rstrip())
    return "\n".join(out)


def fold_text(name, value, width=78):
    """Unstructured header: fold before existing spaces (unfolding restores it)."""
    line = name + ": " + value
    if len(line) <= width:
        return line
    out, cur = [], name + ":"
    for w in value.split(" "):
        if len(cur) + 1 + len(w) > width and cur != name + ":":
            out.append(cur)
            cur = " " + w
        else:
            cur += " " + w
    out.append(cur)
    return "\n".join(out)


def fold_ids(name, ids, rng):
    line = name + ": " + " ".join(ids)
    if len(line) <= 78 and rng.random() < 0.8:
        return line
    sep = "\n\t" if rng.random() < 0.5 else "\n "
    return name + ": " + sep.join(ids)


def body_text(rng, n=None, sign=None):
    n = n or rng.randint(2, 5)
    s = " ".join(rng.choice(SENTENCES) for _ in range(n))
    lines, cur = [], ""
    for w in s.split(" "):
        if len(cur) + len(w) + 1 > 72:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    lines.append(cur)
    return "Hi,\n\n" + "\n".join(lines) + "\n\nBest regards,\n" + (sign or "") + "\n"


def qp(text):
    """Quoted-printable body (LF line ends)."""
    return binascii.b2a_qp(text.encode("utf-8")).decode("ascii")


class Renderer:
    def __init__(self, gen):
        self.g = gen

    def received(self, rng, m, dom):
        hops = []
        ip = "%d.%d.%d.%d" % (rng.randint(20, 210), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))
        qid = hashlib.md5(("%d%s" % (m.serial, ip)).encode()).hexdigest()
        d0 = fmt_date(m.date + 2, REP_TZ, 2)
        hops.append("Received: from mx1.acme-sales.com (mx1.acme-sales.com [10.20.0.12])\n\tby imap.acme-sales.com "
                    "(Dovecot) with LMTP id %s\n\t(envelope-from <%s>)\n\tfor <%s>; %s"
                    % (base64.b64encode(bytes.fromhex(qid[:18])).decode(),
                       "" if m.auto == "bounce" else m.frm.spelled, REP_PRIMARY, d0))
        hops.append("Received: from mail-%s.%s (mail-%s.%s [%s])\n\t(using TLSv1.3 with cipher "
                    "TLS_AES_256_GCM_SHA384 (256/256 bits)\n\t key-exchange X25519 server-signature RSA-PSS "
                    "(2048 bits) server-digest SHA256)\n\t(No client certificate requested)\n\tby mx1.acme-sales.com "
                    "(Postfix) with ESMTPS id %s\n\tfor <%s>; %s"
                    % (qid[:6], dom, qid[:6], dom, ip, qid[6:17].upper(), REP_PRIMARY, fmt_date(m.date + 1, 0, 2)))
        if rng.random() < 0.5:
            hops.append("Received: by mail-%s.%s with SMTP id %s;\n\t%s" % (qid[:6], dom, qid[17:29],
                                                                           fmt_date(m.date, m.tz or 0, 1)))
        return hops

    def auth_headers(self, rng, m, dom):
        h = hashlib.sha256(("%d/%s" % (m.serial, dom)).encode()).digest()
        b = base64.b64encode(h * 11).decode()
        res = ("Authentication-Results: mx1.acme-sales.com;\n\tdkim=pass (2048-bit key; unprotected) header.d=%s "
               "header.i=@%s header.b=\"%s\";\n\tspf=pass (mx1.acme-sales.com: domain of %s designates sender) "
               "smtp.mailfrom=%s;\n\tdmarc=pass (p=none dis=none) header.from=%s"
               % (dom, dom, b[:8], m.frm.spelled, dom, dom))
        out = [res]
        if rng.random() < 0.3:
            out.append("ARC-Seal: i=1; a=rsa-sha256; t=%d; cv=none; d=%s; s=arc-20240605;\n\tb=%s\n\t %s"
                       % (m.date, dom, b[:70], b[70:140]))
        sig = ["DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s; s=selector%d;" % (dom, 1 + h[0] % 2),
               "\tt=%d; h=from:to:subject:date:message-id:in-reply-to:references:mime-version;" % m.date,
               "\tbh=%s;" % base64.b64encode(h).decode(), "\tb=" + b[:66]]
        for i in range(66, 330, 70):
            sig.append("\t " + b[i:i + 70])
        out.append("\n".join(sig))
        return out

    def subject_header(self, rng, m, text):
        p = m.frm.person
        enc = encode_phrase(text, p.charset if p else None, rng)
        return fold_text("Subject", enc if enc is not None else text)

    def render(self, m):
        g = self.g
        rng = random.Random((g.seed * 1000003 + m.serial) & 0xFFFFFFFFFFFF)
        inbound = m.folder == "INBOX" and m.cat != "bcc_self_copy"
        dom = domain_of(m.frm.key)
        p = m.frm.person
        charset = p.charset if p else None
        style = m.client
        h = {}
        subj = m.subject
        extra = []
        cte = None
        ctype = None
        body = None
        if m.auto and m.auto.startswith("ooo:"):
            _, lang, subj_only = AUTOREPLY[int(m.auto[4:])]
            markers = []
            r = rng.random()
            if r < 0.45:
                markers.append("Auto-Submitted: auto-replied")
                if rng.random() < 0.4:
                    markers.append("X-Auto-Response-Suppress: All")
            elif r < 0.6:
                markers.append("X-Autoreply: yes")
            elif r < 0.7:
                markers.append("X-Autorespond: %s" % ("yes" if rng.random() < 0.5 else "true"))
            elif r < 0.8:
                markers.append("Precedence: auto_reply")
            elif not subj_only:
                markers.append("Auto-Submitted: auto-replied (vacation)")
            # else: the subject marker is the only one
            if markers and rng.random() < 0.2:
                markers.append("X-Autoreply: yes")
            extra += markers
            body = OOO_TEXT[lang].format(d=fmt_date(m.date + 6 * DAY, 0, 3)[:11]) + "\n"
            ctype = "text/plain; charset=utf-8"
            cte = "8bit"
        elif m.auto == "bounce":
            b = "%s.%d/mx1.acme-sales.com" % (hashlib.md5(str(m.serial).encode()).hexdigest()[:10], m.date)
            src = m.parent        # the outreach that bounced
            rcpt = src.to[0].spelled
            extra.append("Auto-Submitted: auto-replied")
            ctype = 'multipart/report; report-type=delivery-status;\n\tboundary="%s"' % b
            cte = None
            orig_hdr = "From: %s\nTo: %s\nSubject: %s\nDate: %s\n%s" % (
                fmt_addr(src.frm, rng), rcpt, src.subject, fmt_date(src.date, REP_TZ, 1),
                ("Message-ID: %s\n" % src.mid) if src.mid else "")
            body = ("This is a MIME-encapsulated message.\n\n--%s\nContent-Description: Notification\n"
                    "Content-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host "
                    "mx1.acme-sales.com.\n\nI'm sorry to have to inform you that your message could not\nbe "
                    "delivered to one or more recipients.\n\n<%s>: host mx.%s said: 550 5.1.1\n    <%s>: "
                    "Recipient address rejected: User unknown\n\n--%s\nContent-Description: Delivery report\n"
                    "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx1.acme-sales.com\n"
                    "Arrival-Date: %s\n\nFinal-Recipient: rfc822; %s\nOriginal-Recipient: rfc822;%s\n"
                    "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\n\n--%s\n"
                    "Content-Description: Undelivered Message Headers\nContent-Type: text/rfc822-headers\n\n%s\n"
                    "--%s--\n") % (b, rcpt, domain_of(canon(rcpt)), rcpt, b, fmt_date(m.date - 5, 0, 1),
                                   rcpt, rcpt, b, orig_hdr, b)
        elif m.auto and m.auto.startswith("list:"):
            prof = m.auto[5:]
            slug = m.frm.key.split("@")[0]
            if prof == "list":
                extra.append("List-Id: %s <%s.list-id.%s>" % (m.frm.name, slug, dom))
                extra.append("List-Unsubscribe: <https://%s/u/%s>,\n <mailto:unsubscribe@%s?subject=unsubscribe>"
                             % (dom, hashlib.md5(str(m.serial).encode()).hexdigest(), dom))
                if rng.random() < 0.5:
                    extra.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
                if rng.random() < 0.6:
                    extra.append("Precedence: bulk" if rng.random() < 0.8 else "Precedence: list")
            elif prof == "unsub":
                extra.append("List-Unsubscribe: <https://%s/unsub?id=%d>" % (dom, m.serial))
            else:
                extra.append("Precedence: bulk")
            extra.append("X-Campaign-Id: %d" % rng.randint(10000, 99999))
            if rng.random() < 0.5:
                extra.append("Reply-To: %s <support@%s>" % (m.frm.name, dom))
            extra.append("Feedback-ID: %d:%d:mkt" % (rng.randint(100, 999), m.serial))
        elif m.auto and m.auto.startswith("note:"):
            prof = m.auto[5:]
            if prof == "autogen":
                extra.append("Auto-Submitted: auto-generated")
            elif prof == "bulk":
                extra.append("Precedence: bulk")
            # noreply: the sender's local part is the only marker
        elif m.cat not in ("internal_inbound", "internal_outbound") and m.frm.person is not None \
                and rng.random() < 0.01:
            extra.append("Auto-Submitted: no")
        if m.hostile == "tag":
            line = "A004 OK done"
        elif m.hostile == "exists":
            line = "* 3 EXISTS"
        else:
            line = None

        # addresses
        frm = fmt_addr(m.frm, rng, charset)
        to_items = [fmt_addr(a, rng, a.person.charset if a.person else None) for a in m.to]
        if line:
            to_items[-1] += "\n (%s)" % line
        if m.group_to:
            to_items = ["undisclosed-recipients:;"]
        hdr = []
        if inbound:
            env = m.frm.spelled if m.auto != "bounce" else ""
            hdr.append("Return-Path: <%s>" % env)
            hdr.append("Delivered-To: %s" % REP_PRIMARY)
            if m.cat in ("internal_inbound", "bcc_self_copy") or (m.auto == "bounce" and is_internal(
                    ".".join(dom.split(".")[-2:]))):
                hdr.append("Received: from exch01.acme-sales.com (10.20.1.5) by mx1.acme-sales.com\n\twith "
                           "Microsoft SMTP Server id 15.2.1258.12; %s" % fmt_date(m.date + 1, REP_TZ, 1))
            else:
                hdr += self.received(rng, m, dom)
                hdr += self.auth_headers(rng, m, dom)
        date = "Date: " + fmt_date(m.date, 0 if style == "outlook" and rng.random() < 0.5 else (m.tz or 0),
                                   rng.randrange(4) if style in ("generic", "thunderbird") else 1)
        mid_name = "Message-Id" if style == "apple" else "Message-ID"
        fields = {
            "from": fold_list("From", [frm], rng),
            "to": fold_list("To", to_items, rng),
            "cc": fold_list("Cc", [fmt_addr(a, rng, a.person.charset if a.person else None) for a in m.cc], rng)
            if m.cc else None,
            "bcc": fold_list("Bcc", [fmt_addr(a, rng) for a in m.bcc], rng)
            if m.bcc and m.folder == "Sent" else None,
            "subject": self.subject_header(rng, m, subj),
            "date": date,
            "mid": "%s: %s" % (mid_name, m.mid) if m.mid else None,
            "irt": "In-Reply-To: " + m.irt if m.irt else None,
            "refs": fold_ids("References", m.refs, rng) if m.refs else None,
            "mime": "MIME-Version: 1.0" if style != "apple" else "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.700.6\\))",
        }
        if m.hostile == "refs":
            fields["refs"] = "References: " + "\n ".join(m.refs)
        # body
        if body is None:
            sign = m.frm.name or ""
            text = body_text(rng, sign=sign)
            if m.parent is not None and m.auto is None:
                q = m.parent
                text += "\nOn %s, %s wrote:\n> %s\n> %s\n" % (
                    fmt_date(q.date, q.tz or 0, 1), q.frm.name or q.frm.spelled,
                    rng.choice(SENTENCES), rng.choice(SENTENCES))
            if line:
                text = line + "\n" + text
            if m.frm.person is not None and m.frm.person.lang == "de" and rng.random() < 0.5:
                text += "\nMit freundlichen Grüßen\n"
            nonascii = not text.isascii()
            alt = style in ("outlook", "gmail") or (m.auto is not None and rng.random() < 0.8)
            if m.auto and m.auto.startswith("list"):
                text = text * rng.randint(2, 4)
            if alt:
                bnd = ("_000_%s_" % hashlib.md5(str(m.serial).encode()).hexdigest().upper()[:24]) \
                    if style == "outlook" else "000000000000%s" % hashlib.md5(str(m.serial).encode()).hexdigest()[:12]
                html = "<html><head><meta charset=\"utf-8\"></head><body><div>%s</div></body></html>" % (
                    text.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br>\n"))
                if rng.random() < 0.3:
                    hpart = "Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: base64\n\n" + \
                        base64.encodebytes(html.encode()).decode()
                else:
                    hpart = "Content-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n" \
                        + qp(html)
                body = ("--%s\nContent-Type: text/plain; charset=\"utf-8\"\nContent-Transfer-Encoding: "
                        "quoted-printable\n\n%s\n--%s\n%s\n--%s--\n") % (bnd, qp(text), bnd, hpart, bnd)
                ctype = 'multipart/alternative;\n\tboundary="%s"' % bnd
                cte = None
            else:
                body = text if not nonascii else qp(text)
                ctype = "text/plain; charset=%s%s" % ("utf-8" if nonascii or rng.random() < 0.7 else "us-ascii",
                                                      "; format=flowed" if style == "thunderbird" else "")
                cte = "quoted-printable" if nonascii else "7bit"
        fields["ctype"] = "Content-Type: " + ctype
        fields["cte"] = ("Content-Transfer-Encoding: " + cte) if cte else None

        if style == "outlook":
            order = ["from", "to", "cc", "bcc", "subject", "thread", "date", "mid", "refs", "irt", "msx", "ctype",
                     "cte", "mime"]
            topic = STRIP_RE.sub("", subj)
            enc = encode_phrase(topic, "utf-8", rng)
            fields["thread"] = fold_text("Thread-Topic", enc if enc is not None else topic) + \
                "\nThread-Index: AQHa" + base64.b64encode(hashlib.md5(str(m.tid).encode()).digest()).decode()[:22]
            fields["msx"] = "Accept-Language: en-US\nContent-Language: en-US\nX-MS-Has-Attach:\nX-MS-TNEF-Correlator:"
        elif style == "gmail":
            order = ["mime", "refs", "irt", "from", "date", "mid", "subject", "to", "cc", "bcc", "ctype", "cte"]
        elif style == "apple":
            order = ["from", "ctype", "cte", "mime", "subject", "date", "refs", "cc", "bcc", "to", "irt", "mid", "xm"]
            fields["xm"] = "X-Mailer: Apple Mail (2.3731.700.6)"
        elif style == "thunderbird":
            order = ["mid", "date", "mime", "ua", "subject", "ctype_lang", "to", "cc", "bcc", "refs", "from", "irt",
                     "ctype", "cte"]
            fields["ua"] = "User-Agent: Mozilla Thunderbird"
            fields["ctype_lang"] = "Content-Language: en-US"
        else:
            order = ["date", "from", "to", "cc", "bcc", "subject", "mid", "irt", "refs", "mime", "ctype", "cte"]
        for k in order:
            v = fields.get(k)
            if v:
                hdr.append(v)
        hdr += extra
        if m.cat in ("internal_inbound",) or (inbound and m.auto is None and rng.random() < 0.2):
            hdr.append("X-Spam-Status: No, score=-2.1 required=5.0")
        if line:
            hdr.append(line)  # a header line without a colon, last in the block
        data = ("\n".join(hdr) + "\n\n" + body).encode("utf-8")
        return data


def write_corpus(gen, out, msgs, new=False):
    root = os.path.join(out, "Maildir")
    for sub in ("", ".Sent"):
        for d in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(root, sub, d), exist_ok=True)
    marker = os.path.join(root, ".Sent", "maildirfolder")
    if not os.path.exists(marker):
        open(marker, "w").close()
    r = Renderer(gen)
    answered = {m.parent.serial for m in gen.msgs if m.parent is not None and is_own(m.frm.key)}
    for m in msgs:
        data = r.render(m)
        size = len(data)
        base = file_base(gen, m) + ",S=%d,W=%d" % (size, size + data.count(b"\n"))
        folder = root if m.folder == "INBOX" else os.path.join(root, ".Sent")
        if new:   # Maildir delivery: write in tmp/, rename into new/
            tmp = os.path.join(folder, "tmp", base)
            with open(tmp, "wb") as f:
                f.write(data)
            os.utime(tmp, (m.date, m.date))
            os.rename(tmp, os.path.join(folder, "new", base))
        else:
            flags = m.flags
            if flags == "S" and m.serial in answered:
                flags = "RS"
            path = os.path.join(folder, "cur", base + ":2," + flags)
            with open(path, "wb") as f:
                f.write(data)
            os.utime(path, (m.date, m.date))


def file_base(gen, m):
    return "%d.M%dP%d.prospectd" % (m.date, m.serial, gen.seed)


def document(gen, params, truth):
    return {
        "format": 1,
        "generator": params,
        "rep": {"name": REP_NAME, "primary": REP_PRIMARY, "aliases": [REP_ALIAS],
                "plus_tag_forms": ["rep+<tag>@acme-sales.com", "rep+<tag>@acme.io"],
                "spellings_used": sorted({a.spelled for m in gen.msgs for a in (m.frm,) + tuple(m.to)
                                          if is_own(a.key)}),
                "internal_domains": list(INTERNAL_DOMAINS),
                "colleagues": [{"name": n, "email": e} for n, e in COLLEAGUES]},
        "freemail_domains": FREEMAIL_SET,
        "automated_senders": truth["automated_senders"],
        "hostile": gen.hostile_info,
        "totals": truth["totals"],
        "contacts": truth["contacts"],
    }


AUTO_SUBJECT = ("automatic reply:", "auto:", "out of office", "autoreply", "abwesenheitsnotiz",
                "automatische antwort", "réponse automatique", "respuesta automática", "automatisch antwoord",
                "autosvar")
ID_RE = re.compile(r"<[^<>\s]+>")


def verify(out):
    """Derive the CRM state from the message files alone (Python's email
    parser, ARCHITECTURE.md "Lifecycle" applied to the headers as written) and compare it
    with ground_truth.json. Independent of the generator's model: it checks
    that what was written says what the ground truth claims."""
    import email.parser
    import email.policy
    from email.header import decode_header, make_header
    from email.utils import getaddresses, parsedate_to_datetime

    def raw(h, field):
        """All values of a header field, unfolded, 8-bit bytes read as UTF-8."""
        out_ = []
        lf = field.lower()
        for k_, v in h.raw_items():
            if k_.lower() != lf:
                continue
            v = re.sub(r"\r?\n(?=[ \t])", "", v)
            out_.append(v.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        return out_

    def dec(text):
        # RFC 2047: white space between adjacent encoded words is dropped
        # (email.headerregistry keeps it in display names; decode_header does not)
        return str(make_header(decode_header(text))) if "=?" in text else text

    with open(os.path.join(out, "ground_truth.json"), encoding="utf-8") as f:
        gt = json.load(f)
    free = set(gt["freemail_domains"])
    parser = email.parser.BytesParser(policy=email.policy.compat32)
    msgs = []
    for folder, sub in (("INBOX", ""), ("Sent", ".Sent")):
        for d in ("cur", "new"):
            p = os.path.join(out, "Maildir", sub, d)
            for name in sorted(os.listdir(p)) if os.path.isdir(p) else ():
                with open(os.path.join(p, name), "rb") as f:
                    h = parser.parse(f, headersonly=True)

                def addrs(field):
                    return [(a_, dec(n_) or None) for n_, a_ in getaddresses(raw(h, field)) if "@" in a_]

                def one(field):
                    v = raw(h, field)
                    return v[0] if v else None
                frm = addrs("From")
                subj = WS_RE.sub(" ", dec(one("Subject") or "").strip())
                mid = ID_RE.findall(one("Message-ID") or "")
                mid = mid[0] if mid else None
                irt = ID_RE.findall(one("In-Reply-To") or "")
                refs = ID_RE.findall(one("References") or "")
                sender = frm[0][0] if frm else ""
                local = canon(sender).split("@")[0].replace("-", "").replace("_", "").replace(".", "")
                asub = one("Auto-Submitted")
                auto = (asub is not None and asub.strip().lower() != "no") \
                    or one("X-Autoreply") is not None or one("X-Autorespond") is not None \
                    or (one("Precedence") or "").strip().lower() in ("bulk", "junk", "list", "auto_reply") \
                    or one("List-Id") is not None or one("List-Unsubscribe") is not None \
                    or h.get_content_type() == "multipart/report" \
                    or local in ("mailerdaemon", "postmaster", "noreply", "donotreply") \
                    or subj.lower().startswith(AUTO_SUBJECT)
                msgs.append({"folder": folder, "file": name, "frm": frm, "to": addrs("To"), "cc": addrs("Cc"),
                             "bcc": addrs("Bcc"), "subject": subj, "mid": mid, "irt": irt, "refs": refs,
                             "date": int(parsedate_to_datetime(one("Date")).timestamp()), "auto": auto})
    problems = []
    # unique messages (prefer the Sent copy: it keeps Bcc)
    msgs.sort(key=lambda m: (m["date"], m["folder"] != "Sent", m["file"]))
    seen, uniq = set(), []
    for m in msgs:
        if m["mid"]:
            if m["mid"] in seen:
                continue
            seen.add(m["mid"])
        uniq.append(m)
    parent = list(range(len(uniq)))
    ids = {}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def node(x):
        if x not in ids:
            ids[x] = len(parent)
            parent.append(len(parent))
        return ids[x]
    for i, m in enumerate(uniq):
        for x in ([m["mid"]] if m["mid"] else []) + m["irt"] + m["refs"]:
            a_, b_ = find(i), find(node(x))
            if a_ != b_:
                parent[a_] = b_
    strict = [find(i) for i in range(len(uniq))]

    def who(addr):
        k = canon(addr)
        return "(rep)" if is_own(k) else k

    # subject fallback, in date order, over the components built so far
    by_subject = {}
    for i, m in enumerate(uniq):
        by_subject.setdefault(norm_subject(m["subject"]), []).append(i)
    for i, m in enumerate(uniq):   # uniq is in date order
        if m["irt"] or m["refs"] or not REPLY_PREFIX_RE.match(m["subject"]) or not m["frm"]:
            continue
        s = who(m["frm"][0][0])
        best = None
        for j in by_subject.get(norm_subject(m["subject"]), ()):
            x = uniq[j]
            if j == i or find(j) == find(i) or not (0 <= m["date"] - x["date"] <= WINDOW):
                continue
            if s in {who(a_) for a_, _ in x["frm"] + x["to"] + x["cc"] + x["bcc"]}:
                if best is None or x["date"] > uniq[best]["date"]:
                    best = j
        if best is not None:
            a_, b_ = find(i), find(best)
            parent[a_] = b_
    final = [find(i) for i in range(len(uniq))]
    automated = set()
    C = {}

    def role(addr, name, m):
        k = canon(addr)
        if is_own(k) or is_internal(k):
            return None
        c = C.setdefault(k, {"in": 0, "out": 0, "first": m["date"], "names": {}, "variants": set(),
                             "last_in": None, "last_out": None})
        c["first"] = min(c["first"], m["date"])
        return c
    rep_first, auth_first, rep_first_s, auth_first_s, latest = {}, {}, {}, {}, {}
    for i, m in enumerate(uniq):
        if not m["frm"]:
            problems.append("no From: %s" % m["file"])
            continue
        k = canon(m["frm"][0][0])
        d = "out" if is_own(k) else "internal" if is_internal(k) else "in"
        if not m["auto"]:
            latest[final[i]] = i
        if d == "out":
            rep_first.setdefault(final[i], i)
            rep_first_s.setdefault(strict[i], i)
            for a_, n_ in m["to"] + m["cc"] + m["bcc"]:
                c = role(a_, n_, m)
                if c is not None:
                    c["out"] += 1
                    c["last_out"] = m["date"]
        elif d == "in" and not m["auto"]:
            c = role(m["frm"][0][0], None, m)
            if c is not None:
                c["in"] += 1
                c["last_in"] = m["date"]
                auth_first.setdefault((final[i], k), i)
                auth_first_s.setdefault((strict[i], k), i)
            for a_, n_ in m["to"] + m["cc"]:
                role(a_, n_, m)
        elif d == "in":
            automated.add(k)
    human_senders = {canon(m["frm"][0][0]) for m in uniq if m["frm"] and not m["auto"]}
    for m in uniq:
        for a_, n_ in m["frm"] + m["to"] + m["cc"] + m["bcc"]:
            k = canon(a_)
            if k in C:
                C[k]["variants"].add(a_)
                if n_:
                    C[k]["names"][m["date"]] = n_
    want = gt["contacts"]
    if set(C) != set(want):
        problems.append("contact sets differ: only in files %s, only in ground truth %s"
                        % (sorted(set(C) - set(want))[:5], sorted(set(want) - set(C))[:5]))
    needs_reply = {canon(uniq[i]["frm"][0][0]) for c_, i in latest.items()
                   if not is_own(canon(uniq[i]["frm"][0][0])) and not is_internal(canon(uniq[i]["frm"][0][0]))}
    s2f = {strict[i]: final[i] for i in range(len(uniq))}
    strict_pairs = {(s2f[s_], k) for (s_, k) in auth_first_s if s_ in rep_first_s}
    stages = {"lead": 0, "prospect": 0}
    for k in sorted(set(C) & set(want)):
        c, w = C[k], want[k]
        tw = []
        for (f_, kk), i in auth_first.items():
            if kk == k and f_ in rep_first:
                j = rep_first[f_]
                tw.append((max(uniq[i]["date"], uniq[j]["date"]), (f_, k) not in strict_pairs))
        tw.sort()
        got = {"stage": "prospect" if tw else "lead",
               "name": c["names"][max(c["names"])] if c["names"] else None,
               "company_domain": None if domain_of(k) in free else domain_of(k),
               "variants": sorted(c["variants"]),
               "needs_subject_threading": bool(tw) and all(v for _, v in tw),
               "inbound_count": c["in"], "outbound_count": c["out"],
               "first_seen": iso(c["first"]),
               "last_inbound": iso(c["last_in"]) if c["last_in"] is not None else None,
               "last_outbound": iso(c["last_out"]) if c["last_out"] is not None else None,
               "needs_reply": k in needs_reply,
               "promotion_at": iso(tw[0][0]) if tw else None}
        stages[got["stage"]] += 1
        exp = dict(w)
        exp["promotion_at"] = w["promotion"]["at"] if w["promotion"] else None
        for f_ in got:
            if got[f_] != exp.get(f_):
                problems.append("%s %s: files say %r, ground truth %r" % (k, f_, got[f_], exp.get(f_)))
    t = gt["totals"]
    checks = {"messages": len(msgs), "unique_messages": len(uniq), "threads": len(set(final)),
              "threads_needing_reply": sum(1 for c_, i in latest.items()
                                           if not is_own(canon(uniq[i]["frm"][0][0]))
                                           and not is_internal(canon(uniq[i]["frm"][0][0]))),
              "without_message_id": sum(1 for m in uniq if not m["mid"]),
              "automated": sum(1 for m in msgs if m["auto"]),
              "inbox": sum(1 for m in msgs if m["folder"] == "INBOX"),
              "sent": sum(1 for m in msgs if m["folder"] == "Sent")}
    cats = t["by_category"]
    want_auto = sum(cats.get(k, 0) for k in ("auto_reply", "bounce", "newsletter", "notification"))
    for k, v in checks.items():
        if (want_auto if k == "automated" else t[k]) != v:
            problems.append("totals.%s: files say %d, ground truth %d" % (k, v, want_auto if k == "automated" else t[k]))
    if stages != t["by_stage"]:
        problems.append("by_stage: files say %s, ground truth %s" % (stages, t["by_stage"]))
    bad_auto = sorted((set(gt["automated_senders"]) & set(C)) | (set(gt["automated_senders"]) & human_senders))
    if bad_auto:
        problems.append("automated senders that are contacts or send human mail: %s" % bad_auto[:5])
    if not set(gt["automated_senders"]) <= automated:
        problems.append("automated senders never seen sending automated mail: %s"
                        % sorted(set(gt["automated_senders"]) - automated)[:5])
    return problems, checks, stages


def write_json(doc, f):
    """ground_truth.json: readable top level, one contact per line (fast to
    write and grep-friendly)."""
    f.write("{\n")
    keys = sorted(doc)
    for n, k in enumerate(keys):
        end = ",\n" if n < len(keys) - 1 else "\n"
        if k == "contacts":
            f.write(' "contacts": {\n')
            ck = sorted(doc[k])
            for i, c in enumerate(ck):
                f.write("  %s: %s%s\n" % (json.dumps(c), json.dumps(doc[k][c], ensure_ascii=False, sort_keys=True),
                                          "," if i < len(ck) - 1 else ""))
            f.write(" }" + end)
        else:
            f.write(" %s: %s%s" % (json.dumps(k), json.dumps(doc[k], ensure_ascii=False, sort_keys=True, indent=1)
                                   .replace("\n", "\n "), end))
    f.write("}\n")


def set_end(end):
    """Moves the mailbox's two years to end at Unix time END (--end-date): a demo dated relative
    to today reads like a live inbox. Corpora without it keep the fixed end above."""
    global END, START
    END = end
    START = END - SPAN


def replay(params):
    if "end" in params:
        set_end(params["end"])
    g = Gen(params["seed"], params.get("start_index", 0))
    g.build(params["messages"], params.get("hostile", False))
    for i, e in enumerate(params.get("extends", [])):
        g.extend(e["messages"], e["seed"], i, e.get("hostile", False))
    return g


def main():
    ap = argparse.ArgumentParser(description="Deterministic synthetic sales mailbox with ground truth "
                                             "(see the top of this file for the semantics).")
    ap.add_argument("--messages", type=int, required=True, help="number of message files to create")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="corpus directory (new corpus)")
    ap.add_argument("--start-index", type=int, default=0, help="first message serial number")
    ap.add_argument("--extend", metavar="DIR", help="add messages to the corpus in DIR")
    ap.add_argument("--hostile", action="store_true", help="include three parser-hostile messages")
    ap.add_argument("--force", action="store_true", help="replace an existing corpus in --out")
    ap.add_argument("--end-date", metavar="YYYY-MM-DD|today",
                    help="the day the mailbox's two years end (default 2025-03-31; kept for --extend)")
    ap.add_argument("--verify", metavar="DIR", help="re-derive the truth from DIR's message files and "
                                                     "compare with its ground_truth.json")
    if "--verify" in sys.argv:
        i = sys.argv.index("--verify")
        if i + 1 >= len(sys.argv):
            ap.error("--verify needs DIR")
        t0 = time.time()
        problems, checks, stages = verify(sys.argv[i + 1])
        for p in problems[:50]:
            print(p)
        print("gen_mailbox: verify %s: %d problem(s); %s %s in %.1fs" % (
            sys.argv[i + 1], len(problems), json.dumps(checks), json.dumps(stages), time.time() - t0))
        sys.exit(1 if problems else 0)
    a = ap.parse_args()
    t0 = time.time()
    if (a.out is None) == (a.extend is None):
        ap.error("give exactly one of --out and --extend")
    if a.messages < 1:
        ap.error("--messages must be >= 1")
    if a.out:
        mdir = os.path.join(a.out, "Maildir")
        if os.path.exists(mdir) and any(os.scandir(mdir)):
            if not a.force:
                ap.error("%s exists; use --force to replace it, or --extend to add to it" % mdir)
            import shutil
            shutil.rmtree(mdir)
            for f in ("ground_truth.json", "promoted.json"):
                if os.path.exists(os.path.join(a.out, f)):
                    os.remove(os.path.join(a.out, f))
        os.makedirs(a.out, exist_ok=True)
        params = {"messages": a.messages, "seed": a.seed, "start_index": a.start_index,
                  "hostile": a.hostile, "extends": []}
        if a.end_date:
            day = (datetime.now(timezone.utc).date() if a.end_date == "today"
                   else datetime.strptime(a.end_date, "%Y-%m-%d").date())
            params["end"] = int(datetime(day.year, day.month, day.day, 17, 0, tzinfo=timezone.utc).timestamp())
            set_end(params["end"])
        g = Gen(a.seed, a.start_index)
        g.build(a.messages, a.hostile)
        truth = g.truth()
        write_corpus(g, a.out, g.msgs)
        out = a.out
        promoted = None
    else:
        out = a.extend
        with open(os.path.join(out, "ground_truth.json"), encoding="utf-8") as f:
            old = json.load(f)
        params = old["generator"]
        g = replay(params)
        before = g.truth()
        if before["totals"] != old["totals"]:
            raise SystemExit("replaying %s did not reproduce its ground truth (different generator version?)" % out)
        present = set()
        for sub in ("", ".Sent"):
            for d in ("cur", "new"):
                p = os.path.join(out, "Maildir", sub, d)
                if os.path.isdir(p):
                    present.update(n.split(",S=")[0] for n in os.listdir(p))
        missing = sum(1 for m in g.msgs if file_base(g, m) not in present)
        if missing:
            print("note: %d generated message files are no longer in the Maildir (moved or re-appended?)"
                  % missing, file=sys.stderr)
        k0 = len(g.msgs)
        ext = {"messages": a.messages, "seed": a.seed, "hostile": a.hostile}
        g.extend(a.messages, a.seed, len(params["extends"]), a.hostile, truth=before)
        params["extends"].append(ext)
        truth = g.truth()
        write_corpus(g, out, g.msgs[k0:], new=True)
        promoted = sorted(k for k, c in truth["contacts"].items()
                          if c["stage"] != before["contacts"].get(k, {}).get("stage", c["stage"]))
    doc = document(g, params, truth)
    tmp = os.path.join(out, "ground_truth.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        write_json(doc, f)
    os.replace(tmp, os.path.join(out, "ground_truth.json"))
    if promoted is not None:
        with open(os.path.join(out, "promoted.json"), "w", encoding="utf-8") as f:
            json.dump(promoted, f, indent=1)
    t = doc["totals"]
    summary = {k: t[k] for k in ("messages", "inbox", "sent", "in_new", "threads", "contacts", "by_stage")}
    if promoted is not None:
        summary["promoted"] = len(promoted)
    print("gen_mailbox: %s in %.1fs" % (json.dumps(summary), time.time() - t0))


if __name__ == "__main__":
    main()
