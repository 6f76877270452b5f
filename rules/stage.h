// The lifecycle stages of a contact (DESIGN §2) and their order, as rules see them.
// Plain values and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace prospectd::rules {

enum class Stage { lead, prospect, opportunity, customer, disqualified };

// "lead", "prospect", "opportunity", "customer", "disqualified": the spelling the store,
// the CLI and the JSON API use.
const char* to_string(Stage stage);

// The stage named `name`, in any case and with surrounding blanks ignored; nullopt otherwise.
std::optional<Stage> stage_from_string(std::string_view name);

// lead 0 < prospect 1 < opportunity 2 < customer 3 < disqualified 4. A rule moves a contact
// only to a higher rank, so disqualified, ranked above everything, is terminal for rules and
// can be reached by a rule from any stage. Manual moves ignore ranks.
int stage_rank(Stage stage);

}  // namespace prospectd::rules
