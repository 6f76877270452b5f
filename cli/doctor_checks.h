// The checks behind `prospectd doctor`. Each looks at one thing (data directory, store, an
// account's secret or server, the HTTP address, the service files), never changes it, and
// says how to fix what it finds. Secrets are resolved but never part of a result.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "config/config.h"

namespace prospectd::cli {

enum class CheckLevel { ok, warn, fail };

struct CheckResult {
  CheckLevel level = CheckLevel::ok;
  std::string what;  // what was checked and what was found
  std::string fix;   // how to fix it; empty when there is nothing to do
};

// "ok    what" / "warn  what  fix: ..." / "FAIL  what  fix: ...".
std::string format_check(const CheckResult& result);

// data_dir exists and is writable, or can be created.
CheckResult check_data_dir(const config::Config& config);

// The store file (if there is one yet) opens read-only, passes PRAGMA integrity_check, and has
// a schema this build can use. Never migrates or writes.
std::vector<CheckResult> check_store(const config::Config& config);

// IMAP: the secret resolves (and a password_file is private), then the server is reachable, TLS
// is verified and the login succeeds; each connection attempt is bounded by `timeout`.
// Gmail: the client secret resolves and the token file from `prospectd auth` exists.
std::vector<CheckResult> check_account(const config::Config& config, const config::AccountConfig& account,
                                       std::chrono::seconds timeout);

// http.listen can be bound, or is already served by a running prospectd (GET /healthz).
CheckResult check_http_listen(const config::Config& config);

// A service definition is installed: the systemd user unit (or the system template for this
// user), or the launchd agent on macOS. Missing or not enabled is a warning, never a failure.
CheckResult check_service_files();

}  // namespace prospectd::cli
