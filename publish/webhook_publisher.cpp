// Webhook deliveries: freeze the body at the first attempt (the same bytes and id on every
// retry), back off the receiver as a whole when it is unwell, an item alone when it is refused.
#include "publish/webhook_publisher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/secrets.h"
#include "publish/publish_targets.h"
#include "publish/retry_policy.h"
#include "publish/unix_now.h"
#include "publish/webhook_event.h"

namespace prospectd::publish {

namespace {

std::int64_t ceil_seconds(std::chrono::milliseconds delay) { return (delay.count() + 999) / 1000; }

}  // namespace

WebhookPublisher::WebhookPublisher(config::WebhookConfig webhook, const std::filesystem::path& store_file)
    : webhook_(std::move(webhook)),
      name_(webhook_target_name(webhook_)),
      store_(store_file),
      outbox_(store_),
      reader_(store_file) {}

bool WebhookPublisher::ensure_client(std::int64_t now) {
  if (client_) return true;
  auto secret = config::resolve_secret(webhook_.secret);
  if (!secret) {
    outbox_.record_target_attempt(name_, now, false, "auth", secret.error());
    if (secret.error() != last_logged_error_) spdlog::error("webhook {}: {}", webhook_.url, secret.error());
    last_logged_error_ = secret.error();
    return false;
  }
  WebhookEndpoint endpoint;
  endpoint.url = webhook_.url;
  endpoint.ca_file = webhook_.ca_file;
  endpoint.timeout = webhook_.timeout;
  endpoint.connect_timeout = std::min<std::chrono::milliseconds>(webhook_.timeout, std::chrono::seconds(5));
  client_ = std::make_unique<WebhookClient>(std::move(endpoint), std::move(*secret));
  return true;
}

std::chrono::milliseconds WebhookPublisher::publish_due(const std::atomic<bool>& stop) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  drained_ = false;
  std::int64_t now = unix_now();
  if (!ensure_client(now)) return std::chrono::minutes(1);
  std::size_t delivered = 0;
  for (;;) {
    const auto items = outbox_.due_webhook_items(name_, now, 100);
    if (items.empty()) break;
    for (store::WebhookItem item : items) {
      if (stop) return std::chrono::milliseconds(0);
      if (!item.body) {
        const auto contact = reader_.contact_row(item.contact_email);
        if (!contact) {
          outbox_.mark_failed(item.row, now, "the contact is no longer in the store");
          continue;
        }
        item.body = webhook_event_body(item, *contact);
        outbox_.freeze_body(item.row, *item.body, now);
        if (!item.first_attempt_at) item.first_attempt_at = now;
      }
      const DeliveryOutcome outcome = client_->deliver({delivery_id(item), item.type, *item.body});
      now = unix_now();
      if (outcome.verdict == DeliveryVerdict::delivered) {
        outbox_.mark_delivered(item.row, now);
        receiver_failures_ = 0;
        ++delivered;
        continue;
      }
      if (outcome.error != last_logged_error_) spdlog::warn("webhook {}: {}", webhook_.url, outcome.error);
      last_logged_error_ = outcome.error;
      const std::int64_t kept = now - item.first_attempt_at.value_or(now);
      if (kept >= std::chrono::duration_cast<std::chrono::seconds>(kKeepUndelivered).count()) {
        spdlog::error("webhook {}: delivery {} given up after 24 hours: {}", webhook_.url, delivery_id(item),
                      outcome.error);
        outbox_.mark_failed(item.row, now, outcome.error);
        continue;
      }
      if (outcome.verdict == DeliveryVerdict::retry_target) {
        ++receiver_failures_;
        std::chrono::milliseconds delay = retry_delay(receiver_failures_, unit(random_));
        if (outcome.retry_after) delay = std::max<std::chrono::milliseconds>(delay, *outcome.retry_after);
        delay = std::min<std::chrono::milliseconds>(delay, kRetryCap);
        outbox_.mark_retry(item.row, now + ceil_seconds(delay), outcome.error);
        outbox_.record_target_attempt(name_, now, false, "transient", outcome.error);
        return delay;
      }
      const auto delay = retry_delay(static_cast<int>(item.attempts) + 1, unit(random_));
      outbox_.mark_retry(item.row, now + ceil_seconds(delay), outcome.error);
      outbox_.record_target_attempt(name_, now, false, "bad_item", outcome.error);
    }
  }
  if (delivered > 0) {
    outbox_.record_target_attempt(name_, now, true);
    last_logged_error_.clear();
  }
  // Items backed off alone are skipped until due; new ones may arrive any moment.
  drained_ = !outbox_.next_webhook_due(name_, now).has_value();
  return kPollInterval;
}

}  // namespace prospectd::publish
