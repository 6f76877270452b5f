// Checks shared by the fuzz targets: a failed check traps, so libFuzzer (or the replay driver
// under ASan) reports the input that broke the parser's documented promise.
#pragma once

#include <string_view>
#include <vector>

#include "connectors/mail/encoded_words.h"
#include "core/message_meta.h"

namespace prospectd::fuzz {

// Aborts the run: the input violates a documented property of the parser.
[[noreturn]] inline void property_failed() { __builtin_trap(); }

inline void check_utf8(std::string_view text) {
  if (!connectors::mail::is_valid_utf8(text)) property_failed();
}

inline void check_utf8(const std::vector<core::Address>& addresses) {
  for (const core::Address& address : addresses) {
    check_utf8(address.name);
    check_utf8(address.email);
    // A mailbox without user@domain is dropped (address_list.h).
    if (address.email.find('@') == std::string_view::npos) property_failed();
  }
}

}  // namespace prospectd::fuzz
