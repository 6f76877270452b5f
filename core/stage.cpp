// Names of the lifecycle stages (core/stage.h).
#include "core/stage.h"

#include "util/text.h"

namespace prospectd::core {

const char* to_string(Stage stage) {
  switch (stage) {
    case Stage::lead:
      return "lead";
    case Stage::prospect:
      return "prospect";
    case Stage::opportunity:
      return "opportunity";
    case Stage::customer:
      return "customer";
    case Stage::disqualified:
      return "disqualified";
  }
  return "lead";
}

std::optional<Stage> stage_from_string(std::string_view name) {
  name = util::trim(name);
  for (const Stage stage : kAllStages) {
    if (util::equals_ignoring_case(name, to_string(stage))) return stage;
  }
  return std::nullopt;
}

const char* stage_names_list() { return "lead, prospect, opportunity, customer, disqualified"; }

}  // namespace prospectd::core
