// Loading the message index in one streaming query, and building a contact's facts from it
// with the same rules as ContactBook::facts (which reads them from SQL for one contact).
#include "store/internal/message_index.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "store/internal/sql_values.h"

namespace prospectd::store {
namespace {

constexpr std::size_t kChunk = 1 << 20;

std::vector<core::Address>& field_of(core::MessageMeta& meta, Role role) {
  switch (role) {
    case Role::from:
      return meta.from;
    case Role::sender:
      return meta.sender;
    case Role::reply_to:
      return meta.reply_to;
    case Role::to:
      return meta.to;
    case Role::cc:
      return meta.cc;
    case Role::bcc:
      return meta.bcc;
  }
  return meta.bcc;
}

}  // namespace

std::string_view TextArena::add(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > capacity_ - used_) {
    const std::size_t size = std::max(kChunk, text.size());
    chunks_.push_back(std::make_unique<char[]>(size));
    used_ = 0;
    capacity_ = size;
  }
  char* at = chunks_.back().get() + used_;
  std::memcpy(at, text.data(), text.size());
  used_ += text.size();
  return {at, text.size()};
}

std::uint32_t Interner::id(std::string_view text) {
  for (std::uint32_t recent : recent_) {
    if (texts_[recent] == text) return recent;
  }
  std::uint32_t id = 0;
  if (const auto known = ids_.find(text); known != ids_.end()) {
    id = known->second;
  } else {
    const std::string_view kept = arena_.add(text);
    id = static_cast<std::uint32_t>(texts_.size());
    texts_.push_back(kept);
    ids_.emplace(kept, id);
  }
  recent_[next_recent_] = id;
  next_recent_ = (next_recent_ + 1) % recent_.size();
  return id;
}

std::optional<std::uint32_t> Interner::find(std::string_view text) const {
  const auto known = ids_.find(text);
  if (known == ids_.end()) return std::nullopt;
  return known->second;
}

void MessageIndex::load(SQLite::Database& db, std::size_t chunk_size, const ChunkReady& chunk_ready) {
  // One row per message in row order, its addresses packed in messages.people. The C API
  // directly: a million rows of eleven columns through SQLite::Column (a shared_ptr copy per
  // column) cost more than SQLite's own work.
  const char* const sql =
      "SELECT id, message_id, thread_id, date, received_at, subject, snippet, direction, automation <> '',"
      " from_email, people FROM messages ORDER BY id";
  sqlite3_stmt* prepared = nullptr;
  if (const int rc = sqlite3_prepare_v2(db.getHandle(), sql, -1, &prepared, nullptr); rc != SQLITE_OK) {
    throw SQLite::Exception(db.getHandle(), rc);
  }
  const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> query(prepared, sqlite3_finalize);
  const auto text = [&](int column) -> std::string_view {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(prepared, column));
    return data ? std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(prepared, column)))
                : std::string_view();
  };
  const auto is_null = [&](int column) { return sqlite3_column_type(prepared, column) == SQLITE_NULL; };
  // Sized up front: growing vectors of a million entries copies them again and again.
  messages_.reserve(static_cast<std::size_t>(db.execAndGet("SELECT COUNT(*) FROM messages").getInt64()));
  addresses_.reserve(messages_.capacity() * 3);  // a guess (counting them would decode them all)
  std::vector<core::MessageMeta> chunk;
  std::size_t chunk_first = 0;
  const auto hand_over = [&] {
    if (!chunk.empty()) chunk_ready(std::move(chunk), chunk_first);
    chunk = {};
    chunk.reserve(chunk_size);
    chunk_first = messages_.size();
  };
  for (;;) {
    const int rc = sqlite3_step(prepared);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) throw SQLite::Exception(db.getHandle(), rc);
    if (chunk.size() >= chunk_size) hand_over();
    IndexedMessage message;
    message.row = sqlite3_column_int64(prepared, 0);
    message.message_id = texts_.add(text(1));
    message.thread = sqlite3_column_int64(prepared, 2);
    if (!is_null(3)) message.date = sqlite3_column_int64(prepared, 3);
    if (!is_null(4)) message.received_at = sqlite3_column_int64(prepared, 4);
    message.subject = texts_.add(text(5));
    message.snippet = texts_.add(text(6));
    message.direction = stored_direction(text(7));
    message.automated = sqlite3_column_int(prepared, 8) != 0;
    message.from_email = strings_.id(text(9));
    message.first_address = static_cast<std::uint32_t>(addresses_.size());
    // What the rules see again: as Store::rebuild always rebuilt it (no arrival time).
    core::MessageMeta& meta = chunk.emplace_back();
    meta.message_id = std::string(message.message_id);
    meta.date = message.date;
    meta.subject = std::string(message.subject);
    const auto* people = static_cast<const char*>(sqlite3_column_blob(prepared, 10));
    PeopleReader reader({people, static_cast<std::size_t>(sqlite3_column_bytes(prepared, 10))});
    PackedAddress packed;
    while (reader.next(packed)) {
      IndexedAddress address;
      address.role = packed.role;
      address.position = packed.position;
      address.email = strings_.id(packed.email);
      if (!packed.name.empty()) {
        if (last_name_.size() <= address.email) last_name_.resize(address.email + 1, 0);
        std::uint32_t& last = last_name_[address.email];
        if (last == 0 || names_[last] != packed.name) {
          last = static_cast<std::uint32_t>(names_.size());
          names_.push_back(texts_.add(packed.name));
        }
        address.name = last;
      }
      addresses_.push_back(address);
      ++message.address_count;
      field_of(meta, address.role).push_back({std::string(packed.name), std::string(packed.raw)});
    }
    messages_.push_back(message);
  }
  hand_over();
}

std::vector<rules::MessageFact> MessageIndex::facts(std::uint32_t email,
                                                    const std::vector<std::uint32_t>& message_indexes) const {
  std::vector<rules::MessageFact> facts;
  facts.reserve(message_indexes.size());
  for (std::uint32_t index : message_indexes) {
    const IndexedMessage& message = messages_[index];
    rules::MessageFact fact;
    fact.row = message.row;
    fact.message_id = std::string(message.message_id);
    fact.thread = message.thread;
    fact.date = message.date;
    fact.direction = message.direction;
    fact.automated = message.automated;
    fact.authored_by_contact = message.from_email == email;
    fact.subject = std::string(message.subject);
    fact.snippet = std::string(message.snippet);
    // The name: From first, then by position, then by role name (ContactBook::facts' order).
    const IndexedAddress* named = nullptr;
    const auto key = [](const IndexedAddress& a) {
      return std::make_tuple(a.role != Role::from, a.position, role_name_rank(a.role));
    };
    for (const IndexedAddress& address : addresses_of(message)) {
      if (address.email != email) continue;
      if (is_recipient_role(address.role)) fact.contact_is_recipient = true;
      if (address.name != 0 && (!named || key(address) < key(*named))) named = &address;
    }
    if (named) fact.contact_name = std::string(names_[named->name]);
    facts.push_back(std::move(fact));
  }
  std::sort(facts.begin(), facts.end(), [](const rules::MessageFact& a, const rules::MessageFact& b) {
    return std::make_tuple(a.date.has_value(), a.date.value_or(0), a.row) <
           std::make_tuple(b.date.has_value(), b.date.value_or(0), b.row);
  });
  return facts;
}

}  // namespace prospectd::store
