// The interface every mail connector implements (the driver interface the sync engine alone
// depends on, as isync's driver.h).
// The scheduler holds a MessageSource&; tests hand it a fake.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/batch.h"
#include "core/error_kind.h"
#include "core/message_meta.h"

namespace prospectd::connectors {

// Receives each batch, in order. The batch and its checkpoint become durable together, and in
// the order given, but possibly after the call returns (the daemon stores them on a writer
// thread), so a connector reads a scope's checkpoint only before handing over that scope's
// batches. Throws if this or an earlier batch could not be stored (the connector then stops
// and propagates).
using BatchSink = std::function<void(core::Batch&&)>;

// Reads the checkpoint the store holds for a scope, if any.
using CheckpointReader = std::function<std::optional<core::Checkpoint>(const std::string& scope)>;

// Progress of a scope during a sync: messages handled so far of an expected total.
struct Progress {
  std::string scope;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using ProgressObserver = std::function<void(const Progress&)>;

struct SyncSummary {
  std::uint64_t messages_fetched = 0;
  std::uint64_t batches = 0;
  std::uint64_t items_skipped = 0;  // bad_item: unparseable messages skipped and counted
};

// How a wait for new mail ended.
enum class WaitOutcome { unsupported, new_mail, timed_out, cancelled };

class MessageSource {
 public:
  virtual ~MessageSource() = default;

  // Blocks until the server announces new mail (IMAP IDLE, RFC 2177), `max_wait` passes, or
  // `cancel` becomes true. Sources that cannot push return `unsupported` at once.
  virtual std::expected<WaitOutcome, core::SourceError> wait_for_new_mail(std::chrono::seconds max_wait,
                                                                          const std::atomic<bool>& cancel) {
    (void)max_wait;
    (void)cancel;
    return WaitOutcome::unsupported;
  }

  // The addresses the server itself says belong to the account (Gmail: getProfile and
  // settings.sendAs). Learnt by sync() before it hands over its first batch; empty if unknown.
  virtual std::vector<std::string> reported_own_addresses() const { return {}; }

  // Every scope (folder) the last successful sync covered, when the source knows them all: the
  // store then forgets checkpoints of other scopes (a folder deleted or renamed on the server).
  virtual std::optional<std::vector<std::string>> synced_scopes() const { return std::nullopt; }

  // Fetches everything newer than the stored checkpoints and hands it to `sink` in
  // batches, oldest first within each scope. Not thread-safe; one sync at a time.
  virtual std::expected<SyncSummary, core::SourceError> sync(const CheckpointReader& checkpoints, const BatchSink& sink,
                                                             const ProgressObserver& progress) = 0;
};

}  // namespace prospectd::connectors
