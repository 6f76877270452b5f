// Contacts inside a write transaction: upserts from candidates, thread links, and writing the
// rules' evaluation (stage, history, activity). Private to store/; REQUIRES: inside the
// batch's WriteTransaction, on the Store's thread.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "store/statements.h"
#include "store/store.h"

namespace prospectd::store {

using ContactId = std::int64_t;

class ContactBook {
 public:
  ContactBook(SQLite::Database& db, Store::Statements& statements) : db_(db), statements_(statements) {}

  // Creates the contact if new (stage lead) and records the spelling; returns its id and
  // whether it was created. A new contact is linked to every stored thread it appears in.
  // `link_threads = false` skips that when the caller links all contacts in bulk (rebuild).
  std::pair<ContactId, bool> upsert(const ContactCandidate& candidate, bool link_threads = true);

  // Links every existing contact among `participants` (canonical) to `thread`.
  void link_participants(ThreadId thread, const std::vector<std::string>& participants);

  // Contacts linked to any of these threads.
  std::set<ContactId> contacts_in(const std::vector<ThreadId>& threads);

  // Gathers the contact's facts, runs `evaluate`, and writes the result. Returns true if the
  // stage moved forward.
  bool reevaluate(ContactId contact, const ContactEvaluator& evaluate);

  // The facts rules/ evaluates: every message of the contact's threads, oldest first.
  std::vector<rules::MessageFact> facts(ContactId contact);

  std::string email_of(ContactId contact);

 private:
  // Writes an evaluation: activity always; stage and rule history unless the contact was moved
  // by hand. Returns true if the stage moved forward.
  bool write_evaluation(ContactId contact, const rules::ContactEvaluation& evaluation);

  void link_all_threads(ContactId contact, const std::string& email);
  SQLite::Database& db_;
  Store::Statements& statements_;
};

}  // namespace prospectd::store
