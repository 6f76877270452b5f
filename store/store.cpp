// Opening the store (pragmas, migrations), accounts, checkpoints and sync state.
// Message ingest lives in ingest.cpp; threading in threading.cpp.
#include "store/store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "store/internal/migrations.h"
#include "store/internal/statements.h"
#include "store/internal/transaction.h"
#include "util/enum_names.h"
#include "util/text.h"

namespace prospectd::store {

// In SyncState's declaration order (util::enum_name).
constexpr std::array<const char*, 4> kSyncStateNames = {"never", "syncing", "ok", "error"};

const char* to_string(SyncState state) { return util::enum_name(state, kSyncStateNames, "never"); }

namespace {

// SQLite counts every allocation under a process-wide mutex unless told not to; nothing here
// reads those statistics, and in a bulk sync the mutex cost ~5% of the time (perf). It must be
// set before SQLite initialises; if a reader opened a connection first, the call is refused
// (SQLITE_MISUSE) and nothing changes.
void configure_sqlite_once() {
  static const bool configured = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)configured;
}

}  // namespace

Store::Store(const std::filesystem::path& file) : file_(file) {
  configure_sqlite_once();
  try {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    // NOMUTEX: a Store belongs to one thread (store.h), so SQLite's per-call connection mutex
    // only costs time (measured: ~4% of a bulk sync).
    db_ = std::make_unique<SQLite::Database>(
        file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 10000);
    // Switching a new file to WAL needs a moment of exclusive access, and SQLite may answer BUSY
    // at once instead of waiting out the busy timeout (another worker opening the same new store).
    for (int attempt = 0;; ++attempt) {
      try {
        db_->exec("PRAGMA journal_mode = WAL");
        break;
      } catch (const SQLite::Exception& error) {
        if ((error.getErrorCode() & 0xff) != SQLITE_BUSY || attempt >= 200) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
    }
    // NORMAL is durable across application crashes in WAL mode (only an OS crash or power
    // loss may lose the last commits, never corrupt the file): https://sqlite.org/pragma.html#pragma_synchronous
    db_->exec("PRAGMA synchronous = NORMAL");
    db_->exec("PRAGMA foreign_keys = ON");
    db_->exec("PRAGMA temp_store = MEMORY");
    db_->exec("PRAGMA cache_size = -" + std::to_string(kStoreCacheKiB));
    migrate(*db_);
    statements_ = std::make_unique<Statements>(*db_);
  } catch (const SQLite::Exception& error) {
    throw std::runtime_error("cannot open the store " + file.string() + ": " + error.what());
  } catch (const std::filesystem::filesystem_error& error) {
    throw std::runtime_error("cannot create the store's directory for " + file.string() + ": " +
                             error.code().message());
  }
}

Store::~Store() = default;

AccountId Store::ensure_account(std::string_view name, std::string_view type) {
  SQLite::Statement find(*db_, "SELECT id, type FROM accounts WHERE name = ?");
  find.bind(1, std::string(name));
  if (find.executeStep()) {
    const AccountId id = find.getColumn(0).getInt64();
    if (find.getColumn(1).getString() != type) {
      WriteTransaction transaction(*db_, "account type change");
      SQLite::Statement update(*db_, "UPDATE accounts SET type = ? WHERE id = ?");
      update.bind(1, std::string(type));
      update.bind(2, id);
      update.exec();
      transaction.commit();
    }
    return id;
  }
  WriteTransaction transaction(*db_, "new account");
  SQLite::Statement insert(*db_, "INSERT INTO accounts(name, type) VALUES (?, ?)");
  insert.bind(1, std::string(name));
  insert.bind(2, std::string(type));
  insert.exec();
  const AccountId id = db_->getLastInsertRowid();
  transaction.commit();
  return id;
}

std::optional<core::Checkpoint> Store::checkpoint(AccountId account, const std::string& scope) {
  SQLite::Statement query(*db_, "SELECT state, server_count FROM checkpoints WHERE account_id = ? AND scope = ?");
  query.bind(1, account);
  query.bind(2, scope);
  if (!query.executeStep()) return std::nullopt;
  core::Checkpoint checkpoint{scope, query.getColumn(0).getString(), std::nullopt};
  if (!query.getColumn(1).isNull()) {
    checkpoint.server_count = static_cast<std::uint64_t>(query.getColumn(1).getInt64());
  }
  return checkpoint;
}

std::vector<std::string> Store::record_reported_addresses(AccountId account,
                                                          const std::vector<std::string>& addresses) {
  WriteTransaction transaction(*db_, "reported addresses");
  std::vector<std::string> added;
  SQLite::Statement known(*db_, "SELECT 1 FROM account_addresses WHERE account_id = ? AND address = ?");
  for (const auto& address : addresses) {
    known.reset();
    known.bind(1, account);
    known.bind(2, address);
    if (!known.executeStep()) added.push_back(address);
  }
  SQLite::Statement clear(*db_, "DELETE FROM account_addresses WHERE account_id = ?");
  clear.bind(1, account);
  clear.exec();
  SQLite::Statement insert(*db_, "INSERT OR IGNORE INTO account_addresses(account_id, address) VALUES (?, ?)");
  for (const auto& address : addresses) {
    insert.reset();
    insert.bind(1, account);
    insert.bind(2, address);
    insert.exec();
  }
  transaction.commit();
  return added;
}

std::vector<std::string> Store::reported_addresses() {
  std::vector<std::string> addresses;
  SQLite::Statement query(*db_, "SELECT DISTINCT address FROM account_addresses ORDER BY address");
  while (query.executeStep()) addresses.push_back(query.getColumn(0).getString());
  return addresses;
}

void Store::record_sync_started(AccountId account, std::int64_t now) {
  WriteTransaction transaction(*db_, "sync state");
  SQLite::Statement update(*db_, "UPDATE accounts SET state = 'syncing', last_attempt_at = ? WHERE id = ?");
  update.bind(1, now);
  update.bind(2, account);
  update.exec();
  transaction.commit();
}

std::vector<std::string> Store::record_sync_succeeded(AccountId account, std::int64_t now,
                                                      const std::optional<std::vector<std::string>>& live_scopes) {
  WriteTransaction transaction(*db_, "sync state");
  SQLite::Statement update(*db_,
                           "UPDATE accounts SET state = 'ok', last_success_at = ?, last_error = NULL,"
                           " last_error_kind = NULL WHERE id = ?");
  update.bind(1, now);
  update.bind(2, account);
  update.exec();
  std::vector<std::string> retired;
  if (live_scopes) {
    SQLite::Statement scopes(*db_, "SELECT scope FROM checkpoints WHERE account_id = ?");
    scopes.bind(1, account);
    while (scopes.executeStep()) {
      std::string scope = scopes.getColumn(0).getString();
      if (std::find(live_scopes->begin(), live_scopes->end(), scope) == live_scopes->end()) {
        retired.push_back(std::move(scope));
      }
    }
    SQLite::Statement forget_checkpoint(*db_, "DELETE FROM checkpoints WHERE account_id = ? AND scope = ?");
    SQLite::Statement forget_locations(*db_, "DELETE FROM message_locations WHERE account_id = ? AND folder = ?");
    for (const auto& scope : retired) {
      for (SQLite::Statement* statement : {&forget_checkpoint, &forget_locations}) {
        statement->reset();
        statement->bind(1, account);
        statement->bind(2, scope);
        statement->exec();
      }
    }
  }
  transaction.commit();
  return retired;
}

void Store::record_sync_failed(AccountId account, std::int64_t now, std::string_view error_kind,
                               std::string_view message) {
  WriteTransaction transaction(*db_, "sync state");
  SQLite::Statement update(*db_,
                           "UPDATE accounts SET state = 'error', last_attempt_at = ?,"
                           " last_error = ?, last_error_kind = ? WHERE id = ?");
  update.bind(1, now);
  update.bind(2, util::printable(message));  // server text may carry any byte
  update.bind(3, std::string(error_kind));
  update.bind(4, account);
  update.exec();
  transaction.commit();
}

}  // namespace prospectd::store
