// Blocklist matching: exact canonical addresses, and domains with their subdomains.
// Entries are canonicalised once here so that blocks() is a few hash lookups.
#include "rules/blocklist.h"

#include "rules/canonical_address.h"
#include "util/text.h"

namespace prospectd::rules {
namespace {

bool has_blank(std::string_view s) { return s.find_first_of(" \t\r\n") != std::string_view::npos; }

// "@example.com", "*@example.com", ".example.com", "*.example.com" -> "example.com".
std::string_view without_domain_prefix(std::string_view entry) {
  for (std::string_view prefix : {"*@", "*.", "@", "."}) {
    if (entry.starts_with(prefix)) return entry.substr(prefix.size());
  }
  return entry;
}

}  // namespace

std::optional<BlockEntry> parse_block_entry(std::string_view raw) {
  const std::string_view entry = util::trim(raw);
  if (entry.empty() || has_blank(entry)) return std::nullopt;
  const std::string_view domain = without_domain_prefix(entry);
  if (domain.find('@') == std::string_view::npos) {
    // canonical_address lower-cases the domain exactly as it does an address's domain.
    std::string canonical = canonical_address("x@" + std::string(domain));
    while (canonical.ends_with('.')) canonical.pop_back();  // "example.com." is a FQDN
    if (canonical.size() > 2 && canonical.find('.', 2) != std::string::npos) {
      return BlockEntry{BlockEntry::Kind::domain, canonical.substr(2)};
    }
    return std::nullopt;
  }
  std::string canonical = canonical_address(entry);
  if (canonical.empty()) return std::nullopt;
  return BlockEntry{BlockEntry::Kind::address, std::move(canonical)};
}

Blocklist::Blocklist(const std::vector<std::string>& entries) {
  for (const std::string& raw : entries) {
    if (util::trim(raw).empty()) continue;
    if (auto parsed = parse_block_entry(raw)) {
      (parsed->kind == BlockEntry::Kind::domain ? domains_ : addresses_).insert(std::move(parsed->value));
    } else {
      rejected_.emplace_back(util::trim(raw));
    }
  }
}

bool Blocklist::blocks(std::string_view canonical) const {
  if (addresses_.contains(std::string(canonical))) return true;
  std::string_view domain = domain_of(canonical);
  while (!domain.empty()) {
    if (domains_.contains(std::string(domain))) return true;
    const auto dot = domain.find('.');
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return false;
}

}  // namespace prospectd::rules
