// The `why` document (ARCHITECTURE.md "Interfaces"): {"email","contact","stage","reasons":[{"code",
// "message_id","detail"}]}, one shape for `prospectd why --json` and GET /api/why/{email}. Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "rules/why.h"

namespace prospectd::views {

nlohmann::json why_json(const std::string& email, const rules::WhyAnswer& answer,
                        const std::optional<std::string>& stage);

}  // namespace prospectd::views
