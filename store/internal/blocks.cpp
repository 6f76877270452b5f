// The rep's blocklist in the store (schema v7): an entry and the contacts it hides change in one
// transaction; the trigger of v7 hides contacts created later (ARCHITECTURE.md "Contacts").
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/internal/transaction.h"
#include "store/reader.h"
#include "store/store.h"

namespace prospectd::store {
namespace {

// Contacts an entry bound as ?1 (with its kind as ?2) covers: the address, or the domain and
// its subdomains.
constexpr const char* kCoveredByEntry =
    "(?2 = 'address' AND email = ?1) OR"
    " (?2 = 'domain' AND (substr(email, instr(email, '@') + 1) = ?1 OR substr(email, -length(?1) - 1) = '.' || ?1))";

const char* kind_name(rules::BlockEntry::Kind kind) {
  return kind == rules::BlockEntry::Kind::domain ? "domain" : "address";
}

}  // namespace

std::size_t Store::block(const rules::BlockEntry& entry, std::int64_t now) {
  WriteTransaction transaction(*db_, "block");
  SQLite::Statement insert(*db_, "INSERT OR IGNORE INTO blocks(entry, kind, created_at) VALUES (?, ?, ?)");
  insert.bind(1, entry.value);
  insert.bind(2, kind_name(entry.kind));
  insert.bind(3, now);
  insert.exec();
  SQLite::Statement hide(
      *db_, std::string("UPDATE contacts SET blocked = 1 WHERE blocked = 0 AND (") + kCoveredByEntry + ")");
  hide.bind(1, entry.value);
  hide.bind(2, kind_name(entry.kind));
  const std::size_t hidden = static_cast<std::size_t>(hide.exec());
  // Not a contact: what waits for the webhooks about them is not sent (the team database learns
  // of it through the contact's team mark, as a withdrawal).
  db_->exec(
      "DELETE FROM outbox WHERE state = 'pending' AND contact_email IN (SELECT email FROM contacts WHERE blocked = 1)");
  transaction.commit();
  return hidden;
}

std::optional<std::size_t> Store::unblock(const rules::BlockEntry& entry) {
  WriteTransaction transaction(*db_, "unblock");
  SQLite::Statement remove(*db_, "DELETE FROM blocks WHERE entry = ? AND kind = ?");
  remove.bind(1, entry.value);
  remove.bind(2, kind_name(entry.kind));
  if (remove.exec() == 0) return std::nullopt;
  // Back, unless another entry (the address's domain, say) still covers the contact.
  const std::size_t shown = static_cast<std::size_t>(
      db_->exec("UPDATE contacts SET blocked = 0 WHERE blocked = 1 AND NOT EXISTS (SELECT 1 FROM blocks b WHERE"
                " (b.kind = 'address' AND b.entry = contacts.email) OR"
                " (b.kind = 'domain' AND (substr(contacts.email, instr(contacts.email, '@') + 1) = b.entry OR"
                "  substr(contacts.email, -length(b.entry) - 1) = '.' || b.entry)))"));
  transaction.commit();
  return shown;
}

std::vector<std::string> StoreReader::blocks() {
  SQLite::Statement query(*db_, "SELECT entry FROM blocks ORDER BY kind DESC, entry");
  std::vector<std::string> entries;
  while (query.executeStep()) entries.push_back(query.getColumn(0).getString());
  return entries;
}

}  // namespace prospectd::store
