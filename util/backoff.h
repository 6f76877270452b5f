// Jittered exponential backoff: the one delay policy for retrying after expected failures
// (account syncs, publishers). Pure; any thread.
#pragma once

#include <chrono>

namespace prospectd::util {

// `first` doubled per failure after the first, capped at `cap`, times a jitter factor between
// 0.5 and 1.5 (`jitter_unit` in [0, 1), e.g. from a uniform distribution), so many clients that
// failed together do not retry together.
std::chrono::milliseconds jittered_backoff(int failures, std::chrono::milliseconds first, std::chrono::milliseconds cap,
                                           double jitter_unit);

}  // namespace prospectd::util
