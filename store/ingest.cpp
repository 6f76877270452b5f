// Storing a batch: messages (deduplicated by source id and by Message-ID), their addresses,
// references and thread, and the scope's checkpoint — all in one transaction (of its own, or a
// BatchGroup's shared by several batches).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <ctime>
#include <set>

#include "rules/canonical_address.h"
#include "store/batch_group.h"
#include "store/contact_book.h"
#include "store/statements.h"
#include "store/store.h"
#include "store/synthetic_id.h"
#include "store/threading.h"
#include "store/transaction.h"

namespace prospectd::store {

Store::Statements::Statements(SQLite::Database& db)
    : find_location(db,
                    "SELECT message_row FROM message_locations"
                    " WHERE account_id = ? AND folder = ? AND source_id = ?"),
      insert_location(db,
                      "INSERT INTO message_locations(account_id, folder, source_id, message_row)"
                      " VALUES (?, ?, ?, ?)"),
      find_message(db, "SELECT id FROM messages WHERE message_id = ?"),
      insert_message(db,
                     "INSERT INTO messages(message_id, synthetic_id, thread_id, date, received_at,"
                     " subject, base_subject, subject_fallback, snippet, in_reply_to,"
                     " provider_thread_id, from_email, direction, automation, stored_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
      insert_address(db,
                     "INSERT OR IGNORE INTO message_addresses(message_row, role, position, email,"
                     " raw_email, name) VALUES (?, ?, ?, ?, ?, ?)"),
      insert_reference(db,
                       "INSERT OR IGNORE INTO message_references(message_row, position, ref)"
                       " VALUES (?, ?, ?)"),
      find_node(db, "SELECT thread_id FROM thread_nodes WHERE node = ?"),
      insert_node(db, "INSERT OR IGNORE INTO thread_nodes(node, thread_id) VALUES (?, ?)"),
      new_thread(db, "INSERT INTO threads DEFAULT VALUES"),
      upsert_checkpoint(db,
                        "INSERT INTO checkpoints(account_id, scope, state, server_count, last_sync_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(account_id, scope) DO UPDATE SET"
                        " state = excluded.state, server_count = excluded.server_count,"
                        " last_sync_at = excluded.last_sync_at"),
      find_subject_anchor(db,
                          "SELECT m.thread_id FROM messages m"
                          " WHERE m.base_subject = ?1 AND m.date >= ?3 AND m.date <= ?4"
                          " AND EXISTS (SELECT 1 FROM message_addresses a"
                          "             WHERE a.message_row = m.id AND a.email = ?2)"
                          " ORDER BY m.date DESC, m.id DESC LIMIT 1"),
      find_subject_orphans(db,
                           "SELECT y.thread_id, y.from_email FROM messages y"
                           " WHERE y.base_subject = ? AND y.subject_fallback = 1"
                           " AND y.date > ? AND y.date <= ? AND y.thread_id <> ?"
                           " AND NOT EXISTS (SELECT 1 FROM messages z WHERE z.thread_id = y.thread_id"
                           "   AND (z.date < y.date OR (z.date = y.date AND z.id < y.id)))"),
      merge_nodes(db, "UPDATE thread_nodes SET thread_id = ? WHERE thread_id = ?"),
      merge_messages(db, "UPDATE messages SET thread_id = ? WHERE thread_id = ?"),
      merge_contact_threads(db, "UPDATE OR IGNORE contact_threads SET thread_id = ? WHERE thread_id = ?"),
      merge_stage_events(db, "UPDATE stage_events SET thread_id = ? WHERE thread_id = ?"),
      merge_leftover_contact_threads(db, "DELETE FROM contact_threads WHERE thread_id = ?"),
      merge_delete_thread(db, "DELETE FROM threads WHERE id = ?"),
      contact_find(db, "SELECT id FROM contacts WHERE email = ?"),
      contact_insert(db, "INSERT INTO contacts(email, name, company) VALUES (?, ?, ?)"),
      contact_variant_insert(db, "INSERT OR IGNORE INTO contact_variants(contact_id, raw_email) VALUES (?, ?)"),
      contact_link_all_threads(db,
                               "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id)"
                               " SELECT DISTINCT ?1, m.thread_id FROM message_addresses a"
                               " JOIN messages m ON m.id = a.message_row WHERE a.email = ?2"),
      contact_link_participant(db, "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id) VALUES (?, ?)"),
      contacts_in_thread(db, "SELECT contact_id FROM contact_threads WHERE thread_id = ?"),
      contact_email(db, "SELECT email FROM contacts WHERE id = ?"),
      // One row per (message, address of the contact in it); facts() folds them per message.
      // No ORDER BY and no correlated subqueries: sorting a handful of facts in C++ is cheaper.
      contact_facts(db,
                    "SELECT m.id, m.message_id, m.thread_id, m.date, m.direction, m.automation <> '',"
                    " m.from_email = ?1, a.role, a.position, a.name, m.subject, m.snippet"
                    " FROM contact_threads ct JOIN messages m ON m.thread_id = ct.thread_id"
                    " LEFT JOIN message_addresses a ON a.message_row = m.id AND a.email = ?1"
                    " WHERE ct.contact_id = ?2"),
      contact_current(db, "SELECT stage, manual FROM contacts WHERE id = ?"),
      contact_update_activity(db,
                              "UPDATE contacts SET name = CASE WHEN ?1 <> '' THEN ?1 ELSE name END,"
                              " first_seen = ?2, last_inbound = ?3, last_outbound = ?4, last_message_at = ?5,"
                              " thread_count = ?6, inbound_count = ?7, outbound_count = ?8, needs_reply = ?9"
                              " WHERE id = ?10"),
      contact_rule_events(db,
                          "SELECT from_stage, to_stage, at, rule, thread_id, message_id FROM stage_events"
                          " WHERE contact_id = ? AND actor = 'rule' ORDER BY id"),
      contact_delete_rule_events(db, "DELETE FROM stage_events WHERE contact_id = ? AND actor = 'rule'"),
      contact_insert_rule_event(db,
                                "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule,"
                                " thread_id, message_id) VALUES (?, ?, ?, ?, 'rule', ?, ?, ?)"),
      contact_set_stage(db, "UPDATE contacts SET stage = ? WHERE id = ?"),
      pending_mark_thread(db,
                          "INSERT OR IGNORE INTO pending_evaluations(contact_id)"
                          " SELECT contact_id FROM contact_threads WHERE thread_id = ?") {}

namespace {

struct AddressRole {
  const char* role;
  const std::vector<connectors::Address>* addresses;
};

std::vector<AddressRole> address_roles(const connectors::MessageMeta& meta) {
  return {{"from", &meta.from}, {"sender", &meta.sender}, {"reply_to", &meta.reply_to},
          {"to", &meta.to},     {"cc", &meta.cc},         {"bcc", &meta.bcc}};
}

// Every Message-ID this message names as an ancestor: In-Reply-To, then References.
std::vector<std::string> ancestors(const connectors::MessageMeta& meta) {
  std::vector<std::string> ids;
  if (!meta.in_reply_to.empty()) ids.push_back(meta.in_reply_to);
  for (const auto& reference : meta.references) {
    if (!reference.empty() && reference != meta.in_reply_to) ids.push_back(reference);
  }
  return ids;
}

void bind_optional(SQLite::Statement& statement, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

class BatchWriter {
 public:
  BatchWriter(SQLite::Database& db, Store::Statements& statements, AccountId account, ContactCache& cache)
      : db_(db),
        statements_(statements),
        account_(account),
        threads_(db, statements),
        contacts_(db, statements, &cache) {}

  void reset_scope(const std::string& folder) {
    SQLite::Statement forget(db_, "DELETE FROM message_locations WHERE account_id = ? AND folder = ?");
    forget.bind(1, account_);
    forget.bind(2, folder);
    forget.exec();
  }

  void add(const ClassifiedMessage& message) {
    const auto& meta = message.meta;
    {
      StatementScope find(statements_.find_location);
      find->bind(1, account_);
      find->bind(2, meta.folder);
      find->bind(3, meta.source_id);
      if (find->executeStep()) {
        ++outcome_.already_stored;
        return;
      }
    }
    const bool synthetic = meta.message_id.empty();
    const std::string message_id = synthetic ? synthetic_message_id(meta) : meta.message_id;
    std::optional<std::int64_t> known;
    {
      StatementScope find(statements_.find_message);
      find->bind(1, message_id);
      if (find->executeStep()) known = find->getColumn(0).getInt64();
    }
    if (known) {
      add_location(meta, *known);
      link_copy(meta, message_id);
      ++outcome_.new_locations;
      return;
    }
    const std::int64_t row = insert_message(message, message_id, synthetic);
    add_location(meta, row);
    ++outcome_.inserted;
  }

  // Another copy of a stored message may name ancestors (or a provider thread) the first copy
  // did not: they join the graph too, so the thread does not depend on which copy came first.
  void link_copy(const connectors::MessageMeta& meta, const std::string& message_id) {
    const std::vector<std::string> nodes = graph_nodes(meta, message_id);
    if (nodes.size() == 1) return;
    const std::size_t merges_before = threads_.merges();
    const ThreadId thread = threads_.place(nodes);
    if (threads_.merges() != merges_before) touched_.push_back(thread);
  }

  // Re-evaluates every contact in the threads this batch touched, or marks them pending.
  BatchOutcome finish(const ContactEvaluator& evaluate, Evaluation when) {
    std::set<ThreadId> touched;
    for (ThreadId thread : touched_) touched.insert(threads_.current(thread));
    outcome_.touched_threads.assign(touched.begin(), touched.end());
    outcome_.thread_merges = threads_.merges();
    if (when == Evaluation::deferred) {
      for (ThreadId thread : outcome_.touched_threads) {
        StatementScope mark(statements_.pending_mark_thread);
        mark->bind(1, thread);
        mark->exec();
      }
      return outcome_;
    }
    for (ContactId contact : contacts_.contacts_in(outcome_.touched_threads)) {
      ++outcome_.contacts_evaluated;
      if (contacts_.reevaluate(contact, evaluate)) outcome_.promoted.push_back(contacts_.email_of(contact));
    }
    return outcome_;
  }

 private:
  std::int64_t insert_message(const ClassifiedMessage& message, const std::string& message_id, bool synthetic) {
    const auto& meta = message.meta;
    const std::vector<std::string> parents = ancestors(meta);
    const std::vector<std::string> nodes = graph_nodes(meta, message_id);
    const std::string from_email =
        meta.from.empty() ? std::string() : rules::canonical_address(meta.from.front().email);
    const bool subject_fallback = parents.empty() && meta.provider_thread_id.empty() && message.is_reply_subject;
    const std::optional<std::int64_t> date = meta.date ? meta.date : meta.received_at;

    ThreadId thread = threads_.place(nodes);
    if (subject_fallback && date) {
      if (auto anchor = threads_.subject_anchor(message.base_subject, from_email, *date)) {
        threads_.merge(thread, *anchor);
        thread = threads_.current(*anchor);
      }
    }

    std::int64_t row = 0;
    {
      // bindNoCopy: the strings outlive the statement's use (StatementScope resets it).
      StatementScope insert(statements_.insert_message);
      insert->bindNoCopy(1, message_id);
      insert->bind(2, synthetic ? 1 : 0);
      insert->bind(3, thread);
      bind_optional(*insert, 4, date);
      bind_optional(*insert, 5, meta.received_at);
      insert->bindNoCopy(6, meta.subject);
      insert->bindNoCopy(7, message.base_subject);
      insert->bind(8, subject_fallback ? 1 : 0);
      insert->bindNoCopy(9, meta.snippet);
      insert->bindNoCopy(10, meta.in_reply_to);
      insert->bindNoCopy(11, meta.provider_thread_id);
      insert->bindNoCopy(12, from_email);
      insert->bindNoCopy(13, message.direction);
      insert->bindNoCopy(14, message.automation);
      insert->bind(15, static_cast<std::int64_t>(std::time(nullptr)));
      insert->exec();
      row = db_.getLastInsertRowid();
    }

    std::vector<std::string> participants;
    for (const auto& [role, addresses] : address_roles(meta)) {
      int position = 0;
      for (const auto& address : *addresses) {
        std::string canonical = rules::canonical_address(address.email);
        StatementScope insert(statements_.insert_address);
        insert->bind(1, row);
        insert->bindNoCopy(2, role);
        insert->bind(3, position++);
        insert->bindNoCopy(4, canonical);
        insert->bindNoCopy(5, address.email);
        insert->bindNoCopy(6, address.name);
        insert->exec();
        if (!canonical.empty()) participants.push_back(std::move(canonical));
      }
    }
    int position = 0;
    for (const auto& parent : parents) {
      StatementScope insert(statements_.insert_reference);
      insert->bind(1, row);
      insert->bind(2, position++);
      insert->bind(3, parent);
      insert->exec();
    }
    for (const auto& candidate : message.contacts) {
      if (contacts_.upsert(candidate).second) ++outcome_.contacts_created;
    }
    contacts_.link_participants(threads_.current(thread), participants);
    if (date) {
      threads_.adopt_subject_orphans(threads_.current(thread), message.base_subject, *date, participants);
    }
    touched_.push_back(thread);
    return row;
  }

  // The message's nodes in the thread graph: itself first, then its ancestors and provider
  // thread id.
  std::vector<std::string> graph_nodes(const connectors::MessageMeta& meta, const std::string& message_id) const {
    std::vector<std::string> nodes{"m:" + message_id};
    for (const auto& parent : ancestors(meta)) nodes.push_back("m:" + parent);
    if (!meta.provider_thread_id.empty()) {
      nodes.push_back("p:" + std::to_string(account_) + ":" + meta.provider_thread_id);
    }
    return nodes;
  }

  void add_location(const connectors::MessageMeta& meta, std::int64_t row) {
    StatementScope insert(statements_.insert_location);
    insert->bind(1, account_);
    insert->bind(2, meta.folder);
    insert->bind(3, meta.source_id);
    insert->bind(4, row);
    insert->exec();
  }

  SQLite::Database& db_;
  Store::Statements& statements_;
  AccountId account_;
  ThreadGraph threads_;
  ContactBook contacts_;
  BatchOutcome outcome_;
  std::vector<ThreadId> touched_;
};

}  // namespace

BatchOutcome Store::commit_batch(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                                 Evaluation when) {
  BatchGroup group(*this);
  BatchOutcome outcome = group.add(account, batch, evaluate, when);
  group.commit();
  return outcome;
}

BatchGroup::BatchGroup(Store& store)
    // A group of many batches takes seconds by design; only a much slower one is worth a log line.
    : store_(store),
      transaction_(*store.db_, "batches", std::chrono::milliseconds(10000)),
      contacts_(std::make_unique<ContactCache>()),
      started_(std::chrono::steady_clock::now()) {}

BatchGroup::~BatchGroup() = default;

BatchOutcome BatchGroup::add(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                             Evaluation when) {
  BatchWriter writer(*store_.db_, *store_.statements_, account, *contacts_);
  if (batch.reset_scope) writer.reset_scope(batch.checkpoint.scope);
  for (const auto& message : batch.messages) writer.add(message);
  {
    StatementScope upsert(store_.statements_->upsert_checkpoint);
    upsert->bind(1, account);
    upsert->bind(2, batch.checkpoint.scope);
    upsert->bind(3, batch.checkpoint.state);
    if (batch.checkpoint.server_count) {
      upsert->bind(4, static_cast<std::int64_t>(*batch.checkpoint.server_count));
    } else {
      upsert->bind(4);
    }
    upsert->bind(5, static_cast<std::int64_t>(std::time(nullptr)));
    upsert->exec();
  }
  BatchOutcome outcome = writer.finish(evaluate, when);
  ++batches_;
  messages_ += batch.messages.size();
  return outcome;
}

void BatchGroup::commit() { transaction_.commit(); }

}  // namespace prospectd::store
