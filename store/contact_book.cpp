// Contact rows, their spellings and thread links, and the rules' decisions written back.
// Rule history is rewritten only when it changed, so unchanged contacts cost no writes.
#include "store/contact_book.h"

#include <SQLiteCpp/Statement.h>

#include "rules/stage.h"

namespace prospectd::store {
namespace {

void bind_optional(SQLite::Statement& statement, int index, const std::optional<std::int64_t>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

rules::Direction direction_from(const std::string& text) {
  if (text == "outbound") return rules::Direction::outbound;
  if (text == "internal") return rules::Direction::internal;
  return rules::Direction::inbound;
}

struct StoredEvent {
  std::optional<std::string> from;
  std::string to;
  std::int64_t at;
  std::string rule;
  std::optional<std::int64_t> thread;
  std::string message_id;
  bool operator==(const StoredEvent&) const = default;
};

}  // namespace

std::pair<ContactId, bool> ContactBook::upsert(const ContactCandidate& candidate, bool link_threads) {
  ContactId id = 0;
  bool created = false;
  {
    SQLite::Statement find(db_, "SELECT id FROM contacts WHERE email = ?");
    find.bind(1, candidate.email);
    if (find.executeStep()) {
      id = find.getColumn(0).getInt64();
    } else {
      SQLite::Statement insert(db_, "INSERT INTO contacts(email, name, company) VALUES (?, ?, ?)");
      insert.bind(1, candidate.email);
      insert.bind(2, candidate.name);
      if (candidate.company) {
        insert.bind(3, *candidate.company);
      } else {
        insert.bind(3);
      }
      insert.exec();
      id = db_.getLastInsertRowid();
      created = true;
    }
  }
  SQLite::Statement variant(db_, "INSERT OR IGNORE INTO contact_variants(contact_id, raw_email) VALUES (?, ?)");
  variant.bind(1, id);
  variant.bind(2, candidate.raw_email);
  variant.exec();
  if (created && link_threads) link_all_threads(id, candidate.email);
  return {id, created};
}

void ContactBook::link_all_threads(ContactId contact, const std::string& email) {
  SQLite::Statement link(db_,
                         "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id)"
                         " SELECT DISTINCT ?1, m.thread_id FROM message_addresses a"
                         " JOIN messages m ON m.id = a.message_row WHERE a.email = ?2");
  link.bind(1, contact);
  link.bind(2, email);
  link.exec();
}

void ContactBook::link_participants(ThreadId thread, const std::vector<std::string>& participants) {
  SQLite::Statement link(db_,
                         "INSERT OR IGNORE INTO contact_threads(contact_id, thread_id)"
                         " SELECT id, ?1 FROM contacts WHERE email = ?2");
  for (const auto& email : participants) {
    link.bind(1, thread);
    link.bind(2, email);
    link.exec();
    link.reset();
  }
}

std::set<ContactId> ContactBook::contacts_in(const std::vector<ThreadId>& threads) {
  std::set<ContactId> contacts;
  SQLite::Statement query(db_, "SELECT contact_id FROM contact_threads WHERE thread_id = ?");
  for (ThreadId thread : threads) {
    query.bind(1, thread);
    while (query.executeStep()) contacts.insert(query.getColumn(0).getInt64());
    query.reset();
  }
  return contacts;
}

std::string ContactBook::email_of(ContactId contact) {
  SQLite::Statement query(db_, "SELECT email FROM contacts WHERE id = ?");
  query.bind(1, contact);
  return query.executeStep() ? query.getColumn(0).getString() : std::string();
}

std::vector<rules::MessageFact> ContactBook::facts(ContactId contact) {
  const std::string email = email_of(contact);
  SQLite::Statement query(
      db_,
      "SELECT m.id, m.message_id, m.thread_id, m.date, m.direction, m.automation <> '',"
      " m.from_email = ?1,"
      " EXISTS (SELECT 1 FROM message_addresses a WHERE a.message_row = m.id AND a.email = ?1"
      "         AND a.role IN ('to', 'cc', 'bcc')),"
      " coalesce((SELECT a.name FROM message_addresses a WHERE a.message_row = m.id AND a.email = ?1"
      "           AND a.name <> '' ORDER BY a.role = 'from' DESC, a.position LIMIT 1), ''),"
      " m.subject, m.snippet"
      " FROM contact_threads ct JOIN messages m ON m.thread_id = ct.thread_id"
      " WHERE ct.contact_id = ?2 ORDER BY m.date, m.id");
  query.bind(1, email);
  query.bind(2, contact);
  std::vector<rules::MessageFact> facts;
  while (query.executeStep()) {
    rules::MessageFact fact;
    fact.row = query.getColumn(0).getInt64();
    fact.message_id = query.getColumn(1).getString();
    fact.thread = query.getColumn(2).getInt64();
    if (!query.getColumn(3).isNull()) fact.date = query.getColumn(3).getInt64();
    fact.direction = direction_from(query.getColumn(4).getString());
    fact.automated = query.getColumn(5).getInt() != 0;
    fact.authored_by_contact = query.getColumn(6).getInt() != 0;
    fact.contact_is_recipient = query.getColumn(7).getInt() != 0;
    fact.contact_name = query.getColumn(8).getString();
    fact.subject = query.getColumn(9).getString();
    fact.snippet = query.getColumn(10).getString();
    facts.push_back(std::move(fact));
  }
  return facts;
}

bool ContactBook::reevaluate(ContactId contact, const ContactEvaluator& evaluate) {
  const auto facts_of_contact = facts(contact);
  return write_evaluation(db_, contact, evaluate(facts_of_contact));
}

bool write_evaluation(SQLite::Database& db, ContactId contact, const rules::ContactEvaluation& evaluation) {
  std::string old_stage;
  bool manual = false;
  {
    SQLite::Statement current(db, "SELECT stage, manual FROM contacts WHERE id = ?");
    current.bind(1, contact);
    if (!current.executeStep()) return false;
    old_stage = current.getColumn(0).getString();
    manual = current.getColumn(1).getInt() != 0;
  }
  {
    SQLite::Statement update(db,
                             "UPDATE contacts SET name = CASE WHEN ?1 <> '' THEN ?1 ELSE name END,"
                             " first_seen = ?2, last_inbound = ?3, last_outbound = ?4, last_message_at = ?5,"
                             " thread_count = ?6, inbound_count = ?7, outbound_count = ?8, needs_reply = ?9"
                             " WHERE id = ?10");
    update.bind(1, evaluation.name);
    bind_optional(update, 2, evaluation.first_seen);
    bind_optional(update, 3, evaluation.last_inbound);
    bind_optional(update, 4, evaluation.last_outbound);
    bind_optional(update, 5, evaluation.last_message_at);
    update.bind(6, evaluation.thread_count);
    update.bind(7, evaluation.inbound_count);
    update.bind(8, evaluation.outbound_count);
    update.bind(9, evaluation.needs_reply ? 1 : 0);
    update.bind(10, contact);
    update.exec();
  }
  if (manual) return false;  // DESIGN §2: rules never override a manual move

  std::vector<StoredEvent> wanted;
  for (const auto& change : evaluation.history) {
    wanted.push_back({change.from ? std::optional<std::string>(rules::to_string(*change.from)) : std::nullopt,
                      rules::to_string(change.to), change.at, change.rule,
                      change.thread ? std::optional<std::int64_t>(change.thread) : std::nullopt,
                      change.message_id});
  }
  std::vector<StoredEvent> stored;
  {
    SQLite::Statement query(db,
                            "SELECT from_stage, to_stage, at, rule, thread_id, message_id FROM stage_events"
                            " WHERE contact_id = ? AND actor = 'rule' ORDER BY id");
    query.bind(1, contact);
    while (query.executeStep()) {
      stored.push_back({query.getColumn(0).isNull() ? std::nullopt
                                                    : std::optional<std::string>(query.getColumn(0).getString()),
                        query.getColumn(1).getString(), query.getColumn(2).getInt64(),
                        query.getColumn(3).getString(),
                        query.getColumn(4).isNull() ? std::nullopt
                                                    : std::optional<std::int64_t>(query.getColumn(4).getInt64()),
                        query.getColumn(5).getString()});
    }
  }
  const std::string new_stage = rules::to_string(evaluation.stage);
  if (stored != wanted) {
    SQLite::Statement remove(db, "DELETE FROM stage_events WHERE contact_id = ? AND actor = 'rule'");
    remove.bind(1, contact);
    remove.exec();
    SQLite::Statement insert(db,
                             "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule,"
                             " thread_id, message_id) VALUES (?, ?, ?, ?, 'rule', ?, ?, ?)");
    for (const auto& event : wanted) {
      insert.bind(1, contact);
      if (event.from) {
        insert.bind(2, *event.from);
      } else {
        insert.bind(2);
      }
      insert.bind(3, event.to);
      insert.bind(4, event.at);
      insert.bind(5, event.rule);
      bind_optional(insert, 6, event.thread);
      insert.bind(7, event.message_id);
      insert.exec();
      insert.reset();
    }
  }
  if (new_stage != old_stage) {
    SQLite::Statement update(db, "UPDATE contacts SET stage = ? WHERE id = ?");
    update.bind(1, new_stage);
    update.bind(2, contact);
    update.exec();
  }
  const auto old_rank = rules::stage_from_string(old_stage);
  return new_stage != old_stage && old_rank && rules::stage_rank(evaluation.stage) > rules::stage_rank(*old_rank);
}

}  // namespace prospectd::store
