// Names of the lifecycle stages (core/stage.h).
#include "core/stage.h"

#include "util/enum_names.h"
#include "util/text.h"

namespace prospectd::core {

// In Stage's declaration order (util::enum_name).
constexpr std::array<const char*, 5> kStageNames = {"lead", "prospect", "opportunity", "customer", "disqualified"};

const char* to_string(Stage stage) { return util::enum_name(stage, kStageNames, "lead"); }

std::optional<Stage> stage_from_string(std::string_view name) {
  name = util::trim(name);
  for (const Stage stage : kAllStages) {
    if (util::equals_ignoring_case(name, to_string(stage))) return stage;
  }
  return std::nullopt;
}

const char* stage_names_list() { return "lead, prospect, opportunity, customer, disqualified"; }

}  // namespace prospectd::core
