// Identity matching and message direction.
// Canonical forms make "Rep+web@Acme-Sales.com" the rep's own address.
#include "rules/identity.h"

#include "rules/canonical_address.h"

namespace prospectd::rules {

Identity::Identity(const std::vector<std::string>& own_addresses, const std::vector<std::string>& internal_domains) {
  for (const auto& address : own_addresses) add_own_address(address);
  for (const auto& domain : internal_domains) {
    std::string lowered = canonical_address("x@" + domain);
    if (!lowered.empty()) internal_domains_.insert(lowered.substr(2));
  }
}

void Identity::add_own_address(std::string_view address) {
  std::string canonical = canonical_address(address);
  if (!canonical.empty()) own_.insert(std::move(canonical));
}

bool Identity::is_own(std::string_view canonical) const { return own_.contains(std::string(canonical)); }

bool Identity::is_internal(std::string_view canonical) const {
  std::string_view domain = domain_of(canonical);
  while (!domain.empty()) {
    if (internal_domains_.contains(std::string(domain))) return true;
    const auto dot = domain.find('.');
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return false;
}

core::Direction classify_direction(const core::MessageMeta& message, const Identity& identity) {
  if (message.from.empty()) return core::Direction::inbound;
  const std::string from = canonical_address(message.from.front().email);
  if (identity.is_own(from)) return core::Direction::outbound;
  if (identity.is_internal(from)) return core::Direction::internal;
  return core::Direction::inbound;
}

}  // namespace prospectd::rules
