// `prospectd team [--json]` (the team's combined pipeline from the team database) and
// `prospectd publish` (drain the outbox once, for scripts and a first publish without the daemon).
#pragma once

#include <chrono>

#include "config/config.h"

namespace prospectd::cli {

struct TeamCommandOptions {
  bool json = false;
};
// Exit 0; 1 with one line when the team database cannot be read; 2 without [team].
int run_team_command(const config::Config& config, const TeamCommandOptions& options);

struct PublishCommandOptions {
  int timeout_seconds = 300;
};
// Exit 0 when everything went out, 1 (and what is left, and why, on stderr) otherwise.
int run_publish_command(const config::Config& config, const PublishCommandOptions& options);

}  // namespace prospectd::cli
