// Gmail's per-method quota costs (one table) and the per-user token bucket that paces requests.
// Pure arithmetic on a caller-supplied clock, so tests drive it without sleeping.
#include "connectors/gmail/quota_bucket.h"

#include <algorithm>
#include <array>

namespace prospectd::connectors::gmail {
namespace {

struct MethodInfo {
  Method method;
  std::string_view name;
  int cost;
};

// The one cost table (Google's "Per-method quota usage").
constexpr std::array<MethodInfo, kMethodCount> kMethods{{
    {Method::get_profile, "users.getProfile", 1},
    {Method::send_as_list, "users.settings.sendAs.list", 1},
    {Method::labels_list, "users.labels.list", 1},
    {Method::messages_list, "users.messages.list", 5},
    {Method::messages_get, "users.messages.get", 5},
    {Method::threads_list, "users.threads.list", 10},
    {Method::threads_get, "users.threads.get", 10},
    {Method::history_list, "users.history.list", 2},
}};

const MethodInfo& info(Method method) { return kMethods[static_cast<std::size_t>(method)]; }

}  // namespace

int quota_cost(Method method) { return info(method).cost; }
std::string_view method_name(Method method) { return info(method).name; }

QuotaBucket::QuotaBucket(double units_per_second, double burst, Clock::time_point now)
    : rate_(std::max(units_per_second, 0.001)), burst_(std::max(burst, 1.0)), tokens_(burst_), updated_(now) {}

void QuotaBucket::refill(Clock::time_point now) {
  const Clock::time_point from = std::max(updated_, paused_until_);
  if (now <= from) return;
  const double seconds = std::chrono::duration<double>(now - from).count();
  tokens_ = std::min(burst_, tokens_ + seconds * rate_);
  updated_ = now;
}

QuotaBucket::Clock::duration QuotaBucket::try_take(int units, Clock::time_point now) {
  if (now < paused_until_) return paused_until_ - now;
  refill(now);
  // A request dearer than the whole burst may still go once the bucket is full.
  const double needed = std::min(static_cast<double>(units), burst_);
  if (tokens_ >= needed) {
    tokens_ -= units;
    return Clock::duration::zero();
  }
  const auto wait = std::chrono::duration<double>((needed - tokens_) / rate_);
  return std::max<Clock::duration>(std::chrono::duration_cast<Clock::duration>(wait), std::chrono::microseconds(100));
}

void QuotaBucket::pause_until(Clock::time_point until) {
  if (until <= paused_until_) return;
  paused_until_ = until;
  updated_ = until;
  tokens_ = std::min(tokens_, 0.0);
}

}  // namespace prospectd::connectors::gmail
