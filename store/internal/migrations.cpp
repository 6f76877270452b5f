// Schema migrations: each entry upgrades version N to N+1 and is never edited once released.
// Add a new entry for every schema change.
#include "store/internal/migrations.h"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "store/internal/packed_fields.h"
#include "store/internal/transaction.h"

namespace prospectd::store {
namespace {

// v1: accounts, checkpoints, messages with their locations, addresses and references,
// and the thread graph (every known Message-ID, real or only referenced, maps to a thread).
constexpr const char* kV1 = R"sql(
CREATE TABLE accounts (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  type            TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'never',
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error      TEXT,
  last_error_kind TEXT
);
CREATE TABLE checkpoints (
  account_id   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  scope        TEXT NOT NULL,
  state        TEXT NOT NULL,
  server_count INTEGER,
  last_sync_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, scope)
) WITHOUT ROWID;
-- AUTOINCREMENT: a merged-away thread's id must never come back for a new thread, or
-- references to the old id (and a batch's merge map) would point at the wrong conversation.
CREATE TABLE threads (
  id INTEGER PRIMARY KEY AUTOINCREMENT
);
CREATE TABLE messages (
  id                 INTEGER PRIMARY KEY,
  message_id         TEXT NOT NULL UNIQUE,
  synthetic_id       INTEGER NOT NULL,
  thread_id          INTEGER NOT NULL REFERENCES threads(id),
  date               INTEGER,
  received_at        INTEGER,
  subject            TEXT NOT NULL,
  base_subject       TEXT NOT NULL,
  subject_fallback   INTEGER NOT NULL,
  snippet            TEXT NOT NULL,
  in_reply_to        TEXT NOT NULL,
  provider_thread_id TEXT NOT NULL,
  from_email         TEXT NOT NULL,
  direction          TEXT NOT NULL CHECK (direction IN ('outbound', 'internal', 'inbound')),
  automation         TEXT NOT NULL,
  stored_at          INTEGER NOT NULL
);
CREATE INDEX messages_by_thread ON messages(thread_id, date);
CREATE INDEX messages_by_base_subject ON messages(base_subject, date);
CREATE INDEX messages_by_date ON messages(date);
-- Reference-less replies only: the subject-fallback lookups run for every stored message and
-- must not scan the (many) ordinary messages that share a templated subject.
CREATE INDEX messages_subject_fallback ON messages(base_subject, date) WHERE subject_fallback = 1;
CREATE TABLE message_locations (
  account_id  INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  folder      TEXT NOT NULL,
  source_id   TEXT NOT NULL,
  message_row INTEGER NOT NULL REFERENCES messages(id),
  PRIMARY KEY (account_id, folder, source_id)
) WITHOUT ROWID;
CREATE TABLE message_addresses (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  role        TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
  position    INTEGER NOT NULL,
  email       TEXT NOT NULL,
  raw_email   TEXT NOT NULL,
  name        TEXT NOT NULL,
  PRIMARY KEY (message_row, role, position)
) WITHOUT ROWID;
CREATE INDEX message_addresses_by_email ON message_addresses(email, message_row);
CREATE TABLE message_references (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  position    INTEGER NOT NULL,
  ref         TEXT NOT NULL,
  PRIMARY KEY (message_row, position)
) WITHOUT ROWID;
CREATE TABLE thread_nodes (
  node      TEXT PRIMARY KEY,
  thread_id INTEGER NOT NULL REFERENCES threads(id)
) WITHOUT ROWID;
CREATE INDEX thread_nodes_by_thread ON thread_nodes(thread_id);
)sql";

// v2: contacts (one per canonical address), the spellings seen, the threads each is in, and the
// stage history with its reasons. Aggregates are kept on the contact row for fast listing.
constexpr const char* kV2 = R"sql(
CREATE TABLE contacts (
  id              INTEGER PRIMARY KEY,
  email           TEXT NOT NULL UNIQUE,
  name            TEXT NOT NULL DEFAULT '',
  company         TEXT,
  stage           TEXT NOT NULL DEFAULT 'lead'
                  CHECK (stage IN ('lead', 'prospect', 'opportunity', 'customer', 'disqualified')),
  manual          INTEGER NOT NULL DEFAULT 0,
  first_seen      INTEGER,
  last_inbound    INTEGER,
  last_outbound   INTEGER,
  last_message_at INTEGER,
  thread_count    INTEGER NOT NULL DEFAULT 0,
  inbound_count   INTEGER NOT NULL DEFAULT 0,
  outbound_count  INTEGER NOT NULL DEFAULT 0,
  needs_reply     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX contacts_by_stage ON contacts(stage, last_message_at);
CREATE INDEX contacts_by_company ON contacts(company);
CREATE TABLE contact_variants (
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  raw_email  TEXT NOT NULL,
  PRIMARY KEY (contact_id, raw_email)
) WITHOUT ROWID;
CREATE TABLE contact_threads (
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  thread_id  INTEGER NOT NULL,
  PRIMARY KEY (contact_id, thread_id)
) WITHOUT ROWID;
CREATE INDEX contact_threads_by_thread ON contact_threads(thread_id, contact_id);
CREATE TABLE stage_events (
  id         INTEGER PRIMARY KEY,
  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  from_stage TEXT,
  to_stage   TEXT NOT NULL,
  at         INTEGER NOT NULL,
  actor      TEXT NOT NULL CHECK (actor IN ('rule', 'user')),
  rule       TEXT NOT NULL DEFAULT '',
  thread_id  INTEGER,
  message_id TEXT NOT NULL DEFAULT '',
  note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX stage_events_by_contact ON stage_events(contact_id, id);
CREATE INDEX stage_events_by_stage_at ON stage_events(to_stage, at);
CREATE INDEX stage_events_by_thread ON stage_events(thread_id);
)sql";

// v3: what v1 and v2 gained after stores had been created with them (they were changed in
// place), so that those stores get it too; stores created since already have the indexes.
// threads.id AUTOINCREMENT: without it SQLite gives a merged-away thread's id to the next new
// thread, and the batch that merged it then takes the new thread for the merged one. The table
// is rebuilt (https://sqlite.org/lang_altertable.html#otheralter); references keep their ids.
constexpr const char* kV3 = R"sql(
CREATE TABLE threads_v3 (
  id INTEGER PRIMARY KEY AUTOINCREMENT
);
INSERT INTO threads_v3(id) SELECT id FROM threads;
DROP TABLE threads;
ALTER TABLE threads_v3 RENAME TO threads;
CREATE INDEX IF NOT EXISTS messages_subject_fallback ON messages(base_subject, date)
  WHERE subject_fallback = 1;
CREATE INDEX IF NOT EXISTS stage_events_by_thread ON stage_events(thread_id);
)sql";

// v4: the addresses a provider reports as the account's own (Gmail getProfile and sendAs), so
// every later classification (sync, rebuild, queries) treats them as the rep; and the index the
// unfiltered contact list sorts by.
constexpr const char* kV4 = R"sql(
CREATE TABLE account_addresses (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  address    TEXT NOT NULL,
  PRIMARY KEY (account_id, address)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contacts_by_last_message ON contacts(last_message_at, email);
)sql";

// v5: contacts whose evaluation a bulk sync deferred (Store::Evaluation::deferred). The row
// commits with the batch that touched the contact, so a sync killed before it caught up
// leaves the debt recorded and the next sync pays it (the store converges to the same state).
constexpr const char* kV5 = R"sql(
CREATE TABLE pending_evaluations (
  contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE
);
)sql";

// v6: which of a contact's threads await the rep's reply, as rules::evaluate_contact decides
// (ARCHITECTURE.md "Needs reply"): one definition, stored with each evaluation, instead of SQL
// that approximated it. Existing flags are seeded with the old approximation and the contacts
// marked pending, so the next sync replaces them with the rules' answer.
constexpr const char* kV6 = R"sql(
ALTER TABLE contact_threads ADD COLUMN awaiting_reply INTEGER NOT NULL DEFAULT 0;
CREATE INDEX contact_threads_awaiting ON contact_threads(thread_id) WHERE awaiting_reply = 1;
UPDATE contact_threads SET awaiting_reply = 1
 WHERE contact_id IN (SELECT id FROM contacts WHERE needs_reply = 1)
   AND coalesce((SELECT m.direction = 'inbound'
                   AND m.from_email = (SELECT c.email FROM contacts c WHERE c.id = contact_threads.contact_id)
                 FROM messages m WHERE m.thread_id = contact_threads.thread_id AND m.automation = ''
                 ORDER BY m.date DESC, m.id DESC LIMIT 1), 0);
INSERT OR IGNORE INTO pending_evaluations(contact_id) SELECT id FROM contacts WHERE needs_reply = 1;
)sql";

// v7: the rep's own blocklist ("not a contact", ARCHITECTURE.md "Contacts"): an address or a
// whole domain (and its subdomains). A blocked contact keeps being maintained by syncs and
// rebuilds, hidden from every list, so unblocking brings it back as it would be; the trigger
// hides contacts created later (a sync or a rebuild) at once.
constexpr const char* kV7 = R"sql(
CREATE TABLE blocks (
  entry      TEXT PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('address', 'domain')),
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
ALTER TABLE contacts ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER contacts_blocked_when_created AFTER INSERT ON contacts
WHEN EXISTS (SELECT 1 FROM blocks b WHERE
  (b.kind = 'address' AND b.entry = NEW.email) OR
  (b.kind = 'domain' AND (substr(NEW.email, instr(NEW.email, '@') + 1) = b.entry OR
                          substr(NEW.email, -length(b.entry) - 1) = '.' || b.entry)))
BEGIN
  UPDATE contacts SET blocked = 1 WHERE id = NEW.id;
END;
)sql";

// v8: people the rep asked to forget, known only by a keyed hash of their address (the key is
// a file beside the store, never in it), so syncs and rebuilds do not bring them back.
constexpr const char* kV8 = R"sql(
CREATE TABLE forgotten (
  hash TEXT PRIMARY KEY
) WITHOUT ROWID;
)sql";

// v9: what must leave the machine (ARCHITECTURE.md "Team and webhooks"), written by triggers in
// the transaction of the change itself, so every write path (sync, rebuild, manual move, block,
// forget) feeds it and a crash can never separate a change from its outbox entry.
// publish_targets: the configured destinations (Outbox::set_targets); without any, the triggers
// write nothing. outbox: one webhook delivery per stage event and target, unique per event
// content, so re-evaluation re-inserting the same event adds nothing. team_dirty: contacts whose
// shared state the team database must get again; `version` tells a publisher whether the mark
// changed while it was publishing.
constexpr const char* kV9 = R"sql(
CREATE TABLE publish_targets (
  name            TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('team', 'webhook')),
  events          TEXT NOT NULL DEFAULT '',
  added_at        INTEGER NOT NULL,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error      TEXT NOT NULL DEFAULT '',
  last_error_kind TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  target           TEXT NOT NULL REFERENCES publish_targets(name) ON DELETE CASCADE,
  contact_email    TEXT NOT NULL,
  type             TEXT NOT NULL CHECK (type IN ('contact_created', 'stage_changed')),
  from_stage       TEXT NOT NULL,
  to_stage         TEXT NOT NULL,
  at               INTEGER NOT NULL,
  actor            TEXT NOT NULL,
  rule             TEXT NOT NULL,
  thread_id        INTEGER,
  message_id       TEXT NOT NULL,
  note             TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
  body             TEXT,
  attempts         INTEGER NOT NULL DEFAULT 0,
  first_attempt_at INTEGER,
  next_attempt_at  INTEGER NOT NULL DEFAULT 0,
  finished_at      INTEGER,
  last_error       TEXT NOT NULL DEFAULT '',
  UNIQUE (target, contact_email, type, from_stage, to_stage, at, actor, rule, message_id)
);
CREATE INDEX outbox_pending ON outbox(target, contact_email, id) WHERE state = 'pending';
CREATE INDEX outbox_pending_order ON outbox(target, id) WHERE state = 'pending';
CREATE TABLE team_dirty (
  email   TEXT PRIMARY KEY,
  version INTEGER NOT NULL DEFAULT 1,
  since   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER stage_events_to_outbox AFTER INSERT ON stage_events
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'webhook')
BEGIN
  INSERT OR IGNORE INTO outbox(target, contact_email, type, from_stage, to_stage, at, actor, rule,
                               thread_id, message_id, note, created_at)
  SELECT t.name, c.email, CASE WHEN NEW.from_stage IS NULL THEN 'contact_created' ELSE 'stage_changed' END,
         coalesce(NEW.from_stage, ''), NEW.to_stage, NEW.at, NEW.actor, NEW.rule, NEW.thread_id,
         NEW.message_id, NEW.note, CAST(strftime('%s', 'now') AS INTEGER)
    FROM publish_targets t JOIN contacts c ON c.id = NEW.contact_id
   WHERE t.kind = 'webhook' AND c.blocked = 0
     AND instr(',' || t.events || ',',
               ',' || CASE WHEN NEW.from_stage IS NULL THEN 'contact_created' ELSE 'stage_changed' END || ',') > 0;
END;
CREATE TRIGGER contacts_team_dirty_insert AFTER INSERT ON contacts
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')
BEGIN
  INSERT INTO team_dirty(email, since) VALUES (NEW.email, CAST(strftime('%s', 'now') AS INTEGER))
  ON CONFLICT (email) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER contacts_team_dirty_update AFTER UPDATE ON contacts
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')
 AND (OLD.name IS NOT NEW.name OR OLD.company IS NOT NEW.company OR OLD.stage IS NOT NEW.stage OR
      OLD.thread_count IS NOT NEW.thread_count OR OLD.inbound_count IS NOT NEW.inbound_count OR
      OLD.outbound_count IS NOT NEW.outbound_count OR OLD.first_seen IS NOT NEW.first_seen OR
      OLD.last_inbound IS NOT NEW.last_inbound OR OLD.last_outbound IS NOT NEW.last_outbound OR
      OLD.last_message_at IS NOT NEW.last_message_at OR OLD.needs_reply IS NOT NEW.needs_reply OR
      OLD.blocked IS NOT NEW.blocked)
BEGIN
  INSERT INTO team_dirty(email, since) VALUES (NEW.email, CAST(strftime('%s', 'now') AS INTEGER))
  ON CONFLICT (email) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER contacts_team_dirty_delete AFTER DELETE ON contacts
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')
BEGIN
  INSERT INTO team_dirty(email, since) VALUES (OLD.email, CAST(strftime('%s', 'now') AS INTEGER))
  ON CONFLICT (email) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER stage_events_team_dirty_insert AFTER INSERT ON stage_events
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')
BEGIN
  INSERT INTO team_dirty(email, since)
  SELECT email, CAST(strftime('%s', 'now') AS INTEGER) FROM contacts WHERE id = NEW.contact_id
  ON CONFLICT (email) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER stage_events_team_dirty_delete AFTER DELETE ON stage_events
WHEN EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')
BEGIN
  INSERT INTO team_dirty(email, since)
  SELECT email, CAST(strftime('%s', 'now') AS INTEGER) FROM contacts WHERE id = OLD.contact_id
  ON CONFLICT (email) DO UPDATE SET version = version + 1;
END;
)sql";

// v10: the layout for 100k–1M messages (ARCHITECTURE.md "Store layout"). What is only ever read
// per message moves into the message row: its addresses (messages.people) and its References
// (messages.refs), packed by store/internal/packed_fields.h, replacing a row per address and per
// reference and their indexes. `participants` keeps the one lookup that needs an index (which
// messages name an address), as small integer pairs over the interned `addresses`. The thread
// graph keeps only nodes that are no stored message (ids merely referenced, provider thread ids):
// a stored message's node is its messages row. messages_by_date served no query; the contact
// lists get indexes in their sort order (kV10Cleanup).
// pack_v10 fills the new columns between kV10 and kV10Cleanup.
constexpr const char* kV10 = R"sql(
CREATE TABLE addresses (
  id    INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE
);
CREATE TABLE participants (
  address_id  INTEGER NOT NULL,
  message_row INTEGER NOT NULL,
  PRIMARY KEY (address_id, message_row)
) WITHOUT ROWID;
ALTER TABLE messages ADD COLUMN people BLOB NOT NULL DEFAULT x'';
ALTER TABLE messages ADD COLUMN refs BLOB NOT NULL DEFAULT x'';
INSERT INTO addresses(email) SELECT DISTINCT email FROM message_addresses WHERE email <> '' ORDER BY email;
INSERT OR IGNORE INTO participants(address_id, message_row)
  SELECT d.id, a.message_row FROM message_addresses a JOIN addresses d ON d.email = a.email;
DELETE FROM thread_nodes
 WHERE substr(node, 1, 2) = 'm:' AND EXISTS (SELECT 1 FROM messages m WHERE m.message_id = substr(node, 3));
)sql";

// The contact lists' indexes follow their ORDER BY (most recent activity first, then address)
// and filters (stage, not blocked), so a page of a 100k-contact list reads its 50 rows instead of
// sorting every contact of the stage. contact_counts: the listed (not blocked) contacts per
// stage, kept by triggers in the transaction of every change, so a list's total and the status
// counts are one row each instead of a scan of 100k index entries.
constexpr const char* kV10Cleanup = R"sql(
DROP TABLE message_addresses;
DROP TABLE message_references;
DROP INDEX messages_by_date;
DROP INDEX contacts_by_stage;
DROP INDEX contacts_by_last_message;
CREATE INDEX contacts_by_stage ON contacts(stage, blocked, coalesce(last_message_at, 0) DESC, email);
CREATE INDEX contacts_by_recent ON contacts(blocked, coalesce(last_message_at, 0) DESC, email);
CREATE TABLE contact_counts (
  stage TEXT PRIMARY KEY,
  shown INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO contact_counts(stage, shown)
  SELECT s.stage, (SELECT count(*) FROM contacts c WHERE c.stage = s.stage AND c.blocked = 0)
    FROM (SELECT 'lead' AS stage UNION ALL SELECT 'prospect' UNION ALL SELECT 'opportunity'
          UNION ALL SELECT 'customer' UNION ALL SELECT 'disqualified') s;
CREATE TRIGGER contact_counts_insert AFTER INSERT ON contacts WHEN NEW.blocked = 0
BEGIN
  UPDATE contact_counts SET shown = shown + 1 WHERE stage = NEW.stage;
END;
CREATE TRIGGER contact_counts_delete AFTER DELETE ON contacts WHEN OLD.blocked = 0
BEGIN
  UPDATE contact_counts SET shown = shown - 1 WHERE stage = OLD.stage;
END;
CREATE TRIGGER contact_counts_update AFTER UPDATE OF stage, blocked ON contacts
WHEN OLD.stage IS NOT NEW.stage OR OLD.blocked IS NOT NEW.blocked
BEGIN
  UPDATE contact_counts SET shown = shown - 1 WHERE stage = OLD.stage AND OLD.blocked = 0;
  UPDATE contact_counts SET shown = shown + 1 WHERE stage = NEW.stage AND NEW.blocked = 0;
END;
)sql";

Role role_from_name(std::string_view name) {
  for (Role role : {Role::from, Role::sender, Role::reply_to, Role::to, Role::cc, Role::bcc}) {
    if (role_name(role) == name) return role;
  }
  return Role::bcc;
}

// Packs each message's message_addresses rows into messages.people and its message_references
// rows (less In-Reply-To, which has its own column) into messages.refs.
void pack_v10(SQLite::Database& db) {
  SQLite::Statement set_people(db, "UPDATE messages SET people = ? WHERE id = ?");
  SQLite::Statement addresses(db,
                              "SELECT message_row, role, position, email, raw_email, name FROM message_addresses"
                              " ORDER BY message_row");
  std::vector<std::tuple<Role, int, std::string, std::string, std::string>> people;
  std::int64_t current = -1;
  const auto flush_people = [&] {
    if (current < 0) return;
    std::sort(people.begin(), people.end());
    std::string packed;
    for (const auto& [role, position, email, raw, name] : people)
      append_person(packed, {role, position, email, raw, name});
    set_people.bind(1, packed.data(), static_cast<int>(packed.size()));
    set_people.bind(2, current);
    set_people.exec();
    set_people.reset();
    people.clear();
  };
  while (addresses.executeStep()) {
    const std::int64_t row = addresses.getColumn(0).getInt64();
    if (row != current) {
      flush_people();
      current = row;
    }
    people.emplace_back(role_from_name(addresses.getColumn(1).getString()), addresses.getColumn(2).getInt(),
                        addresses.getColumn(3).getString(), addresses.getColumn(4).getString(),
                        addresses.getColumn(5).getString());
  }
  flush_people();

  SQLite::Statement set_refs(db, "UPDATE messages SET refs = ? WHERE id = ?");
  SQLite::Statement references(db,
                               "SELECT r.message_row, r.ref, m.in_reply_to FROM message_references r"
                               " JOIN messages m ON m.id = r.message_row ORDER BY r.message_row, r.position");
  std::vector<std::string> refs;
  current = -1;
  const auto flush_refs = [&] {
    if (current < 0 || refs.empty()) return;
    const std::string packed = pack_strings(refs);
    set_refs.bind(1, packed.data(), static_cast<int>(packed.size()));
    set_refs.bind(2, current);
    set_refs.exec();
    set_refs.reset();
    refs.clear();
  };
  while (references.executeStep()) {
    const std::int64_t row = references.getColumn(0).getInt64();
    if (row != current) {
      flush_refs();
      current = row;
    }
    std::string ref = references.getColumn(1).getString();
    if (ref != references.getColumn(2).getString()) refs.push_back(std::move(ref));
  }
  flush_refs();
}

struct Migration {
  const char* sql;
  void (*convert)(SQLite::Database&) = nullptr;  // runs after `sql`, in the same transaction
  const char* cleanup = nullptr;                 // runs after `convert`
};

const std::array kMigrations = {
    Migration{kV1}, Migration{kV2}, Migration{kV3}, Migration{kV4}, Migration{kV5},
    Migration{kV6}, Migration{kV7}, Migration{kV8}, Migration{kV9}, Migration{kV10, pack_v10, kV10Cleanup}};

}  // namespace

int latest_schema_version() { return static_cast<int>(kMigrations.size()); }

void migrate(SQLite::Database& db) {
  const int current = db.execAndGet("PRAGMA user_version").getInt();
  if (current > latest_schema_version()) {
    throw std::runtime_error("the store " + db.getFilename() + " has schema version " + std::to_string(current) +
                             ", newer than this prospectd understands (" + std::to_string(latest_schema_version()) +
                             "); upgrade prospectd");
  }
  if (current == latest_schema_version()) return;
  // A step may rebuild a table that others reference, which SQLite allows only with foreign
  // keys off (the pragma is ignored inside a transaction); each step checks them before commit.
  const bool foreign_keys = db.execAndGet("PRAGMA foreign_keys").getInt() != 0;
  db.exec("PRAGMA foreign_keys = OFF");
  for (int version = current; version < latest_schema_version(); ++version) {
    const std::string step = "migration to schema v" + std::to_string(version + 1);
    WriteTransaction transaction(db, step);
    // Re-read under the write lock: another process or thread (two account workers opening a
    // new store at once) may have run this step since we looked.
    const int now = db.execAndGet("PRAGMA user_version").getInt();
    if (now > version) {
      version = now - 1;
      continue;  // the transaction rolls back: nothing was written
    }
    const Migration& migration = kMigrations[static_cast<std::size_t>(version)];
    db.exec(migration.sql);
    if (migration.convert) migration.convert(db);
    if (migration.cleanup) db.exec(migration.cleanup);
    db.exec("PRAGMA user_version = " + std::to_string(version + 1));
    SQLite::Statement check(db, "PRAGMA foreign_key_check");
    if (check.executeStep()) {
      throw std::runtime_error(step + " of " + db.getFilename() + " failed: table " + check.getColumn(0).getString() +
                               " refers to a missing " + check.getColumn(2).getString() + " row");
    }
    transaction.commit();
  }
  if (foreign_keys) db.exec("PRAGMA foreign_keys = ON");
}

}  // namespace prospectd::store
