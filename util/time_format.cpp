// Timestamp formatting with gmtime_r (no locale, no time zone database needed).
// Human forms round down to the largest whole unit.
#include "util/time_format.h"

#include <ctime>

namespace prospectd::util {

std::string iso8601_utc(std::int64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

std::string time_ago(std::optional<std::int64_t> unix_seconds, std::int64_t now) {
  if (!unix_seconds) return "never";
  const std::int64_t seconds = now - *unix_seconds;
  if (seconds < 60) return "just now";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min ago";
  if (seconds < 86400) return std::to_string(seconds / 3600) + " h ago";
  return std::to_string(seconds / 86400) + " days ago";
}

}  // namespace prospectd::util
