// One sync pass of one account: the connector's batches are classified by rules/ and committed
// by the store, each with its checkpoint. The account's sync state is recorded either way.
#pragma once

#include <atomic>
#include <expected>
#include <string>

#include "config/config.h"
#include "connectors/message_source.h"
#include "store/store.h"
#include "sync/rules_context.h"
#include "sync/store_writer.h"

namespace prospectd::sync {

// The pass's outcome, and what it stored (StoredCounts).
struct AccountSyncReport : StoredCounts {
  std::string account;
  std::expected<connectors::SyncSummary, core::SourceError> result;
  double seconds = 0;
};

// Runs one pass. Never throws for network, server or store failures: they come back in
// `result` (a store failure such as a full disk is `fatal`).
// When `stop` is set and becomes true, the batch in hand is not committed (it is rolled back)
// and the pass ends with a transient "stopped" error; every committed batch stays.
AccountSyncReport sync_account(const config::AccountConfig& account, connectors::MessageSource& source,
                               store::Store& store, const RulesContext& rules,
                               const connectors::ProgressObserver& progress, const std::atomic<bool>* stop = nullptr);

}  // namespace prospectd::sync
