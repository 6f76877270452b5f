// Drains the team target: each marked contact's current shared state (or its withdrawal) goes
// to PostgreSQL in batches, one database transaction each, and its mark is cleared after the
// commit (ARCHITECTURE.md "Team and webhooks"). REQUIRES: one thread; owns its connections.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "config/config.h"
#include "publish/target_publisher.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/team/team_database.h"

namespace prospectd::publish {

// The team database's password from [team]'s password_* setting: nullopt when none is set (libpq
// then uses its own, ~/.pgpass or PGPASSWORD), or a message naming the key when it cannot be read.
std::expected<std::optional<std::string>, std::string> resolve_team_password(const config::TeamConfig& team);

class TeamPublisher : public TargetPublisher {
 public:
  TeamPublisher(config::TeamConfig team, const std::filesystem::path& store_file, std::size_t batch_size = 2000);
  const std::string& name() const override { return name_; }
  std::chrono::milliseconds publish_due(const std::atomic<bool>& stop) override;
  bool drained() const override { return drained_; }
  // The number of contacts published (upserted or withdrawn) since this publisher was made.
  std::size_t published() const { return published_; }

 private:
  void connect();

  config::TeamConfig team_;
  std::string name_;
  std::size_t batch_size_;
  store::Store store_;
  store::Outbox outbox_;
  std::unique_ptr<store::team::TeamDatabase> database_;
  int failures_ = 0;
  std::string last_logged_error_;
  bool drained_ = false;
  std::size_t published_ = 0;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace prospectd::publish
