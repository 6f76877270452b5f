// prospectd status page: a small single-page app over the JSON API (ARCHITECTURE.md "Interfaces") with hash
// routes #/, #/contacts?stage=&q=, #/contact/<email>, #/team (shown when a team database is configured).
// Every value is inserted as text. Signed in by the session
// cookie of a `prospectd open` link; writes carry the session's CSRF token (GET /api/session). The contact view
// acts: a manual stage move, "not a contact" (the blocklist, with Undo) and forget.
"use strict";

(() => {
  const PIPELINE = ["lead", "prospect", "opportunity", "customer"];
  const STAGE_NAMES = {
    lead: "Lead", prospect: "Prospect", opportunity: "Opportunity", customer: "Customer",
    disqualified: "Disqualified",
  };
  const ERROR_KINDS = {
    auth: "Sign-in failed: check the account's user name and password. Syncing resumes when they change.",
    transient: "The mail server could not be reached or answered with an error; retrying automatically.",
    bad_item: "Some messages could not be read and were skipped.",
    fatal: "Syncing stopped because of an error that needs attention.",
  };
  const STATE_NAMES = { ok: "Up to date", syncing: "Syncing", error: "Error", never: "Not synced yet" };
  const PAGE_SIZE = 50;
  const VIEWS = ["dashboard", "contacts", "contact", "team"];
  const numberFormat = new Intl.NumberFormat();
  const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
  const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

  const $ = (id) => document.getElementById(id);

  // el("a", {href: "#/", className: "x", dataset: {stage: "lead"}}, "text", child) — strings
  // become text nodes, never markup.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "className") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function fill(node, ...children) {
    node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  }

  const fmt = (n) => numberFormat.format(n || 0);
  const stageName = (stage) => STAGE_NAMES[stage] || stage || "–";
  const contactLink = (email, text) =>
    el("a", { href: "#/contact/" + encodeURIComponent(email), className: "contact-link" }, text || email);
  const personName = (name, email) => (name && name.trim()) || email;
  const badge = (stage) => el("span", { className: "badge stage-" + stage, dataset: { stage } }, stageName(stage));

  function timeAgo(iso) {
    if (!iso) return "never";
    const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 0) return "just now";
    if (seconds < 60) return seconds + " s ago";
    if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
    if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
    const days = Math.round(seconds / 86400);
    if (days < 60) return days === 1 ? "1 day ago" : days + " days ago";
    if (days < 730) return Math.round(days / 30.44) + " months ago";
    return Math.round(days / 365.25) + " years ago";
  }

  // <time> with the absolute time as text or title.
  function time(iso, relative) {
    if (!iso) return el("span", { className: "muted" }, "never");
    const date = new Date(iso);
    return el("time", { datetime: iso, title: dateTimeFormat.format(date) },
      relative ? timeAgo(iso) : dateFormat.format(date));
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    if (seconds < 60) return "about " + Math.max(1, Math.round(seconds)) + " s left";
    if (seconds < 3600) return "about " + Math.round(seconds / 60) + " min left";
    return "about " + (seconds / 3600).toFixed(1) + " h left";
  }

  class HttpError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // The answer's JSON body and its headers (paging reads X-Total-Count and Link).
  async function exchange(method, url, options) {
    const response = await fetch(url, { method, cache: "no-store", ...options });
    let body = null;
    try { body = await response.json(); } catch (_) { /* not JSON */ }
    if (response.status === 401) signedOut(body && body.reason);
    if (!response.ok) throw new HttpError(response.status, (body && body.error) || response.statusText);
    return { body, headers: response.headers };
  }

  const request = async (method, url, options) => (await exchange(method, url, options)).body;
  const getJSON = (url) => request("GET", url, { headers: { Accept: "application/json" } });

  // One page of a list: its items, the total that match (X-Total-Count) and the next page's URL
  // (Link rel="next"; same origin, a path and query), null on the last page.
  async function getPage(url) {
    const { body, headers } = await exchange("GET", url, { headers: { Accept: "application/json" } });
    const total = Number.parseInt(headers.get("X-Total-Count") || "", 10);
    const next = /<([^>]*)>\s*;\s*rel="?next"?/.exec(headers.get("Link") || "");
    return { items: body || [], total: Number.isFinite(total) ? total : null, next: next ? next[1] : null };
  }

  // ---- signing in (GET /api/session; the cookie is HttpOnly, the page never sees it) -------
  let csrfToken = null;
  let signedIn = false;
  let sessionTimer = null;

  async function loadSession() {
    const session = await getJSON("/api/session");
    csrfToken = session.csrf_token;
    return session;
  }

  // A write (POST, DELETE) with the session's CSRF token, fetched first if the page has none.
  async function sendJSON(method, url, body) {
    if (!csrfToken) await loadSession();
    const headers = { Accept: "application/json", "Content-Type": "application/json" };
    if (csrfToken) headers["X-CSRF-Token"] = csrfToken;
    return request(method, url, { headers, body: body === undefined ? "" : JSON.stringify(body) });
  }

  // The API answered 401: say how to sign in instead of showing empty panels, and look again now and
  // then (signing in from another tab sets the cookie for this one too).
  const SIGNED_OUT_REASONS = {
    session_expired: "Your session has ended: prospectd restarted, or its token changed.",
    not_signed_in: "This page shows your mail data, so prospectd asks who you are first.",
  };

  function signedOut(reason) {
    csrfToken = null;
    clearNotice();
    $("sign-in-reason").textContent = SIGNED_OUT_REASONS[reason] || SIGNED_OUT_REASONS.not_signed_in;
    clearTimeout(sessionTimer);
    sessionTimer = setTimeout(checkSession, 5000);
    if (!signedIn && !$("sign-in").hidden) return;
    signedIn = false;
    document.body.dataset.auth = "signed-out";
    $("sign-in").hidden = false;
    for (const name of VIEWS) $("view-" + name).hidden = true;
    $("backlog").hidden = true;
    lastStatusText = "";
    clearTimeout(statusTimer);
    clearTimeout(dashboardTimer);
    clearTimeout(teamTimer);
    $("connection").classList.remove("offline");
    $("connection").textContent = "";
  }

  async function checkSession() {
    clearTimeout(sessionTimer);
    try {
      const session = await loadSession();
      if (signedIn) return;
      signedIn = true;
      document.body.dataset.auth = session.auth;
      $("sign-in").hidden = true;
      route();
      refreshStatus();
    } catch (error) {
      if (error.status === 401) return;  // signedOut() looks again later
      connected(false, error);
      sessionTimer = setTimeout(checkSession, 4000);
    }
  }

  // ---- connection state -------------------------------------------------------------------
  function connected(ok, error) {
    const node = $("connection");
    node.classList.toggle("offline", !ok);
    node.textContent = ok ? "" : "Cannot reach prospectd (" + (error && error.message || "no answer") + "); retrying…";
    if (ok) $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  // ---- accounts and pipeline (GET /api/status) --------------------------------------------
  let lastStatusText = "";
  let lastStatus = null;

  function accountCard(account) {
    const state = account.state || "never";
    const head = el("div", { className: "account-head" },
      el("h3", {}, account.name, account.type ? el("span", { className: "muted small" }, " · " + account.type) : null),
      el("span", { className: "state state-" + state, dataset: { state } }, STATE_NAMES[state] || state));
    const facts = el("dl", { className: "facts compact" },
      el("div", {}, el("dt", {}, "Last success"), el("dd", {}, time(account.last_success_at, true))),
      el("div", {}, el("dt", {}, "Messages stored"), el("dd", {}, fmt(account.messages))));
    const parts = [head, facts];
    if (account.progress) {
      const p = account.progress;
      const label = (p.folder ? p.folder + ": " : "") + fmt(p.done) + " of " + fmt(p.total) + " messages";
      const bar = el("progress", { max: Math.max(1, p.total), value: Math.min(p.done, p.total || 0),
        "aria-label": "Sync progress of " + account.name });
      const details = [label];
      if (p.rate) details.push(fmt(Math.round(p.rate)) + " msg/s");
      if (p.eta_seconds !== null && p.eta_seconds !== undefined) details.push(duration(p.eta_seconds));
      parts.push(el("div", { className: "progress", dataset: { done: p.done, total: p.total } },
        bar, el("p", { className: "small" }, details.join(" · "))));
    }
    if (account.last_error && state !== "ok" && state !== "syncing") {
      const explanation = ERROR_KINDS[account.last_error_kind] || "The last sync failed.";
      parts.push(el("div", { className: "error-box", role: "alert" },
        el("p", {}, el("strong", {}, explanation)),
        el("p", { className: "small" }, account.last_error,
          account.last_attempt_at ? el("span", { className: "muted" }, " (", time(account.last_attempt_at, true), ")") : null)));
    }
    if (account.folders && account.folders.length) {
      const rows = account.folders.map((f) => {
        const behind = f.server_count !== null && f.server_count !== f.stored_count;
        return el("tr", { dataset: { folder: f.name } },
          el("th", { scope: "row" }, f.name),
          el("td", { className: "num" }, f.server_count === null ? "–" : fmt(f.server_count)),
          el("td", { className: "num" + (behind ? " behind" : "") }, fmt(f.stored_count)),
          el("td", { className: "wide-only" }, time(f.last_sync_at, true)));
      });
      parts.push(el("div", { className: "table-wrap" }, el("table", { className: "table folders" },
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Folder"), el("th", { scope: "col", className: "num" }, "On server"),
          el("th", { scope: "col", className: "num" }, "Stored"),
          el("th", { scope: "col", className: "wide-only" }, "Checked"))),
        el("tbody", {}, rows))));
    } else if (state === "never") {
      parts.push(el("p", { className: "muted small" }, "Waiting for the first sync of this account."));
    }
    return el("article", { className: "account", dataset: { account: account.name, state } }, parts);
  }

  function renderFunnel(status) {
    const stages = status.stages || {};
    const largest = Math.max(1, ...PIPELINE.map((s) => stages[s] || 0));
    const total = status.contacts || 0;
    fill($("funnel"), PIPELINE.map((stage) => {
      const count = stages[stage] || 0;
      const bar = el("span", { className: "funnel-fill stage-" + stage });
      bar.style.width = Math.max(count ? 3 : 0.5, (100 * count) / largest) + "%";
      const share = total ? Math.round((100 * count) / total) + "%" : "";
      return el("li", { className: "funnel-step", dataset: { stage, count } },
        el("a", { href: "#/contacts?stage=" + stage, className: "funnel-link",
          "aria-label": stageName(stage) + ": " + fmt(count) + " contacts" },
          el("span", { className: "funnel-name" }, stageName(stage)),
          el("span", { className: "funnel-bar" }, bar),
          el("span", { className: "funnel-count" }, fmt(count)),
          el("span", { className: "funnel-share muted" }, share)));
    }));
    $("pipeline-total").textContent = fmt(total) + " contacts · " + fmt(status.threads) + " threads · " +
      fmt(status.messages) + " messages";
    const disqualified = stages.disqualified || 0;
    fill($("funnel-extra"), el("a", { href: "#/contacts?stage=disqualified", dataset: { stage: "disqualified", count: disqualified } },
      "Disqualified: ", el("span", { className: "funnel-count" }, fmt(disqualified))));
  }

  function renderStatus(status) {
    lastStatus = status;
    $("version").textContent = "prospectd " + status.version;
    const accounts = status.accounts || [];
    fill($("account-list"), accounts.length ? accounts.map(accountCard)
      : el("p", { className: "muted" }, "No accounts are configured."));
    renderFunnel(status);
    renderBacklog(status);
    $("nav-team").hidden = !(status.publishing || []).some((t) => t.kind === "team");
  }

  // ---- the outbox backlog (GET /api/status: outbox, publishing) ---------------------------
  // One line while changes wait for the team database or a webhook: how many, since when, how
  // many failed, and each target's last error.
  function renderBacklog(status) {
    const outbox = status.outbox || {};
    const pending = outbox.pending || 0;
    const failed = outbox.failed || 0;
    const node = $("backlog");
    node.dataset.pending = pending;
    node.dataset.failed = failed;
    if (!pending && !failed) {
      node.hidden = true;
      node.dataset.kind = "";
      fill($("backlog-text"));
      return;
    }
    const targets = status.publishing || [];
    const broken = targets.filter((t) => t.state === "error" && t.last_error);
    const counts = [];
    if (pending) {
      counts.push([fmt(pending) + " waiting", outbox.oldest_pending_at ? [" since ", time(outbox.oldest_pending_at, true)] : null]);
    }
    if (failed) counts.push(fmt(failed) + " failed");
    // Without an error to show, name the targets that have work waiting.
    const details = broken.length
      ? broken.map((t) => el("span", { className: "backlog-target", dataset: { target: t.target, state: t.state } },
        el("strong", {}, t.target), ": ", t.last_error,
        t.last_attempt_at ? el("span", { className: "muted" }, " (", time(t.last_attempt_at, true), ")") : null))
      : targets.filter((t) => t.pending || t.failed).map((t) =>
        el("span", { className: "backlog-target", dataset: { target: t.target, state: t.state } }, "to ", t.target));
    const parts = [el("strong", {}, "Outbox:"), " "];
    counts.forEach((count, index) => parts.push(index ? ", " : null, count));
    details.forEach((detail, index) => parts.push(index ? "; " : " — ", detail));
    node.dataset.kind = broken.length || failed ? "error" : "waiting";
    node.hidden = false;
    fill($("backlog-text"), parts.flat(Infinity));
  }

  let statusTimer = null;
  async function refreshStatus() {
    clearTimeout(statusTimer);
    if (!signedIn) return;
    try {
      const status = await getJSON("/api/status");
      const text = JSON.stringify(status);
      if (text !== lastStatusText) {
        lastStatusText = text;
        renderStatus(status);
      }
      connected(true);
    } catch (error) {
      if (error.status === 401) return;
      connected(false, error);
    }
    const syncing = lastStatus && lastStatus.accounts.some((a) => a.state === "syncing");
    statusTimer = setTimeout(refreshStatus, document.hidden ? 20000 : syncing ? 1000 : 4000);
  }

  // ---- sync now (POST /api/sync) ----------------------------------------------------------
  async function syncNow() {
    const button = $("sync-now");
    button.disabled = true;
    try {
      await sendJSON("POST", "/api/sync", {});
      $("sync-now-result").textContent = "Sync requested at " + new Date().toLocaleTimeString() + ".";
      setTimeout(refreshStatus, 500);
    } catch (error) {
      $("sync-now-result").textContent = "Could not request a sync: " + error.message;
    } finally {
      button.disabled = false;
    }
  }

  // ---- dashboard lists (GET /api/dashboard) -----------------------------------------------
  let lastDashboardText = "";
  let dashboardTimer = null;

  function empty(text) { return el("li", { className: "empty muted" }, text); }

  function renderDashboard(d) {
    $("promoted-7").textContent = fmt(d.promoted.last_7_days) + (d.promoted.at_least ? "+" : "");
    $("promoted-30").textContent = fmt(d.promoted.last_30_days) + (d.promoted.at_least ? "+" : "");
    fill($("promoted-list"), d.promoted.latest.length ? d.promoted.latest.map((p) =>
      el("li", { className: "item", dataset: { email: p.email } },
        el("div", { className: "item-main" }, contactLink(p.email, personName(p.name, p.email)),
          el("span", { className: "item-sub" }, p.thread_subject ? "“" + p.thread_subject + "”" : "thread #" + p.thread)),
        el("div", { className: "item-side" }, time(p.at, false))))
      : empty("Nobody has been promoted yet."));

    const owed = d.needs_reply;
    $("needs-reply-summary").textContent = owed.total
      ? fmt(owed.total) + (owed.total === 1 ? " thread" : " threads") + " need a reply, oldest first" +
        (owed.total > owed.threads.length ? " (showing " + owed.threads.length + ")" : "") + "."
      : "";
    fill($("needs-reply-list"), owed.threads.length ? owed.threads.map((t) =>
      el("li", { className: "item", dataset: { thread: t.id, email: t.contact.email } },
        el("div", { className: "item-main" },
          el("span", { className: "item-title" }, t.subject || "(no subject)"),
          el("span", { className: "item-sub" }, contactLink(t.contact.email, personName(t.contact.name, t.contact.email)),
            " · " + fmt(t.message_count) + (t.message_count === 1 ? " message" : " messages"))),
        el("div", { className: "item-side" }, el("span", { className: "waiting" }, "waiting " + timeAgo(t.waiting_since).replace(" ago", "")),
          time(t.waiting_since, false))))
      : empty("Nothing is waiting for your reply."));

    const quiet = d.gone_quiet.contacts;
    $("gone-quiet-summary").textContent = "Prospects with no message for " + d.gone_quiet_days + " days or more" +
      (quiet.length >= d.gone_quiet.limit ? " (the " + d.gone_quiet.limit + " that went quiet most recently)" : "") + ".";
    fill($("gone-quiet-list"), quiet.length ? quiet.map((c) =>
      el("li", { className: "item", dataset: { email: c.email } },
        el("div", { className: "item-main" }, contactLink(c.email, personName(c.name, c.email)),
          el("span", { className: "item-sub" }, c.company || c.email)),
        el("div", { className: "item-side" }, el("span", {}, "quiet " + timeAgo(c.last_message_at).replace(" ago", "")),
          time(c.last_message_at, false))))
      : empty("No prospect has gone quiet."));
  }

  async function refreshDashboard() {
    clearTimeout(dashboardTimer);
    if (currentView !== "dashboard" || !signedIn) return;
    try {
      const dashboard = await getJSON("/api/dashboard");
      const text = JSON.stringify(dashboard);
      if (text !== lastDashboardText) {
        lastDashboardText = text;
        renderDashboard(dashboard);
      }
      connected(true);
    } catch (error) {
      if (error.status === 401) return;
      if (error.status !== 503) connected(false, error);
    }
    dashboardTimer = setTimeout(refreshDashboard, document.hidden ? 30000 : 10000);
  }

  // ---- contact list and search (GET /api/contacts) ----------------------------------------
  // Pages follow the Link header's cursor (rows stay in order while mail arrives); the summary
  // always says how many of how many are shown, so a list never looks complete when it is not.
  let contactsQuery = { stage: "", q: "" };
  let contactsNext = null;
  let contactsTotal = null;
  let contactsToken = 0;

  function contactRow(c) {
    return el("tr", { dataset: { email: c.email, stage: c.stage } },
      el("td", {}, contactLink(c.email, personName(c.name, c.email)),
        c.name ? el("span", { className: "cell-sub" }, c.email) : null,
        c.needs_reply ? el("span", { className: "flag" }, "needs reply") : null),
      el("td", {}, c.company || el("span", { className: "muted" }, "–")),
      el("td", {}, badge(c.stage)),
      el("td", { className: "num wide-only" }, fmt(c.thread_count)),
      el("td", { className: "wide-only" }, time(c.last_inbound && c.last_outbound
        ? (c.last_inbound > c.last_outbound ? c.last_inbound : c.last_outbound)
        : c.last_inbound || c.last_outbound, true)));
  }

  function contactsSummary(shown, total) {
    const what = (contactsQuery.stage ? stageName(contactsQuery.stage).toLowerCase() + " " : "") + "contacts";
    const matching = contactsQuery.q ? " matching “" + contactsQuery.q + "”" : "";
    if (!total) return "No " + what + matching + ".";
    if (shown >= total) {
      return (total === 1 ? "1 " + what.replace(/s$/, "") : "All " + fmt(total) + " " + what) + matching +
        ", most recent activity first.";
    }
    return fmt(shown) + " of " + fmt(total) + " " + what + matching + ", most recent activity first.";
  }

  async function loadContacts(append) {
    const token = ++contactsToken;
    let url = contactsNext;
    if (!append || !url) {
      const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (contactsQuery.stage) params.set("stage", contactsQuery.stage);
      if (contactsQuery.q) params.set("q", contactsQuery.q);
      url = "/api/contacts?" + params;
      append = false;
    }
    const body = $("contacts-body");
    const more = $("contacts-more");
    const summary = $("contacts-summary");
    if (!append) {
      fill(body);
      contactsNext = null;
      more.hidden = true;
    }
    more.disabled = true;
    summary.textContent = "Loading…";
    try {
      const page = await getPage(url);
      if (token !== contactsToken) return;
      const seen = new Set(Array.from(body.children, (row) => row.dataset.email));
      body.append(...page.items.filter((c) => !seen.has(c.email)).map(contactRow));
      const shown = body.children.length;
      contactsNext = page.next;
      contactsTotal = page.total === null ? (page.next ? null : shown) : Math.max(page.total, shown);
      summary.dataset.shown = shown;
      summary.dataset.total = contactsTotal === null ? "" : contactsTotal;
      summary.textContent = contactsTotal === null ? fmt(shown) + " contacts so far, most recent activity first."
        : contactsSummary(shown, contactsTotal);
      more.hidden = !contactsNext;
      const left = contactsTotal === null ? PAGE_SIZE : Math.min(PAGE_SIZE, contactsTotal - shown);
      more.textContent = left > 0 ? "Load " + fmt(left) + " more" : "Load more";
      connected(true);
    } catch (error) {
      if (token !== contactsToken) return;
      summary.textContent = "Could not load contacts: " + error.message;
      more.hidden = !append;  // a failed next page can be tried again
    } finally {
      if (token === contactsToken) more.disabled = false;
    }
  }

  function showContacts(params) {
    contactsQuery = { stage: params.get("stage") || "", q: params.get("q") || "" };
    $("stage-filter").value = contactsQuery.stage;
    $("search").value = contactsQuery.q;
    $("contacts-title").textContent = contactsQuery.q ? "Search results" : "Contacts";
    document.title = (contactsQuery.q ? "Search: " + contactsQuery.q : "Contacts") + " · prospectd";
    loadContacts(false);
  }

  function contactsHash(stage, q) {
    const params = new URLSearchParams();
    if (stage) params.set("stage", stage);
    if (q) params.set("q", q);
    const text = params.toString();
    return "#/contacts" + (text ? "?" + text : "");
  }

  // ---- the team's pipeline (GET /api/team; ARCHITECTURE.md "Team and webhooks") ------------
  // Read from the team database on each request: fetched when the view opens and every 5 s while
  // it is shown in a visible tab. A 503 (the database cannot be read) is shown as one line above
  // the last view read, which stays. Long lists show their first rows, with "Show all".
  const TEAM_STAGES = ["lead", "prospect", "opportunity", "customer", "disqualified"];
  const TEAM_ORDER = ["customer", "opportunity", "prospect", "lead", "disqualified"];  // table order
  const TEAM_CONTACT_ROWS = 100;
  const TEAM_COMPANY_ROWS = 25;
  const TEAM_REFRESH_MS = 5000;
  let teamDoc = null;
  let lastTeamText = "";
  let teamTimer = null;
  let teamToken = 0;
  let teamExpanded = { contacts: false, companies: false };

  function leaveTeam() {
    clearTimeout(teamTimer);
    teamToken++;  // an answer still on its way is dropped
    teamExpanded = { contacts: false, companies: false };
  }

  function setTeamError(text) {
    $("team-error").textContent = text;
  }

  async function refreshTeam() {
    clearTimeout(teamTimer);
    if (currentView !== "team" || !signedIn || document.hidden) return;
    const token = ++teamToken;
    try {
      const doc = await getJSON("/api/team");
      if (token !== teamToken) return;
      setTeamError("");
      const { as_of: asOf, ...rest } = doc;
      const text = JSON.stringify(rest);
      if (text !== lastTeamText) {
        lastTeamText = text;
        teamDoc = doc;
        renderTeam();
      } else {
        renderTeamReps();
      }
      fill($("team-as-of"), asOf ? ["As of ", el("time", { datetime: asOf, title: dateTimeFormat.format(new Date(asOf)) },
        new Date(asOf).toLocaleTimeString())] : null);
      connected(true);
    } catch (error) {
      if (token !== teamToken || error.status === 401) return;
      if (error.status === 404) {
        teamDoc = null;
        lastTeamText = "";
        setTeamError("");
        renderTeam("No team database is configured: add a [team] section to prospectd's config to share the pipeline.");
      } else if (error.status === 503) {
        setTeamError("The team database cannot be read: " + error.message +
          (teamDoc ? " (showing the last view read)" : ""));
        if (!teamDoc) $("team-total").textContent = "The team's pipeline is not available right now.";
      } else {
        connected(false, error);
      }
    }
    if (token === teamToken && currentView === "team" && !document.hidden) {
      teamTimer = setTimeout(refreshTeam, TEAM_REFRESH_MS);
    }
  }

  // The local contact view exists only for this rep's own contacts.
  function teamContactName(contact) {
    const text = personName(contact.name, contact.email);
    const mine = teamDoc && contact.reps.some((r) => r.rep === teamDoc.rep);
    return mine ? contactLink(contact.email, text) : el("span", { className: "item-title" }, text);
  }

  function repStages(reps) {
    return el("ul", { className: "rep-stages" }, reps.map((r) =>
      el("li", { dataset: { rep: r.rep, stage: r.stage } }, el("span", { className: "rep-name" }, r.rep), " ", badge(r.stage))));
  }

  function renderTeam(absent) {
    const doc = teamDoc;
    const contacts = doc ? doc.contacts : [];
    const counts = Object.fromEntries(TEAM_STAGES.map((s) => [s, 0]));
    for (const c of contacts) counts[c.stage] = (counts[c.stage] || 0) + 1;
    const largest = Math.max(1, ...TEAM_STAGES.map((s) => counts[s]));
    const total = contacts.length;
    fill($("team-funnel"), TEAM_STAGES.map((stage) => {
      const count = counts[stage];
      const bar = el("span", { className: "funnel-fill stage-" + stage });
      bar.style.width = Math.max(count ? 3 : 0.5, (100 * count) / largest) + "%";
      return el("li", { className: "funnel-step", dataset: { stage, count } },
        el("div", { className: "funnel-row", role: "img", "aria-label": stageName(stage) + ": " + fmt(count) + " contacts" },
          el("span", { className: "funnel-name" }, stageName(stage)),
          el("span", { className: "funnel-bar" }, bar),
          el("span", { className: "funnel-count" }, fmt(count)),
          el("span", { className: "funnel-share muted" }, total ? Math.round((100 * count) / total) + "%" : "")));
    }));
    if (!doc) {
      $("team-total").textContent = absent || "The team's pipeline is not available right now.";
    } else {
      const reps = doc.reps.length;
      $("team-total").textContent = fmt(total) + (total === 1 ? " contact" : " contacts") + " across " + fmt(reps) +
        (reps === 1 ? " rep" : " reps") + ", each at the furthest stage any rep has.";
    }

    renderTeamReps();

    const collisions = doc ? doc.collisions : [];
    const byEmail = new Map(contacts.map((c) => [c.email, c]));
    const panel = $("team-collisions");
    panel.dataset.count = collisions.length;
    $("collisions-summary").textContent = collisions.length
      ? fmt(collisions.length) + (collisions.length === 1 ? " person" : " people") +
        " got mail from two or more reps in the last 30 days: agree who follows up."
      : "";
    fill($("collisions-list"), collisions.length ? collisions.map((collision) => {
      const contact = byEmail.get(collision.email) || { email: collision.email, name: null, company: null, reps: [] };
      const stages = contact.reps.filter((r) => collision.reps.includes(r.rep));
      return el("li", { className: "item collision", dataset: { email: collision.email, reps: collision.reps.join(",") } },
        el("div", { className: "item-main" }, teamContactName(contact),
          el("span", { className: "item-sub" }, contact.company ? collision.email + " · " + contact.company : collision.email)),
        el("div", { className: "item-side" },
          el("span", { className: "waiting" }, collision.reps.join(" and ")),
          stages.length ? el("span", {}, stages.map((r) => r.rep + ": " + stageName(r.stage)).join(" · ")) : null));
    }) : empty("No two reps wrote to the same person in the last 30 days."));

    renderTeamCompanies();
    renderTeamContacts();
  }

  // Also on every refresh: "last published 2 min ago" ages while the rest stays the same.
  function renderTeamReps() {
    const doc = teamDoc;
    fill($("reps-body"), doc && doc.reps.length ? doc.reps.map((r) =>
      el("tr", { dataset: { rep: r.rep, contacts: r.contacts } },
        el("th", { scope: "row" }, r.rep, r.rep === doc.rep ? el("span", { className: "muted" }, " (you)") : null),
        el("td", { className: "num" }, fmt(r.contacts)),
        el("td", {}, time(r.last_publish_at, true))))
      : el("tr", {}, el("td", { colspan: 3, className: "muted" }, doc ? "No rep has published yet." : "–")));
  }

  function renderTeamCompanies() {
    const shared = teamDoc ? teamDoc.companies.filter((c) => c.reps.length >= 2)
      .sort((a, b) => b.reps.length - a.reps.length || b.contacts - a.contacts || a.company.localeCompare(b.company)) : [];
    const shown = teamExpanded.companies ? shared : shared.slice(0, TEAM_COMPANY_ROWS);
    $("companies-summary").textContent = !shared.length ? ""
      : shown.length < shared.length ? fmt(shown.length) + " of " + fmt(shared.length) + " companies, most reps first."
      : fmt(shared.length) + (shared.length === 1 ? " company" : " companies") + ", most reps first.";
    fill($("companies-body"), shown.length ? shown.map((c) =>
      el("tr", { dataset: { company: c.company, contacts: c.contacts, reps: c.reps.join(",") } },
        el("th", { scope: "row" }, c.company),
        el("td", { className: "num" }, fmt(c.contacts)),
        el("td", {}, c.reps.join(", "))))
      : el("tr", {}, el("td", { colspan: 3, className: "muted" }, "No company is known to more than one rep.")));
    const all = $("companies-all");
    all.hidden = shown.length >= shared.length;
    all.textContent = "Show all " + fmt(shared.length) + " companies";
  }

  function renderTeamContacts() {
    const contacts = teamDoc ? teamDoc.contacts : [];
    const q = $("team-filter").value.trim().toLowerCase();
    const stage = $("team-stage").value;
    const matching = contacts.filter((c) => (!stage || c.stage === stage) && (!q ||
      [c.email, c.name, c.company, ...c.reps.map((r) => r.rep)].some((v) => v && v.toLowerCase().includes(q))));
    matching.sort((a, b) => TEAM_ORDER.indexOf(a.stage) - TEAM_ORDER.indexOf(b.stage) || (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    const shown = teamExpanded.contacts ? matching : matching.slice(0, TEAM_CONTACT_ROWS);
    fill($("team-contacts-body"), shown.map((c) =>
      el("tr", { dataset: { email: c.email, stage: c.stage } },
        el("td", {}, teamContactName(c), c.name ? el("span", { className: "cell-sub" }, c.email) : null),
        el("td", { className: "wide-only" }, c.company || el("span", { className: "muted" }, "–")),
        el("td", {}, badge(c.stage)),
        el("td", {}, repStages(c.reps)))));
    const summary = $("team-contacts-summary");
    summary.dataset.shown = shown.length;
    summary.dataset.total = matching.length;
    const what = (stage ? stageName(stage).toLowerCase() + " " : "") + "team contacts" +
      (q ? " matching “" + $("team-filter").value.trim() + "”" : "");
    summary.textContent = !teamDoc ? ""
      : !matching.length ? "No " + what + "."
      : shown.length < matching.length ? fmt(shown.length) + " of " + fmt(matching.length) + " " + what + ", furthest stage first."
      : (matching.length === 1 ? "1 " + what.replace("contacts", "contact") : "All " + fmt(matching.length) + " " + what) +
        ", furthest stage first.";
    const all = $("team-contacts-all");
    all.hidden = shown.length >= matching.length;
    all.textContent = "Show all " + fmt(matching.length);
  }

  // ---- one contact (GET /api/contacts/{email}, /api/threads?contact=, /api/why/{email}) ----
  function ruleText(event) {
    if (event.actor === "user") return "moved by hand";
    return "rule: " + (event.rule || "unnamed").replace(/_/g, " ");
  }

  function renderContact(detail, threads) {
    const name = personName(detail.name, detail.email);
    document.title = name + " · prospectd";
    $("contact-name").textContent = name;
    $("contact-email").textContent = detail.email + (detail.company ? " · " + detail.company : "");
    const stage = $("contact-stage");
    stage.className = "badge stage-" + detail.stage;
    stage.dataset.stage = detail.stage;
    stage.textContent = stageName(detail.stage);
    const fact = (label, value) => el("div", {}, el("dt", {}, label), el("dd", {}, value));
    fill($("contact-facts"),
      fact("First seen", time(detail.first_seen, false)),
      fact("Last from them", time(detail.last_inbound, true)),
      fact("Last from you", time(detail.last_outbound, true)),
      fact("Messages", fmt(detail.inbound_count) + " in · " + fmt(detail.outbound_count) + " out"),
      fact("Threads", fmt(detail.thread_count)),
      detail.needs_reply ? fact("Reply", el("span", { className: "flag" }, "waiting for your reply")) : null,
      detail.variants && detail.variants.length > 1 ? fact("Also written", detail.variants.join(", ")) : null);

    const subjects = new Map(detail.threads.map((t) => [t.id, t.subject]));
    fill($("history"), detail.history.length ? detail.history.map((event) =>
      el("li", { className: "history-event", dataset: { to: event.to, actor: event.actor, from: event.from || "" } },
        el("p", { className: "history-move" },
          event.from ? badge(event.from) : el("span", { className: "muted" }, "new"), " → ", badge(event.to)),
        el("p", { className: "history-why" }, el("span", { className: "history-rule" }, ruleText(event)),
          event.thread !== null && event.thread !== undefined
            ? el("span", { className: "history-thread" }, " · in “" + (subjects.get(event.thread) || "thread #" + event.thread) + "”")
            : null),
        event.note ? el("p", { className: "history-note" }, "“" + event.note + "”") : null,
        el("p", { className: "small muted" }, time(event.at, false), " · ", timeAgo(event.at))))
      : empty("No stage changes recorded."));

    const participants = new Map(threads.map((t) => [t.id, t.participants]));
    fill($("contact-threads"), detail.threads.length ? detail.threads.map((t) => {
      const others = (participants.get(t.id) || []).filter((p) => p !== detail.email);
      return el("li", { className: "item", dataset: { thread: t.id } },
        el("div", { className: "item-main" },
          el("span", { className: "item-title" }, t.subject || "(no subject)"),
          el("span", { className: "item-sub" }, fmt(t.message_count) + (t.message_count === 1 ? " message" : " messages") +
            (others.length ? " · with " + others.join(", ") : "")),
          t.needs_reply ? el("span", { className: "flag" }, "needs reply") : null),
        el("div", { className: "item-side" }, time(t.last_message_at, false)));
    }) : empty("No threads."));
    renderActions(detail);
  }

  // GET /api/why: the deciding reason first ("contact": "wrote to you", "you or a contact wrote
  // to them (cc)"; otherwise why the address is no contact), with a message that shows it.
  function renderWhy(why) {
    const node = $("contact-why");
    const reason = why && why.reasons && why.reasons[0];
    if (!reason) {
      fill(node);
      return;
    }
    let text;
    if (reason.code === "contact") {
      const recipient = /\((to|cc|bcc)\)$/.exec(reason.detail || "");
      text = reason.detail === "wrote to you" ? "A contact because they wrote to you"
        : recipient ? "A contact because " + RECIPIENT_WHY[recipient[1]]
        : reason.detail && reason.detail !== "a contact" ? "A contact because " + reason.detail : "A contact";
    } else {
      text = "Not a contact: " + reason.detail;
    }
    node.dataset.code = reason.code;
    fill(node, text, reason.message_id
      ? [" (message ", el("span", { className: "message-id" }, "<" + reason.message_id + ">"), ")."] : ".");
  }

  const RECIPIENT_WHY = {
    to: "mail from you or a contact was addressed to them",
    cc: "they were copied (Cc) on mail from you or a contact",
    bcc: "they were blind-copied (Bcc) on mail from you or a contact",
  };

  const domainOf = (email) => email.slice(email.lastIndexOf("@") + 1);

  // The contact view's actions, filled for the contact shown; a company's domain can be hidden as
  // a whole, a free-mail one (no company: gmail.com, ...) is shared by strangers and is not offered.
  function renderActions(detail) {
    $("contact-actions").hidden = false;
    $("move-stage").value = detail.stage;
    const domain = domainOf(detail.email);
    const domainButton = $("block-domain");
    domainButton.textContent = "Not a contact (whole domain " + domain + ")";
    domainButton.hidden = !detail.company;
    const why = $("block-domain-why");
    why.hidden = !!detail.company;
    why.textContent = detail.company ? "" : domain + " is a free-mail domain that many people share, so only this address can be hidden.";
    $("forget-yes").textContent = "Yes, forget " + detail.email + " for good";
    fill($("forget-question"), el("strong", {}, "Forget " + detail.email + " for good?"),
      " Their contact, stage history and address in your stored mail are erased; there is no undo.");
  }

  function resetActions() {
    for (const id of ["move-result", "move-error", "block-error", "forget-error"]) $(id).textContent = "";
    $("move-note").value = "";
    closeForget(false);
    setBusy(false);
  }

  function setBusy(busy) {
    $("contact-actions").setAttribute("aria-busy", busy ? "true" : "false");
    for (const id of ["move-submit", "block-address", "block-domain", "forget", "forget-yes"]) $(id).disabled = busy;
  }

  // Only the contact still shown takes an answer (the rep may have moved on).
  const stillShown = (contact) => shownContact === contact && currentView === "contact";

  async function moveStage(event) {
    event.preventDefault();
    const contact = shownContact;
    if (!contact) return;
    const stage = $("move-stage").value;
    const note = $("move-note").value.trim();
    $("move-result").textContent = "";
    $("move-error").textContent = "";
    setBusy(true);
    try {
      const detail = await sendJSON("POST", "/api/contacts/" + encodeURIComponent(contact.email) + "/stage",
        note ? { stage, note } : { stage });
      if (!stillShown(contact)) return;
      contact.detail = detail;
      renderContact(detail, contact.threads);
      $("move-note").value = "";
      $("move-result").textContent = "Moved to " + stageName(detail.stage) + (note ? " with your note" : "") +
        " at " + new Date().toLocaleTimeString() + ". The stage history below shows it.";
      lastDashboardText = "";
      refreshStatus();
    } catch (error) {
      if (stillShown(contact)) $("move-error").textContent = "Could not move this contact: " + error.message;
    } finally {
      if (stillShown(contact)) setBusy(false);
    }
  }

  // "Not a contact": POST /api/blocks, then back to the list the contact was opened from (reloaded,
  // so the contact is gone from it) with a notice that offers Undo (DELETE /api/blocks/{entry}).
  async function blockContact(kind) {
    const contact = shownContact;
    if (!contact) return;
    const entry = kind === "domain" ? domainOf(contact.email) : contact.email;
    $("block-error").textContent = "";
    setBusy(true);
    try {
      const result = await sendJSON("POST", "/api/blocks", { entry });
      const hidden = result.hidden || 0;
      const text = kind === "domain"
        ? "Nobody at " + result.entry + " is a contact any more: " + fmt(hidden) + (hidden === 1 ? " contact" : " contacts") +
          " hidden from every list."
        : contact.email + " is not a contact any more: hidden from every list.";
      showNotice(text, "blocked", () => unblock(result.entry, kind));
      leaveContact();
    } catch (error) {
      if (stillShown(contact)) {
        $("block-error").textContent = "Could not hide this contact: " + error.message;
        setBusy(false);
      }
    }
  }

  async function unblock(entry, kind) {
    $("notice-undo").disabled = true;
    try {
      const result = await sendJSON("DELETE", "/api/blocks/" + encodeURIComponent(entry));
      const shown = result.shown || 0;
      showNotice(kind === "domain"
        ? "Undone: the contacts at " + entry + " are back in the lists (" + fmt(shown) + ")."
        : "Undone: " + entry + " is a contact again, back in the lists.", "undone");
    } catch (error) {
      if (error.status === 404) showNotice(entry + " is not hidden any more.", "undone");
      else showNotice("Could not undo: " + error.message, "error", () => unblock(entry, kind));
    }
    refreshView();
  }

  function openForget() {
    $("forget-confirm").hidden = false;
    $("forget").setAttribute("aria-expanded", "true");
    $("forget-yes").focus();
  }

  function closeForget(focus) {
    $("forget-confirm").hidden = true;
    $("forget").setAttribute("aria-expanded", "false");
    if (focus) $("forget").focus();
  }

  async function forgetContact() {
    const contact = shownContact;
    if (!contact) return;
    $("forget-error").textContent = "";
    setBusy(true);
    try {
      const result = await sendJSON("POST", "/api/contacts/" + encodeURIComponent(contact.email) + "/forget", {});
      showNotice((result.forgotten || contact.email) + " was forgotten: the contact, its history and the address in " +
        "your stored mail are erased.", "forgotten");
      leaveContact();
    } catch (error) {
      if (stillShown(contact)) {
        $("forget-error").textContent = "Could not forget this person: " + error.message;
        setBusy(false);
      }
    }
  }

  // Back to the list the contact was opened from (the contacts list when opened by a link).
  function leaveContact() {
    shownContact = null;
    lastDashboardText = "";
    lastStatusText = "";
    refreshStatus();
    location.hash = returnHash || "#/contacts";
    $("main").focus();
  }

  // Reloads what the current view shows (after an Undo elsewhere in the page).
  function refreshView() {
    lastDashboardText = "";
    lastStatusText = "";
    refreshStatus();
    if (currentView === "contacts") loadContacts(false);
    else if (currentView === "dashboard") refreshDashboard();
    else if (currentView === "team") refreshTeam();
  }

  // ---- the notice above the views (after hiding or forgetting a contact) -------------------
  let noticeUndo = null;

  function showNotice(text, kind, undo) {
    const notice = $("notice");
    notice.dataset.kind = kind;
    notice.classList.add("active");
    $("notice-text").textContent = text;
    noticeUndo = undo || null;
    $("notice-undo").hidden = !undo;
    $("notice-undo").disabled = false;
    $("notice-dismiss").hidden = false;
  }

  function clearNotice() {
    const notice = $("notice");
    notice.dataset.kind = "";
    notice.classList.remove("active");
    $("notice-text").textContent = "";
    noticeUndo = null;
    $("notice-undo").hidden = true;
    $("notice-dismiss").hidden = true;
  }

  let contactToken = 0;
  let shownContact = null;  // { email, detail, threads } once the contact view has loaded
  let returnHash = "";      // the dashboard or list the contact was opened from

  async function showContact(email) {
    const token = ++contactToken;
    shownContact = null;
    $("contact-name").textContent = email;
    $("contact-email").textContent = "Loading…";
    fill($("contact-why"));
    delete $("contact-why").dataset.code;
    fill($("contact-facts"));
    fill($("history"));
    fill($("contact-threads"));
    $("contact-stage").textContent = "";
    $("contact-actions").hidden = true;
    resetActions();
    const back = $("contact-back");
    back.href = returnHash || "#/";
    back.textContent = returnHash.startsWith("#/team") ? "← Team"
      : !returnHash.startsWith("#/contacts") ? "← Overview"
      : returnHash.includes("q=") ? "← Search results" : "← Contacts";
    const why = getJSON("/api/why/" + encodeURIComponent(email)).catch(() => null);
    try {
      const [detail, threads] = await Promise.all([
        getJSON("/api/contacts/" + encodeURIComponent(email)),
        getJSON("/api/threads?contact=" + encodeURIComponent(email)),
      ]);
      if (token !== contactToken) return;
      shownContact = { email: detail.email, detail, threads };
      renderContact(detail, threads);
      connected(true);
    } catch (error) {
      if (token !== contactToken) return;
      $("contact-email").textContent = error.status === 404 ? "There is no contact with this address." : "Could not load: " + error.message;
      if (error.status !== 404) return;
    }
    const answer = await why;
    if (token === contactToken) renderWhy(answer);
  }

  // ---- routing ----------------------------------------------------------------------------
  let currentView = "";

  function show(view) {
    if (view !== "team") leaveTeam();
    currentView = view;
    for (const name of VIEWS) $("view-" + name).hidden = name !== view;
    for (const name of ["dashboard", "contacts", "team"]) {
      const link = $("nav-" + name);
      if (name === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  }

  function route() {
    if (!signedIn) return;
    const hash = location.hash || "#/";
    if (!hash.startsWith("#/contact/")) returnHash = hash;
    if (hash.startsWith("#/contact/")) {
      show("contact");
      showContact(decodeURIComponent(hash.slice("#/contact/".length)));
    } else if (hash.startsWith("#/team")) {
      show("team");
      document.title = "Team · prospectd";
      refreshTeam();
    } else if (hash.startsWith("#/contacts")) {
      show("contacts");
      const query = hash.indexOf("?");
      showContacts(new URLSearchParams(query >= 0 ? hash.slice(query + 1) : ""));
    } else {
      show("dashboard");
      document.title = "prospectd";
      refreshDashboard();
    }
    window.scrollTo(0, 0);
  }

  function start() {
    window.addEventListener("hashchange", route);
    $("search-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const q = $("search").value.trim();
      location.hash = contactsHash(currentView === "contacts" ? contactsQuery.stage : "", q);
    });
    $("stage-filter").addEventListener("change", () => {
      location.hash = contactsHash($("stage-filter").value, contactsQuery.q);
    });
    $("contacts-more").addEventListener("click", () => loadContacts(true));
    $("sync-now").addEventListener("click", syncNow);
    $("move-form").addEventListener("submit", moveStage);
    $("block-address").addEventListener("click", () => blockContact("address"));
    $("block-domain").addEventListener("click", () => blockContact("domain"));
    $("forget").addEventListener("click", openForget);
    $("forget-cancel").addEventListener("click", () => closeForget(true));
    $("forget-confirm").addEventListener("keydown", (event) => {
      if (event.key === "Escape") closeForget(true);
    });
    $("forget-yes").addEventListener("click", forgetContact);
    $("notice-undo").addEventListener("click", () => { if (noticeUndo) noticeUndo(); });
    $("notice-dismiss").addEventListener("click", clearNotice);
    $("team-filter-form").addEventListener("submit", (event) => event.preventDefault());
    $("team-filter").addEventListener("input", renderTeamContacts);
    $("team-stage").addEventListener("change", renderTeamContacts);
    $("team-contacts-all").addEventListener("click", () => {
      teamExpanded.contacts = true;
      renderTeamContacts();
    });
    $("companies-all").addEventListener("click", () => {
      teamExpanded.companies = true;
      renderTeamCompanies();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) return;
      if (!signedIn) {
        checkSession();
        return;
      }
      refreshStatus();
      refreshDashboard();
      refreshTeam();
    });
    checkSession();
  }

  start();
})();
