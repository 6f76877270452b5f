// Recovery of the mailboxes GMime's address-list parser drops from malformed lists
// ("a@x.com; b@x.com", "Jane jane@x.com"). Internal to connectors/mail (parse_address_list).
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/message_meta.h"

namespace prospectd::connectors::mail::detail {

// Splits `value` into list elements (at ',' and ';' outside quoted strings, comments and
// angle brackets; a leading "group name:" is dropped) and returns, for every element that
// shows an addr-spec none of which is in `found`, the mailboxes written in it: the
// "<addr-spec>" with the text before it as name, else each bare addr-spec outside quoted
// strings, comments and encoded words (never a mailbox out of a display name). An addr-spec
// here has exactly one '@' with text on both sides. Linear in the size of `value`.
std::vector<core::Address> recover_dropped_addresses(std::string_view value,
                                                     const std::unordered_set<std::string>& found);

}  // namespace prospectd::connectors::mail::detail
