// What a store file says about itself (schema version, SQLite's integrity check), read through
// a read-only connection that never migrates or locks it for long; for `prospectd doctor`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace prospectd::store {

struct StoreInspection {
  int schema_version = 0;
  int latest_schema_version = 0;       // the version this prospectd migrates a store to
  std::vector<std::string> integrity;  // "ok", or the first problems SQLite reports
};

// Throws SQLite::Exception (a std::runtime_error) if the file cannot be opened or read.
StoreInspection inspect_store(const std::filesystem::path& file, int max_problems = 5);

}  // namespace prospectd::store
