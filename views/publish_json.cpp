// Outbox and publish-target JSON (views/publish_json.h).
#include "views/publish_json.h"

#include "views/crm_json.h"

namespace prospectd::views {

const std::string& publish_label(const PublishLabels& labels, const std::string& name) {
  const auto label = labels.find(name);
  return label == labels.end() ? name : label->second;
}

nlohmann::json outbox_json(const store::PublishStatus& status) {
  return {{"pending", status.pending},
          {"failed", status.failed},
          {"oldest_pending_at", optional_time_json(status.oldest_pending_at)}};
}

nlohmann::json publish_targets_json(const store::PublishStatus& status, const PublishLabels& labels) {
  nlohmann::json targets = nlohmann::json::array();
  for (const store::PublishTargetStatus& target : status.targets) {
    // ok: the last attempt succeeded; error: it failed; never: nothing tried yet.
    const char* state = !target.last_attempt_at ? "never" : target.last_error.empty() ? "ok" : "error";
    targets.push_back(
        {{"target", publish_label(labels, target.name)},
         {"kind", target.kind},
         {"state", state},
         {"pending", target.pending},
         {"failed", target.failed},
         {"oldest_pending_at", optional_time_json(target.oldest_pending_at)},
         {"last_attempt_at", optional_time_json(target.last_attempt_at)},
         {"last_success_at", optional_time_json(target.last_success_at)},
         {"last_error", target.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(target.last_error)}});
  }
  return targets;
}

}  // namespace prospectd::views
