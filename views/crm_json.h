// JSON shapes (ARCHITECTURE.md "Interfaces") for contacts, a contact with threads and history, and threads.
// Shared by the CLI's --json output and the HTTP API so both always agree.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>

#include "store/reader.h"

namespace prospectd::views {

// An ISO 8601 UTC time, or null when unknown (ARCHITECTURE.md "Interfaces": times are strings or null).
nlohmann::json optional_time_json(const std::optional<std::int64_t>& unix_seconds);
nlohmann::json contact_json(const store::ContactRow& contact);
nlohmann::json contact_detail_json(const store::ContactDetail& detail);
nlohmann::json thread_json(const store::ThreadSummary& thread);
nlohmann::json stage_counts_json(const store::StoreTotals& totals);

}  // namespace prospectd::views
