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

struct ContactsCommandOptions {
  std::optional<std::string> stage;
  bool json = false;
};
int run_contacts_command(const Config& config, const ContactsCommandOptions& options);

struct ContactCommandOptions {
  std::string email;
  bool json = false;
};
int run_contact_command(const Config& config, const ContactCommandOptions& options);

struct ThreadsCommandOptions {
  std::optional<std::string> contact;
  bool json = false;
};
int run_threads_command(const Config& config, const ThreadsCommandOptions& options);

struct StageCommandOptions {
  std::string email;
  std::string stage;
  std::string note;
};
int run_stage_command(const Config& config, const StageCommandOptions& options);

int run_rebuild_command(const Config& config);

// The daemon: syncs every account in the background and serves the HTTP API until SIGTERM.
int run_daemon_command(const Config& config);

}  // namespace prospectd::daemon
