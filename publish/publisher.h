// The publishers of the outbox (ARCHITECTURE.md "Team and webhooks"): registers the configured
// targets with the store, then runs one thread per target (a stalled webhook never delays the
// team database). Owns its threads; the public calls are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "config/config.h"
#include "publish/target_publisher.h"

namespace prospectd::publish {

// Makes the store's outbox targets those of `config` (store::Outbox::set_targets): a new target
// gets the existing history queued, a removed one is dropped. Throws std::runtime_error if the
// store cannot be opened.
void register_targets(const config::Config& config);

// How many targets `config` has: [team] first, then each [[webhooks]] entry.
std::size_t target_count(const config::Config& config);
// The publisher of target `index` (in target_count's order). REQUIRES: called on the thread
// that will use it (it owns store connections).
std::unique_ptr<TargetPublisher> make_target_publisher(const config::Config& config, std::size_t index);

class Publisher {
 public:
  // Registers the targets and starts publishing. Nothing runs without [team] or [[webhooks]].
  explicit Publisher(const config::Config& config);
  ~Publisher();  // stops and joins the threads (a delivery in flight ends at its timeout)
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Looks for work now (after a local change) instead of at the next poll.
  void wake();

 private:
  void run(std::size_t index);

  config::Config config_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::uint64_t wakes_ = 0;  // GUARDED_BY(mutex_)
  std::vector<std::thread> threads_;
};

// `prospectd publish`: one pass over every target until nothing is left or `timeout` passes.
// Returns true when everything went out.
bool publish_until_drained(const config::Config& config, std::chrono::seconds timeout);

}  // namespace prospectd::publish
