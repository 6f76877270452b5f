// JSON for what waits to leave the machine (ARCHITECTURE.md "Team and webhooks"): the outbox
// backlog of status documents and each target's state. Pure; any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "store/reader.h"

namespace prospectd::views {

// Target name -> what the rep knows it by (the team's rep name, a webhook's URL).
using PublishLabels = std::map<std::string, std::string>;

// What the rep knows target `name` by: its label, or the name itself.
const std::string& publish_label(const PublishLabels& labels, const std::string& name);

// {"pending","failed","oldest_pending_at"}: all targets together.
nlohmann::json outbox_json(const store::PublishStatus& status);
// [{"target","kind","state","pending","failed","oldest_pending_at","last_attempt_at","last_success_at","last_error"}]
nlohmann::json publish_targets_json(const store::PublishStatus& status, const PublishLabels& labels);

}  // namespace prospectd::views
