// How a read command opens the store: brought up to this build's schema first, so a store last
// written by an older prospectd is migrated in place (as the daemon does at start) instead of
// failing on a table it does not have yet. Main thread only.
#pragma once

#include <filesystem>

#include "store/reader.h"

namespace prospectd::cli {

// Migrates an existing store whose schema is older than this build's (nothing when current).
void upgrade_store(const std::filesystem::path& file);

// A reader of `file`, migrated first if its schema is older than this build's. Throws (with
// the file named) when the store does not exist or cannot be opened or migrated.
store::StoreReader open_reader(const std::filesystem::path& file);

}  // namespace prospectd::cli
