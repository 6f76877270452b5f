// Read-only queries over the store for the CLI and the HTTP API. Each StoreReader owns its own
// read-only connection (WAL readers never block the sync). REQUIRES: one thread per reader.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

  SQLite::Database& database();

 private:
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace prospectd::store
