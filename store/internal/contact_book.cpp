// Contact rows, their spellings and thread links, and the rules' decisions written back.
// Statements are the Store's cached ones; rule history is rewritten only when it changed.
#include "store/internal/contact_book.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <unordered_map>

#include "rules/stage.h"
#include "store/internal/packed_fields.h"
#include "store/internal/sql_values.h"

namespace prospectd::store {
namespace {

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

ContactId ContactBook::find(const std::string& email) {
  if (cache_) {
    if (const auto known = cache_->ids.find(email); known != cache_->ids.end()) return known->second;
  }
  ContactId id = 0;
  {
    StatementScope query(statements_.contact_find);
    query->bind(1, email);
    if (query->executeStep()) id = query->getColumn(0).getInt64();
  }
  if (cache_) cache_->ids.emplace(email, id);
  return id;
}

std::pair<ContactId, bool> ContactBook::upsert(const ContactCandidate& candidate, bool link_threads) {
  ContactId id = find(candidate.email);
  bool created = false;
  if (id == 0) {
    StatementScope insert(statements_.contact_insert);
    insert->bind(1, candidate.email);
    insert->bind(2, candidate.name);
    if (candidate.company) {
      insert->bind(3, *candidate.company);
    } else {
      insert->bind(3);
    }
    insert->exec();
    id = db_.getLastInsertRowid();
    created = true;
    if (cache_) cache_->ids[candidate.email] = id;
  }
  if (!cache_ || cache_->variants.insert(std::to_string(id) + " " + candidate.raw_email).second) {
    StatementScope variant(statements_.contact_variant_insert);
    variant->bind(1, id);
    variant->bind(2, candidate.raw_email);
    variant->exec();
  }
  if (created && link_threads) link_all_threads(id, candidate.email);
  return {id, created};
}

void ContactBook::link_all_threads(ContactId contact, const std::string& email) {
  StatementScope link(statements_.contact_link_all_threads);
  link->bind(1, contact);
  link->bind(2, email);
  link->exec();
}

void ContactBook::link_participants(ThreadId thread, const std::vector<std::string>& participants) {
  for (const auto& email : participants) {
    const ContactId contact = find(email);
    if (contact == 0) continue;
    StatementScope link(statements_.contact_link_participant);
    link->bind(1, contact);
    link->bind(2, thread);
    link->exec();
  }
}

std::set<ContactId> ContactBook::contacts_in(const std::vector<ThreadId>& threads) {
  std::set<ContactId> contacts;
  for (ThreadId thread : threads) {
    StatementScope query(statements_.contacts_in_thread);
    query->bind(1, thread);
    while (query->executeStep()) contacts.insert(query->getColumn(0).getInt64());
  }
  return contacts;
}

std::string ContactBook::email_of(ContactId contact) {
  StatementScope query(statements_.contact_email);
  query->bind(1, contact);
  return query->executeStep() ? query->getColumn(0).getString() : std::string();
}

std::vector<rules::MessageFact> ContactBook::facts(ContactId contact) {
  const std::string email = email_of(contact);
  StatementScope query(statements_.contact_facts);
  query->bind(1, email);
  query->bind(2, contact);
  std::vector<rules::MessageFact> facts;
  // The name a message gives the contact: From first, then by position; on a tie the role whose
  // name sorts first (the order the former ORDER BY ... LIMIT 1 over the address rows gave).
  const auto name_key = [](const PackedAddress& address) {
    return std::make_tuple(address.role != Role::from, address.position, role_name_rank(address.role));
  };
  while (query->executeStep()) {
    rules::MessageFact fact;
    fact.row = query->getColumn(0).getInt64();
    fact.message_id = query->getColumn(1).getString();
    fact.thread = query->getColumn(2).getInt64();
    fact.date = optional_int(query->getColumn(3));
    fact.direction = stored_direction(query->getColumn(4).getString());
    fact.automated = query->getColumn(5).getInt() != 0;
    fact.authored_by_contact = query->getColumn(6).getInt() != 0;
    fact.subject = query->getColumn(8).getString();
    fact.snippet = query->getColumn(9).getString();
    const SQLite::Column people = query->getColumn(7);
    PeopleReader reader(blob_view(people));
    PackedAddress address;
    std::optional<PackedAddress> named;
    while (reader.next(address)) {
      if (address.email != email) continue;
      if (is_recipient_role(address.role)) fact.contact_is_recipient = true;
      if (!address.name.empty() && (!named || name_key(address) < name_key(*named))) named = address;
    }
    if (named) fact.contact_name = std::string(named->name);
    facts.push_back(std::move(fact));
  }
  // Oldest first, undated first (SQL's ORDER BY date, id), as the facts were always handed over.
  std::sort(facts.begin(), facts.end(), [](const rules::MessageFact& a, const rules::MessageFact& b) {
    return std::make_tuple(a.date.has_value(), a.date.value_or(0), a.row) <
           std::make_tuple(b.date.has_value(), b.date.value_or(0), b.row);
  });
  return facts;
}

bool ContactBook::reevaluate(ContactId contact, const ContactEvaluator& evaluate) {
  const auto facts_of_contact = facts(contact);
  return write_evaluation(contact, evaluate(facts_of_contact));
}

void ContactBook::write_awaiting_reply(ContactId contact, const std::vector<std::int64_t>& threads) {
  {
    StatementScope clear(statements_.contact_clear_awaiting);
    clear->bind(1, contact);
    clear->exec();
  }
  for (const std::int64_t thread : threads) {
    StatementScope set(statements_.contact_set_awaiting);
    set->bind(1, contact);
    set->bind(2, thread);
    set->exec();
  }
}

bool ContactBook::write_evaluation(ContactId contact, const rules::ContactEvaluation& evaluation) {
  std::string old_stage;
  bool manual = false;
  {
    StatementScope current(statements_.contact_current);
    current->bind(1, contact);
    if (!current->executeStep()) return false;
    old_stage = current->getColumn(0).getString();
    manual = current->getColumn(1).getInt() != 0;
  }
  {
    StatementScope update(statements_.contact_update_activity);
    update->bind(1, evaluation.name);
    bind_optional(*update, 2, evaluation.first_seen);
    bind_optional(*update, 3, evaluation.last_inbound);
    bind_optional(*update, 4, evaluation.last_outbound);
    bind_optional(*update, 5, evaluation.last_message_at);
    update->bind(6, evaluation.thread_count);
    update->bind(7, evaluation.inbound_count);
    update->bind(8, evaluation.outbound_count);
    update->bind(9, evaluation.needs_reply ? 1 : 0);
    update->bind(10, contact);
    update->exec();
  }
  write_awaiting_reply(contact, evaluation.threads_needing_reply);
  if (manual) return false;  // ARCHITECTURE.md "Stages": rules never override manual moves

  std::vector<StoredEvent> wanted;
  wanted.reserve(evaluation.history.size());
  for (const auto& change : evaluation.history) {
    wanted.push_back({change.from ? std::optional<std::string>(core::to_string(*change.from)) : std::nullopt,
                      core::to_string(change.to), change.at, change.rule,
                      change.thread ? std::optional<std::int64_t>(change.thread) : std::nullopt, change.message_id});
  }
  std::vector<StoredEvent> stored;
  {
    StatementScope query(statements_.contact_rule_events);
    query->bind(1, contact);
    while (query->executeStep()) {
      stored.push_back({optional_text(query->getColumn(0)), query->getColumn(1).getString(),
                        query->getColumn(2).getInt64(), query->getColumn(3).getString(),
                        optional_int(query->getColumn(4)), query->getColumn(5).getString()});
    }
  }
  if (stored != wanted) {
    if (!stored.empty()) {
      StatementScope remove(statements_.contact_delete_rule_events);
      remove->bind(1, contact);
      remove->exec();
    }
    for (const auto& event : wanted) {
      StatementScope insert(statements_.contact_insert_rule_event);
      insert->bind(1, contact);
      if (event.from) {
        insert->bind(2, *event.from);
      } else {
        insert->bind(2);
      }
      insert->bind(3, event.to);
      insert->bind(4, event.at);
      insert->bind(5, event.rule);
      bind_optional(*insert, 6, event.thread);
      insert->bind(7, event.message_id);
      insert->exec();
    }
  }
  const std::string new_stage = core::to_string(evaluation.stage);
  if (new_stage != old_stage) {
    StatementScope update(statements_.contact_set_stage);
    update->bind(1, new_stage);
    update->bind(2, contact);
    update->exec();
  }
  const auto old_rank = core::stage_from_string(old_stage);
  return new_stage != old_stage && old_rank && rules::stage_rank(evaluation.stage) > rules::stage_rank(*old_rank);
}

}  // namespace prospectd::store
