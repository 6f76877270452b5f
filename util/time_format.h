// ISO 8601 UTC timestamps for JSON and terminal output ("2026-11-22T09:30:00Z").
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace prospectd::util {

std::string iso8601_utc(std::int64_t unix_seconds);
// "3 min ago", "2 days ago" relative to `now`; "never" for nullopt.
std::string time_ago(std::optional<std::int64_t> unix_seconds, std::int64_t now);

}  // namespace prospectd::util
