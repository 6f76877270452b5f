// Drains one [[webhooks]] target: signed deliveries in order per contact, retried with backoff,
// given up after 24 hours (ARCHITECTURE.md "Team and webhooks"). REQUIRES: one thread; owns
// its store connections and its HTTP client.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <random>

#include "config/config.h"
#include "publish/target_publisher.h"
#include "publish/webhook_client.h"
#include "store/outbox.h"
#include "store/reader.h"
#include "store/store.h"

namespace prospectd::publish {

class WebhookPublisher : public TargetPublisher {
 public:
  WebhookPublisher(config::WebhookConfig webhook, const std::filesystem::path& store_file);
  const std::string& name() const override { return name_; }
  std::chrono::milliseconds publish_due(const std::atomic<bool>& stop) override;
  bool drained() const override { return drained_; }

 private:
  // Resolves the secret and makes the client; false (recorded on the target) when it cannot.
  bool ensure_client(std::int64_t now);

  config::WebhookConfig webhook_;
  std::string name_;
  store::Store store_;
  store::Outbox outbox_;
  store::StoreReader reader_;
  std::unique_ptr<WebhookClient> client_;
  int receiver_failures_ = 0;  // consecutive failures of the whole receiver
  std::string last_logged_error_;
  bool drained_ = false;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace prospectd::publish
