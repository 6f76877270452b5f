// INTERNALDATE values (RFC 3501 §9 date-time: "17-Jul-1996 02:44:25 -0700") to Unix seconds.
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace prospectd::connectors::imap {

std::optional<std::int64_t> parse_internal_date(std::string_view text);

}  // namespace prospectd::connectors::imap
