// Prepared statements of the write connection, compiled once per Store and reused per row.
// Private to store/; REQUIRES: used only by the thread that owns the Store.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.h"

namespace prospectd::store {

// Page cache of a store connection (PRAGMA cache_size, KiB): bounds a sync's memory (its peak
// RSS must stay within 64 MB). A rebuild, a one-off command, raises it for its transaction.
inline constexpr int kStoreCacheKiB = 16000;
inline constexpr int kRebuildCacheKiB = 64000;

struct Store::Statements {
  explicit Statements(SQLite::Database& db);

  SQLite::Statement find_location;
  SQLite::Statement insert_location;
  SQLite::Statement find_message;
  SQLite::Statement insert_message;
  SQLite::Statement find_address;
  SQLite::Statement insert_address;
  SQLite::Statement insert_participant;
  // thread graph (threading.cpp): a stored message's node, then the other nodes
  SQLite::Statement find_message_thread;
  SQLite::Statement find_node;
  SQLite::Statement insert_node;
  SQLite::Statement delete_node;
  SQLite::Statement new_thread;
  SQLite::Statement upsert_checkpoint;
  SQLite::Statement find_subject_anchor;
  SQLite::Statement find_subject_orphans;
  // thread merges (threading.cpp)
  SQLite::Statement merge_nodes;
  SQLite::Statement merge_messages;
  SQLite::Statement merge_contact_threads;
  SQLite::Statement merge_stage_events;
  SQLite::Statement merge_leftover_contact_threads;
  SQLite::Statement merge_delete_thread;
  // contacts (contact_book.cpp)
  SQLite::Statement contact_find;
  SQLite::Statement contact_insert;
  SQLite::Statement contact_variant_insert;
  SQLite::Statement contact_link_all_threads;
  SQLite::Statement contact_link_participant;
  SQLite::Statement contacts_in_thread;
  SQLite::Statement contact_clear_awaiting;
  SQLite::Statement contact_set_awaiting;
  SQLite::Statement contact_email;
  SQLite::Statement contact_facts;
  SQLite::Statement contact_current;
  SQLite::Statement contact_update_activity;
  SQLite::Statement contact_rule_events;
  SQLite::Statement contact_delete_rule_events;
  SQLite::Statement contact_insert_rule_event;
  SQLite::Statement contact_set_stage;
  // deferred evaluation (pending_evaluation.cpp)
  SQLite::Statement pending_mark_thread;
};

// Resets a cached statement and its bindings when the caller's scope ends.
class StatementScope {
 public:
  explicit StatementScope(SQLite::Statement& statement) : statement_(statement) {}
  ~StatementScope() {
    statement_.reset();
    statement_.clearBindings();
  }
  StatementScope(const StatementScope&) = delete;
  StatementScope& operator=(const StatementScope&) = delete;
  SQLite::Statement* operator->() { return &statement_; }
  SQLite::Statement& operator*() { return statement_; }

 private:
  SQLite::Statement& statement_;
};

}  // namespace prospectd::store
