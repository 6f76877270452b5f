// Storing a batch: messages (deduplicated by source id and by Message-ID), their addresses,
// references and thread, and the scope's checkpoint, inside the caller's transaction
// (store/batch_group.cpp opens it).
#include "store/internal/ingest.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "rules/canonical_address.h"
#include "store/internal/contact_book.h"
#include "store/internal/packed_fields.h"
#include "store/internal/sql_values.h"
#include "store/internal/statements.h"
#include "store/internal/synthetic_id.h"
#include "store/internal/threading.h"
#include "store/internal/transaction.h"
#include "store/store.h"

namespace prospectd::store {

namespace {

// Every Message-ID this message names as an ancestor: In-Reply-To, then References.
std::vector<std::string> ancestors(const core::MessageMeta& meta) {
  std::vector<std::string> ids;
  if (!meta.in_reply_to.empty()) ids.push_back(meta.in_reply_to);
  for (const auto& reference : meta.references) {
    if (!reference.empty() && reference != meta.in_reply_to) ids.push_back(reference);
  }
  return ids;
}

class BatchWriter {
 public:
  BatchWriter(SQLite::Database& db, Store::Statements& statements, AccountId account, TransactionMemo& cache)
      : db_(db),
        statements_(statements),
        account_(account),
        threads_(db, statements, &cache.fallback_subjects),
        contacts_(db, statements, &cache),
        cache_(cache) {}

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
  void link_copy(const core::MessageMeta& meta, const std::string& message_id) {
    const std::vector<std::string> nodes = graph_nodes(meta, message_id);
    if (nodes.size() == 1) return;
    const std::size_t merges_before = threads_.merges();
    const ThreadId thread = threads_.place(nodes, /*new_message=*/false);
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

    ThreadId thread = threads_.place(nodes, /*new_message=*/true);
    if (subject_fallback && date) {
      const std::int64_t sender = from_email.empty() ? 0 : address_id(from_email, /*create=*/false);
      if (auto anchor = threads_.subject_anchor(message.base_subject, sender, *date)) {
        threads_.merge(thread, *anchor);
        thread = threads_.current(*anchor);
      }
    }

    std::vector<std::string> canonical;
    for_each_address(meta, [&](Role, int, const core::Address& address) {
      canonical.push_back(rules::canonical_address(address.email));
    });
    const std::string people = pack_people(meta, canonical);
    // messages.refs: the ancestors after In-Reply-To, which has its own column.
    const auto first_reference = parents.begin() + (meta.in_reply_to.empty() ? 0 : 1);
    const std::string refs = pack_strings(std::vector<std::string>(first_reference, parents.end()));

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
      insert->bindNoCopy(13, core::to_string(message.direction));
      insert->bindNoCopy(14, message.automation);
      insert->bind(15, static_cast<std::int64_t>(std::time(nullptr)));
      insert->bindNoCopy(16, people.data(), static_cast<int>(people.size()));
      insert->bindNoCopy(17, refs.data(), static_cast<int>(refs.size()));
      insert->exec();
      row = db_.getLastInsertRowid();
    }
    if (subject_fallback) threads_.note_fallback_subject(message.base_subject);

    // Each distinct address once: participants is what finds a message by an address.
    std::vector<std::string> participants;
    std::vector<std::string> first_named_here;  // no stored message named them before
    for (std::string& email : canonical) {
      if (email.empty() || std::find(participants.begin(), participants.end(), email) != participants.end()) continue;
      bool created = false;
      StatementScope insert(statements_.insert_participant);
      insert->bind(1, address_id(email, /*create=*/true, &created));
      insert->bind(2, row);
      insert->exec();
      participants.push_back(std::move(email));
      if (created) first_named_here.push_back(participants.back());
    }
    for (const auto& candidate : message.contacts) {
      // A new contact is linked to every stored thread that names it; an address no earlier
      // message named is only in this message's thread, which link_participants links below.
      const bool named_before =
          std::find(first_named_here.begin(), first_named_here.end(), candidate.email) == first_named_here.end();
      if (contacts_.upsert(candidate, /*link_threads=*/named_before).second) ++outcome_.contacts_created;
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
  std::vector<std::string> graph_nodes(const core::MessageMeta& meta, const std::string& message_id) const {
    std::vector<std::string> nodes{"m:" + message_id};
    for (const auto& parent : ancestors(meta)) nodes.push_back("m:" + parent);
    if (!meta.provider_thread_id.empty()) {
      nodes.push_back("p:" + std::to_string(account_) + ":" + meta.provider_thread_id);
    }
    return nodes;
  }

  // The interned id of a canonical address; 0 if unknown and not `create`d (`created` tells).
  std::int64_t address_id(const std::string& email, bool create, bool* created = nullptr) {
    if (const auto known = cache_.address_ids.find(email); known != cache_.address_ids.end() && known->second != 0) {
      return known->second;
    }
    std::int64_t id = 0;
    {
      StatementScope find(statements_.find_address);
      find->bind(1, email);
      if (find->executeStep()) id = find->getColumn(0).getInt64();
    }
    if (id == 0 && create) {
      StatementScope insert(statements_.insert_address);
      insert->bind(1, email);
      insert->exec();
      id = db_.getLastInsertRowid();
      if (created) *created = true;
    }
    if (id != 0) cache_.address_ids[email] = id;
    return id;
  }

  void add_location(const core::MessageMeta& meta, std::int64_t row) {
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
  TransactionMemo& cache_;
  BatchOutcome outcome_;
  std::vector<ThreadId> touched_;
};

}  // namespace

BatchOutcome store_batch(SQLite::Database& db, Store::Statements& statements, TransactionMemo& contacts,
                         AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                         Evaluation when) {
  BatchWriter writer(db, statements, account, contacts);
  if (batch.reset_scope) writer.reset_scope(batch.checkpoint.scope);
  for (const auto& message : batch.messages) writer.add(message);
  {
    StatementScope upsert(statements.upsert_checkpoint);
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
  return writer.finish(evaluate, when);
}

}  // namespace prospectd::store
