// Rebuild: re-derive contacts, thread links and rule-made stage history from stored messages.
// Manual contacts survive with their user events; everything else is recomputed.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <unordered_map>

#include "store/contact_book.h"
#include "store/store.h"
#include "store/transaction.h"

namespace prospectd::store {
namespace {

std::vector<connectors::Address>* field_for(connectors::MessageMeta& meta, const std::string& role) {
  if (role == "from") return &meta.from;
  if (role == "sender") return &meta.sender;
  if (role == "reply_to") return &meta.reply_to;
  if (role == "to") return &meta.to;
  if (role == "cc") return &meta.cc;
  if (role == "bcc") return &meta.bcc;
  return nullptr;
}

}  // namespace

RebuildOutcome Store::rebuild(const Reclassifier& reclassify, const ContactEvaluator& evaluate) {
  WriteTransaction transaction(*db_, "rebuild");
  RebuildOutcome outcome;
  db_->exec("DELETE FROM contacts WHERE manual = 0");
  db_->exec("DELETE FROM contact_threads");
  db_->exec("DELETE FROM contact_variants");
  db_->exec("DELETE FROM pending_evaluations");  // every contact is evaluated below
  outcome.manual_kept = static_cast<std::size_t>(db_->execAndGet("SELECT COUNT(*) FROM contacts").getInt64());

  ContactBook book(*db_, *statements_);
  SQLite::Statement messages(*db_,
                             "SELECT id, message_id, date, subject, direction, automation <> '' FROM messages"
                             " ORDER BY coalesce(date, received_at), id");
  SQLite::Statement addresses(*db_,
                              "SELECT role, raw_email, name FROM message_addresses WHERE message_row = ?"
                              " ORDER BY role, position");
  SQLite::Statement set_direction(*db_, "UPDATE messages SET direction = ? WHERE id = ?");
  std::vector<std::pair<std::int64_t, std::string>> direction_changes;
  while (messages.executeStep()) {
    const std::int64_t row = messages.getColumn(0).getInt64();
    connectors::MessageMeta meta;
    meta.message_id = messages.getColumn(1).getString();
    if (!messages.getColumn(2).isNull()) meta.date = messages.getColumn(2).getInt64();
    meta.subject = messages.getColumn(3).getString();
    const std::string stored_direction = messages.getColumn(4).getString();
    const bool automated = messages.getColumn(5).getInt() != 0;
    addresses.bind(1, row);
    while (addresses.executeStep()) {
      if (auto* field = field_for(meta, addresses.getColumn(0).getString())) {
        field->push_back({addresses.getColumn(2).getString(), addresses.getColumn(1).getString()});
      }
    }
    addresses.reset();
    const Reclassification decided = reclassify(meta, automated);
    if (decided.direction != stored_direction) direction_changes.emplace_back(row, decided.direction);
    for (const auto& candidate : decided.contacts) book.upsert(candidate, false);
    ++outcome.messages;
  }
  for (const auto& [row, direction] : direction_changes) {
    set_direction.bind(1, direction);
    set_direction.bind(2, row);
    set_direction.exec();
    set_direction.reset();
  }
  // A contact is linked to every thread it appears in (the same rule as incremental ingest).
  db_->exec(
      "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id)"
      " SELECT c.id, m.thread_id FROM contacts c JOIN message_addresses a ON a.email = c.email"
      " JOIN messages m ON m.id = a.message_row");
  std::vector<ContactId> contacts;
  {
    SQLite::Statement all(*db_, "SELECT id FROM contacts ORDER BY id");
    while (all.executeStep()) contacts.push_back(all.getColumn(0).getInt64());
  }
  for (ContactId contact : contacts) book.reevaluate(contact, evaluate);
  outcome.contacts = contacts.size();
  transaction.commit();
  return outcome;
}

ManualMoveResult Store::move_stage(const std::string& canonical_email, const std::string& stage,
                                   const std::string& note, std::int64_t now) {
  WriteTransaction transaction(*db_, "manual stage move");
  ManualMoveResult result;
  SQLite::Statement find(*db_, "SELECT id, stage FROM contacts WHERE email = ?");
  find.bind(1, canonical_email);
  if (!find.executeStep()) return result;
  const ContactId id = find.getColumn(0).getInt64();
  result.found = true;
  result.from = find.getColumn(1).getString();
  result.to = stage;
  SQLite::Statement event(*db_,
                          "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule, note)"
                          " VALUES (?, ?, ?, ?, 'user', 'manual', ?)");
  event.bind(1, id);
  event.bind(2, result.from);
  event.bind(3, stage);
  event.bind(4, now);
  event.bind(5, note);
  event.exec();
  SQLite::Statement update(*db_, "UPDATE contacts SET stage = ?, manual = 1 WHERE id = ?");
  update.bind(1, stage);
  update.bind(2, id);
  update.exec();
  transaction.commit();
  return result;
}

}  // namespace prospectd::store
