// Live sync progress on a terminal: one line per folder with fetched/total, rate and ETA,
// redrawn at most ten times a second. Prints nothing when not enabled (not a terminal).
#pragma once

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "connectors/message_source.h"

namespace prospectd::cli {

class ProgressDisplay {
 public:
  ProgressDisplay(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  // REQUIRES: called from one thread.
  void update(const std::string& account, const connectors::Progress& progress);
  // Ends the current line, if one is being redrawn.
  void finish();

 private:
  struct ScopeState {
    std::chrono::steady_clock::time_point started;
    std::uint64_t done_at_start = 0;
  };
  std::FILE* out_;
  bool enabled_;
  bool line_open_ = false;
  std::string current_scope_;
  std::map<std::string, ScopeState> scopes_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace prospectd::cli
