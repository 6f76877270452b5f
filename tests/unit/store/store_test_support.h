// Support shared by the store tests: a temporary directory removed when the test ends, and the
// store's threads read back as groups of Message-IDs. Not thread-safe; one per test case.
#pragma once

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <set>
#include <string>

#include "store/store.h"
#include "tests/support/temp_dir.h"

namespace prospectd::store::test {

// A fresh temporary directory, removed with its contents (tests/support/temp_dir.h).
using TempDir = prospectd::testing::TempDir;

// Threads as the set of their messages' Message-IDs: comparable whatever the thread ids are.
using ThreadGroups = std::set<std::set<std::string>>;

// Every stored thread's Message-IDs (synthetic ones included).
ThreadGroups thread_groups(Store& store);

// The groups that are in `actual` but not in `expected` and the reverse, one per line, for a
// failure message that names the Message-IDs. Empty when the two are equal.
std::string describe_difference(const ThreadGroups& actual, const ThreadGroups& expected);

// A connection of the test's own to the store's file, to look at what the store wrote (as the
// sqlite3 shell would): the Store itself exposes no SQL. Sees what the store has committed.
SQLite::Database raw_connection(const Store& store);

// Rewrites a store written by this build into the v9 layout it migrates from (ARCHITECTURE.md
// "Store layout"): a row per address and per reference, every message a thread_nodes row, and
// user_version 9. The store must be closed.
void downgrade_to_v9(const std::filesystem::path& file);

// Every message's addresses as the v9 rows were (message id, role, position, canonical, as
// written, name), sorted: what a migration must keep.
std::set<std::string> address_rows(const std::filesystem::path& file);

// A single value of a query, e.g. a count: "SELECT COUNT(*) FROM messages".
long long query_int(const Store& store, const std::string& sql);

}  // namespace prospectd::store::test
