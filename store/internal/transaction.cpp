// RAII write transaction with rollback on scope exit and slow-commit logging.
// Modelled on Mailspring-Sync's MailStoreTransaction.
#include "store/internal/transaction.h"

#include <spdlog/spdlog.h>

namespace prospectd::store {
WriteTransaction::WriteTransaction(SQLite::Database& db, std::string what, std::chrono::milliseconds slow)
    : db_(db), what_(std::move(what)), slow_(slow), started_(std::chrono::steady_clock::now()) {
  db_.exec("BEGIN IMMEDIATE");
  const auto waited = std::chrono::steady_clock::now() - started_;
  if (waited > std::chrono::milliseconds(200)) {
    spdlog::info("store: waited {} ms for the write lock ({})",
                 std::chrono::duration_cast<std::chrono::milliseconds>(waited).count(), what_);
  }
}

WriteTransaction::~WriteTransaction() {
  if (done_) return;
  try {
    db_.exec("ROLLBACK");
  } catch (const std::exception& error) {
    // The connection may already have rolled back (e.g. SQLITE_FULL); nothing more to undo.
    spdlog::debug("store: rollback of {}: {}", what_, error.what());
  }
}

void WriteTransaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
  const auto took = std::chrono::steady_clock::now() - started_;
  if (took > slow_) {
    spdlog::info("store: slow transaction {} took {} ms", what_,
                 std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
  }
}

}  // namespace prospectd::store
