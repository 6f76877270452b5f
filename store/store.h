// The store: the only owner of SQL. One SQLite file (WAL, foreign keys on, migrated at open)
// holding messages, threads, checkpoints and sync state. Writes go through commit_batch().
// REQUIRES: one Store per thread (a SQLite connection is not shared); readers use StoreReader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/batch.h"
#include "core/direction.h"
#include "core/message_meta.h"
#include "core/stage.h"
#include "rules/blocklist.h"
#include "rules/forgotten.h"
#include "rules/lifecycle.h"

namespace SQLite {
class Database;
}

namespace prospectd::store {

using AccountId = std::int64_t;
using ThreadId = std::int64_t;

// An address rules/ decided is a contact because of one message.
struct ContactCandidate {
  std::string email;                   // canonical
  std::string raw_email;               // as written
  std::string name;                    // decoded display name, may be empty
  std::optional<std::string> company;  // domain, or nullopt for free-mail
};

// A message with the decisions rules/ made about it, ready to be stored.
struct ClassifiedMessage {
  core::MessageMeta meta;
  core::Direction direction = core::Direction::inbound;
  std::string automation;                  // why it is automated; empty for human mail
  std::string base_subject;                // subject without reply/forward prefixes, for threading
  bool is_reply_subject = false;           // subject carries a reply prefix (Re:, AW:, SV:, ...)
  std::vector<ContactCandidate> contacts;  // who this message makes a contact
};

// Decides a contact's stage history and activity from the messages of its threads
// (rules::evaluate_contact with the configured stage rules). Must be pure.
using ContactEvaluator = std::function<rules::ContactEvaluation(std::span<const rules::MessageFact> facts)>;

struct ClassifiedBatch {
  std::vector<ClassifiedMessage> messages;
  core::Checkpoint checkpoint;
  bool reset_scope = false;
};

struct BatchOutcome {
  std::size_t inserted = 0;               // new messages
  std::size_t new_locations = 0;          // known messages seen in another folder
  std::size_t already_stored = 0;         // the same source id again (a re-run after a crash)
  std::size_t thread_merges = 0;          // stored threads joined by a late message
  std::vector<ThreadId> touched_threads;  // threads that gained messages (after merges)
  std::size_t contacts_created = 0;
  std::size_t contacts_evaluated = 0;
  std::vector<std::string> promoted;  // contacts whose stage moved forward in this batch
};

// When commit_batch re-evaluates the contacts of the threads a batch touched.
enum class Evaluation {
  now,       // in the batch's own transaction (small, incremental syncs)
  deferred,  // recorded as pending in that transaction; evaluate_pending() catches up. A bulk
             // sync touches most threads in many batches: evaluating each contact once at the
             // end instead of once per batch is most of the saving.
};

struct EvaluationOutcome {
  std::size_t evaluated = 0;
  std::vector<std::string> promoted;  // contacts whose stage moved forward
};

// What rules/ decides again about a stored message during a rebuild.
struct Reclassification {
  core::Direction direction = core::Direction::inbound;
  std::vector<ContactCandidate> contacts;
};
// Given a stored message (addresses, subject, date, ids) and whether it was automated.
// Must be pure: rebuild calls it from a thread of its own.
using Reclassifier = std::function<Reclassification(const core::MessageMeta& message, bool automated)>;

struct RebuildOutcome {
  std::size_t messages = 0;
  std::size_t contacts = 0;
  std::size_t manual_kept = 0;  // contacts whose manual stage was kept as it was
};

// Why a manual move was refused (unknown contact); the CLI turns it into exit 1.
struct ManualMoveResult {
  bool found = false;
  std::string from;
  std::string to;
};

enum class SyncState { never, syncing, ok, error };
const char* to_string(SyncState state);

class Store {
 public:
  // Opens or creates the store file (and its directory), sets WAL and foreign keys, and
  // migrates the schema. Throws std::runtime_error naming the file if that fails.
  explicit Store(const std::filesystem::path& file);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::filesystem::path& file() const { return file_; }

  AccountId ensure_account(std::string_view name, std::string_view type);
  std::optional<core::Checkpoint> checkpoint(AccountId account, const std::string& scope);

  // Stores the batch's messages and its checkpoint in one transaction: after a crash at any
  // instant the store is as it was after some whole batch. Idempotent per source id.
  // Contacts in threads the batch touched are re-evaluated with `evaluate` in the same
  // transaction; contacts moved by hand keep their stage (rules never override them).
  // With Evaluation::deferred the contacts are only marked pending (in the same transaction).
  BatchOutcome commit_batch(AccountId account, const ClassifiedBatch& batch, const ContactEvaluator& evaluate,
                            Evaluation when = Evaluation::now);

  // Evaluates every contact a deferred batch left pending, in transactions of a bounded number
  // of contacts (each clears what it evaluated), so a crash in between only leaves less to do.
  EvaluationOutcome evaluate_pending(const ContactEvaluator& evaluate);
  std::size_t pending_evaluations();

  // Recomputes directions, contacts, thread links and every rule-made stage change from the
  // stored messages, in one transaction. Contacts moved by hand keep their stage and history.
  // Must agree with incremental evaluation (the same rules over the same facts).
  RebuildOutcome rebuild(const Reclassifier& reclassify, const ContactEvaluator& evaluate);

  // The rep's blocklist ("not a contact"): block hides the contacts the entry covers (and any
  // created later) from every list and returns how many it hid; unblock shows those no other
  // entry covers and returns how many, or nullopt when there is no such entry.
  std::size_t block(const rules::BlockEntry& entry, std::int64_t now);
  std::optional<std::size_t> unblock(const rules::BlockEntry& entry);

  // Forgets a person: the contact, its spellings and stage history, and the address in every
  // stored message (headers, and where it is written in a subject or preview) are erased, the
  // freed bytes zeroed and the WAL emptied; a keyed hash of the address keeps later syncs and
  // rebuilds from bringing it back. False (nothing changes) for an address the store never saw.
  bool forget(const std::string& canonical_email);
  // Everyone forgotten so far, for the sync to strip from new mail before the rules see it.
  rules::ForgottenAddresses forgotten_addresses();

  // A manual move (actor "user"): recorded with the note, and never overridden by rules.
  ManualMoveResult move_stage(const std::string& canonical_email, core::Stage stage, const std::string& note,
                              std::int64_t now);

  // The addresses the provider reports as this account's own (replacing the previous list);
  // returns those not recorded before. All accounts' lists feed rules::Identity.
  std::vector<std::string> record_reported_addresses(AccountId account, const std::vector<std::string>& addresses);
  std::vector<std::string> reported_addresses();

  void record_sync_started(AccountId account, std::int64_t now);
  // With `live_scopes` (every folder the sync covered), the checkpoints and message locations
  // of the account's other scopes -- folders gone from the server, or renamed there -- are
  // removed in the same transaction (their messages stay). Returns the scopes removed.
  std::vector<std::string> record_sync_succeeded(AccountId account, std::int64_t now,
                                                 const std::optional<std::vector<std::string>>& live_scopes = {});
  void record_sync_failed(AccountId account, std::int64_t now, std::string_view error_kind, std::string_view message);

  // Prepared statements, defined in store/internal/statements.h; only store/ code uses them.
  struct Statements;

 private:
  friend class BatchGroup;  // store/batch_group.h: several batches in one transaction
  friend class Outbox;      // store/outbox.h: the queue the triggers fill, drained by publishers
  std::filesystem::path file_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace prospectd::store
