// People the rep asked prospectd to forget (ARCHITECTURE.md "Contacts"): known only by a keyed
// hash of their canonical address, so the store keeps no trace of who they were, yet later
// mail from or to them is stored without their address. Immutable; any thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "core/message_meta.h"

namespace prospectd::rules {

class ForgottenAddresses {
 public:
  ForgottenAddresses() = default;
  // `key`: the secret the hashes were made with; `hashes`: keyed_hash() of each address.
  ForgottenAddresses(std::string key, std::unordered_set<std::string> hashes)
      : key_(std::move(key)), hashes_(std::move(hashes)) {}

  // HMAC-SHA256 of the canonical address under `key`, as hex.
  static std::string keyed_hash(std::string_view key, std::string_view canonical);

  bool empty() const { return hashes_.empty(); }
  // REQUIRES: `canonical` is in canonical form (rules/canonical_address.h).
  bool contains(std::string_view canonical) const;
  // Removes every forgotten address from the message's address headers; returns how many.
  std::size_t strip(core::MessageMeta& message) const;

 private:
  std::string key_;
  std::unordered_set<std::string> hashes_;
};

}  // namespace prospectd::rules
