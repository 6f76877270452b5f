// JSON shapes of DESIGN §3 for contacts, a contact with threads and history, and threads.
// Shared by the CLI's --json output and the HTTP API so both always agree.
#pragma once

#include <nlohmann/json.hpp>

#include "store/reader.h"

namespace prospectd::daemon {

nlohmann::json contact_json(const store::ContactRow& contact);
nlohmann::json contact_detail_json(const store::ContactDetail& detail);
nlohmann::json thread_json(const store::ThreadSummary& thread);
nlohmann::json stage_counts_json(const store::StoreTotals& totals);

}  // namespace prospectd::daemon
