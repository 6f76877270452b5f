// Contact selection from one message's address headers: direction decides which headers
// count, and the same exclusions (us, robots, blocklist, junk) apply to all of them.
#include "rules/contact_candidates.h"

#include <algorithm>

#include "rules/automation.h"
#include "rules/canonical_address.h"
#include "util/text.h"

namespace prospectd::rules {
namespace {

// An address a person could be reached at: no blanks, control characters or list
// punctuation, and a dotted domain without empty labels ("undisclosed-recipients:;",
// "jane@localhost" and "jane@example..com" are not).
bool is_plausible(std::string_view canonical) {
  if (canonical.empty()) return false;
  const bool junk_char = std::any_of(canonical.begin(), canonical.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == ':' || c == '(' ||
           c == ')' || c == '[' || c == ']';
  });
  if (junk_char) return false;
  const std::string_view domain = domain_of(canonical);
  return domain.find('.') != std::string_view::npos && !domain.starts_with('.') && !domain.ends_with('.') &&
         domain.find("..") == std::string_view::npos;
}

}  // namespace

std::string clean_display_name(std::string_view name, std::string_view canonical) {
  name = util::trim(name);
  while (name.size() >= 2 &&
         ((name.front() == '\'' && name.back() == '\'') || (name.front() == '"' && name.back() == '"'))) {
    name = util::trim(name.substr(1, name.size() - 2));
  }
  if (canonical_address(name) == canonical) return {};
  if (util::equals_ignoring_case(name, canonical)) return {};
  return std::string(name);
}

std::vector<Candidate> contact_candidates(const core::MessageMeta& message, core::Direction direction, bool automated,
                                          const Identity& identity, const Blocklist& blocklist) {
  std::vector<Candidate> candidates;
  if (automated || direction == core::Direction::internal) return candidates;

  std::vector<const std::vector<core::Address>*> fields;
  if (direction == core::Direction::inbound) {
    // The author and the people they wrote to alongside the rep. Bcc of an inbound message
    // is at most the rep (a sender's other Bcc recipients are not visible to us).
    fields = {&message.from, &message.to, &message.cc};
  } else {
    fields = {&message.to, &message.cc, &message.bcc};
  }

  for (const auto* field : fields) {
    for (const core::Address& address : *field) {
      std::string canonical = canonical_address(address.email);
      if (!is_plausible(canonical) || identity.is_us(canonical) || is_automated_local_part(canonical) ||
          blocklist.blocks(canonical)) {
        continue;
      }
      std::string name = clean_display_name(address.name, canonical);
      const auto seen =
          std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) { return c.email == canonical; });
      if (seen == candidates.end()) {
        candidates.push_back({std::move(canonical), std::string(util::trim(address.email)), std::move(name)});
      } else if (seen->name.empty()) {
        seen->name = std::move(name);
      }
    }
  }
  return candidates;
}

}  // namespace prospectd::rules
