// The CLI's commands (DESIGN §3). Each returns the process exit code; configuration errors
// are thrown as ConfigError and reported by main.
#pragma once

#include <optional>
#include <string>

#include "daemon/config.h"

namespace prospectd::daemon {

struct SyncCommandOptions {
  std::optional<std::string> account;  // only this account
};
int run_sync_command(const Config& config, const SyncCommandOptions& options);

struct StatusCommandOptions {
  bool json = false;
};
int run_status_command(const Config& config, const StatusCommandOptions& options);

}  // namespace prospectd::daemon
