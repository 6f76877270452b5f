// The team view document (ARCHITECTURE.md "Team"): reps, contacts with each rep's state,
// companies and collisions. Shared by the CLI and the HTTP API. Pure; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "store/team/team_database.h"

namespace prospectd::views {

// {"as_of","reps":[{"rep","contacts","last_publish_at"}],"contacts":[{"email","name","company",
// "stage","reps":[{"rep","stage","last_inbound","last_outbound","thread_count"}]}],
// "companies":[{"company","contacts","reps"}],"collisions":[{"email","reps"}]}; times are
// ISO 8601 UTC or null, an empty name and a missing company are null.
nlohmann::json team_view_json(const store::team::TeamView& view);

}  // namespace prospectd::views
