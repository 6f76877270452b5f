// Who the rep is: own addresses and colleagues' domains, and the message direction they imply.
// Immutable after construction; safe to share between threads.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/direction.h"
#include "core/message_meta.h"

namespace prospectd::rules {

class Identity {
 public:
  Identity() = default;
  // Addresses and domains in any spelling; they are canonicalised here.
  Identity(const std::vector<std::string>& own_addresses, const std::vector<std::string>& internal_domains);

  void add_own_address(std::string_view address);
  // True for the rep's own addresses, in any case and +tag form.
  bool is_own(std::string_view canonical) const;
  // True for addresses at an internal domain, or at a subdomain of one.
  bool is_internal(std::string_view canonical) const;
  // Own or colleague: never a contact.
  bool is_us(std::string_view canonical) const { return is_own(canonical) || is_internal(canonical); }

  const std::unordered_set<std::string>& own_addresses() const { return own_; }

 private:
  std::unordered_set<std::string> own_;
  std::unordered_set<std::string> internal_domains_;
};

// ARCHITECTURE.md "Addresses and identities": outbound if From is the rep's own, internal if from an internal
// domain, inbound otherwise (including a message with no parseable From).
core::Direction classify_direction(const core::MessageMeta& message, const Identity& identity);

}  // namespace prospectd::rules
