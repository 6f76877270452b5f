// Every stored message and its addresses, read in one pass into compact memory, for a rebuild:
// reclassification, contacts, thread links and each contact's facts without a query per item.
// Private to store/; REQUIRES: inside the rebuild's transaction, on the Store's thread.
#pragma once

#include <SQLiteCpp/Database.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "rules/lifecycle.h"
#include "store/internal/packed_fields.h"
#include "store/store.h"

namespace prospectd::store {

// Strings kept for the length of a rebuild, in large chunks rather than one allocation each.
class TextArena {
 public:
  std::string_view add(std::string_view text);

 private:
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::size_t used_ = 0;
  std::size_t capacity_ = 0;
};

// Distinct strings numbered in order of first sight (0 is the empty string).
class Interner {
 public:
  Interner() {
    texts_.push_back({});
    ids_.emplace(std::string_view(), 0);
  }
  std::uint32_t id(std::string_view text);
  std::optional<std::uint32_t> find(std::string_view text) const;
  std::string_view text(std::uint32_t id) const { return texts_[id]; }

 private:
  TextArena arena_;
  std::unordered_map<std::string_view, std::uint32_t> ids_;
  std::vector<std::string_view> texts_;
  // The last few answers: the rep's own address is in nearly every message, a correspondent in
  // several in a row, and a hit spares a probe of a large hash table.
  std::array<std::uint32_t, 4> recent_{};
  std::size_t next_recent_ = 0;
};

struct IndexedAddress {
  std::uint32_t email = 0;  // canonical, interned
  std::uint32_t name = 0;   // decoded display name: MessageIndex::name(); 0 is none
  std::int32_t position = 0;
  Role role = Role::from;
};

struct IndexedMessage {
  std::int64_t row = 0;
  std::int64_t thread = 0;
  std::optional<std::int64_t> date;         // Date: (what facts carry)
  std::optional<std::int64_t> received_at;  // for the creation order of contacts
  std::string_view message_id, subject, snippet;
  std::uint32_t from_email = 0;  // messages.from_email, interned
  std::uint32_t first_address = 0, address_count = 0;
  core::Direction direction = core::Direction::inbound;  // as reclassified
  bool automated = false;
};

class MessageIndex {
 public:
  // Reads every message with its addresses (one scan in row order) and hands them over in
  // chunks, rebuilt as a connector would deliver them (ids, date, subject, addresses), to
  // `chunk_ready` with the index of the chunk's first message.
  using ChunkReady = std::function<void(std::vector<core::MessageMeta>&& chunk, std::size_t first)>;
  void load(SQLite::Database& db, std::size_t chunk_size, const ChunkReady& chunk_ready);

  const std::vector<IndexedMessage>& messages() const { return messages_; }
  IndexedMessage& message(std::size_t index) { return messages_[index]; }
  std::span<const IndexedAddress> addresses_of(const IndexedMessage& message) const {
    return {addresses_.data() + message.first_address, message.address_count};
  }
  Interner& strings() { return strings_; }
  std::string_view name(std::uint32_t id) const { return names_[id]; }

  // Facts of one contact (canonical email `email`) over the given messages, as ContactBook::facts
  // gathers them from SQL: sorted oldest first, undated first, by row.
  std::vector<rules::MessageFact> facts(std::uint32_t email, const std::vector<std::uint32_t>& message_indexes) const;

 private:
  Interner strings_;
  TextArena texts_;
  std::vector<IndexedMessage> messages_;
  std::vector<IndexedAddress> addresses_;
  // Display names, kept once per change of an address's name rather than interned (hashing
  // millions of names cost a tenth of a rebuild): last_name_[email] is the latest for it.
  std::vector<std::string_view> names_{std::string_view()};
  std::vector<std::uint32_t> last_name_;
};

}  // namespace prospectd::store
