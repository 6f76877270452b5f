// JSON shapes (ARCHITECTURE.md "Interfaces") for the status of accounts and the store, shared by the CLI
// (`status --json`) and the HTTP API (`GET /api/status`).
#pragma once

#include <nlohmann/json.hpp>

#include "store/reader.h"

namespace prospectd::views {

nlohmann::json status_json(store::StoreReader& reader);
// The same from account rows and totals read already.
nlohmann::json status_json(const std::vector<store::AccountStatus>& accounts, const store::StoreTotals& totals);

// The status document of a store that does not exist yet: no accounts, every count zero.
nlohmann::json empty_status_json();

}  // namespace prospectd::views
