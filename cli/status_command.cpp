// `prospectd status [--json]`: each account's sync state and per-folder counts.
// The text form is for people; --json is the ARCHITECTURE.md "Interfaces" document.
#include <cstdio>
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "cli/store_access.h"
#include "publish/publish_targets.h"
#include "util/time_format.h"
#include "views/status_json.h"

namespace prospectd::cli {

int run_status_command(const config::Config& config, const StatusCommandOptions& options) {
  if (!std::filesystem::exists(config.store_file())) {
    if (options.json) {
      std::cout << views::empty_status_json().dump(2) << "\n";
    } else {
      std::cout << "No data yet: run `prospectd sync` (store: " << config.store_file().string() << ")\n";
    }
    return 0;
  }
  store::StoreReader reader = open_reader(config.store_file());
  if (options.json) {
    std::cout << views::status_json(reader, publish::publish_labels_of(config)).dump(2) << "\n";
    return 0;
  }
  const std::int64_t now = std::time(nullptr);
  for (const auto& account : reader.accounts()) {
    std::cout << account.name << " (" << account.type << "): " << account.state << ", last success "
              << util::time_ago(account.last_success_at, now) << ", " << account.messages << " messages\n";
    if (!account.last_error.empty() && account.state == "error") {
      std::cout << "  last error: " << account.last_error << "\n";
    }
    for (const auto& folder : account.folders) {
      std::cout << "  " << folder.name << ": " << folder.stored_count << " stored";
      if (folder.server_count) std::cout << " of " << *folder.server_count << " on the server";
      std::cout << ", synced " << util::time_ago(folder.last_sync_at, now) << "\n";
    }
  }
  const auto totals = reader.totals();
  std::cout << totals.messages << " messages in " << totals.threads << " threads; " << totals.contacts << " contacts:";
  for (const auto& [stage, count] : totals.stages) std::cout << " " << count << " " << stage;
  std::cout << "\n";
  const auto labels = publish::publish_labels_of(config);
  const auto publishing = reader.publish_status();
  for (const auto& target : publishing.targets) {
    std::cout << "publishing to " << views::publish_label(labels, target.name) << ": ";
    if (target.pending == 0 && target.failed == 0) {
      std::cout << "up to date";
    } else {
      std::cout << target.pending << " pending";
      if (target.failed > 0) std::cout << ", " << target.failed << " failed";
      if (target.oldest_pending_at) std::cout << " (oldest " << util::time_ago(target.oldest_pending_at, now) << ")";
    }
    std::cout << ", last success " << util::time_ago(target.last_success_at, now) << "\n";
    if (!target.last_error.empty()) std::cout << "  last error: " << target.last_error << "\n";
  }
  return 0;
}

}  // namespace prospectd::cli
