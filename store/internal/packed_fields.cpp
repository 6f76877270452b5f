// Encoding and decoding of the packed per-message lists (messages.people, messages.refs).
#include "store/internal/packed_fields.h"

namespace prospectd::store {
namespace {

void append_varint(std::string& out, std::size_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool take_varint(std::string_view& rest, std::size_t& value) {
  value = 0;
  for (int shift = 0; shift <= 56; shift += 7) {
    if (rest.empty()) return false;
    const auto byte = static_cast<unsigned char>(rest.front());
    rest.remove_prefix(1);
    value |= static_cast<std::size_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void append_field(std::string& out, std::string_view text) {
  append_varint(out, text.size());
  out.append(text);
}

// Reads one length-prefixed field from the front of `rest`; false if the bytes are malformed.
bool take_field(std::string_view& rest, std::string_view& field) {
  std::size_t length = 0;
  if (!take_varint(rest, length) || length > rest.size()) return false;
  field = rest.substr(0, length);
  rest.remove_prefix(length);
  return true;
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::from:
      return "from";
    case Role::sender:
      return "sender";
    case Role::reply_to:
      return "reply_to";
    case Role::to:
      return "to";
    case Role::cc:
      return "cc";
    case Role::bcc:
      return "bcc";
  }
  return "bcc";
}

int role_name_rank(Role role) {
  switch (role) {
    case Role::bcc:
      return 0;
    case Role::cc:
      return 1;
    case Role::from:
      return 2;
    case Role::reply_to:
      return 3;
    case Role::sender:
      return 4;
    case Role::to:
      return 5;
  }
  return 6;
}

bool is_recipient_role(Role role) { return role == Role::to || role == Role::cc || role == Role::bcc; }

void append_person(std::string& out, const PackedAddress& address) {
  out.push_back(static_cast<char>(address.role));
  append_varint(out, static_cast<std::size_t>(address.position));
  append_field(out, address.email);
  append_field(out, address.raw == address.email ? std::string_view() : address.raw);
  append_field(out, address.name);
}

std::string pack_people(const core::MessageMeta& meta, const std::vector<std::string>& canonical) {
  std::string out;
  std::size_t index = 0;
  for_each_address(meta, [&](Role role, int position, const core::Address& address) {
    append_person(out, {role, position, canonical[index++], address.email, address.name});
  });
  return out;
}

bool PeopleReader::next(PackedAddress& address) {
  if (rest_.empty()) return false;
  const auto role_byte = static_cast<unsigned char>(rest_.front());
  if (role_byte > static_cast<unsigned char>(Role::bcc)) {
    rest_ = {};
    return false;
  }
  rest_.remove_prefix(1);
  std::size_t position = 0;
  if (!take_varint(rest_, position) || !take_field(rest_, address.email) || !take_field(rest_, address.raw) ||
      !take_field(rest_, address.name)) {
    rest_ = {};
    return false;
  }
  if (address.raw.empty()) address.raw = address.email;
  address.role = static_cast<Role>(role_byte);
  address.position = static_cast<int>(position);
  return true;
}

std::string pack_strings(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) append_field(out, item);
  return out;
}

std::vector<std::string> unpack_strings(std::string_view packed) {
  std::vector<std::string> items;
  std::string_view field;
  while (!packed.empty() && take_field(packed, field)) items.emplace_back(field);
  return items;
}

}  // namespace prospectd::store
