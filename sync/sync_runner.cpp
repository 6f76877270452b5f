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
#include "util/text.h"

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

// One pass of one account whose sync is recorded as started: runs the connector into a store
// writer, evaluates the deferred contacts and records the outcome, all into `report`.
class AccountPass {
 public:
  AccountPass(const config::AccountConfig& account, connectors::MessageSource& source, store::Store& store,
              const RulesContext& rules, store::AccountId id, const std::atomic<bool>* stop, AccountSyncReport& report)
      : account_(account),
        source_(source),
        store_(store),
        rules_(rules),
        id_(id),
        stop_(stop),
        report_(report),
        evaluate_(rules.evaluator()),
        forgotten_(store.forgotten_addresses()) {}
  AccountPass(const AccountPass&) = delete;
  AccountPass& operator=(const AccountPass&) = delete;

  void run(const connectors::ProgressObserver& progress) {
    StoreWriter writer(store_.file(), id_, stop_);
    run_connector(writer, progress);
    // Whatever the connector's outcome, the batches it handed over are whole and commit.
    const bool stored = finish_writes(writer);
    // The contacts deferred bulk batches left pending (also by an earlier, interrupted sync).
    // Not while shutting down: the next sync does it.
    if (stored && !stopping()) evaluate_deferred_contacts();
    record_outcome();
  }

 private:
  bool stopping() const { return stop_ && stop_->load(); }

  static core::SourceError stopped_error() {
    return {core::ErrorKind::transient, "stopped before the sync finished (prospectd was shut down)"};
  }

  // Runs the connector with `writer` as its sink; a store failure or a stop thrown through the
  // connector becomes the pass's error.
  void run_connector(StoreWriter& writer, const connectors::ProgressObserver& progress) {
    const connectors::CheckpointReader checkpoints = [&](const std::string& scope) {
      return store_.checkpoint(id_, scope);
    };
    const connectors::ProgressObserver observe = [&](const connectors::Progress& update) {
      scope_totals_[update.scope] = update.total;
      if (progress) progress(update);
    };
    const connectors::BatchSink sink = [&](core::Batch&& batch) { store_batch(std::move(batch), writer); };
    try {
      report_.result = source_.sync(checkpoints, sink, observe);
      // Whatever the server or libcurl put in the message is shown, logged and stored: escape
      // control bytes once, here, for every connector.
      if (!report_.result) report_.result.error().message = util::printable(report_.result.error().message);
    } catch (const StoreFailure& failure) {
      report_.result = std::unexpected(core::SourceError{core::ErrorKind::fatal, failure.message});
    } catch (const Stopped&) {
      report_.result = std::unexpected(stopped_error());
    }
  }

  // The connector's sink: classifies the batch and hands it to the writer, with the contacts'
  // evaluation deferred in a bulk sync.
  void store_batch(core::Batch&& batch, StoreWriter& writer) {
    if (stopping()) throw Stopped{};
    try {
      adopt_reported_addresses();
      for (auto& message : batch.messages) forgotten_.strip(message);
      const auto total = scope_totals_.find(batch.checkpoint.scope);
      const bool bulk =
          batch.messages.size() >= kBulkMessages || (total != scope_totals_.end() && total->second >= kBulkMessages);
      writer.push(classify_batch(std::move(batch), *active_rules_), evaluate_,
                  bulk ? store::Evaluation::deferred : store::Evaluation::now);
    } catch (const WriterFailure& failure) {
      // A writer that ended because the daemon is stopping is a stop, not a store failure.
      if (stopping()) throw Stopped{};
      throw StoreFailure{store_failure(store_, failure.message)};
    } catch (const std::exception& error) {
      throw StoreFailure{store_failure(store_, error.what())};
    }
  }

  // Addresses the server reports as the account's own join the configured identities for this
  // sync (and, through the store, for rebuilds and later syncs) before the first batch.
  void adopt_reported_addresses() {
    if (reported_checked_) return;
    reported_checked_ = true;
    const std::vector<std::string> reported = source_.reported_own_addresses();
    if (reported.empty()) return;
    const std::vector<std::string> added = store_.record_reported_addresses(id_, reported);
    with_reported_.emplace(rules_);
    if (with_reported_->add_own_addresses(reported) == 0) {
      with_reported_.reset();
      return;
    }
    active_rules_ = &*with_reported_;
    evaluate_ = with_reported_->evaluator();
    for (const auto& address : added) {
      spdlog::info("{}: the server reports {} as one of the account's own addresses", account_.name, address);
    }
  }

  // Waits for the writer to commit every batch and adds its totals to the report; false if it failed.
  bool finish_writes(StoreWriter& writer) {
    try {
      report_.add(writer.finish());
      return true;
    } catch (const WriterFailure& failure) {
      if (stopping()) {
        if (report_.result) report_.result = std::unexpected(stopped_error());
      } else {
        report_store_failure(failure.message);
      }
      return false;
    }
  }

  void evaluate_deferred_contacts() {
    try {
      const auto evaluation_started = std::chrono::steady_clock::now();
      store::EvaluationOutcome evaluated = store_.evaluate_pending(evaluate_);
      if (evaluated.evaluated > 0) {
        spdlog::debug(
            "{}: {} deferred contact evaluations in {:.1f} ms", account_.name, evaluated.evaluated,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - evaluation_started).count());
      }
      report_.promoted.insert(report_.promoted.end(), evaluated.promoted.begin(), evaluated.promoted.end());
    } catch (const std::exception& error) {
      report_store_failure(error.what());
    }
  }

  // Makes the result a fatal store error, unless it already is a fatal error (the first one wins).
  void report_store_failure(const std::string& what) {
    if (report_.result || report_.result.error().kind != core::ErrorKind::fatal) {
      report_.result = std::unexpected(core::SourceError{core::ErrorKind::fatal, store_failure(store_, what)});
    }
  }

  void record_outcome() {
    if (report_.result) {
      adopt_reported_addresses();
      for (const auto& scope : store_.record_sync_succeeded(id_, now(), source_.synced_scopes())) {
        spdlog::info("{}: folder \"{}\" is gone from the server; its checkpoint is removed (its messages stay)",
                     account_.name, util::printable(scope));
      }
    } else {
      store_.record_sync_failed(id_, now(), core::to_string(report_.result.error().kind),
                                report_.result.error().message);
    }
  }

  const config::AccountConfig& account_;
  connectors::MessageSource& source_;
  store::Store& store_;
  const RulesContext& rules_;
  const store::AccountId id_;
  const std::atomic<bool>* stop_;
  AccountSyncReport& report_;
  const RulesContext* active_rules_ = &rules_;  // rules_, or with_reported_ once it exists
  std::optional<RulesContext> with_reported_;   // rules_ plus the server-reported own addresses
  store::ContactEvaluator evaluate_;
  // People the rep asked to forget: their addresses are stripped from new mail before the
  // rules see it, so it is stored without them (ARCHITECTURE.md "Contacts").
  const rules::ForgottenAddresses forgotten_;
  bool reported_checked_ = false;
  // Each scope's announced size (the connector reports it before the scope's first batch).
  std::map<std::string, std::uint64_t> scope_totals_;
};

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
    AccountPass pass(account, source, store, rules, id, stop, report);
    pass.run(progress);
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
