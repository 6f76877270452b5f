// Contacts inside a write transaction: upserts from candidates, thread links, and writing the
// rules' evaluation (stage, history, activity). Private to store/; REQUIRES: inside the
// batch's WriteTransaction, on the Store's thread.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/internal/statements.h"
#include "store/store.h"

namespace prospectd::store {

using ContactId = std::int64_t;

// What a write transaction has learnt (contacts, interned addresses, subject-fallback subjects),
// so a bulk ingest asks SQLite once per address instead of once per message. Valid only inside
// one write transaction: other connections may change the store between transactions (they
// cannot during one, it holds the lock).
struct TransactionMemo {
  std::unordered_map<std::string, ContactId> ids;             // canonical email -> id, 0: not a contact
  std::unordered_set<std::string> variants;                   // "<id> <raw email>" already recorded
  std::unordered_map<std::string, std::int64_t> address_ids;  // canonical email -> addresses.id
  // Base subjects of the reference-less replies stored (ThreadGraph::adopt_subject_orphans asks
  // SQL only for these); read on first use.
  std::optional<std::unordered_set<std::string>> fallback_subjects;
};

class ContactBook {
 public:
  ContactBook(SQLite::Database& db, Store::Statements& statements, TransactionMemo* cache = nullptr)
      : db_(db), statements_(statements), cache_(cache) {}

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

  // Writes an evaluation: activity always; stage and rule history unless the contact was moved
  // by hand. Returns true if the stage moved forward.
  bool write_evaluation(ContactId contact, const rules::ContactEvaluation& evaluation);
  // Flags exactly `threads` (rules::ContactEvaluation::threads_needing_reply) of the contact's
  // links as awaiting the rep's reply.
  void write_awaiting_reply(ContactId contact, const std::vector<std::int64_t>& threads);

 private:
  void link_all_threads(ContactId contact, const std::string& email);
  // The contact's id, 0 if the address is no contact.
  ContactId find(const std::string& email);

  SQLite::Database& db_;
  Store::Statements& statements_;
  TransactionMemo* cache_;
};

}  // namespace prospectd::store
