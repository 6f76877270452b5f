// Canonical form of an e-mail address, the key contacts and identities are compared by
// (ARCHITECTURE.md "Addresses and identities"): lower-cased, and a "+tag" removed from the local part.
#pragma once

#include <string>
#include <string_view>

namespace prospectd::rules {

// "Jane.Doe+acme@GMail.com" -> "jane.doe@gmail.com". Returns "" for a string that is not
// an address (no '@', or an empty local part or domain).
std::string canonical_address(std::string_view raw);

// The domain of a canonical address ("" if none).
std::string_view domain_of(std::string_view canonical);

// The local part of a canonical address ("" if none).
std::string_view local_part_of(std::string_view canonical);

}  // namespace prospectd::rules
