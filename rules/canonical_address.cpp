// Canonicalisation of addresses: ASCII lower-casing and +tag removal.
// Non-ASCII (RFC 6532) local parts are kept byte for byte apart from ASCII case.
#include "rules/canonical_address.h"

#include <algorithm>

#include "util/text.h"

namespace prospectd::rules {
namespace {

// Blanks and one pair of angle brackets around the address removed.
std::string_view unbracketed(std::string_view s) {
  s = util::trim(s);
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

std::string canonical_address(std::string_view raw) {
  const std::string_view address = unbracketed(raw);
  // The domain starts after the last '@': a quoted local part may itself hold '@' (RFC 5322 §3.4.1).
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size()) return {};
  std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (const auto plus = local.find('+'); plus != std::string_view::npos && plus > 0) {
    local = local.substr(0, plus);
  }
  std::string out;
  out.reserve(local.size() + 1 + domain.size());
  std::transform(local.begin(), local.end(), std::back_inserter(out), util::ascii_lower);
  out.push_back('@');
  std::transform(domain.begin(), domain.end(), std::back_inserter(out), util::ascii_lower);
  return out;
}

std::string_view domain_of(std::string_view canonical) {
  const auto at = canonical.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : canonical.substr(at + 1);
}

std::string_view local_part_of(std::string_view canonical) {
  const auto at = canonical.rfind('@');
  return at == std::string_view::npos ? std::string_view{} : canonical.substr(0, at);
}

}  // namespace prospectd::rules
