// LiveStatus: a mutex-guarded map per account; every accessor copies out under the lock.
// Rates are measured per folder from this run's first report.
#include "sync/live_status.h"

namespace prospectd::sync {

void LiveStatus::sync_started(const std::string& account) {
  std::lock_guard lock(mutex_);
  Running running;
  running.started = running.folder_started = std::chrono::steady_clock::now();
  running_[account] = running;
}

void LiveStatus::progress(const std::string& account, const std::string& folder, std::uint64_t done,
                          std::uint64_t total) {
  std::lock_guard lock(mutex_);
  auto& running = running_[account];
  const auto now = std::chrono::steady_clock::now();
  if (running.progress.folder != folder) {
    running.progress.folder = folder;
    running.folder_started = now;
    running.folder_done_at_start = done;
  }
  running.progress.done = done;
  running.progress.total = total;
  const double seconds = std::chrono::duration<double>(now - running.folder_started).count();
  running.progress.rate = seconds > 0.05 ? static_cast<double>(done - running.folder_done_at_start) / seconds : 0;
}

void LiveStatus::sync_finished(const std::string& account, bool ok, const std::string& error_kind, double seconds,
                               std::uint64_t messages_fetched) {
  std::lock_guard lock(mutex_);
  running_.erase(account);
  auto& counters = counters_[account];
  ++counters.sync_runs;
  if (!ok) {
    ++counters.sync_failures;
    ++counters.errors_by_kind[error_kind];
  }
  counters.sync_seconds_total += seconds;
  counters.last_sync_seconds = seconds;
  counters.messages_fetched += messages_fetched;
}

bool LiveStatus::syncing(const std::string& account) const {
  std::lock_guard lock(mutex_);
  return running_.contains(account);
}

std::optional<LiveProgress> LiveStatus::progress_of(const std::string& account) const {
  std::lock_guard lock(mutex_);
  const auto it = running_.find(account);
  if (it == running_.end() || it->second.progress.folder.empty()) return std::nullopt;
  return it->second.progress;
}

std::map<std::string, AccountCounters> LiveStatus::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void LiveStatus::http_request(const std::string& route, int status) {
  std::lock_guard lock(mutex_);
  ++http_requests_[{route, status}];
}

std::map<std::pair<std::string, int>, std::uint64_t> LiveStatus::http_requests() const {
  std::lock_guard lock(mutex_);
  return http_requests_;
}

}  // namespace prospectd::sync
