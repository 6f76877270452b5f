// The lifecycle stages of a contact and their names: one type for the whole program (the
// ranks rules apply live in rules/stage.h). Plain values and pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace prospectd::core {

enum class Stage { lead, prospect, opportunity, customer, disqualified };

// Every stage, in pipeline order: the order of funnels, counts and listings.
inline constexpr std::array kAllStages = {Stage::lead, Stage::prospect, Stage::opportunity, Stage::customer,
                                          Stage::disqualified};

// "lead", "prospect", "opportunity", "customer", "disqualified": the spelling the store, the
// CLI and the JSON API use. Part of the store schema and the API: never rename one.
const char* to_string(Stage stage);

// The stage named `name`, in any case and with surrounding blanks ignored; nullopt otherwise.
std::optional<Stage> stage_from_string(std::string_view name);

// "lead, prospect, opportunity, customer, disqualified": for help texts and error messages.
const char* stage_names_list();

}  // namespace prospectd::core
