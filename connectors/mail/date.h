// Date field parsing (RFC 5322 §3.3 and the obsolete forms of §4.3) to Unix time.
// Pure function; safe to call from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace prospectd::connectors::mail {

// Parses a Date field body to Unix seconds UTC, or nullopt if it does not name one instant.
// Accepted beyond RFC 5322 §3.3: comments anywhere, a missing or misplaced day name, full
// month names, missing seconds, '.' as the time separator, no space before the zone,
// two- and three-digit years and named zones (§4.3), asctime order ("Sat Mar 24 21:23:03
// EDT 2007"), numeric day-month-year dates ("17-6-2008", "17.06.2008"). A missing or
// unknown zone counts as UTC (§4.3: "-0000"). A Received: body's date after its last ';' is
// read too. Rejected: no time of day (no midnight is
// invented), out-of-range fields, zone offsets of 24 hours or more.
std::optional<std::int64_t> parse_date(std::string_view value);

}  // namespace prospectd::connectors::mail
