// JSON shapes (ARCHITECTURE.md "Interfaces") for the status of accounts and the store, shared by the CLI
// (`status --json`) and the HTTP API (`GET /api/status`).
#pragma once

#include <nlohmann/json.hpp>

#include "store/reader.h"
#include "views/publish_json.h"

namespace prospectd::views {

// With "outbox" (the backlog of all targets) and "publishing" (each target, named by `labels`).
nlohmann::json status_json(store::StoreReader& reader, const PublishLabels& labels = {});
// The same from rows read already.
nlohmann::json status_json(const std::vector<store::AccountStatus>& accounts, const store::StoreTotals& totals,
                           const store::PublishStatus& publishing, const PublishLabels& labels);

// The status document of a store that does not exist yet: no accounts, every count zero.
nlohmann::json empty_status_json();

}  // namespace prospectd::views
