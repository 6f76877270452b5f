// The rules' inputs that come from the config (identity, blocklist, stage rules), built once
// per config load and shared read-only by every sync; plus the evaluator the store calls.
#pragma once

#include <vector>

#include "daemon/config.h"
#include "rules/blocklist.h"
#include "rules/identity.h"
#include "rules/lifecycle.h"
#include "store/store.h"

namespace prospectd::daemon {

struct RulesContext {
  rules::Identity identity;
  rules::Blocklist blocklist;
  std::vector<rules::StageRule> stage_rules;  // only the enabled ones

  store::ContactEvaluator evaluator() const;
};

// Throws ConfigError if a stage rule does not compile (load_config already checked it).
RulesContext rules_context_from(const Config& config);

}  // namespace prospectd::daemon
