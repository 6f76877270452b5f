// Matching by keyed hash: one HMAC per address of a message, and only when someone was forgotten.
#include "rules/forgotten.h"

#include <algorithm>

#include "rules/canonical_address.h"
#include "util/keyed_hash.h"

namespace prospectd::rules {

std::string ForgottenAddresses::keyed_hash(std::string_view key, std::string_view canonical) {
  return util::hmac_sha256_hex(key, canonical);
}

bool ForgottenAddresses::contains(std::string_view canonical) const {
  return !hashes_.empty() && hashes_.contains(keyed_hash(key_, canonical));
}

std::size_t ForgottenAddresses::strip(core::MessageMeta& message) const {
  if (hashes_.empty()) return 0;
  std::size_t removed = 0;
  for (auto* list : {&message.from, &message.sender, &message.reply_to, &message.to, &message.cc, &message.bcc}) {
    const auto end = std::remove_if(list->begin(), list->end(), [&](const core::Address& address) {
      return contains(canonical_address(address.email));
    });
    removed += static_cast<std::size_t>(list->end() - end);
    list->erase(end, list->end());
  }
  return removed;
}

}  // namespace prospectd::rules
