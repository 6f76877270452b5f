// Rebuild: re-derive contacts, thread links and rule-made stage history from stored messages.
// Manual contacts survive with their user events; everything else is recomputed.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <future>
#include <tuple>
#include <unordered_map>

#include "rules/stage.h"
#include "store/internal/contact_book.h"
#include "store/internal/message_index.h"
#include "store/internal/sql_values.h"
#include "store/internal/statements.h"
#include "store/internal/transaction.h"
#include "store/store.h"

namespace prospectd::store {
namespace {

// Messages handed to the rules' thread at a time.
constexpr std::size_t kRebuildChunk = 4096;

// Sorted (key, message) pairs: every message of a key is one binary search away.
class Grouped {
 public:
  void add(std::uint64_t key, std::uint32_t message) { pairs_.emplace_back(key, message); }
  void seal() {
    std::sort(pairs_.begin(), pairs_.end());
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
  }
  template <typename Visit>
  void each(std::uint64_t key, Visit&& visit) const {
    auto at = std::lower_bound(pairs_.begin(), pairs_.end(), std::make_pair(key, std::uint32_t{0}));
    for (; at != pairs_.end() && at->first == key; ++at) visit(at->second);
  }

 private:
  std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs_;
};

// A contact the rebuild creates: the first candidate in the order the store always created
// contacts (messages by date, else arrival time, undated first, then row; candidates in order)
// gives its name and company; every candidate adds its spelling.
struct NewContact {
  std::tuple<bool, std::int64_t, std::int64_t, std::size_t> first;  // (dated, time, row, candidate)
  ContactCandidate candidate;
  std::vector<std::string> variants;
  ContactId manual_id = 0;  // a kept (manual) contact with this address
};

}  // namespace

// One pass reads every message and its addresses into memory (MessageIndex); contacts, their
// thread links and their facts then come from memory, and each contact row is written once with
// its evaluation. Same results as the former per-message, per-contact queries (store_tests'
// "rebuild agrees with incremental evaluation"), several times faster.
RebuildOutcome Store::rebuild(const Reclassifier& reclassify, const ContactEvaluator& evaluate) {
  // Foreign keys off for the transaction (the pragma only takes effect outside one): their
  // cascades made deleting the contacts cost a sub-program per row, about a fifth of the
  // rebuild; the rows they would delete are deleted explicitly, and every row written below
  // names a contact that exists. A bigger page cache keeps the rewritten indexes in memory.
  struct ConnectionSettings {
    SQLite::Database& db;
    explicit ConnectionSettings(SQLite::Database& database) : db(database) {
      db.exec("PRAGMA foreign_keys = OFF");
      db.exec("PRAGMA cache_size = -" + std::to_string(kRebuildCacheKiB));
    }
    ~ConnectionSettings() {
      try {
        db.exec("PRAGMA foreign_keys = ON");
        db.exec("PRAGMA cache_size = -" + std::to_string(kStoreCacheKiB));
      } catch (const std::exception&) {
        // Only fails if the connection is unusable, and then it is closed anyway.
      }
    }
  } settings(*db_);
  WriteTransaction transaction(*db_, "rebuild", std::chrono::milliseconds(60000));
  RebuildOutcome outcome;
  // Without manual contacts every contact and event goes: a DELETE without WHERE lets SQLite
  // drop the tables' pages wholesale (its truncate optimisation) instead of row by row.
  const bool any_manual = db_->execAndGet("SELECT EXISTS (SELECT 1 FROM contacts WHERE manual <> 0)").getInt() != 0;
  db_->exec(any_manual ? "DELETE FROM stage_events WHERE contact_id IN (SELECT id FROM contacts WHERE manual = 0)"
                       : "DELETE FROM stage_events");
  db_->exec("DELETE FROM contact_threads");
  db_->exec("DELETE FROM contact_variants");
  db_->exec("DELETE FROM pending_evaluations");  // every contact is evaluated below
  db_->exec(any_manual ? "DELETE FROM contacts WHERE manual = 0" : "DELETE FROM contacts");

  std::unordered_map<std::string, ContactId> kept;  // manual contacts, by canonical email
  {
    SQLite::Statement query(*db_, "SELECT email, id FROM contacts");
    while (query.executeStep()) kept.emplace(query.getColumn(0).getString(), query.getColumn(1).getInt64());
  }
  outcome.manual_kept = kept.size();

  MessageIndex index;
  std::unordered_map<std::uint32_t, NewContact> contacts;  // by interned canonical email
  std::vector<std::pair<std::int64_t, core::Direction>> direction_changes;
  // The rules run on a second thread, one chunk behind the reading (they are pure; the two
  // take about the same time). Results are applied in message order on this thread.
  struct Reclassified {
    std::size_t first = 0;
    std::vector<Reclassification> decisions;
  };
  const auto apply = [&](Reclassified&& done) {
    for (std::size_t k = 0; k < done.decisions.size(); ++k) {
      const Reclassification& decided = done.decisions[k];
      IndexedMessage& message = index.message(done.first + k);
      if (decided.direction != message.direction) direction_changes.emplace_back(message.row, decided.direction);
      message.direction = decided.direction;
      const std::optional<std::int64_t> time = message.date ? message.date : message.received_at;
      for (std::size_t i = 0; i < decided.contacts.size(); ++i) {
        const ContactCandidate& candidate = decided.contacts[i];
        const auto key = std::make_tuple(time.has_value(), time.value_or(0), message.row, i);
        auto [at, created] = contacts.try_emplace(index.strings().id(candidate.email));
        NewContact& contact = at->second;
        if (created || key < contact.first) {
          contact.first = key;
          contact.candidate = candidate;
        }
        // Spellings repeat message after message: keep each once (the table keeps a set).
        if (std::find(contact.variants.begin(), contact.variants.end(), candidate.raw_email) ==
            contact.variants.end()) {
          contact.variants.push_back(candidate.raw_email);
        }
      }
      ++outcome.messages;
    }
  };
  std::future<Reclassified> running;
  index.load(*db_, kRebuildChunk, [&](std::vector<core::MessageMeta>&& chunk, std::size_t first) {
    std::vector<bool> automated(chunk.size());
    for (std::size_t k = 0; k < chunk.size(); ++k) automated[k] = index.messages()[first + k].automated;
    auto next = std::async(std::launch::async,
                           [&reclassify, first, metas = std::move(chunk), automated = std::move(automated)] {
                             Reclassified done{first, {}};
                             done.decisions.reserve(metas.size());
                             for (std::size_t k = 0; k < metas.size(); ++k)
                               done.decisions.push_back(reclassify(metas[k], automated[k]));
                             return done;
                           });
    if (running.valid()) apply(running.get());
    running = std::move(next);
  });
  if (running.valid()) apply(running.get());
  {
    SQLite::Statement set_direction(*db_, "UPDATE messages SET direction = ? WHERE id = ?");
    for (const auto& [row, direction] : direction_changes) {
      set_direction.bind(1, core::to_string(direction));
      set_direction.bind(2, row);
      set_direction.exec();
      set_direction.reset();
    }
  }

  // Contacts in creation order (kept ones first: they are older than any the rebuild makes).
  std::vector<NewContact*> order;
  order.reserve(contacts.size());
  for (auto& [email, contact] : contacts) {
    if (const auto manual = kept.find(contact.candidate.email); manual != kept.end()) {
      contact.manual_id = manual->second;
    }
    order.push_back(&contact);
  }
  std::sort(order.begin(), order.end(), [](const NewContact* a, const NewContact* b) {
    if ((a->manual_id != 0) != (b->manual_id != 0)) return a->manual_id != 0;
    if (a->manual_id != 0) return a->manual_id < b->manual_id;
    return a->first < b->first;
  });

  // A contact is linked to every thread it appears in (any role, as incremental ingest does):
  // the messages each contact's address is in, and the messages of each thread.
  Grouped messages_of;      // email -> messages it appears in
  Grouped thread_messages;  // thread -> its messages
  {
    std::vector<char> wanted;
    const auto want = [&](const std::string& email) {
      const std::uint32_t id = index.strings().id(email);
      if (wanted.size() <= id) wanted.resize(id + 1, 0);
      wanted[id] = 1;
    };
    for (const NewContact* contact : order) want(contact->candidate.email);
    for (const auto& [email, id] : kept) want(email);
    const auto& messages = index.messages();
    for (std::uint32_t i = 0; i < messages.size(); ++i) {
      thread_messages.add(static_cast<std::uint64_t>(messages[i].thread), i);
      for (const IndexedAddress& address : index.addresses_of(messages[i])) {
        if (address.email < wanted.size() && wanted[address.email]) messages_of.add(address.email, i);
      }
    }
    messages_of.seal();
    thread_messages.seal();
  }
  // The contact's threads (ascending) and the messages of those threads.
  const auto gather = [&](const std::string& email, std::vector<std::int64_t>& threads,
                          std::vector<std::uint32_t>& fact_messages) {
    threads.clear();
    fact_messages.clear();
    messages_of.each(index.strings().id(email),
                     [&](std::uint32_t i) { threads.push_back(index.messages()[i].thread); });
    std::sort(threads.begin(), threads.end());
    threads.erase(std::unique(threads.begin(), threads.end()), threads.end());
    for (std::int64_t thread : threads) {
      thread_messages.each(static_cast<std::uint64_t>(thread), [&](std::uint32_t i) { fact_messages.push_back(i); });
    }
  };

  ContactBook book(*db_, *statements_);
  SQLite::Statement insert_contact(*db_,
                                   "INSERT INTO contacts(email, name, company, stage, first_seen, last_inbound,"
                                   " last_outbound, last_message_at, thread_count, inbound_count, outbound_count,"
                                   " needs_reply) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement insert_variant(*db_, "INSERT OR IGNORE INTO contact_variants(contact_id, raw_email) VALUES (?, ?)");
  SQLite::Statement insert_link(*db_,
                                "INSERT INTO contact_threads(contact_id, thread_id, awaiting_reply) VALUES (?, ?, ?)");
  SQLite::Statement insert_event(*db_,
                                 "INSERT INTO stage_events(contact_id, from_stage, to_stage, at, actor, rule,"
                                 " thread_id, message_id) VALUES (?, ?, ?, ?, 'rule', ?, ?, ?)");
  std::vector<ContactId> evaluated_kept;
  std::vector<std::int64_t> threads;
  std::vector<std::uint32_t> fact_messages;
  for (NewContact* contact : order) {
    gather(contact->candidate.email, threads, fact_messages);
    const rules::ContactEvaluation evaluation =
        evaluate(index.facts(index.strings().id(contact->candidate.email), fact_messages));

    ContactId id = contact->manual_id;
    if (id != 0) {
      book.write_evaluation(id, evaluation);  // a manual stage stays; the activity is updated
      evaluated_kept.push_back(id);
    } else {
      // A new row written once, as ContactBook::upsert then write_evaluation would leave it.
      const ContactCandidate& candidate = contact->candidate;
      insert_contact.bind(1, candidate.email);
      insert_contact.bind(2, evaluation.name.empty() ? candidate.name : evaluation.name);
      if (candidate.company) {
        insert_contact.bind(3, *candidate.company);
      } else {
        insert_contact.bind(3);
      }
      insert_contact.bind(4, core::to_string(evaluation.stage));
      bind_optional(insert_contact, 5, evaluation.first_seen);
      bind_optional(insert_contact, 6, evaluation.last_inbound);
      bind_optional(insert_contact, 7, evaluation.last_outbound);
      bind_optional(insert_contact, 8, evaluation.last_message_at);
      insert_contact.bind(9, evaluation.thread_count);
      insert_contact.bind(10, evaluation.inbound_count);
      insert_contact.bind(11, evaluation.outbound_count);
      insert_contact.bind(12, evaluation.needs_reply ? 1 : 0);
      insert_contact.exec();
      insert_contact.reset();
      id = db_->getLastInsertRowid();
      for (const auto& change : evaluation.history) {
        insert_event.bind(1, id);
        if (change.from) {
          insert_event.bind(2, core::to_string(*change.from));
        } else {
          insert_event.bind(2);
        }
        insert_event.bind(3, core::to_string(change.to));
        insert_event.bind(4, change.at);
        insert_event.bind(5, change.rule);
        if (change.thread) {
          insert_event.bind(6, change.thread);
        } else {
          insert_event.bind(6);
        }
        insert_event.bind(7, change.message_id);
        insert_event.exec();
        insert_event.reset();
      }
    }
    for (const auto& variant : contact->variants) {
      insert_variant.bind(1, id);
      insert_variant.bind(2, variant);
      insert_variant.exec();
      insert_variant.reset();
    }
    for (std::int64_t thread : threads) {
      insert_link.bind(1, id);
      insert_link.bind(2, thread);
      insert_link.bind(3, std::binary_search(evaluation.threads_needing_reply.begin(),
                                             evaluation.threads_needing_reply.end(), thread)
                              ? 1
                              : 0);
      insert_link.exec();
      insert_link.reset();
    }
  }
  // Kept contacts that no stored message makes a contact any more: still linked and evaluated.
  for (const auto& [email, id] : kept) {
    if (const auto known = index.strings().find(email); known && contacts.contains(*known)) continue;
    gather(email, threads, fact_messages);
    for (std::int64_t thread : threads) {
      insert_link.bind(1, id);
      insert_link.bind(2, thread);
      insert_link.bind(3, 0);  // write_evaluation below flags the threads awaiting a reply
      insert_link.exec();
      insert_link.reset();
    }
    book.write_evaluation(id, evaluate(index.facts(index.strings().id(email), fact_messages)));
  }
  outcome.contacts = static_cast<std::size_t>(db_->execAndGet("SELECT COUNT(*) FROM contacts").getInt64());
  transaction.commit();
  return outcome;
}

}  // namespace prospectd::store
