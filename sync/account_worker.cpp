// The per-account loop. Error kinds decide the policy (ARCHITECTURE.md "Errors and backoff"): transient -> backoff and
// retry; auth and fatal -> park until woken, the config changes, or an hour passes.
#include "sync/account_worker.h"

#include <spdlog/spdlog.h>

#include <random>

#include "store/store.h"
#include "sync/source_factory.h"
#include "sync/sync_runner.h"
#include "util/backoff.h"
#include "util/text.h"

namespace prospectd::sync {

std::chrono::milliseconds backoff_delay(int failures, double jitter_unit) {
  return util::jittered_backoff(failures, std::chrono::seconds(5), std::chrono::minutes(15), jitter_unit);
}

AccountWorker::AccountWorker(config::AccountConfig account, std::shared_ptr<const RulesContext> rules,
                             std::filesystem::path store_file, LiveStatus& live, SourceFactory source_factory)
    : account_(std::move(account)),
      rules_(std::move(rules)),
      store_file_(std::move(store_file)),
      live_(live),
      source_factory_(source_factory ? std::move(source_factory) : SourceFactory(&make_source)) {
  thread_ = std::thread([this] { run(); });
}

AccountWorker::~AccountWorker() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void AccountWorker::request_sync() {
  {
    std::lock_guard lock(mutex_);
    interrupt_ = true;
  }
  wake_.notify_all();
}

void AccountWorker::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    interrupt_ = true;
  }
  wake_.notify_all();
}

void AccountWorker::pause(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [this] { return interrupt_.load(); });
}

void AccountWorker::run() {
  std::mt19937_64 random(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int failures = 0;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<connectors::MessageSource> source;
  while (!stop_) {
    interrupt_ = false;
    const auto started = std::chrono::steady_clock::now();
    AccountSyncReport report;
    report.account = account_.name;
    try {
      if (!store) store = std::make_unique<store::Store>(store_file_);
      if (!source) {
        auto made = source_factory_(account_, &stop_);
        if (made) {
          source = std::move(*made);
        } else {
          report.result = std::unexpected(made.error());
          const auto id = store->ensure_account(account_.name, account_.type);
          store->record_sync_failed(id, std::time(nullptr), core::to_string(made.error().kind), made.error().message);
        }
      }
      if (source) {
        live_.sync_started(account_.name);
        report = sync_account(
            account_, *source, *store, *rules_,
            [&](const connectors::Progress& progress) {
              live_.progress(account_.name, progress.scope, progress.done, progress.total);
            },
            &stop_);
      }
    } catch (const std::exception& error) {
      report.result = std::unexpected(core::SourceError{core::ErrorKind::fatal, error.what()});
      store.reset();  // reopen next time (e.g. after a full disk)
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const bool ok = report.result.has_value();
    live_.sync_finished(account_.name, ok, ok ? "" : core::to_string(report.result.error().kind), seconds,
                        ok ? report.result->messages_fetched : 0);
    if (stop_) break;
    if (ok) {
      failures = 0;
      if (report.inserted > 0 || !report.promoted.empty()) {
        spdlog::info("{}: {} new messages, {} promoted", account_.name, report.inserted, report.promoted.size());
      }
      // A handful of promotions is news worth a line each; an initial sync's hundreds are not.
      if (report.promoted.size() <= 10) {
        for (const auto& email : report.promoted) spdlog::info("{}: {} moved forward", account_.name, email);
      }
      // Wait for new mail: IDLE where the server offers it, else the poll interval.
      auto waited = source->wait_for_new_mail(account_.poll_interval, interrupt_);
      if (!waited) {
        spdlog::debug("{}: IDLE ended: {}", account_.name, util::printable(waited.error().message));
        pause(std::chrono::duration_cast<std::chrono::milliseconds>(account_.poll_interval));
      } else if (*waited == connectors::WaitOutcome::unsupported) {
        pause(std::chrono::duration_cast<std::chrono::milliseconds>(account_.poll_interval));
      }
      continue;
    }
    const auto& error = report.result.error();
    source.reset();  // reconnect from scratch next time
    if (error.kind == core::ErrorKind::transient || error.kind == core::ErrorKind::bad_item) {
      ++failures;
      const auto delay = backoff_delay(failures, unit(random));
      spdlog::warn("{}: {} (retrying in {} s)", account_.name, error.message, delay.count() / 1000);
      pause(delay);
    } else {
      spdlog::error("{}: {} (parked until the config changes or a sync is requested)", account_.name, error.message);
      pause(std::chrono::hours(1));
    }
  }
}

}  // namespace prospectd::sync
