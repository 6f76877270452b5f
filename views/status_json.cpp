// Builds the status document from the store's read side. Times are ISO 8601 UTC or null.
// `progress` is null here; the daemon overlays live progress while a sync runs.
#include "views/status_json.h"

#include "core/stage.h"
#include "views/crm_json.h"

namespace prospectd::views {
namespace {

nlohmann::json optional_number(const std::optional<std::int64_t>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json status_json(store::StoreReader& reader, const PublishLabels& labels) {
  return status_json(reader.accounts(), reader.totals(), reader.publish_status(), labels);
}

nlohmann::json status_json(const std::vector<store::AccountStatus>& rows, const store::StoreTotals& totals,
                           const store::PublishStatus& publishing, const PublishLabels& labels) {
  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& account : rows) {
    nlohmann::json folders = nlohmann::json::array();
    for (const auto& folder : account.folders) {
      folders.push_back({{"name", folder.name},
                         {"server_count", optional_number(folder.server_count)},
                         {"stored_count", folder.stored_count},
                         {"last_sync_at", optional_time_json(folder.last_sync_at)}});
    }
    accounts.push_back(
        {{"name", account.name},
         {"type", account.type},
         {"state", account.state},
         {"last_success_at", optional_time_json(account.last_success_at)},
         {"last_error", account.last_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(account.last_error)},
         {"messages", account.messages},
         {"progress", nullptr},
         {"folders", folders}});
  }
  return {{"version", PROSPECTD_VERSION},        {"accounts", accounts},
          {"stages", stage_counts_json(totals)}, {"contacts", totals.contacts},
          {"threads", totals.threads},           {"messages", totals.messages},
          {"outbox", outbox_json(publishing)},   {"publishing", publish_targets_json(publishing, labels)}};
}

nlohmann::json empty_status_json() {
  nlohmann::json stages = nlohmann::json::object();
  for (const core::Stage stage : core::kAllStages) stages[core::to_string(stage)] = 0;
  return {{"version", PROSPECTD_VERSION},
          {"accounts", nlohmann::json::array()},
          {"stages", stages},
          {"contacts", 0},
          {"threads", 0},
          {"messages", 0},
          {"outbox", outbox_json({})},
          {"publishing", nlohmann::json::array()}};
}

}  // namespace prospectd::views
