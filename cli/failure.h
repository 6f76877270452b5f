// How a command reports an expected failure: one line "prospectd: <what>" on stderr, exit 1.
// Header-only; any thread.
#pragma once

#include <cstdio>
#include <string>

namespace prospectd::cli {

// Prints the line and returns 1, the exit code of a command that failed.
inline int report_failure(const std::string& message) {
  std::fprintf(stderr, "prospectd: %s\n", message.c_str());
  return 1;
}

}  // namespace prospectd::cli
