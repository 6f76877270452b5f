// Gmail's per-method quota costs (one table) and the per-user token bucket that paces requests.
// QuotaBucket is not thread-safe; the API client owns one and uses it from its own thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

namespace prospectd::connectors::gmail {

// The Gmail API methods prospectd calls.
enum class Method {
  get_profile,
  send_as_list,
  labels_list,
  messages_list,
  messages_get,
  threads_list,
  threads_get,
  history_list,
};

// Quota units per call, as Google publishes them
// (https://developers.google.com/gmail/api/reference/quota): getProfile 1,
// settings.sendAs.list 1, labels.list 1, messages.list 5, messages.get 5, threads.list 10,
// threads.get 10, history.list 2.
int quota_cost(Method method);
// Google's name of the method ("users.messages.get"), for logs and statistics.
std::string_view method_name(Method method);
inline constexpr int kMethodCount = 8;

// Google's per-user limit: 250 quota units per second as a moving average (15,000 a minute),
// allowing short bursts.
inline constexpr double kDefaultUnitsPerSecond = 250.0;

// A token bucket: `units_per_second` refill, at most `burst` units saved up. Starts full.
class QuotaBucket {
 public:
  using Clock = std::chrono::steady_clock;

  QuotaBucket(double units_per_second, double burst, Clock::time_point now = Clock::now());

  // Takes `units` and returns zero if they are available at `now`; otherwise takes nothing and
  // returns how long to wait before they will be.
  Clock::duration try_take(int units, Clock::time_point now);

  // Google said the quota is exhausted: nothing is handed out before `until`, and the bucket
  // is empty then (the server's own bucket needs refilling too).
  void pause_until(Clock::time_point until);

  double units_per_second() const { return rate_; }

 private:
  void refill(Clock::time_point now);

  double rate_;
  double burst_;
  double tokens_;
  Clock::time_point updated_;
  Clock::time_point paused_until_{};
};

}  // namespace prospectd::connectors::gmail
