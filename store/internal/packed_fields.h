// The per-message lists kept packed in the message row (ARCHITECTURE.md "Store layout"): the
// addresses of every role with their spellings and names, and the References ancestors.
// Private to store/; pure functions and views over caller-owned bytes, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/message_meta.h"

namespace prospectd::store {

// The header an address came from, in the order messages.people lists them.
enum class Role : std::uint8_t { from, sender, reply_to, to, cc, bcc };

std::string_view role_name(Role role);  // "from", "sender", "reply_to", "to", "cc", "bcc"
bool is_recipient_role(Role role);      // to, cc, bcc
// The role's place when roles sort by name (bcc, cc, from, reply_to, sender, to): the order the
// former address rows had, which breaks ties wherever a message names an address twice.
int role_name_rank(Role role);

// One address of messages.people. `raw` is the spelling as written (the canonical address
// when the writer stored none); views point into the packed bytes.
struct PackedAddress {
  Role role = Role::from;
  int position = 0;  // index within its role
  std::string_view email;
  std::string_view raw;
  std::string_view name;
};

// messages.people: for each address of From, Sender, Reply-To, To, Cc, Bcc in that order, a role
// byte and its position within the role (varint), then the canonical address, the spelling when
// it differs (else empty) and the display name, each as a varint length and its bytes.
// `canonical` holds the canonical address of each address of `meta` in that same order.
std::string pack_people(const core::MessageMeta& meta, const std::vector<std::string>& canonical);
// The same encoding for addresses at hand (a migration or a rewrite after forget).
void append_person(std::string& out, const PackedAddress& address);

// The addresses of `meta` in messages.people order, each with its role and position.
template <typename Visit>
void for_each_address(const core::MessageMeta& meta, Visit&& visit) {
  const std::vector<core::Address>* lists[] = {&meta.from, &meta.sender, &meta.reply_to, &meta.to, &meta.cc, &meta.bcc};
  for (std::uint8_t role = 0; role < 6; ++role) {
    int position = 0;
    for (const core::Address& address : *lists[role]) visit(static_cast<Role>(role), position++, address);
  }
}

// Walks a messages.people value. Malformed bytes end the walk (never read out of bounds).
class PeopleReader {
 public:
  explicit PeopleReader(std::string_view packed) : rest_(packed) {}
  bool next(PackedAddress& address);

 private:
  std::string_view rest_;
};

// messages.refs: the References ids other than In-Reply-To (which has its own column), each
// as a varint length and its bytes; the ancestors are In-Reply-To, then these.
std::string pack_strings(const std::vector<std::string>& items);
std::vector<std::string> unpack_strings(std::string_view packed);

}  // namespace prospectd::store
