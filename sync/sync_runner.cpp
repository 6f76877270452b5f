// Wires connector -> rules -> store (on the store writer's thread) for one account and records
// the outcome. A failure inside the sink (the store) stops the connector and is reported as fatal.
#include "sync/sync_runner.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <map>
#include <optional>

#include "sync/classify.h"
#include "sync/store_writer.h"

namespace prospectd::sync {
namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

// Thrown through the connector to stop it when the store cannot take a batch.
struct StoreFailure {
  std::string message;
};

// Thrown through the connector when the daemon is stopping: the batch in hand is dropped.
struct Stopped {};

// A pass over a scope with more new messages than this is a bulk sync: its contacts are evaluated
// once after the pass (store::Evaluation::deferred) instead of in every batch that touches them.
// Below it (the daemon's usual polls) each batch commits with its contacts' new stages.
constexpr std::uint64_t kBulkMessages = 500;

std::string store_failure(const store::Store& store, const std::string& what) {
  return "cannot write the store " + store.file().string() + ": " + what;
}

}  // namespace

AccountSyncReport sync_account(const config::AccountConfig& account, connectors::MessageSource& source,
                               store::Store& store, const RulesContext& rules,
                               const connectors::ProgressObserver& progress, const std::atomic<bool>* stop) {
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
    // Each scope's announced size (the connector reports it before the scope's first batch).
    std::map<std::string, std::uint64_t> scope_totals;
    const connectors::ProgressObserver observe = [&](const connectors::Progress& update) {
      scope_totals[update.scope] = update.total;
      if (progress) progress(update);
    };
    StoreWriter writer(store.file(), id, stop);
    const connectors::BatchSink sink = [&](core::Batch&& batch) {
      if (stop && stop->load()) throw Stopped{};
      try {
        adopt_reported_addresses();
        const auto total = scope_totals.find(batch.checkpoint.scope);
        const bool bulk =
            batch.messages.size() >= kBulkMessages || (total != scope_totals.end() && total->second >= kBulkMessages);
        writer.push(classify_batch(std::move(batch), *active_rules), evaluate,
                    bulk ? store::Evaluation::deferred : store::Evaluation::now);
      } catch (const WriterFailure& failure) {
        throw StoreFailure{store_failure(store, failure.message)};
      } catch (const std::exception& error) {
        throw StoreFailure{store_failure(store, error.what())};
      }
    };
    try {
      report.result = source.sync(checkpoints, sink, observe);
    } catch (const StoreFailure& failure) {
      report.result = std::unexpected(core::SourceError{core::ErrorKind::fatal, failure.message});
    } catch (const Stopped&) {
      report.result = std::unexpected(
          core::SourceError{core::ErrorKind::transient, "stopped before the sync finished (prospectd was shut down)"});
    }
    // Whatever the connector's outcome, the batches it handed over are whole and commit.
    bool stored = true;
    try {
      WriterTotals totals = writer.finish();
      report.contacts_created += totals.contacts_created;
      report.promoted = std::move(totals.promoted);
      report.inserted += totals.inserted;
      report.new_locations += totals.new_locations;
      report.already_stored += totals.already_stored;
    } catch (const WriterFailure& failure) {
      stored = false;
      if (report.result || report.result.error().kind != core::ErrorKind::fatal) {
        report.result =
            std::unexpected(core::SourceError{core::ErrorKind::fatal, store_failure(store, failure.message)});
      }
    }
    // The contacts deferred bulk batches left pending (also by an earlier, interrupted sync).
    // Not while shutting down: the next sync does it.
    if (stored && !(stop && stop->load())) {
      try {
        const auto evaluation_started = std::chrono::steady_clock::now();
        store::EvaluationOutcome evaluated = store.evaluate_pending(evaluate);
        if (evaluated.evaluated > 0) {
          spdlog::debug(
              "{}: {} deferred contact evaluations in {:.1f} ms", account.name, evaluated.evaluated,
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - evaluation_started).count());
        }
        report.promoted.insert(report.promoted.end(), evaluated.promoted.begin(), evaluated.promoted.end());
      } catch (const std::exception& error) {
        if (report.result || report.result.error().kind != core::ErrorKind::fatal) {
          report.result =
              std::unexpected(core::SourceError{core::ErrorKind::fatal, store_failure(store, error.what())});
        }
      }
    }
    if (report.result) {
      adopt_reported_addresses();
      store.record_sync_succeeded(id, now());
    } else {
      store.record_sync_failed(id, now(), core::to_string(report.result.error().kind), report.result.error().message);
    }
  } catch (const std::exception& error) {
    // The store itself failed (full disk, unreadable file): report it; keep the first error.
    if (report.result) {
      report.result =
          std::unexpected(core::SourceError{core::ErrorKind::fatal, std::string("store error: ") + error.what()});
    }
    spdlog::warn("{}: could not record the sync state: {}", account.name, error.what());
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace prospectd::sync
