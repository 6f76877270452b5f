// When the publishers try again (ARCHITECTURE.md "Team and webhooks"): retries start within
// seconds, back off exponentially to at most 10 minutes apart, and a webhook delivery is kept
// 24 hours before it is marked failed. Constants and pure functions; any thread.
#pragma once

#include <chrono>
#include <cstdint>

#include "util/backoff.h"

namespace prospectd::publish {

inline constexpr std::chrono::seconds kFirstRetry{2};
inline constexpr std::chrono::minutes kRetryCap{10};
inline constexpr std::chrono::hours kKeepUndelivered{24};
// Publishers look for new work at least this often (changes made by another process, such as
// `prospectd stage` beside a running daemon, wake no one).
inline constexpr std::chrono::milliseconds kPollInterval{500};

// The delay before the next attempt after `failures` consecutive failures.
inline std::chrono::milliseconds retry_delay(int failures, double jitter_unit) {
  return util::jittered_backoff(failures, kFirstRetry, kRetryCap, jitter_unit);
}

}  // namespace prospectd::publish
