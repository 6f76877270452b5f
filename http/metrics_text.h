// Prometheus text exposition (format 0.0.4) of the daemon's counters and the store's gauges
// for GET /metrics. A pure function of a snapshot; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sync/live_status.h"

namespace prospectd::http {

struct AccountGauges {
  bool syncing = false;
  std::optional<std::int64_t> last_success_at;  // unix seconds
  std::int64_t messages_stored = 0;
};

struct MetricsSnapshot {
  std::map<std::string, sync::AccountCounters> counters;  // every configured account, zeros if idle
  std::map<std::string, AccountGauges> gauges;
  std::vector<std::pair<std::string, std::int64_t>> contacts_by_stage;  // pipeline order
  std::map<std::pair<std::string, int>, std::uint64_t> http_requests;   // (route, code)
};

std::string metrics_text(const MetricsSnapshot& snapshot);

}  // namespace prospectd::http
