// The order of the lifecycle stages as rules apply it (the stages themselves: core/stage.h).
// Pure functions; thread-safe.
#pragma once

#include "core/stage.h"

namespace prospectd::rules {

// lead 0 < prospect 1 < opportunity 2 < customer 3 < disqualified 4. A rule moves a contact
// only to a higher rank, so disqualified, ranked above everything, is terminal for rules and
// can be reached by a rule from any stage. Manual moves ignore ranks.
int stage_rank(core::Stage stage);

}  // namespace prospectd::rules
