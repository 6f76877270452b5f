// Temporary directories and thread groups for the store tests. Thread groups are read through
// a connection of the tests' own (raw_connection): production code reads through StoreReader.
#include "tests/unit/store/store_test_support.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <stdlib.h>

#include <map>
#include <stdexcept>
#include <system_error>

namespace prospectd::store::test {

ThreadGroups thread_groups(Store& store) {
  std::map<std::int64_t, std::set<std::string>> by_thread;
  SQLite::Database db = raw_connection(store);
  SQLite::Statement query(db, "SELECT message_id, thread_id FROM messages");
  while (query.executeStep()) {
    by_thread[query.getColumn(1).getInt64()].insert(query.getColumn(0).getString());
  }
  ThreadGroups groups;
  for (auto& [thread, ids] : by_thread) groups.insert(std::move(ids));
  return groups;
}

namespace {

std::string join(const std::set<std::string>& ids) {
  std::string text = "{";
  for (const auto& id : ids) text += (text.size() > 1 ? ", " : "") + id;
  return text + "}";
}

}  // namespace

std::string describe_difference(const ThreadGroups& actual, const ThreadGroups& expected) {
  std::string text;
  for (const auto& group : actual) {
    if (!expected.contains(group)) text += "  stored, not expected:   " + join(group) + "\n";
  }
  for (const auto& group : expected) {
    if (!actual.contains(group)) text += "  expected, not stored:   " + join(group) + "\n";
  }
  return text;
}

SQLite::Database raw_connection(const Store& store) {
  SQLite::Database db(store.file().string(), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  return db;
}

long long query_int(const Store& store, const std::string& sql) {
  return raw_connection(store).execAndGet(sql).getInt64();
}

}  // namespace prospectd::store::test
