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

namespace prospectd::sync {

struct AccountSyncReport {
  std::string account;
  std::expected<connectors::SyncSummary, core::SourceError> result;
  std::size_t inserted = 0;        // new messages stored
  std::size_t new_locations = 0;   // known messages found in another folder
  std::size_t already_stored = 0;  // refetched after an interruption; not stored twice
  std::size_t contacts_created = 0;
  std::vector<std::string> promoted;  // contacts whose stage moved forward
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
