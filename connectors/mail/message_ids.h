// Message-ID, In-Reply-To and References parsing (RFC 5322 §3.6.4) for threading.
// Pure functions; safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace prospectd::connectors::mail {

// References keeps at most this many ids (the most recent ones).
inline constexpr std::size_t kMaxReferences = 256;

// The first msg-id of a Message-ID or In-Reply-To body, without angle brackets, or ""
// if there is none. A bare id without brackets (seen from broken mailers) is accepted.
std::string parse_message_id(std::string_view value);

// All msg-ids of a References (or In-Reply-To) body, oldest first, without brackets,
// de-duplicated keeping the first occurrence; a body without any bracketed id is read as one
// bare id, as parse_message_id does. Longer lists are cut to the last
// kMaxReferences ids: threading only needs recent ancestors, and the cap bounds what a
// hostile header can make us store.
std::vector<std::string> parse_message_id_list(std::string_view value);

}  // namespace prospectd::connectors::mail
