// Wires connector -> rules -> store for one account and records the outcome.
// A failure inside the sink (the store) stops the connector and is reported as fatal.
#include "daemon/sync_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <optional>

#include "daemon/classify.h"

namespace prospectd::daemon {
namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Thrown through the connector to stop it when the store cannot take a batch.
struct StoreFailure {
  std::string message;
};

// Thrown through the connector when the daemon is stopping: the batch in hand is dropped.
struct Stopped {};

}  // namespace

AccountSyncReport sync_account(const AccountConfig& account, connectors::MessageSource& source, store::Store& store,
                               const RulesContext& rules, const connectors::ProgressObserver& progress,
                               const std::atomic<bool>* stop) {
  const auto started = std::chrono::steady_clock::now();
  AccountSyncReport report;
  report.account = account.name;
  try {
    const store::AccountId id = store.ensure_account(account.name, account.type);
    store.record_sync_started(id, now());
    const connectors::CheckpointReader checkpoints = [&](const std::string& scope) {
      return store.checkpoint(id, scope);
    };
    // Addresses the server reports as the account's own join the configured identities for this
    // sync (and, through the store, for rebuilds and later syncs) before the first batch.
    const RulesContext* active_rules = &rules;
    std::optional<RulesContext> with_reported;
    store::ContactEvaluator evaluate = rules.evaluator();
    bool reported_checked = false;
    const auto adopt_reported_addresses = [&] {
      if (reported_checked) return;
      reported_checked = true;
      const std::vector<std::string> reported = source.reported_own_addresses();
      if (reported.empty()) return;
      const std::vector<std::string> added = store.record_reported_addresses(id, reported);
      with_reported.emplace(rules);
      if (with_reported->add_own_addresses(reported) == 0) {
        with_reported.reset();
        return;
      }
      active_rules = &*with_reported;
      evaluate = with_reported->evaluator();
      for (const auto& address : added) {
        spdlog::info("{}: the server reports {} as one of the account's own addresses", account.name, address);
      }
    };
    const connectors::BatchSink sink = [&](connectors::Batch&& batch) {
      if (stop && stop->load()) throw Stopped{};
      try {
        adopt_reported_addresses();
        const auto batch_started = std::chrono::steady_clock::now();
        const std::size_t size = batch.messages.size();
        const store::BatchOutcome outcome =
            store.commit_batch(id, classify_batch(std::move(batch), *active_rules), evaluate);
        spdlog::debug(
            "{}: batch of {} stored in {:.1f} ms ({} contacts evaluated, {} thread merges)", account.name, size,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - batch_started).count(),
            outcome.contacts_evaluated, outcome.thread_merges);
        report.contacts_created += outcome.contacts_created;
        report.promoted.insert(report.promoted.end(), outcome.promoted.begin(), outcome.promoted.end());
        report.inserted += outcome.inserted;
        report.new_locations += outcome.new_locations;
        report.already_stored += outcome.already_stored;
      } catch (const std::exception& error) {
        throw StoreFailure{std::string("cannot write the store ") + store.file().string() + ": " + error.what()};
      }
    };
    try {
      report.result = source.sync(checkpoints, sink, progress);
    } catch (const StoreFailure& failure) {
      report.result = std::unexpected(connectors::SourceError{connectors::ErrorKind::fatal, failure.message});
    } catch (const Stopped&) {
      report.result = std::unexpected(connectors::SourceError{
          connectors::ErrorKind::transient, "stopped before the sync finished (prospectd was shut down)"});
    }
    if (report.result) {
      adopt_reported_addresses();
      store.record_sync_succeeded(id, now());
    } else {
      store.record_sync_failed(id, now(), connectors::to_string(report.result.error().kind),
                               report.result.error().message);
    }
  } catch (const std::exception& error) {
    // The store itself failed (full disk, unreadable file): report it; keep the first error.
    if (report.result) {
      report.result = std::unexpected(
          connectors::SourceError{connectors::ErrorKind::fatal, std::string("store error: ") + error.what()});
    }
    spdlog::warn("{}: could not record the sync state: {}", account.name, error.what());
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace prospectd::daemon
