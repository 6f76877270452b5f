// Jittered exponential backoff (util/backoff.h).
#include "util/backoff.h"

#include <algorithm>
#include <cstdint>

namespace prospectd::util {

std::chrono::milliseconds jittered_backoff(int failures, std::chrono::milliseconds first, std::chrono::milliseconds cap,
                                           double jitter_unit) {
  const double base = static_cast<double>(first.count()) * static_cast<double>(1LL << std::clamp(failures - 1, 0, 20));
  const double capped = std::min(base, static_cast<double>(cap.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped * (0.5 + std::clamp(jitter_unit, 0.0, 1.0))));
}

}  // namespace prospectd::util
