// Parsing and resolving the `since` window with <chrono> calendar types.
#include "config/since_window.h"

#include <charconv>

namespace prospectd::config {
namespace {

std::optional<int> whole_number(std::string_view digits) {
  int value = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return value;
}

// YYYY-MM-DD, a date that exists.
std::optional<std::chrono::sys_days> iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const auto year = whole_number(text.substr(0, 4));
  const auto month = whole_number(text.substr(5, 2));
  const auto day = whole_number(text.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *year < 1970) return std::nullopt;
  return std::chrono::sys_days(date);
}

}  // namespace

std::chrono::sys_days SinceWindow::first_day(std::chrono::sys_days today) const {
  using namespace std::chrono;
  if (date) return *date;
  switch (unit) {
    case 'd':
      return today - days(count);
    case 'w':
      return today - weeks(count);
    case 'm':
    case 'y': {
      const year_month_day now{today};
      year_month_day back = unit == 'm' ? now - months(count) : now - years(count);
      if (!back.ok()) back = year_month_day_last(back.year(), month_day_last(back.month()));
      return sys_days(back);
    }
    default:
      return today;
  }
}

std::optional<SinceWindow> parse_since(std::string_view text) {
  SinceWindow window;
  window.text = std::string(text);
  if (auto date = iso_date(text)) {
    window.date = date;
    return window;
  }
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const auto count = whole_number(text.substr(0, text.size() - 1));
  // Up to 100 years back in any unit: enough for any mailbox, and no date overflow.
  const int limit = unit == 'd' ? 36500 : unit == 'w' ? 5200 : unit == 'm' ? 1200 : unit == 'y' ? 100 : 0;
  if (!count || *count < 1 || *count > limit) return std::nullopt;
  window.count = *count;
  window.unit = unit;
  return window;
}

}  // namespace prospectd::config
