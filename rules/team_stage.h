// The team's decisions about a contact several reps share (ARCHITECTURE.md "Team"): its stage
// (the furthest any rep has) and whether a rep counts towards a collision. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "core/stage.h"

namespace prospectd::rules {

// lead < prospect < opportunity < customer (rules::stage_rank); a rep's "disqualified" does not
// count while another rep still works the contact. Throws std::invalid_argument for no stages.
core::Stage combined_team_stage(std::span<const core::Stage> stages);

// A collision is a contact that two or more reps have written to within this window before the
// view's time: 30 days.
inline constexpr std::int64_t kTeamCollisionWindowSeconds = 30 * 24 * 60 * 60;

// Whether a rep whose last outbound message to a contact was at `last_outbound` counts towards a
// collision as of `as_of`: at most kTeamCollisionWindowSeconds before it (later times count too:
// the reps' clocks may differ a little).
bool counts_towards_collision(std::optional<std::int64_t> last_outbound, std::int64_t as_of);

}  // namespace prospectd::rules
