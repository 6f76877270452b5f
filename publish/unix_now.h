// The current time as Unix seconds, the store's unit. Any thread.
#pragma once

#include <chrono>
#include <cstdint>

namespace prospectd::publish {

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace prospectd::publish
