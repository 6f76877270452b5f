// The `why` answer for an address, gathered from the store and decided by the rules, and its
// document (ARCHITECTURE.md "Interfaces"): {"email","contact","stage","reasons":[{"code",
// "message_id","detail"}]}, one shape for `prospectd why --json` and GET /api/why/{email}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "rules/identity.h"
#include "rules/why.h"
#include "store/reader.h"

namespace prospectd::views {

struct WhyResult {
  rules::WhyAnswer answer;
  std::optional<std::string> stage;  // the contact's, when it is one
};

// `reader` may be null (no store yet: every address is never seen). `config_blocklist`: the
// config's entries; the store's own blocklist is read from `reader`.
WhyResult explain(store::StoreReader* reader, const std::string& canonical, const rules::Identity& identity,
                  const std::vector<std::string>& config_blocklist);

nlohmann::json why_json(const std::string& email, const WhyResult& result);

}  // namespace prospectd::views
