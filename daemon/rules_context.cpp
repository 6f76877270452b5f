// Builds the rules' configuration: the rep's identities (configured addresses plus every
// account's username), the blocklist and the enabled stage rules compiled once.
#include "daemon/rules_context.h"

#include "rules/stage.h"

namespace prospectd::daemon {

store::ContactEvaluator RulesContext::evaluator() const {
  return [this](std::span<const rules::MessageFact> facts) {
    return rules::evaluate_contact(facts, stage_rules);
  };
}

RulesContext rules_context_from(const Config& config) {
  RulesContext context{rules::Identity(config.own_addresses, config.internal_domains),
                       rules::Blocklist(config.blocklist), {}};
  for (const auto& account : config.accounts) context.identity.add_own_address(account.username);
  for (const auto& rule : config.stage_rules) {
    if (!rule.enabled) continue;
    const auto stage = rules::stage_from_string(rule.stage);
    if (!stage) throw ConfigError(config.source.string() + ": stage rule \"" + rule.name + "\": unknown stage");
    context.stage_rules.push_back(
        rules::make_stage_rule(rule.name, *stage, rule.pattern, rule.match_subject, rule.match_snippet));
  }
  return context;
}

}  // namespace prospectd::daemon
