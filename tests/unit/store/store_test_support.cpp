// Temporary directories and thread groups for the store tests. Thread groups are read through
// a connection of the tests' own (raw_connection): production code reads through StoreReader.
#include "tests/unit/store/store_test_support.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <stdlib.h>

#include <map>
#include <stdexcept>
#include <system_error>
#include <vector>

#include "store/internal/packed_fields.h"

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

void downgrade_to_v9(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.exec("BEGIN");
  db.exec(R"sql(
CREATE TABLE message_addresses (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  role        TEXT NOT NULL CHECK (role IN ('from', 'sender', 'reply_to', 'to', 'cc', 'bcc')),
  position    INTEGER NOT NULL,
  email       TEXT NOT NULL,
  raw_email   TEXT NOT NULL,
  name        TEXT NOT NULL,
  PRIMARY KEY (message_row, role, position)
) WITHOUT ROWID;
CREATE INDEX message_addresses_by_email ON message_addresses(email, message_row);
CREATE TABLE message_references (
  message_row INTEGER NOT NULL REFERENCES messages(id),
  position    INTEGER NOT NULL,
  ref         TEXT NOT NULL,
  PRIMARY KEY (message_row, position)
) WITHOUT ROWID;
CREATE INDEX messages_by_date ON messages(date);
INSERT INTO thread_nodes(node, thread_id) SELECT 'm:' || message_id, thread_id FROM messages;
)sql");
  SQLite::Statement insert_address(db, "INSERT INTO message_addresses VALUES (?, ?, ?, ?, ?, ?)");
  SQLite::Statement insert_reference(db, "INSERT INTO message_references VALUES (?, ?, ?)");
  SQLite::Statement messages(db, "SELECT id, people, refs, in_reply_to FROM messages");
  while (messages.executeStep()) {
    const std::int64_t row = messages.getColumn(0).getInt64();
    const std::string people = messages.getColumn(1).getString();
    PeopleReader reader(people);
    PackedAddress address;
    while (reader.next(address)) {
      insert_address.reset();
      insert_address.bind(1, row);
      insert_address.bind(2, std::string(role_name(address.role)));
      insert_address.bind(3, address.position);
      insert_address.bind(4, std::string(address.email));
      insert_address.bind(5, std::string(address.raw));
      insert_address.bind(6, std::string(address.name));
      insert_address.exec();
    }
    std::vector<std::string> ancestors;
    if (const std::string in_reply_to = messages.getColumn(3).getString(); !in_reply_to.empty()) {
      ancestors.push_back(in_reply_to);
    }
    for (std::string& ref : unpack_strings(messages.getColumn(2).getString())) ancestors.push_back(std::move(ref));
    for (std::size_t i = 0; i < ancestors.size(); ++i) {
      insert_reference.reset();
      insert_reference.bind(1, row);
      insert_reference.bind(2, static_cast<int>(i));
      insert_reference.bind(3, ancestors[i]);
      insert_reference.exec();
    }
  }
  db.exec(
      "DROP TABLE participants; DROP TABLE addresses; ALTER TABLE messages DROP COLUMN people;"
      " ALTER TABLE messages DROP COLUMN refs; DROP TRIGGER contact_counts_insert;"
      " DROP TRIGGER contact_counts_delete; DROP TRIGGER contact_counts_update; DROP TABLE contact_counts;"
      " DROP INDEX contacts_by_stage; DROP INDEX contacts_by_recent;"
      " CREATE INDEX contacts_by_stage ON contacts(stage, last_message_at);"
      " CREATE INDEX contacts_by_last_message ON contacts(last_message_at, email);"
      " PRAGMA user_version = 9; COMMIT");
}

std::set<std::string> address_rows(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READONLY);
  const bool packed = db.tableExists("participants");
  SQLite::Statement query(db, packed ? "SELECT message_id, people FROM messages"
                                     : "SELECT m.message_id, a.role, a.position, a.email, a.raw_email, a.name"
                                       " FROM message_addresses a JOIN messages m ON m.id = a.message_row");
  std::set<std::string> rows;
  while (query.executeStep()) {
    const std::string message_id = query.getColumn(0).getString();
    if (!packed) {
      rows.insert(message_id + " " + query.getColumn(1).getString() + " " + query.getColumn(2).getString() + " " +
                  query.getColumn(3).getString() + " " + query.getColumn(4).getString() + " " +
                  query.getColumn(5).getString());
      continue;
    }
    const std::string people = query.getColumn(1).getString();
    PeopleReader reader(people);
    PackedAddress address;
    while (reader.next(address)) {
      rows.insert(message_id + " " + std::string(role_name(address.role)) + " " + std::to_string(address.position) +
                  " " + std::string(address.email) + " " + std::string(address.raw) + " " + std::string(address.name));
    }
  }
  return rows;
}

}  // namespace prospectd::store::test
