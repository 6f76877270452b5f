// The outbox targets the config asks for: "team" for [team], one per [[webhooks]] entry named by
// a hash of its URL (so the URL itself, which may hold a token, is not written to the store). Pure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "store/outbox.h"

namespace prospectd::publish {

inline constexpr const char* kTeamTarget = "team";

std::string webhook_target_name(const config::WebhookConfig& webhook);
std::vector<store::PublishTarget> publish_targets_of(const config::Config& config);
// Target name -> what the rep knows it by: "team" (rep NAME), or the webhook's URL without its query.
std::map<std::string, std::string> publish_labels_of(const config::Config& config);

}  // namespace prospectd::publish
