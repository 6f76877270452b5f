// Publisher threads: one per target, each polling its share of the outbox and sleeping out its
// backoff; wake() and stop cut a sleep short.
#include "publish/publisher.h"

#include <spdlog/spdlog.h>

#include "publish/publish_targets.h"
#include "publish/retry_policy.h"
#include "publish/team_publisher.h"
#include "publish/unix_now.h"
#include "publish/webhook_publisher.h"
#include "store/outbox.h"

namespace prospectd::publish {

void register_targets(const config::Config& config) {
  store::Store store(config.store_file());
  store::Outbox outbox(store);
  const auto targets = publish_targets_of(config);
  outbox.set_targets(targets, unix_now());
}

std::size_t target_count(const config::Config& config) { return (config.team ? 1 : 0) + config.webhooks.size(); }

std::unique_ptr<TargetPublisher> make_target_publisher(const config::Config& config, std::size_t index) {
  if (config.team && index == 0) return std::make_unique<TeamPublisher>(*config.team, config.store_file());
  return std::make_unique<WebhookPublisher>(config.webhooks.at(index - (config.team ? 1 : 0)), config.store_file());
}

Publisher::Publisher(const config::Config& config) : config_(config) {
  register_targets(config_);  // also drops the targets a previous config had
  for (std::size_t index = 0; index < target_count(config_); ++index) {
    threads_.emplace_back([this, index] { run(index); });
  }
}

Publisher::~Publisher() {
  stop_ = true;
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void Publisher::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wake_.notify_all();
}

void Publisher::run(std::size_t index) {
  std::unique_ptr<TargetPublisher> publisher;
  while (!stop_) {
    std::chrono::milliseconds wait = kPollInterval;
    try {
      // Made on this thread: a store connection belongs to the thread that uses it.
      if (!publisher) publisher = make_target_publisher(config_, index);
      wait = publisher->publish_due(stop_);
    } catch (const std::exception& error) {
      // The store busy or unreadable for a moment: try again later with fresh connections.
      spdlog::error("publisher: {} (retrying in 10 s)", error.what());
      publisher.reset();
      wait = std::chrono::seconds(10);
    }
    std::unique_lock lock(mutex_);
    const std::uint64_t seen = wakes_;
    wake_.wait_for(lock, wait, [&] { return stop_ || wakes_ != seen; });
  }
}

bool publish_until_drained(const config::Config& config, std::chrono::seconds timeout) {
  register_targets(config);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::atomic<bool> never{false};
  bool all_drained = true;
  for (std::size_t index = 0; index < target_count(config); ++index) {
    const auto publisher = make_target_publisher(config, index);
    for (;;) {
      const auto wait = publisher->publish_due(never);
      if (publisher->drained()) break;
      if (std::chrono::steady_clock::now() + wait > deadline) {
        all_drained = false;
        break;
      }
      std::this_thread::sleep_for(wait);
    }
  }
  return all_drained;
}

}  // namespace prospectd::publish
