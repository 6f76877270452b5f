// Status queries: per-account sync state, per-folder counts, store totals.
// Read-only connection; nothing here writes.
#include "store/reader.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <stdexcept>

#include "core/stage.h"
#include "store/internal/migrations.h"
#include "store/internal/sql_values.h"

namespace prospectd::store {
namespace {}  // namespace

StoreReader::StoreReader(const std::filesystem::path& file) : file_(file) {
  try {
    db_ = std::make_unique<SQLite::Database>(file.string(), SQLite::OPEN_READONLY, 5000);
  } catch (const SQLite::Exception& error) {
    throw std::runtime_error("cannot open the store " + file.string() + ": " + error.what() +
                             " (run `prospectd sync` first)");
  }
}

StoreReader::~StoreReader() = default;

std::vector<AccountStatus> StoreReader::accounts() {
  std::vector<AccountStatus> accounts;
  SQLite::Statement query(*db_,
                          "SELECT a.id, a.name, a.type, a.state, a.last_success_at, a.last_attempt_at,"
                          " coalesce(a.last_error, ''), coalesce(a.last_error_kind, ''),"
                          " (SELECT COUNT(DISTINCT message_row) FROM message_locations l"
                          "  WHERE l.account_id = a.id)"
                          " FROM accounts a ORDER BY a.name");
  SQLite::Statement folders(*db_,
                            "SELECT c.scope, c.server_count, c.last_sync_at,"
                            " (SELECT COUNT(*) FROM message_locations l"
                            "  WHERE l.account_id = c.account_id AND l.folder = c.scope)"
                            " FROM checkpoints c WHERE c.account_id = ? ORDER BY c.scope");
  while (query.executeStep()) {
    AccountStatus account;
    const std::int64_t id = query.getColumn(0).getInt64();
    account.name = query.getColumn(1).getString();
    account.type = query.getColumn(2).getString();
    account.state = query.getColumn(3).getString();
    account.last_success_at = optional_int(query.getColumn(4));
    account.last_attempt_at = optional_int(query.getColumn(5));
    account.last_error = query.getColumn(6).getString();
    account.last_error_kind = query.getColumn(7).getString();
    account.messages = query.getColumn(8).getInt64();
    folders.bind(1, id);
    while (folders.executeStep()) {
      account.folders.push_back({folders.getColumn(0).getString(), optional_int(folders.getColumn(1)),
                                 folders.getColumn(3).getInt64(), optional_int(folders.getColumn(2))});
    }
    folders.reset();
    accounts.push_back(std::move(account));
  }
  return accounts;
}

StoreTotals StoreReader::totals() {
  StoreTotals totals;
  totals.messages = db_->execAndGet("SELECT COUNT(*) FROM messages").getInt64();
  totals.threads = db_->execAndGet("SELECT COUNT(DISTINCT thread_id) FROM messages").getInt64();
  totals.contacts = db_->execAndGet("SELECT coalesce(sum(shown), 0) FROM contact_counts").getInt64();
  for (const core::Stage stage : core::kAllStages) totals.stages.emplace_back(core::to_string(stage), 0);
  SQLite::Statement stages(*db_, "SELECT stage, shown FROM contact_counts");
  while (stages.executeStep()) {
    for (auto& [name, count] : totals.stages) {
      if (name == stages.getColumn(0).getString()) count = stages.getColumn(1).getInt64();
    }
  }
  return totals;
}

bool StoreReader::schema_current() {
  return db_->execAndGet("PRAGMA user_version").getInt() == latest_schema_version();
}

}  // namespace prospectd::store
