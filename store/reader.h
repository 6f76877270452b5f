// Read-only queries over the store for the CLI and the HTTP API. Each StoreReader owns its own
// read-only connection (WAL readers never block the sync). REQUIRES: one thread per reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "rules/why.h"

namespace SQLite {
class Database;
}

namespace prospectd::store {

struct FolderStatus {
  std::string name;
  std::optional<std::int64_t> server_count;
  std::int64_t stored_count = 0;
  std::optional<std::int64_t> last_sync_at;
};

struct AccountStatus {
  std::string name;
  std::string type;
  std::string state;  // never | syncing | ok | error
  std::optional<std::int64_t> last_success_at;
  std::optional<std::int64_t> last_attempt_at;
  std::string last_error;
  std::string last_error_kind;
  std::int64_t messages = 0;  // distinct messages stored for this account
  std::vector<FolderStatus> folders;
};

struct StoreTotals {
  std::int64_t messages = 0;
  std::int64_t threads = 0;
  std::int64_t contacts = 0;
  std::vector<std::pair<std::string, std::int64_t>> stages;  // every stage, in pipeline order
};

struct ContactRow {
  std::string email;
  std::string name;
  std::optional<std::string> company;
  std::string stage;
  bool manual = false;
  std::int64_t thread_count = 0, inbound_count = 0, outbound_count = 0;
  std::optional<std::int64_t> first_seen, last_inbound, last_outbound, last_message_at;
  bool needs_reply = false;
  std::optional<std::int64_t> stage_changed_at;  // time of the latest stage event
};

// Where a page of contacts ends, in their order (latest message first, then address): the next
// page starts after it (keyset paging: a deep page costs what the first one does).
struct ContactCursor {
  std::int64_t last_message_at = 0;  // 0 for a contact without a dated message
  std::string email;
  bool operator==(const ContactCursor&) const = default;
};

struct ContactQuery {
  std::optional<std::string> stage;
  std::optional<std::string> text;          // matches email, name or company (case-insensitive)
  std::optional<std::int64_t> quiet_since;  // only contacts with no message after this time
  std::int64_t limit = -1;                  // -1: all
  std::int64_t offset = 0;
  std::optional<ContactCursor> after;  // only contacts after this one
};

// Where a page of threads ends (latest activity first, then the higher id).
struct ThreadCursor {
  std::int64_t last_message_at = 0;
  std::int64_t id = 0;
  bool operator==(const ThreadCursor&) const = default;
};

struct ThreadQuery {
  std::optional<std::string> contact;  // canonical address: only this contact's threads
  std::int64_t limit = -1;             // -1: all
  std::optional<ThreadCursor> after;
};

struct ThreadSummary {
  std::int64_t id = 0;
  std::string subject;
  std::int64_t message_count = 0;
  std::vector<std::string> message_ids;
  std::vector<std::string> participants;  // canonical addresses, sorted
  std::optional<std::int64_t> first_message_at, last_message_at;
  bool needs_reply = false;
};

struct StageEventRow {
  std::optional<std::string> from;
  std::string to;
  std::int64_t at = 0;
  std::string actor;  // rule | user
  std::string rule;
  std::optional<std::int64_t> thread;
  std::string message_id;
  std::string note;
};

struct ContactDetail {
  ContactRow contact;
  std::vector<std::string> variants;
  std::vector<ThreadSummary> threads;
  std::vector<StageEventRow> history;
};

// A stage change with its contact, for "recently promoted" lists.
struct Promotion {
  std::string email;
  std::string name;
  std::string to;
  std::int64_t at = 0;
  std::optional<std::int64_t> thread;
  std::string thread_subject;
};

// A thread waiting for the rep's answer (ARCHITECTURE.md "Needs reply") and the contact who wrote
// the unanswered message.
struct ReplyOwed {
  std::int64_t thread = 0;
  std::string subject;
  std::int64_t message_count = 0;
  std::int64_t waiting_since = 0;  // date of the unanswered inbound message
  std::string email;               // its author (canonical)
  std::string name;
  std::string stage;
};

struct RepliesOwed {
  std::vector<ReplyOwed> threads;  // oldest first, at most the limit asked for
  std::int64_t total = 0;          // all threads needing a reply
};

// One destination of the outbox (store/outbox.h) and its backlog.
struct PublishTargetStatus {
  std::string name;
  std::string kind;  // team | webhook
  std::optional<std::int64_t> last_attempt_at, last_success_at;
  std::string last_error;
  std::string last_error_kind;
  std::int64_t pending = 0;  // webhook deliveries, or contacts the team database has yet to get
  std::int64_t failed = 0;   // webhook deliveries given up after 24 hours
  std::optional<std::int64_t> oldest_pending_at;
};

// The outbox's backlog, all targets together and per target.
struct PublishStatus {
  std::int64_t pending = 0;
  std::int64_t failed = 0;
  std::optional<std::int64_t> oldest_pending_at;
  std::vector<PublishTargetStatus> targets;  // by name
};

class StoreReader {
 public:
  // Opens the store read-only. Throws std::runtime_error naming the file if it cannot.
  explicit StoreReader(const std::filesystem::path& file);
  ~StoreReader();
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;

  std::vector<AccountStatus> accounts();
  StoreTotals totals();

  std::vector<ContactRow> contacts(const ContactQuery& query);
  // How many contacts the query's filters match (limit, offset and cursor aside).
  std::int64_t count_contacts(const ContactQuery& query);
  std::optional<ContactDetail> contact(const std::string& canonical_email);
  // The contact's row alone (no threads or history): nullopt if unknown or blocked.
  std::optional<ContactRow> contact_row(const std::string& canonical_email);
  // Where an address appears in the stored messages, oldest first (at most `limit`): what
  // rules::explain_address decides "why" from.
  // True when the rep asked to forget the address (Store::forget).
  bool forgotten(const std::string& canonical_email);
  // The rep's blocklist entries (Store::block), domains first.
  std::vector<std::string> blocks();
  std::vector<rules::Appearance> appearances(const std::string& canonical_email, std::int64_t limit = 1000);
  // All threads, or those of one contact; newest activity first.
  std::vector<ThreadSummary> threads(const std::optional<std::string>& contact_email);
  std::vector<ThreadSummary> threads(const ThreadQuery& query);
  std::int64_t count_threads(const std::optional<std::string>& contact_email);
  // Rule or manual moves to `stage` at or after `since`, newest first.
  std::vector<Promotion> promotions(const std::string& stage, std::int64_t since, std::int64_t limit);
  // False while the file has not been migrated to this build's schema yet (the daemon is
  // creating the store): the other queries would fail on missing tables.
  bool schema_current();
  // Dashboard queries (store/dashboard_queries.cpp), bounded for a page that polls them.
  // Threads needing a reply with who is waiting, oldest first.
  RepliesOwed replies_owed(std::int64_t limit);
  // What waits to leave the machine (store/publish_queries.cpp).
  PublishStatus publish_status();

 private:
  std::filesystem::path file_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace prospectd::store
