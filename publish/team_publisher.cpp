// The team publisher: marked contacts -> PostgreSQL. A batch is cleared locally only after its
// database commit; a crash in between republishes the same state, which the upsert makes harmless.
#include "publish/team_publisher.h"

#include <spdlog/spdlog.h>

#include "config/secrets.h"
#include "publish/publish_targets.h"
#include "publish/retry_policy.h"
#include "publish/unix_now.h"

namespace prospectd::publish {

TeamPublisher::TeamPublisher(config::TeamConfig team, const std::filesystem::path& store_file, std::size_t batch_size)
    : team_(std::move(team)), name_(kTeamTarget), batch_size_(batch_size), store_(store_file), outbox_(store_) {}

std::expected<std::optional<std::string>, std::string> resolve_team_password(const config::TeamConfig& team) {
  auto password = config::resolve_optional_secret(team.password);
  if (!password) return std::unexpected(password.error());
  if (password->empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(*password));
}

void TeamPublisher::connect() {
  auto password = resolve_team_password(team_);
  if (!password) throw store::team::TeamError(core::ErrorKind::auth, password.error());
  database_ = std::make_unique<store::team::TeamDatabase>(team_.database, *password);
  database_->ensure_schema();
}

std::chrono::milliseconds TeamPublisher::publish_due(const std::atomic<bool>& stop) {
  drained_ = false;
  std::size_t published_now = 0;
  try {
    for (;;) {
      if (stop) return std::chrono::milliseconds(0);
      store::TeamBatch batch = outbox_.marked_team_contacts(batch_size_, team_.share_subjects);
      if (batch.marks.empty()) break;
      if (!database_) connect();
      database_->publish(team_.rep, batch.changes, unix_now());
      outbox_.clear_team_marks(batch.marks);
      published_now += batch.changes.size();
    }
    drained_ = true;
    if (published_now > 0 || failures_ > 0) {
      outbox_.record_target_attempt(name_, unix_now(), true);
      if (failures_ > 0) spdlog::info("team database: publishing again");
      published_ += published_now;
    }
    failures_ = 0;
    last_logged_error_.clear();
    return kPollInterval;
  } catch (const store::team::TeamError& error) {
    database_.reset();
    published_ += published_now;
    ++failures_;
    const std::string message = error.what();
    outbox_.record_target_attempt(name_, unix_now(), false, core::to_string(error.kind()), message);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::chrono::milliseconds delay = retry_delay(failures_, unit(random_));
    if (error.kind() == core::ErrorKind::auth)
      delay = std::max<std::chrono::milliseconds>(delay, std::chrono::seconds(30));
    if (error.kind() == core::ErrorKind::fatal) delay = std::chrono::hours(1);
    if (message != last_logged_error_) {
      spdlog::error("{} (the local pipeline is unaffected; retrying in {} s)", message,
                    std::chrono::duration_cast<std::chrono::seconds>(delay).count());
    }
    last_logged_error_ = message;
    return delay;
  }
}

}  // namespace prospectd::publish
