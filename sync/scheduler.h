// The set of account workers the daemon runs, kept in line with the config on reload:
// unchanged accounts keep running, changed ones restart, removed ones stop. Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "config/config.h"
#include "sync/account_worker.h"
#include "sync/live_status.h"

namespace prospectd::sync {

class Scheduler {
 public:
  // `source_factory` builds each account's connector (default: sync::make_source).
  explicit Scheduler(LiveStatus& live, SourceFactory source_factory = {})
      : live_(live), source_factory_(std::move(source_factory)) {}
  ~Scheduler() { stop_all(); }

  // Starts, restarts or stops workers so they match `config`. Changing identity, blocklist or
  // stage rules restarts every worker (their rules changed).
  void apply(const config::Config& config);

  // Wakes one account (or all with nullopt) to sync now; false if no such account.
  bool request_sync(const std::optional<std::string>& account);

  // Stops every worker; each rolls back the batch it had in hand. Returns when all have ended.
  void stop_all();

 private:
  LiveStatus& live_;
  SourceFactory source_factory_;
  std::mutex mutex_;
  std::optional<config::Config> applied_;
  std::shared_ptr<const RulesContext> rules_;
  std::map<std::string, std::unique_ptr<AccountWorker>> workers_;
};

}  // namespace prospectd::sync
