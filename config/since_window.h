// `since = "2y"` (or "90d", "6w", "18m", or a date "2024-01-31"): how far back the first sync of
// an IMAP account reaches (ARCHITECTURE.md "Interfaces"). A value type; any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace prospectd::config {

struct SinceWindow {
  std::string text;                           // as written, for messages
  std::optional<std::chrono::sys_days> date;  // an absolute date, or
  int count = 0;                              // a window back from today: count units
  char unit = 0;                              // 'd', 'w', 'm' (calendar months), 'y' (calendar years)

  // The first day whose mail is synced. Calendar arithmetic: "1m" on 31 March is 28 (or 29)
  // February, the last day of that month.
  std::chrono::sys_days first_day(std::chrono::sys_days today) const;
  bool operator==(const SinceWindow&) const = default;
};

// nullopt when `text` is neither Nd/Nw/Nm/Ny (N from 1 to 100 years' worth) nor a real date.
std::optional<SinceWindow> parse_since(std::string_view text);

}  // namespace prospectd::config
