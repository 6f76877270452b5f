// Addresses and domains the rep never wants as contacts (config `blocklist`).
// Immutable after construction; safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace prospectd::rules {

// One blocklist entry, canonical: an address ("jane@example.com") or a domain ("example.com").
struct BlockEntry {
  enum class Kind { address, domain };
  Kind kind = Kind::address;
  std::string value;
  bool operator==(const BlockEntry&) const = default;
};

// An entry as the Blocklist reads it (any spelling of an address; "example.com", "@example.com",
// "*.example.com", ...), or nullopt when it is neither an address nor a domain.
std::optional<BlockEntry> parse_block_entry(std::string_view entry);

class Blocklist {
 public:
  Blocklist() = default;
  // Each entry is a full address in any spelling ("Jane+x@Example.com" blocks
  // jane@example.com), or a domain, which blocks that domain and all its subdomains:
  // "example.com", "@example.com", "*@example.com", ".example.com" and "*.example.com" all
  // mean the same. Blanks around an entry are ignored; entries that are neither (empty, "@",
  // "jane@", blanks inside) are skipped and listed by rejected() for the config to report.
  explicit Blocklist(const std::vector<std::string>& entries);

  // REQUIRES: `canonical` is in canonical form (rules/canonical_address.h).
  bool blocks(std::string_view canonical) const;

  const std::vector<std::string>& rejected() const { return rejected_; }

 private:
  std::unordered_set<std::string> addresses_;
  std::unordered_set<std::string> domains_;
  std::vector<std::string> rejected_;
};

}  // namespace prospectd::rules
