// What the running daemon knows that the store does not: per-account sync progress right now,
// and counters for /metrics. Written by the scheduler, read by HTTP workers. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace prospectd::sync {

struct LiveProgress {
  std::string folder;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  double rate = 0;  // messages per second in this run
};

struct AccountCounters {
  std::uint64_t sync_runs = 0;
  std::uint64_t sync_failures = 0;
  double sync_seconds_total = 0;
  double last_sync_seconds = 0;
  std::uint64_t messages_fetched = 0;
  std::map<std::string, std::uint64_t> errors_by_kind;  // transient, auth, bad_item, fatal
};

class LiveStatus {
 public:
  void sync_started(const std::string& account);
  void progress(const std::string& account, const std::string& folder, std::uint64_t done, std::uint64_t total);
  // Ends the run: clears progress and adds to the counters.
  void sync_finished(const std::string& account, bool ok, const std::string& error_kind, double seconds,
                     std::uint64_t messages_fetched);

  bool syncing(const std::string& account) const;
  std::optional<LiveProgress> progress_of(const std::string& account) const;
  std::map<std::string, AccountCounters> counters() const;

  // HTTP request counting for /metrics, by route pattern and status code.
  void http_request(const std::string& route, int status);
  std::map<std::pair<std::string, int>, std::uint64_t> http_requests() const;

 private:
  struct Running {
    LiveProgress progress;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point folder_started;
    std::uint64_t folder_done_at_start = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Running> running_;
  std::map<std::string, AccountCounters> counters_;
  std::map<std::pair<std::string, int>, std::uint64_t> http_requests_;
};

}  // namespace prospectd::sync
