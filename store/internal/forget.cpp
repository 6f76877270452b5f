// Forgetting a person (ARCHITECTURE.md "Contacts"): the contact, its spellings and history, and
// the address in every stored message are erased in one transaction with secure_delete on (the
// freed bytes are zeroed), the WAL is then truncated, and only a keyed hash is kept.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>
#include <vector>

#include "store/internal/packed_fields.h"
#include "store/internal/transaction.h"
#include "store/reader.h"
#include "store/store.h"
#include "util/random_secret.h"

namespace prospectd::store {
namespace {

// The key of the keyed hashes: a file beside the store (0600), made on the first forget.
std::filesystem::path key_file_of(const std::filesystem::path& store_file) {
  return store_file.parent_path() / "forget-key";
}

std::string read_key(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string key;
  std::getline(in, key);
  return key;
}

std::string load_or_create_key(const std::filesystem::path& file) {
  if (std::string key = read_key(file); !key.empty()) return key;
  const std::string key = util::random_hex(32);
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (std::string existing = read_key(file); !existing.empty()) return existing;  // made meanwhile
    throw std::runtime_error("cannot create " + file.string());
  }
  const std::string line = key + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) throw std::runtime_error("cannot write " + file.string());
  return key;
}

rules::ForgottenAddresses load_forgotten(SQLite::Database& db, const std::filesystem::path& store_file) {
  std::unordered_set<std::string> hashes;
  SQLite::Statement query(db, "SELECT hash FROM forgotten");
  while (query.executeStep()) hashes.insert(query.getColumn(0).getString());
  if (hashes.empty()) return {};
  return rules::ForgottenAddresses(read_key(key_file_of(store_file)), std::move(hashes));
}

// The messages that name the address (participants), each with its packed addresses.
std::vector<std::pair<std::int64_t, std::string>> messages_naming(SQLite::Database& db, const std::string& email) {
  SQLite::Statement query(db,
                          "SELECT m.id, m.people FROM addresses d JOIN participants p ON p.address_id = d.id"
                          " JOIN messages m ON m.id = p.message_row WHERE d.email = ?");
  query.bind(1, email);
  std::vector<std::pair<std::int64_t, std::string>> found;
  while (query.executeStep()) found.emplace_back(query.getColumn(0).getInt64(), query.getColumn(1).getString());
  return found;
}

void bind_exec(SQLite::Database& db, const char* sql, const std::string& value) {
  SQLite::Statement statement(db, sql);
  statement.bind(1, value);
  statement.exec();
}

}  // namespace

bool Store::forget(const std::string& canonical_email) {
  std::set<std::string> spellings{canonical_email};
  bool known = false;
  const auto naming = messages_naming(*db_, canonical_email);
  {
    for (const auto& [row, people] : naming) {
      PeopleReader reader(people);
      PackedAddress address;
      while (reader.next(address)) {
        if (address.email != canonical_email) continue;
        known = true;
        spellings.emplace(address.raw);
      }
    }
    SQLite::Statement variants(*db_,
                               "SELECT v.raw_email FROM contact_variants v JOIN contacts c ON c.id = v.contact_id"
                               " WHERE c.email = ?");
    variants.bind(1, canonical_email);
    while (variants.executeStep()) {
      known = true;
      spellings.insert(variants.getColumn(0).getString());
    }
    SQLite::Statement contact(*db_, "SELECT 1 FROM contacts WHERE email = ?");
    contact.bind(1, canonical_email);
    known = known || contact.executeStep();
  }
  if (!known) return false;
  const std::string key = load_or_create_key(key_file_of(file_));
  db_->exec("PRAGMA secure_delete = ON");
  {
    WriteTransaction transaction(*db_, "forget");
    bind_exec(*db_, "INSERT OR IGNORE INTO forgotten(hash) VALUES (?)",
              rules::ForgottenAddresses::keyed_hash(key, canonical_email));
    for (const char* sql : {
             "DELETE FROM stage_events WHERE contact_id IN (SELECT id FROM contacts WHERE email = ?1)",
             "DELETE FROM contact_threads WHERE contact_id IN (SELECT id FROM contacts WHERE email = ?1)",
             "DELETE FROM contact_variants WHERE contact_id IN (SELECT id FROM contacts WHERE email = ?1)",
             "DELETE FROM pending_evaluations WHERE contact_id IN (SELECT id FROM contacts WHERE email = ?1)",
             "DELETE FROM contacts WHERE email = ?1",
             // Webhook deliveries carry the address; the team database learns of the withdrawal
             // through the contact's team mark (the delete trigger).
             "DELETE FROM outbox WHERE contact_email = ?1",
             "DELETE FROM participants WHERE address_id IN (SELECT id FROM addresses WHERE email = ?1)",
             "DELETE FROM addresses WHERE email = ?1",
             "UPDATE messages SET from_email = '' WHERE from_email = ?1",
         }) {
      bind_exec(*db_, sql, canonical_email);
    }
    // Every message keeps its other addresses (and their positions).
    SQLite::Statement rewrite(*db_, "UPDATE messages SET people = ? WHERE id = ?");
    for (const auto& [row, people] : naming) {
      std::string kept;
      PeopleReader reader(people);
      PackedAddress address;
      while (reader.next(address)) {
        if (address.email != canonical_email) append_person(kept, address);
      }
      rewrite.reset();
      rewrite.bind(1, kept.data(), static_cast<int>(kept.size()));
      rewrite.bind(2, row);
      rewrite.exec();
    }
    // The address written into a subject or preview ("Re: call with jane@globex.com").
    SQLite::Statement scrub(*db_,
                            "UPDATE messages SET subject = replace(subject, ?1, '[forgotten]'),"
                            " base_subject = replace(base_subject, ?1, '[forgotten]'),"
                            " snippet = replace(snippet, ?1, '[forgotten]')"
                            " WHERE instr(subject, ?1) > 0 OR instr(snippet, ?1) > 0");
    for (const auto& spelling : spellings) {
      if (spelling.empty()) continue;
      scrub.reset();
      scrub.bind(1, spelling);
      scrub.exec();
    }
    transaction.commit();
  }
  db_->exec("PRAGMA secure_delete = OFF");
  // Old page images in the WAL still hold the address: fold it into the file and empty it.
  db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  return true;
}

rules::ForgottenAddresses Store::forgotten_addresses() { return load_forgotten(*db_, file_); }

bool StoreReader::forgotten(const std::string& canonical_email) {
  return load_forgotten(*db_, file_).contains(canonical_email);
}

}  // namespace prospectd::store
