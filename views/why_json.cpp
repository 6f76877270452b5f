// Builds the `why` document; a message id that is empty is null.
#include "views/why_json.h"

namespace prospectd::views {

nlohmann::json why_json(const std::string& email, const rules::WhyAnswer& answer,
                        const std::optional<std::string>& stage) {
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : answer.reasons) {
    reasons.push_back({{"code", reason.code},
                       {"message_id", reason.message_id.empty() ? nlohmann::json() : nlohmann::json(reason.message_id)},
                       {"detail", reason.detail}});
  }
  return {{"email", email},
          {"contact", answer.contact},
          {"stage", stage ? nlohmann::json(*stage) : nlohmann::json()},
          {"reasons", reasons}};
}

}  // namespace prospectd::views
