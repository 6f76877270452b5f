// The only way the store writes: an IMMEDIATE transaction that rolls back in its destructor
// unless committed, and logs commits that were slow or had to wait for the write lock.
#pragma once

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <string>

namespace prospectd::store {

class WriteTransaction {
 public:
  // Begins at once (BEGIN IMMEDIATE), so a busy database fails here, not mid-batch.
  // `what` names the work in log lines ("batch work/INBOX"); commits slower than `slow` are
  // logged (a bulk group is long by design and raises it).
  WriteTransaction(SQLite::Database& db, std::string what,
                   std::chrono::milliseconds slow = std::chrono::milliseconds(1000));
  ~WriteTransaction();
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  void commit();

 private:
  SQLite::Database& db_;
  std::string what_;
  std::chrono::milliseconds slow_;
  std::chrono::steady_clock::time_point started_;
  bool done_ = false;
};

}  // namespace prospectd::store
