// The outbox: target registration with backfill, webhook items in order per contact, and the
// team database's marked contacts read with their shared state. Queued by triggers (migration v9).
#include "store/outbox.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <set>

#include "store/internal/sql_values.h"
#include "store/internal/transaction.h"
#include "util/keyed_hash.h"

namespace prospectd::store {

namespace {

void exec_bound(SQLite::Database& db, const char* sql, const std::string& text, std::int64_t number) {
  SQLite::Statement statement(db, sql);
  statement.bind(1, text);
  statement.bind(2, number);
  statement.exec();
}

}  // namespace

std::string publish_event_key(const std::string& email, const std::optional<std::string>& from, const std::string& to,
                              std::int64_t at, const std::string& actor, const std::string& rule,
                              const std::string& message_id) {
  // Fields joined with a separator that cannot occur in any of them (a NUL byte), then hashed:
  // the key reveals nothing and is the same wherever the same event is derived.
  std::string identity = email;
  for (const std::string& part :
       {from.value_or(std::string("\x01")), to, std::to_string(at), actor, rule, message_id}) {
    identity.push_back('\0');
    identity += part;
  }
  return util::sha256_hex(identity).substr(0, 32);
}

Outbox::Outbox(Store& store) : store_(store) {}

void Outbox::set_targets(std::span<const PublishTarget> targets, std::int64_t now) {
  SQLite::Database& db = *store_.db_;
  WriteTransaction transaction(db, "publish targets");
  std::set<std::string> configured;
  for (const PublishTarget& target : targets) configured.insert(target.name);
  {
    std::vector<std::string> dropped;
    SQLite::Statement known(db, "SELECT name, kind FROM publish_targets");
    while (known.executeStep()) {
      if (!configured.contains(known.getColumn(0).getString())) dropped.push_back(known.getColumn(0).getString());
    }
    for (const std::string& name : dropped) {
      SQLite::Statement drop(db, "DELETE FROM publish_targets WHERE name = ?");
      drop.bind(1, name);
      drop.exec();
    }
    if (!db.execAndGet("SELECT EXISTS (SELECT 1 FROM publish_targets WHERE kind = 'team')").getInt() &&
        std::none_of(targets.begin(), targets.end(), [](const PublishTarget& t) { return t.kind == "team"; })) {
      db.exec("DELETE FROM team_dirty");
    }
  }
  for (const PublishTarget& target : targets) {
    SQLite::Statement existing(db, "SELECT events FROM publish_targets WHERE name = ?");
    existing.bind(1, target.name);
    if (existing.executeStep()) {
      if (existing.getColumn(0).getString() != target.events) {
        // Other event types from now on; what is queued stays.
        SQLite::Statement update(db, "UPDATE publish_targets SET events = ? WHERE name = ?");
        update.bind(1, target.events);
        update.bind(2, target.name);
        update.exec();
      }
      continue;
    }
    SQLite::Statement add(db, "INSERT INTO publish_targets(name, kind, events, added_at) VALUES (?, ?, ?, ?)");
    add.bind(1, target.name);
    add.bind(2, target.kind);
    add.bind(3, target.events);
    add.bind(4, now);
    add.exec();
    if (target.kind == "webhook") {
      // The whole history, in the order it was recorded (ARCHITECTURE.md "Team and webhooks").
      exec_bound(db,
                 "INSERT OR IGNORE INTO outbox(target, contact_email, type, from_stage, to_stage, at, actor, rule,"
                 "                             thread_id, message_id, note, created_at)"
                 " SELECT t.name, c.email,"
                 "        CASE WHEN e.from_stage IS NULL THEN 'contact_created' ELSE 'stage_changed' END,"
                 "        coalesce(e.from_stage, ''), e.to_stage, e.at, e.actor, e.rule, e.thread_id, e.message_id,"
                 "        e.note, ?2"
                 "   FROM stage_events e JOIN contacts c ON c.id = e.contact_id JOIN publish_targets t ON t.name = ?1"
                 "  WHERE c.blocked = 0 AND instr(',' || t.events || ',', ',' ||"
                 "        CASE WHEN e.from_stage IS NULL THEN 'contact_created' ELSE 'stage_changed' END || ',') > 0"
                 "  ORDER BY e.id",
                 target.name, now);
    } else {
      SQLite::Statement mark(db,
                             "INSERT INTO team_dirty(email, since) SELECT email, ? FROM contacts WHERE true"
                             " ON CONFLICT (email) DO UPDATE SET version = version + 1");
      mark.bind(1, now);
      mark.exec();
    }
  }
  transaction.commit();
}

std::vector<WebhookItem> Outbox::due_webhook_items(const std::string& target, std::int64_t now, std::size_t limit) {
  SQLite::Statement query(
      *store_.db_,
      "SELECT o.id, o.contact_email, o.type, o.from_stage, o.to_stage, o.at, o.actor, o.rule, o.thread_id,"
      "       o.message_id, o.note, o.body, o.attempts, o.first_attempt_at"
      "  FROM outbox o"
      " WHERE o.target = ?1 AND o.state = 'pending' AND o.next_attempt_at <= ?2"
      "   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.target = o.target AND p.state = 'pending'"
      "                      AND p.contact_email = o.contact_email AND p.id < o.id)"
      " ORDER BY o.id LIMIT ?3");
  query.bind(1, target);
  query.bind(2, now);
  query.bind(3, static_cast<std::int64_t>(limit));
  std::vector<WebhookItem> items;
  while (query.executeStep()) {
    WebhookItem item;
    item.row = query.getColumn(0).getInt64();
    item.contact_email = query.getColumn(1).getString();
    item.type = query.getColumn(2).getString();
    const std::string from = query.getColumn(3).getString();
    if (!from.empty()) item.from = from;
    item.to = query.getColumn(4).getString();
    item.at = query.getColumn(5).getInt64();
    item.actor = query.getColumn(6).getString();
    item.rule = query.getColumn(7).getString();
    item.thread = optional_int(query.getColumn(8));
    item.message_id = query.getColumn(9).getString();
    item.note = query.getColumn(10).getString();
    item.body = optional_text(query.getColumn(11));
    item.attempts = query.getColumn(12).getInt64();
    item.first_attempt_at = optional_int(query.getColumn(13));
    items.push_back(std::move(item));
  }
  return items;
}

std::optional<std::int64_t> Outbox::next_webhook_due(const std::string& target, std::int64_t now) {
  // Only the first pending item of each contact can fall due: the others wait for it.
  SQLite::Statement query(*store_.db_,
                          "SELECT min(o.next_attempt_at) FROM outbox o WHERE o.target = ? AND o.state = 'pending'"
                          "   AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.target = o.target AND p.state = 'pending'"
                          "                      AND p.contact_email = o.contact_email AND p.id < o.id)");
  query.bind(1, target);
  if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
  return std::max<std::int64_t>(0, query.getColumn(0).getInt64() - now);
}

void Outbox::freeze_body(std::int64_t row, const std::string& body, std::int64_t now) {
  SQLite::Statement update(*store_.db_,
                           "UPDATE outbox SET body = ?, first_attempt_at = coalesce(first_attempt_at, ?) WHERE id = ?");
  update.bind(1, body);
  update.bind(2, now);
  update.bind(3, row);
  update.exec();
}

void Outbox::mark_delivered(std::int64_t row, std::int64_t now) {
  SQLite::Statement update(*store_.db_,
                           "UPDATE outbox SET state = 'delivered', body = NULL, attempts = attempts + 1,"
                           " finished_at = ?, last_error = '' WHERE id = ?");
  update.bind(1, now);
  update.bind(2, row);
  update.exec();
}

void Outbox::mark_retry(std::int64_t row, std::int64_t next_attempt_at, const std::string& error) {
  SQLite::Statement update(
      *store_.db_, "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?");
  update.bind(1, next_attempt_at);
  update.bind(2, error);
  update.bind(3, row);
  update.exec();
}

void Outbox::mark_failed(std::int64_t row, std::int64_t now, const std::string& error) {
  SQLite::Statement update(*store_.db_,
                           "UPDATE outbox SET state = 'failed', attempts = attempts + 1, finished_at = ?,"
                           " last_error = ? WHERE id = ?");
  update.bind(1, now);
  update.bind(2, error);
  update.bind(3, row);
  update.exec();
}

TeamBatch Outbox::marked_team_contacts(std::size_t limit, bool share_subjects) {
  SQLite::Database& db = *store_.db_;
  SQLite::Statement marked(db,
                           "SELECT d.email, d.version, c.id, c.blocked, c.name, c.company, c.stage, c.thread_count,"
                           "       c.inbound_count, c.outbound_count, c.first_seen, c.last_inbound, c.last_outbound,"
                           "       c.needs_reply"
                           "  FROM team_dirty d LEFT JOIN contacts c ON c.email = d.email"
                           " ORDER BY d.email LIMIT ?");
  marked.bind(1, static_cast<std::int64_t>(limit));
  SQLite::Statement history(db,
                            "SELECT from_stage, to_stage, at, actor, rule, message_id, note FROM stage_events"
                            " WHERE contact_id = ? ORDER BY id");
  SQLite::Statement subject(db,
                            "SELECT m.subject FROM contact_threads ct JOIN messages m ON m.thread_id = ct.thread_id"
                            " WHERE ct.contact_id = ? ORDER BY m.date DESC, m.id DESC LIMIT 1");
  TeamBatch batch;
  while (marked.executeStep()) {
    team::ContactChange change;
    change.email = marked.getColumn(0).getString();
    batch.marks.push_back({change.email, marked.getColumn(1).getInt64()});
    if (!marked.getColumn(2).isNull() && marked.getColumn(3).getInt() == 0) {
      const std::int64_t contact_id = marked.getColumn(2).getInt64();
      team::SharedContact contact;
      contact.email = change.email;
      contact.name = marked.getColumn(4).getString();
      contact.company = optional_text(marked.getColumn(5));
      contact.stage = marked.getColumn(6).getString();
      contact.thread_count = marked.getColumn(7).getInt64();
      contact.inbound_count = marked.getColumn(8).getInt64();
      contact.outbound_count = marked.getColumn(9).getInt64();
      contact.first_seen = optional_int(marked.getColumn(10));
      contact.last_inbound = optional_int(marked.getColumn(11));
      contact.last_outbound = optional_int(marked.getColumn(12));
      contact.needs_reply = marked.getColumn(13).getInt() != 0;
      history.reset();
      history.bind(1, contact_id);
      while (history.executeStep()) {
        team::SharedStageEvent event;
        event.from = optional_text(history.getColumn(0));
        event.to = history.getColumn(1).getString();
        event.at = history.getColumn(2).getInt64();
        event.actor = history.getColumn(3).getString();
        event.rule = history.getColumn(4).getString();
        event.message_id = history.getColumn(5).getString();
        event.note = history.getColumn(6).getString();
        event.key =
            publish_event_key(contact.email, event.from, event.to, event.at, event.actor, event.rule, event.message_id);
        contact.history.push_back(std::move(event));
      }
      if (share_subjects) {
        subject.reset();
        subject.bind(1, contact_id);
        if (subject.executeStep()) contact.last_subject = subject.getColumn(0).getString();
      }
      change.contact = std::move(contact);
    }
    batch.changes.push_back(std::move(change));
  }
  return batch;
}

void Outbox::clear_team_marks(std::span<const TeamMark> marks) {
  SQLite::Database& db = *store_.db_;
  WriteTransaction transaction(db, "team marks");
  SQLite::Statement clear(db, "DELETE FROM team_dirty WHERE email = ? AND version = ?");
  for (const TeamMark& mark : marks) {
    clear.reset();
    clear.bind(1, mark.email);
    clear.bind(2, mark.version);
    clear.exec();
  }
  transaction.commit();
}

void Outbox::record_target_attempt(const std::string& target, std::int64_t now, bool succeeded,
                                   const std::string& error_kind, const std::string& error) {
  SQLite::Statement update(*store_.db_, succeeded
                                            ? "UPDATE publish_targets SET last_attempt_at = ?1, last_success_at = ?1,"
                                              " last_error = '', last_error_kind = '' WHERE name = ?2"
                                            : "UPDATE publish_targets SET last_attempt_at = ?1, last_error_kind = ?3,"
                                              " last_error = ?4 WHERE name = ?2");
  update.bind(1, now);
  update.bind(2, target);
  if (!succeeded) {
    update.bind(3, error_kind);
    update.bind(4, error);
  }
  update.exec();
}

}  // namespace prospectd::store
