// Assembles the combined team view from the rows of the team tables: one entry per contact with
// its reps, the combined stage and name, companies and collisions. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/team/team_database.h"

namespace prospectd::store::team {

// One row of team_contacts as the view reads it.
struct TeamContactRow {
  std::string email;
  std::string name;
  std::optional<std::string> company;
  TeamContactRep rep;
};

// The view as of `as_of`, in the orders TeamView documents (byte order of the names). Name and
// company come from the most recently active rep (latest inbound or outbound message; ties by
// rep name) that has a non-empty one.
TeamView build_team_view(std::int64_t as_of, std::vector<TeamRepSummary> reps, std::vector<TeamContactRow> rows);

}  // namespace prospectd::store::team
