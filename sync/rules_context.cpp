// Builds the rules' configuration: the rep's identities (configured addresses plus every
// account's username), the blocklist and the enabled stage rules compiled once.
#include "sync/rules_context.h"

#include "rules/stage.h"

namespace prospectd::sync {

store::ContactEvaluator RulesContext::evaluator() const {
  return [this](std::span<const rules::MessageFact> facts) { return rules::evaluate_contact(facts, stage_rules); };
}

std::size_t RulesContext::add_own_addresses(const std::vector<std::string>& addresses) {
  std::size_t added = 0;
  for (const auto& address : addresses) {
    const std::size_t before = identity.own_addresses().size();
    identity.add_own_address(address);
    added += identity.own_addresses().size() - before;
  }
  return added;
}

RulesContext rules_context_from(const config::Config& config, store::Store& store) {
  RulesContext context = rules_context_from(config);
  context.add_own_addresses(store.reported_addresses());
  return context;
}

RulesContext rules_context_from(const config::Config& config) {
  RulesContext context{
      rules::Identity(config.own_addresses, config.internal_domains), rules::Blocklist(config.blocklist), {}};
  for (const auto& account : config.accounts) context.identity.add_own_address(account.username);
  for (const auto& rule : config.stage_rules) {
    if (!rule.enabled) continue;
    const auto stage = core::stage_from_string(rule.stage);
    if (!stage) throw config::ConfigError(config.source.string() + ": stage rule \"" + rule.name + "\": unknown stage");
    context.stage_rules.push_back(
        rules::make_stage_rule(rule.name, *stage, rule.pattern, rule.match_subject, rule.match_snippet));
  }
  return context;
}

}  // namespace prospectd::sync
