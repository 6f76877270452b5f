// The CLI's commands (ARCHITECTURE.md "Interfaces"). Each returns the process exit code; configuration errors
// are thrown as ConfigError and reported by main.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"

namespace prospectd::cli {

struct SyncCommandOptions {
  std::optional<std::string> account;  // only this account
};
int run_sync_command(const config::Config& config, const SyncCommandOptions& options);

struct StatusCommandOptions {
  bool json = false;
};
int run_status_command(const config::Config& config, const StatusCommandOptions& options);

struct ContactsCommandOptions {
  std::optional<std::string> stage;
  bool json = false;
};
int run_contacts_command(const config::Config& config, const ContactsCommandOptions& options);

struct ContactCommandOptions {
  std::string email;
  bool json = false;
};
int run_contact_command(const config::Config& config, const ContactCommandOptions& options);

struct ThreadsCommandOptions {
  std::optional<std::string> contact;
  bool json = false;
};
int run_threads_command(const config::Config& config, const ThreadsCommandOptions& options);

struct StageCommandOptions {
  std::string email;
  std::string stage;
  std::string note;
};
int run_stage_command(const config::Config& config, const StageCommandOptions& options);

int run_rebuild_command(const config::Config& config);

// `prospectd init`: writes the commented starter config (packaging/config.example.toml) to
// `config_path`, 0600. Refuses (exit 1) to replace an existing file unless `force`. On a terminal
// it asks for the IMAP URL and username; with stdin not a terminal it never asks.
struct InitCommandOptions {
  bool force = false;
};
int run_init_command(const std::filesystem::path& config_path, const InitCommandOptions& options);

// `prospectd doctor`: checks the config, data directory, store, each account's secret and
// server (reachable, TLS verified, login), the HTTP address and the service files; prints one
// line per check ("ok|warn|FAIL  what  how to fix"). Exit 0 without failures, else 1.
struct DoctorCommandOptions {
  bool verbose = false;                     // log connection details to stderr
  std::chrono::seconds connect_timeout{5};  // per server connection attempt
};
int run_doctor_command(const std::filesystem::path& config_path, const DoctorCommandOptions& options);

// `prospectd open`: asks the running daemon for a one-time sign-in link to its status page (valid once,
// for 2 minutes) and opens it in the browser, or with `print` prints it. Exit 1 when no daemon answers
// on http.listen or the link cannot be made.
struct OpenCommandOptions {
  bool print = false;
};
int run_open_command(const config::Config& config, const OpenCommandOptions& options);

}  // namespace prospectd::cli
