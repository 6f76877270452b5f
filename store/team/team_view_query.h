// Reads the team tables for the combined view in one read-only snapshot. A function over the
// caller's PgSession; one thread at a time per session.
#pragma once

#include <cstdint>

#include "store/team/pg_session.h"
#include "store/team/team_database.h"

namespace prospectd::store::team {

// TeamDatabase::read_view. Throws TeamError.
TeamView read_team_view(PgSession& session, std::int64_t as_of);

}  // namespace prospectd::store::team
