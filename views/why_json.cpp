// One `why` for the CLI and the API: the store's facts (appearances, contact, blocklist,
// forgotten), the rules' decision, the document. A message id that is empty is null.
#include "views/why_json.h"

namespace prospectd::views {

WhyResult explain(store::StoreReader* reader, const std::string& canonical, const rules::Identity& identity,
                  const std::vector<std::string>& config_blocklist) {
  WhyResult result;
  std::vector<rules::Appearance> appearances;
  std::vector<std::string> blocked = config_blocklist;  // the config's and the rep's own count alike
  bool forgotten = false;
  if (reader) {
    forgotten = reader->forgotten(canonical);
    appearances = reader->appearances(canonical);
    if (const auto contact = reader->contact(canonical)) result.stage = contact->contact.stage;
    for (auto& entry : reader->blocks()) blocked.push_back(std::move(entry));
  }
  result.answer = rules::explain_address(canonical, result.stage.has_value(), appearances, identity,
                                         rules::Blocklist(blocked), forgotten);
  return result;
}

nlohmann::json why_json(const std::string& email, const WhyResult& result) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : result.answer.reasons) {
    reasons.push_back({{"code", reason.code},
                       {"message_id", reason.message_id.empty() ? nlohmann::json() : nlohmann::json(reason.message_id)},
                       {"detail", reason.detail}});
  }
  return {{"email", email},
          {"contact", result.answer.contact},
          {"stage", result.stage ? nlohmann::json(*result.stage) : nlohmann::json()},
          {"reasons", reasons}};
}

}  // namespace prospectd::views
