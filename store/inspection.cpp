// PRAGMA user_version and PRAGMA integrity_check over a read-only connection, waiting up to 5 s
// for a writer that holds the file (WAL readers otherwise never block).
#include "store/inspection.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/internal/migrations.h"

namespace prospectd::store {

StoreInspection inspect_store(const std::filesystem::path& file, int max_problems) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  StoreInspection inspection;
  inspection.schema_version = db.execAndGet("PRAGMA user_version").getInt();
  inspection.latest_schema_version = latest_schema_version();
  // The pragma takes its limit as an argument, not a bound parameter; it is an int we format.
  SQLite::Statement integrity(db, "PRAGMA integrity_check(" + std::to_string(max_problems) + ")");
  while (integrity.executeStep()) inspection.integrity.push_back(integrity.getColumn(0).getString());
  return inspection;
}

}  // namespace prospectd::store
