// One account's life in the daemon: sync, then wait (IMAP IDLE where offered, else the poll
// interval), with jittered exponential backoff after errors. Runs on its own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "connectors/message_source.h"
#include "sync/live_status.h"
#include "sync/rules_context.h"

namespace prospectd::sync {

// Builds an account's connector: sync::make_source unless a test hands in another.
using SourceFactory = std::function<std::expected<std::unique_ptr<connectors::MessageSource>, core::SourceError>(
    const config::AccountConfig& account, const std::atomic<bool>* cancel)>;

class AccountWorker {
 public:
  AccountWorker(config::AccountConfig account, std::shared_ptr<const RulesContext> rules,
                std::filesystem::path store_file, LiveStatus& live, SourceFactory source_factory = {});
  // Stops the thread (rolling back a batch in flight) and joins it.
  ~AccountWorker();
  AccountWorker(const AccountWorker&) = delete;
  AccountWorker& operator=(const AccountWorker&) = delete;

  // Wakes the worker to sync now (from a wait, a backoff or a parked state).
  void request_sync();
  // Asks the worker to stop; returns at once (the destructor joins).
  void request_stop();

  const config::AccountConfig& account() const { return account_; }

 private:
  void run();
  // Sleeps up to `duration`; returns early on request_sync/request_stop.
  void pause(std::chrono::milliseconds duration);

  config::AccountConfig account_;
  std::shared_ptr<const RulesContext> rules_;
  std::filesystem::path store_file_;
  LiveStatus& live_;
  SourceFactory source_factory_;
  std::atomic<bool> stop_{false};       // cancels network waits of a running sync
  std::atomic<bool> interrupt_{false};  // ends an IDLE or a pause (stop or sync request)
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

// Backoff after `failures` consecutive transient failures: 5 s doubling to 15 min, times a
// random factor in [0.5, 1.5) so that many daemons do not retry in step. `failures` below 1
// counts as 1.
std::chrono::milliseconds backoff_delay(int failures, double jitter_unit);

}  // namespace prospectd::sync
