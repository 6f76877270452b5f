// The rules' inputs that come from the config (identity, blocklist, stage rules), built once
// per config load and shared read-only by every sync; plus the evaluator the store calls.
#pragma once

#include <vector>

#include "config/config.h"
#include "rules/blocklist.h"
#include "rules/identity.h"
#include "rules/lifecycle.h"
#include "store/store.h"

namespace prospectd::sync {

struct RulesContext {
  rules::Identity identity;
  rules::Blocklist blocklist;
  std::vector<rules::StageRule> stage_rules;  // only the enabled ones

  store::ContactEvaluator evaluator() const;
  // Adds addresses to the rep's own; returns how many were new.
  std::size_t add_own_addresses(const std::vector<std::string>& addresses);
};

// Throws ConfigError if a stage rule does not compile (load_config already checked it).
RulesContext rules_context_from(const config::Config& config);
// The same, plus the addresses providers reported as the accounts' own (kept in the store).
RulesContext rules_context_from(const config::Config& config, store::Store& store);

}  // namespace prospectd::sync
