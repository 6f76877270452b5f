// The team commands (cli/team_commands.h): read the team database, or publish to it and to the
// webhooks once. The daemon publishes continuously; these are for people and scripts.
#include "cli/team_commands.h"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>

#include "cli/failure.h"
#include "cli/store_access.h"
#include "core/stage.h"
#include "publish/publish_targets.h"
#include "publish/publisher.h"
#include "publish/team_publisher.h"
#include "store/reader.h"
#include "store/team/team_database.h"
#include "util/time_format.h"
#include "views/publish_json.h"
#include "views/team_json.h"

namespace prospectd::cli {

namespace {

void print_team_view(const store::team::TeamView& view) {
  const std::int64_t now = std::time(nullptr);
  std::map<std::string, std::int64_t> funnel;
  for (const auto& contact : view.contacts) ++funnel[contact.stage];
  std::cout << "Team pipeline (" << view.contacts.size() << " contacts):";
  for (const core::Stage stage : core::kAllStages) {
    std::cout << " " << funnel[core::to_string(stage)] << " " << core::to_string(stage);
  }
  std::cout << "\n\nReps:\n";
  for (const auto& rep : view.reps) {
    std::cout << "  " << rep.rep << ": " << rep.contacts << " contacts, last published "
              << util::time_ago(rep.last_publish_at, now) << "\n";
  }
  std::cout << "\nCollisions (two or more reps wrote in the last 30 days): " << view.collisions.size() << "\n";
  for (const auto& collision : view.collisions) {
    std::cout << "  " << collision.email << ":";
    for (const auto& rep : collision.reps) std::cout << " " << rep;
    std::cout << "\n";
  }
  std::cout << "\nCompanies known to more than one rep:\n";
  for (const auto& company : view.companies) {
    if (company.reps.size() < 2) continue;
    std::cout << "  " << company.company << " (" << company.contacts << " contacts):";
    for (const auto& rep : company.reps) std::cout << " " << rep;
    std::cout << "\n";
  }
}

}  // namespace

int run_team_command(const config::Config& config, const TeamCommandOptions& options) {
  if (!config.team) {
    throw config::ConfigError(config.source.string() +
                              ": team: not configured (add a [team] table with database and rep)");
  }
  auto password = publish::resolve_team_password(*config.team);
  if (!password) return report_failure(password.error());
  try {
    store::team::TeamDatabase database(config.team->database, *password);
    const auto view = database.read_view(std::time(nullptr));
    if (options.json) {
      std::cout << views::team_view_json(view).dump(2) << "\n";
    } else {
      print_team_view(view);
    }
    return 0;
  } catch (const store::team::TeamError& error) {
    return report_failure(error.what());
  }
}

int run_publish_command(const config::Config& config, const PublishCommandOptions& options) {
  if (!config.team && config.webhooks.empty()) {
    throw config::ConfigError(config.source.string() + ": nothing to publish to (no [team] and no [[webhooks]])");
  }
  const bool drained = publish::publish_until_drained(config, std::chrono::seconds(options.timeout_seconds));
  store::StoreReader reader = open_reader(config.store_file());
  const auto status = reader.publish_status();
  const auto labels = publish::publish_labels_of(config);
  for (const auto& target : status.targets) {
    const std::string& name = views::publish_label(labels, target.name);
    if (target.pending == 0 && target.failed == 0 && target.last_error.empty()) {
      std::cout << name << ": up to date\n";
    } else {
      std::fprintf(stderr, "%s: %lld pending, %lld failed%s%s\n", name.c_str(), static_cast<long long>(target.pending),
                   static_cast<long long>(target.failed),
                   target.last_error.empty() ? "" : "; last error: ", target.last_error.c_str());
    }
  }
  return drained ? 0 : 1;
}

}  // namespace prospectd::cli
