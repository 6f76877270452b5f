// Versioned, forward-only schema migrations, run when the store opens.
// The schema version lives in PRAGMA user_version.
#pragma once

#include <SQLiteCpp/Database.h>

namespace prospectd::store {

// The schema version this build writes.
int latest_schema_version();

// Brings the database up to latest_schema_version() in one transaction per step.
// Throws std::runtime_error if the file was written by a newer prospectd.
void migrate(SQLite::Database& db);

}  // namespace prospectd::store
