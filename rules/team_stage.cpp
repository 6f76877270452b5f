// The furthest stage across the reps sharing a contact, and the collision window (rules/team_stage.h).
#include "rules/team_stage.h"

#include <optional>
#include <stdexcept>

#include "rules/stage.h"

namespace prospectd::rules {

core::Stage combined_team_stage(std::span<const core::Stage> stages) {
  if (stages.empty()) throw std::invalid_argument("combined_team_stage: a shared contact has at least one rep");
  std::optional<core::Stage> furthest_active;
  for (const core::Stage stage : stages) {
    if (stage == core::Stage::disqualified) continue;
    if (!furthest_active || stage_rank(stage) > stage_rank(*furthest_active)) furthest_active = stage;
  }
  return furthest_active.value_or(core::Stage::disqualified);
}

bool counts_towards_collision(std::optional<std::int64_t> last_outbound, std::int64_t as_of) {
  return last_outbound && *last_outbound >= as_of - kTeamCollisionWindowSeconds;
}

}  // namespace prospectd::rules
