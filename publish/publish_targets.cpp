// Config -> outbox targets (publish/publish_targets.h).
#include "publish/publish_targets.h"

#include "util/keyed_hash.h"

namespace prospectd::publish {

std::string webhook_target_name(const config::WebhookConfig& webhook) {
  return "webhook " + util::sha256_hex(webhook.url).substr(0, 16);
}

std::vector<store::PublishTarget> publish_targets_of(const config::Config& config) {
  std::vector<store::PublishTarget> targets;
  if (config.team) targets.push_back({kTeamTarget, "team", ""});
  for (const config::WebhookConfig& webhook : config.webhooks) {
    std::string events;
    for (const std::string& event : webhook.events) events += (events.empty() ? "" : ",") + event;
    targets.push_back({webhook_target_name(webhook), "webhook", events});
  }
  return targets;
}

std::map<std::string, std::string> publish_labels_of(const config::Config& config) {
  std::map<std::string, std::string> labels;
  if (config.team) labels[kTeamTarget] = "team (rep " + config.team->rep + ")";
  for (const config::WebhookConfig& webhook : config.webhooks) {
    // A query string may carry a receiver's token: status shows the URL without it.
    labels[webhook_target_name(webhook)] = webhook.url.substr(0, webhook.url.find('?'));
  }
  return labels;
}

}  // namespace prospectd::publish
