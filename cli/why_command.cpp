// Asks views::explain (the store's facts, the rules' decision) and prints the reasons, or the
// JSON document the API serves too.
#include "cli/why_command.h"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/store_access.h"
#include "rules/canonical_address.h"
#include "store/reader.h"
#include "sync/rules_context.h"
#include "views/why_json.h"

namespace prospectd::cli {

int run_why_command(const config::Config& config, const WhyCommandOptions& options) {
  const std::string email = rules::canonical_address(options.email);
  if (email.empty() || email.find('@') == std::string::npos) {
    std::fprintf(stderr, "prospectd: \"%s\" is not an e-mail address\n", options.email.c_str());
    return 1;
  }
  std::unique_ptr<store::StoreReader> reader;
  if (std::filesystem::exists(config.store_file())) {
    upgrade_store(config.store_file());
    reader = std::make_unique<store::StoreReader>(config.store_file());
  }
  const sync::RulesContext rules = sync::rules_context_from(config);
  const views::WhyResult result = views::explain(reader.get(), email, rules.identity, config.blocklist);
  if (options.json) {
    std::printf("%s\n", views::why_json(email, result).dump(2).c_str());
    return 0;
  }
  std::printf(
      "%s %s\n", email.c_str(),
      result.answer.contact ? ("is a contact (" + result.stage.value_or("") + ")").c_str() : "is not a contact");
  for (const auto& reason : result.answer.reasons) {
    std::printf("  %-20s %s%s\n", reason.code.c_str(), reason.detail.c_str(),
                reason.message_id.empty() ? "" : ("  <" + reason.message_id + ">").c_str());
  }
  return 0;
}

}  // namespace prospectd::cli
