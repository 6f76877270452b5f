// RFC 5322 §3.4 address-list parsing (From, To, Cc, ...) into core::Address values.
// Pure function; safe to call from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "core/message_meta.h"

namespace prospectd::connectors::mail {

// Parses an address-list field body. Groups are flattened into their mailboxes (an empty
// group such as `undisclosed-recipients:;` yields nothing). Display names are decoded to
// UTF-8 (RFC 2047 encoded words, RFC 6532 raw UTF-8, else windows-1252), trimmed of white
// space and surrounding quotes, inner white space runs collapsed; emails are kept as written
// (case and +tag). A mailbox without user@domain is dropped (no contact can come of it).
// Elements GMime cannot parse ("a@x.example; b@x.example", "Jane jane@x.example") are
// recovered by addr-spec, never out of a quoted string, comment or encoded word; the
// recovered ones come after the parsed ones. NUL bytes count as spaces.
std::vector<core::Address> parse_address_list(std::string_view value);

}  // namespace prospectd::connectors::mail
