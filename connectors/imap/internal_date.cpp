// A strict parser for the one fixed format of INTERNALDATE; the day may be space-padded
// (date-day-fixed). Anything else is nullopt: INTERNALDATE is only a fallback for Date.
#include "connectors/imap/internal_date.h"

#include <array>
#include <charconv>
#include <chrono>

namespace prospectd::connectors::imap {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::optional<int> number(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::int64_t> parse_internal_date(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  // d-Mon-yyyy hh:mm:ss +zzzz  or  dd-Mon-yyyy hh:mm:ss +zzzz
  const auto dash = text.find('-');
  if (dash == std::string_view::npos || text.size() != dash + 1 + 3 + 1 + 4 + 1 + 8 + 1 + 5) return std::nullopt;
  const std::string_view month_name = text.substr(dash + 1, 3);
  unsigned month = 0;
  while (month < 12 && kMonthNames[month] != month_name) ++month;
  const auto day = number(text.substr(0, dash));
  const auto year = number(text.substr(dash + 5, 4));
  const std::string_view clock = text.substr(dash + 10, 8);
  const std::string_view zone = text.substr(dash + 19, 5);
  const auto hours = number(clock.substr(0, 2));
  const auto minutes = number(clock.substr(3, 2));
  const auto seconds = number(clock.substr(6, 2));
  const auto zone_hours = number(zone.substr(1, 2));
  const auto zone_minutes = number(zone.substr(3, 2));
  if (month == 12 || !day || !year || !hours || !minutes || !seconds || !zone_hours || !zone_minutes ||
      (zone[0] != '+' && zone[0] != '-') || clock[2] != ':' || clock[5] != ':') {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(month + 1),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t offset = (zone[0] == '-' ? -1 : 1) * (*zone_hours * 3600 + *zone_minutes * 60);
  return days * 86400 + *hours * 3600 + *minutes * 60 + *seconds - offset;
}

std::string search_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day date{day};
  return std::to_string(static_cast<unsigned>(date.day())) + "-" +
         std::string(kMonthNames[static_cast<unsigned>(date.month()) - 1]) + "-" +
         std::to_string(static_cast<int>(date.year()));
}

}  // namespace prospectd::connectors::imap
