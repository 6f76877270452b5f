// IMAP dates: INTERNALDATE values (RFC 3501 §9 date-time: "17-Jul-1996 02:44:25 -0700") to Unix
// seconds, and days as SEARCH SINCE/BEFORE want them (§9 date: "7-Dec-2024"). Pure; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace prospectd::connectors::imap {

std::optional<std::int64_t> parse_internal_date(std::string_view text);

// "7-Dec-2024": RFC 3501 §9 date (date-day "-" date-month "-" date-year) for SEARCH.
std::string search_date(std::chrono::sys_days day);

}  // namespace prospectd::connectors::imap
