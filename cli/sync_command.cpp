// `prospectd sync [--account NAME]`: one pass over the accounts, live progress on a terminal,
// a one-line summary per account, exit 0 only if every account synced.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/progress_display.h"
#include "store/reader.h"
#include "sync/source_factory.h"
#include "sync/sync_runner.h"

namespace prospectd::cli {

int run_sync_command(const config::Config& config, const SyncCommandOptions& options) {
  std::vector<const config::AccountConfig*> accounts;
  for (const auto& account : config.accounts) {
    if (!options.account || account.name == *options.account) accounts.push_back(&account);
  }
  if (options.account && accounts.empty()) {
    throw config::ConfigError(config.source.string() + ": no account named \"" + *options.account + "\"");
  }
  if (accounts.empty()) {
    throw config::ConfigError(config.source.string() + ": no [[accounts]] configured");
  }
  store::Store store(config.store_file());
  const sync::RulesContext rules = sync::rules_context_from(config);
  ProgressDisplay display(stderr, isatty(STDERR_FILENO) != 0);
  int exit_code = 0;
  for (const config::AccountConfig* account : accounts) {
    sync::AccountSyncReport report;
    report.account = account->name;
    auto source = sync::make_source(*account);
    if (!source) {
      report.result = std::unexpected(source.error());
      const auto id = store.ensure_account(account->name, account->type);
      store.record_sync_failed(id, std::time(nullptr), core::to_string(source.error().kind), source.error().message);
    } else {
      report = sync::sync_account(*account, **source, store, rules, [&](const connectors::Progress& progress) {
        display.update(account->name, progress);
      });
    }
    display.finish();
    if (!report.result) {
      std::fprintf(stderr, "prospectd: %s: %s\n", account->name.c_str(), report.result.error().message.c_str());
      exit_code = 1;
      continue;
    }
    const double rate = report.seconds > 0 ? static_cast<double>(report.result->messages_fetched) / report.seconds : 0;
    std::printf(
        "%s: %zu new messages (%llu fetched, %llu skipped), %zu new contacts, %zu promoted,"
        " in %.1f s, %.0f msg/s\n",
        account->name.c_str(), report.inserted, static_cast<unsigned long long>(report.result->messages_fetched),
        static_cast<unsigned long long>(report.result->items_skipped), report.contacts_created, report.promoted.size(),
        report.seconds, rate);
  }
  std::fflush(stdout);
  return exit_code;
}

}  // namespace prospectd::cli
