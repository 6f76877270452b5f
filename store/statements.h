// Prepared statements of the write connection, compiled once per Store and reused per row.
// Private to store/; REQUIRES: used only by the thread that owns the Store.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.h"

namespace prospectd::store {

struct Store::Statements {
  explicit Statements(SQLite::Database& db);

  SQLite::Statement find_location;
  SQLite::Statement insert_location;
  SQLite::Statement find_message;
  SQLite::Statement insert_message;
  SQLite::Statement insert_address;
  SQLite::Statement insert_reference;
  SQLite::Statement find_node;
  SQLite::Statement insert_node;
  SQLite::Statement new_thread;
  SQLite::Statement upsert_checkpoint;
  SQLite::Statement find_subject_anchor;
  SQLite::Statement find_subject_orphans;
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
